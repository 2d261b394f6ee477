/**
 * Row data for the views: the visible window of each list, formatted into fixed-width cells.
 *
 * Contract: pure functions of the model and a window (`top`, `count`); they touch only the rows
 * in the window, so the cost of a frame does not depend on the size of the capture. Cells are
 * already cleaned, truncated and padded to their column widths; views only colour and join them.
 */
import type { Severity } from '../core/diagnostics.js';
import type { Filter } from './filter.js';
import { arrow, clean, fit, kindOf, relTime, sizeOf, summarize, thousands, typeLabel, type Kind } from './format.js';
import type { SessionColumns, TimelineColumns } from './layout.js';
import type { StoreModel } from './model.js';

export type TimelineRow = {
  readonly key: number;
  readonly kind: Kind;
  readonly frame: string;
  readonly time: string;
  readonly dir: string;
  readonly csid: string;
  readonly type: string;
  readonly summary: string;
  readonly size: string;
};

export type SessionRow = {
  readonly key: number;
  readonly id: string;
  readonly endpoints: string;
  readonly appStream: string;
  readonly role: string;
  readonly state: string;
  readonly open: boolean;
  readonly problems: string;
  readonly worst: Severity | null;
  readonly messages: string;
};

export type DiagnosticRow = {
  readonly key: number;
  readonly severity: Severity;
  readonly sev: string;
  readonly code: string;
  readonly message: string;
  readonly where: string;
};

export function timelineHeader(c: TimelineColumns): TimelineRow {
  return {
    key: -1,
    kind: 'other',
    frame: fit('frame', c.frame, 'right'),
    time: fit('time', c.time, 'right'),
    dir: ' ',
    csid: fit('csid', c.csid, 'right'),
    type: fit('type', c.type),
    summary: fit('name / summary', c.summary),
    size: fit('size', c.size, 'right'),
  };
}

export function timelineRows(m: StoreModel, session: number, filter: Filter, top: number, count: number, c: TimelineColumns): TimelineRow[] {
  const v = m.view(session, filter);
  const s = m.session(session);
  if (v === undefined || s === undefined) return [];
  const out: TimelineRow[] = [];
  const end = Math.min(v.length, top + count);
  for (let row = Math.max(0, top); row < end; row++) {
    const r = v.record(row);
    if (r === undefined) continue;
    out.push({
      key: row,
      kind: kindOf(r),
      frame: fit(r.frame === undefined ? '' : String(r.frame), c.frame, 'right'),
      time: fit(relTime(r.time, s.startTime), c.time, 'right'),
      dir: arrow(r.dir),
      csid: fit(r.type === 'message' ? String(r.csid) : '', c.csid, 'right'),
      type: fit(typeLabel(r), c.type),
      summary: fit(summarize(r), c.summary),
      size: fit(sizeOf(r), c.size, 'right'),
    });
  }
  return out;
}

export function sessionHeader(c: SessionColumns): SessionRow {
  return {
    key: -1,
    id: fit('#', c.id, 'right'),
    endpoints: fit('client → server', c.endpoints),
    appStream: fit('app/stream', c.appStream),
    role: fit('role', c.role),
    state: fit('state', c.state),
    open: false,
    problems: fit('problems', c.problems, 'right'),
    worst: null,
    messages: fit('messages', c.messages, 'right'),
  };
}

export function sessionRows(m: StoreModel, top: number, count: number, c: SessionColumns): SessionRow[] {
  const out: SessionRow[] = [];
  const end = Math.min(m.sessionCount, top + count);
  for (let i = Math.max(0, top); i < end; i++) {
    const s = m.session(i)!;
    out.push({
      key: i,
      id: fit(String(s.id), c.id, 'right'),
      endpoints: fit(`${clean(s.client)} → ${clean(s.server)}`, c.endpoints),
      appStream: fit(s.appStream, c.appStream),
      role: fit(s.role, c.role),
      state: fit(s.closed ? 'closed' : 'open', c.state),
      open: !s.closed,
      problems: fit(s.problemCount === 0 ? '0' : thousands(s.problemCount), c.problems, 'right'),
      worst: s.worst,
      messages: fit(thousands(s.messageCount), c.messages, 'right'),
    });
  }
  return out;
}

export function diagnosticRows(m: StoreModel, top: number, count: number, width: number): DiagnosticRow[] {
  const out: DiagnosticRow[] = [];
  const diags = m.store.diagnostics;
  const end = Math.min(diags.length, top + count);
  const codeW = Math.min(34, Math.max(12, Math.floor(width * 0.3)));
  const whereW = 16;
  const msgW = Math.max(4, width - 1 - 5 - 1 - codeW - 1 - whereW - 1);
  for (let i = Math.max(0, top); i < end; i++) {
    const d = diags[i]!;
    const where = [d.session === null ? 'capture' : `#${d.session}`, d.dir !== undefined ? arrow(d.dir) : '', d.frame !== undefined ? `frame ${d.frame}` : '']
      .filter((x) => x !== '')
      .join(' ');
    out.push({
      key: i,
      severity: d.severity,
      sev: fit(d.severity, 5),
      code: fit(d.code, codeW),
      message: fit(clean(d.message), msgW),
      where: fit(where, whereW, 'right'),
    });
  }
  return out;
}
