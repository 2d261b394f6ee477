/**
 * The report page: self-contained (a CSP that allows only the page's own inline script and style,
 * by hash), wire text unable to break out of the data block, and the command's errors.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { renderHtml, escapeHtml, scriptJson } from '../../src/report/html.js';
import { ReportBuilder, reportModel } from '../../src/report/model.js';
import type { OutputRecord } from '../../src/records/index.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
const assets = { uplotJs: 'window.uPlot=function(){};', uplotCss: '.uplot{}' };

function hostileModel() {
  const evil = 'x</script><script>alert(1)</script><!--\u2028\u0007\u202e';
  const b = new ReportBuilder(`cap-${evil}.pcap`);
  b.push([
    { type: 'handshake', session: 1, client: evil, server: 's:1935', dir: 'c2s', frame: 1, time: 1, offset: 0, part: 'C0', elapsedMs: 0 } as OutputRecord,
    {
      type: 'message',
      session: 1,
      client: evil,
      server: 's:1935',
      dir: 'c2s',
      frame: 2,
      time: 2,
      offset: 1,
      firstFrame: 2,
      csid: 3,
      typeId: 20,
      typeName: 'AMF0 Command',
      streamId: 0,
      timestamp: 0,
      length: 9,
      name: evil,
      transactionId: 1,
      command: { app: evil },
      chunks: { count: 1, fmt: 0, extendedTimestamp: false, list: [] },
    } as OutputRecord,
  ]);
  return reportModel([b.finish()]);
}

test('html: wire text cannot close the data block or open markup; control characters are cleaned', () => {
  const html = renderHtml(hostileModel(), assets);
  assert.equal(html.match(/<\/script>/g)?.length, 2, 'only the page’s own two script elements end');
  assert.doesNotMatch(html, /<script>alert/);
  assert.doesNotMatch(html, /<!--/);
  assert.doesNotMatch(html, /[\u0007\u2028\u202e]/);
  const data = /<script type="application\/json" id="report-data">(.*?)<\/script>/s.exec(html)![1]!;
  const model = JSON.parse(data) as ReturnType<typeof hostileModel>;
  assert.match(model.captures[0]!.sessions[0]!.ladder[1]!.label, /^x<\/script><script>alert\(1\)<\/script><!--···/);
  assert.match(html, /<title>rtmpscope report: cap-x&lt;\/script&gt;&lt;script&gt;alert\(1\)/);
  assert.equal(escapeHtml(`<a href="x">'&'</a>`), '&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;');
  assert.equal(scriptJson({ a: '</script>' }), '{"a":"\\u003c/script>"}');
});

test('html: the CSP allows nothing but the inline script and style, by their hashes', () => {
  const html = renderHtml(hostileModel(), assets);
  const csp = /<meta http-equiv="Content-Security-Policy" content="([^"]+)">/.exec(html)![1]!.replace(/&#39;/g, "'");
  assert.match(csp, /default-src 'none'/);
  const script = /<script>(.*?)<\/script>/s.exec(html)![1]!;
  const style = /<style>(.*?)<\/style>/s.exec(html)![1]!;
  const hash = (s: string) => `'sha256-${createHash('sha256').update(s, 'utf8').digest('base64')}'`;
  assert.match(csp, new RegExp(`script-src ${hash(script).replace(/[+/]/g, '\\$&')}(;|$)`));
  assert.match(csp, new RegExp(`style-src ${hash(style).replace(/[+/]/g, '\\$&')}(;|$)`));
  assert.doesNotMatch(html, /\b(src|href)=/, 'nothing is loaded from anywhere');
  assert.throws(() => renderHtml(hostileModel(), { uplotJs: 'a</script>', uplotCss: '' }), /closing tag/);
});

test('cli: rtmpscope report writes one self-contained page; usage errors exit 2', () => {
  const cli = join(root, 'dist', 'bin', 'rtmpscope.js');
  const out = join(mkdtempSync(join(tmpdir(), 'rtmpscope-report-')), 'r.html');
  const r = spawnSync(process.execPath, [cli, 'report', join(root, 'captures', 'ffmpeg-nginx-publish.pcapng'), '-o', out], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stderr, /wrote .*r\.html \(\d+ KiB\)/);
  const html = readFileSync(out, 'utf8');
  assert.match(html, /^<!doctype html>/);
  assert.match(html, /uPlot/);
  const none = spawnSync(process.execPath, [cli, 'report'], { encoding: 'utf8' });
  assert.equal(none.status, 2);
  assert.match(none.stderr, /^rtmpscope: report: no capture given/);
  const missing = spawnSync(process.execPath, [cli, 'report', 'a.pcap', 'b.pcap'], { encoding: 'utf8' });
  assert.equal(missing.status, 1);
  assert.match(missing.stderr, /nothing to read: 2 inputs could not be used/);
});

test('cli: several captures give one report (one unreadable: a line on stderr, exit 1, the others reported)', () => {
  const cli = join(root, 'dist', 'bin', 'rtmpscope.js');
  const out = join(mkdtempSync(join(tmpdir(), 'rtmpscope-report-')), 'r.html');
  const a = join(root, 'captures', 'ffmpeg-nginx-publish.pcapng');
  const b = join(root, 'captures', 'ffmpeg-nginx-publish-rejected.pcap');
  const r = spawnSync(process.execPath, [cli, 'report', a, 'nope.pcap', b, '--threads', '2', '-o', out], { encoding: 'utf8' });
  assert.equal(r.status, 1, r.stderr);
  assert.match(r.stderr, /nope\.pcap: /);
  const html = readFileSync(out, 'utf8');
  const data = JSON.parse(/<script type="application\/json"[^>]*>(.*?)<\/script>/s.exec(html)![1]!.replace(/\\u003c/g, '<')) as { captures: { name: string; sessions: unknown[] }[] };
  assert.deepEqual(
    data.captures.map((c) => c.name),
    [a, b],
  );
  assert.equal(data.captures[0]!.sessions.length, 1);
  assert.equal(data.captures[1]!.sessions.length, 3);
});
