/**
 * The report as one self-contained HTML page: uPlot, the page's script and style inline, the model
 * as a JSON data block, and a Content-Security-Policy that allows nothing but those inline parts
 * (by hash): the page fetches nothing and runs nothing else. Pure: uPlot's files are passed in.
 */
import { createHash } from 'node:crypto';
import { toJson } from '../core/text.js';
import { CLIENT_CSS, CLIENT_JS } from './client.js';
import type { ReportModel } from './model.js';

export type ReportAssets = { readonly uplotJs: string; readonly uplotCss: string };

const HTML_ESCAPES: Readonly<Record<string, string>> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

export function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => HTML_ESCAPES[c] ?? c);
}

/** JSON that cannot end its <script> element or open a comment in it: every '<' escaped. */
export function scriptJson(v: unknown): string {
  return toJson(v).replace(/</g, '\\u003c');
}

function sha256(s: string): string {
  return `'sha256-${createHash('sha256').update(s, 'utf8').digest('base64')}'`;
}

export function renderHtml(model: ReportModel, assets: ReportAssets): string {
  for (const [what, text] of [
    ['uPlot', assets.uplotJs],
    ['uPlot CSS', assets.uplotCss],
  ] as const) {
    if (/<\/(script|style)/i.test(text)) throw new Error(`${what} cannot be inlined: it contains a closing tag`);
  }
  const script = `${assets.uplotJs}\n${CLIENT_JS}`;
  const style = `${assets.uplotCss}\n${CLIENT_CSS}`;
  const csp = ["default-src 'none'", `script-src ${sha256(script)}`, `style-src ${sha256(style)}`, "base-uri 'none'", "form-action 'none'"].join('; ');
  const names = model.captures.map((c) => c.name).join(', ');
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="${escapeHtml(csp)}">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="generator" content="rtmpscope">
<title>rtmpscope report: ${escapeHtml(names)}</title>
<style>${style}</style>
</head>
<body>
<header><h1>rtmpscope report</h1><span class="cap">${escapeHtml(names)}</span><button id="theme" type="button" title="light or dark">◐ theme</button></header>
<div class="layout"><nav id="nav"></nav><main id="main"><noscript>This report needs JavaScript to draw its ladder and plots.</noscript></main></div>
<script type="application/json" id="report-data">${scriptJson(model)}</script>
<script>${script}</script>
</body>
</html>
`;
}
