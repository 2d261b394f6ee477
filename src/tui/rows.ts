/**
 * Row data for the views: the visible window of each list, formatted into fixed-width cells.
 *
 * Contract: pure functions of the model and a window (`top`, `count`); they touch only the rows
 * in the window, so the cost of a frame does not depend on the size of the capture. Rows are
 * formatted from the compact columns and interned texts (items.ts); only a row whose text was not
 * interned reads its record from the spool (cached). Cells are already cleaned, truncated and
 * padded to their column widths; views only colour and join them.
 */
import { clockTime } from './format.js';
import type { Severity } from '../core/diagnostics.js';
import type { Filter } from './filter.js';
import { arrow, clean, fit, relTime, summarize, thousands, typeLabelOf, type Kind } from './format.js';
import { T_DIAGNOSTIC, T_MESSAGE } from './items.js';
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
  readonly via: string;
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
    time: fit(c.time >= 12 ? 'UTC time' : 'time', c.time, 'right'),
    dir: ' ',
    csid: fit('csid', c.csid, 'right'),
    type: fit('type', c.type),
    summary: fit('name / summary', c.summary),
    size: fit('size', c.size, 'right'),
  };
}

/** `absTime`: capture time of day (UTC, `12:34:56.789`) instead of seconds since the session's start. */
export function timelineRows(m: StoreModel, session: number, filter: Filter, top: number, count: number, c: TimelineColumns, absTime = false): TimelineRow[] {
  const v = m.view(session, filter);
  const s = m.session(session);
  if (v === undefined || s === undefined) return [];
  const out: TimelineRow[] = [];
  const items = s.items;
  const end = Math.min(v.length, top + count);
  for (let row = Math.max(0, top); row < end; row++) {
    const i = v.itemIndex(row);
    if (i < 0 || i >= items.length) continue;
    const type = items.typeCode(i);
    const frame = items.frame(i);
    let summary = items.text(i)?.summary;
    if (summary === undefined) {
      const r = items.record(i);
      summary = r === undefined ? '' : summarize(r);
    }
    out.push({
      key: row,
      kind: items.kind(i),
      frame: fit(frame === undefined ? '' : String(frame), c.frame, 'right'),
      time: fit(absTime ? clockTime(items.time(i)) : relTime(items.time(i), s.startTime), c.time, 'right'),
      dir: arrow(items.dir(i)),
      csid: fit(type === T_MESSAGE ? String(items.csid(i)) : '', c.csid, 'right'),
      type: fit(typeLabelOf(items.type(i), items.typeId(i), items.severity(i)), c.type),
      summary: fit(summary, c.summary),
      size: fit(type === T_DIAGNOSTIC ? '' : String(items.size(i)), c.size, 'right'),
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
    via: fit('via', c.via),
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
      endpoints: fit(`${clean(s.client)} → ${clean(s.server)}${s.transport === null || s.transport === 'rtmp' ? '' : ` ${s.transport}`}`, c.endpoints),
      appStream: fit(s.appStream, c.appStream),
      role: fit(s.role, c.role),
      via: fit(s.transport ?? '', c.via),
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
    const session = diags.session(i);
    const dir = diags.dir(i);
    const frame = diags.frame(i);
    const severity = diags.severity(i);
    let code: string;
    let message: string;
    const t = diags.text(i);
    if (t !== undefined) {
      code = t.name;
      message = t.message ?? '';
    } else {
      const d = diags.record(i);
      code = d?.code ?? '?';
      message = d === undefined ? '' : clean(d.message);
    }
    const where = [session === null ? 'capture' : `#${session}`, dir !== undefined ? arrow(dir) : '', frame !== undefined ? `frame ${frame}` : ''].filter((x) => x !== '').join(' ');
    out.push({
      key: i,
      severity,
      sev: fit(severity, 5),
      code: fit(code, codeW),
      message: fit(message, msgW),
      where: fit(where, whereW, 'right'),
    });
  }
  return out;
}
