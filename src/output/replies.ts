/**
 * The summary's "server replies" note: each error status the servers answered with (a rejected
 * connect, publish or play), the sessions that got it, what it means (src/core/statuses.ts) and
 * the command that prints its causes and fixes per server family.
 */
import { clean } from '../core/text.js';
import { statusExplanation } from '../core/statuses.js';
import type { SessionRecord } from '../records/index.js';

/** Error statuses of the sessions: code → session numbers (first 64 codes). */
export function rejectedStatuses(sessions: readonly SessionRecord[]): Map<string, number[]> {
  const out = new Map<string, number[]>();
  const add = (code: string | null | undefined, session: number) => {
    if (code === null || code === undefined || (out.size >= 64 && !out.has(code))) return;
    const list = out.get(code) ?? [];
    if (!list.includes(session)) list.push(session);
    out.set(code, list);
  };
  for (const s of sessions) {
    const c = s.connect;
    if (c !== undefined && c.outcome !== null && c.outcome !== 'success' && c.outcome !== 'no-answer') add(c.code ?? '_error', s.session);
    for (const id of Object.values(s.streamIds ?? {})) if (id.outcome === 'rejected') add(id.statusCode, s.session);
  }
  return out;
}

/** The note, or null when no server rejected anything. Lines fit `width` columns. */
export function repliesNote(sessions: readonly SessionRecord[], width = 100): string | null {
  const codes = rejectedStatuses(sessions);
  if (codes.size === 0) return null;
  const lines = ['Server replies (rtmpscope explain CODE: causes and fixes per server):'];
  for (const [code, list] of codes) {
    const meaning = statusExplanation(code)?.meaning ?? 'not a status rtmpscope knows';
    const head = `  ${code} (session${list.length === 1 ? '' : 's'} ${list.slice(0, 8).join(',')}${list.length > 8 ? ',…' : ''}): `;
    const text = clean(head + meaning);
    lines.push(text.length > width ? `${text.slice(0, width - 1)}…` : text);
  }
  return lines.join('\n');
}
