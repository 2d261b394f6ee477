/**
 * Screen layout from the terminal size: pane heights and widths, which timeline and session
 * columns fit, and the visible rows per pane (the reducer's viewport).
 *
 * Contract: pure. The UI draws `rows - 1` lines (ink repaints the whole screen on every frame
 * when its output fills the terminal, so one line is left free). Panes: header (1 line), sessions
 * (title, column header, rows: up to a quarter of the screen), main (timeline and detail side by
 * side from `SPLIT_MIN_COLUMNS` columns; below that the detail pane replaces the timeline while it
 * has focus), diagnostics (title, rows: up to a fifth), footer (1 line). Narrow terminals drop
 * columns in a fixed order (timeline: csid, then size, then time; sessions: messages, then
 * problems). Below `MIN_COLUMNS`×`MIN_ROWS` only a "too small" notice is drawn.
 */
import type { Pane, Viewport } from './state.js';

export type Size = { readonly columns: number; readonly rows: number };

export const SPLIT_MIN_COLUMNS = 120;
export const MIN_COLUMNS = 40;
export const MIN_ROWS = 12;

export type TimelineColumns = {
  readonly frame: number;
  readonly time: number;
  readonly csid: number;
  readonly type: number;
  readonly size: number;
  readonly summary: number;
};

export type SessionColumns = {
  readonly id: number;
  readonly endpoints: number;
  readonly appStream: number;
  readonly role: number;
  /** The transport (rtmp, rtmpe, ...); 0 when the terminal is too narrow. */
  readonly via: number;
  readonly state: number;
  readonly problems: number;
  readonly messages: number;
};

export type Layout = {
  readonly columns: number;
  /** Lines drawn (terminal rows - 1). */
  readonly lines: number;
  readonly tooSmall: boolean;
  readonly sessionsHeight: number;
  readonly mainHeight: number;
  readonly diagnosticsHeight: number;
  readonly split: boolean;
  readonly showTimeline: boolean;
  readonly showDetail: boolean;
  readonly timelineWidth: number;
  readonly detailWidth: number;
  readonly viewport: Viewport;
  readonly timeline: TimelineColumns;
  readonly sessions: SessionColumns;
};

/** `absTime`: the time column holds a time of day (12 columns) rather than `+12.345` (8). */
export function timelineColumns(width: number, absTime = false): TimelineColumns {
  // marker(1) frame ' ' time ' ' dir(1) ' ' csid ' ' type ' ' summary ' ' size
  const frame = 7;
  const time = width >= 50 ? (absTime ? 12 : 8) : 0;
  const csid = width >= 84 ? 4 : 0;
  const type = 9;
  const size = width >= 60 ? 6 : 0;
  const fixed = 1 + frame + 1 + (time ? time + 1 : 0) + 2 + (csid ? csid + 1 : 0) + type + 1 + (size ? size + 1 : 0);
  return { frame, time, csid, type, size, summary: Math.max(4, width - fixed) };
}

export function sessionColumns(width: number): SessionColumns {
  // marker(1) id ' ' endpoints ' ' appStream ' ' role ' ' via ' ' state ' ' problems ' ' messages
  const id = 3;
  const role = 8;
  const via = width >= 72 ? 5 : 0;
  const state = 6;
  const problems = width >= 64 ? 8 : 0;
  const messages = width >= 100 ? 9 : 0;
  const fixed = 1 + id + 1 + 1 + 1 + role + 1 + (via ? via + 1 : 0) + state + (problems ? problems + 1 : 0) + (messages ? messages + 1 : 0);
  const flex = Math.max(10, width - fixed);
  const endpoints = Math.min(47, Math.max(8, flex - 12));
  return { id, endpoints, appStream: Math.min(40, Math.max(2, flex - endpoints)), role, via, state, problems, messages };
}

export function computeLayout(size: Size, counts: { sessions: number; diagnostics: number }, focus: Pane, absTime = false): Layout {
  const columns = Math.max(1, size.columns);
  const lines = Math.max(1, size.rows - 1);
  const tooSmall = columns < MIN_COLUMNS || size.rows < MIN_ROWS;
  const body = Math.max(0, lines - 2);
  let sessRows = Math.min(Math.max(counts.sessions, 1), Math.max(1, Math.floor(body / 4) - 2));
  let diagRows = Math.min(Math.max(counts.diagnostics, 1), Math.max(1, Math.floor(body / 5) - 1));
  // Keep at least 3 timeline rows.
  while (body - (2 + sessRows) - (1 + diagRows) - 2 < 3 && (sessRows > 1 || diagRows > 1)) {
    if (diagRows >= sessRows && diagRows > 1) diagRows--;
    else sessRows--;
  }
  const sessionsHeight = 2 + sessRows;
  const diagnosticsHeight = 1 + diagRows;
  const mainHeight = Math.max(3, body - sessionsHeight - diagnosticsHeight);
  const split = columns >= SPLIT_MIN_COLUMNS;
  const timelineWidth = split ? Math.floor(columns * 0.56) : columns;
  const detailWidth = split ? columns - timelineWidth - 1 : columns;
  // Stacked (narrow): the detail pane in place of the timeline while it (or, for the session
  // overview, the sessions pane) has focus.
  const stackDetail = focus === 'detail' || (focus === 'sessions' && counts.sessions > 0);
  const showDetail = split || stackDetail;
  const showTimeline = split || !stackDetail;
  return {
    columns,
    lines,
    tooSmall,
    sessionsHeight,
    mainHeight,
    diagnosticsHeight,
    split,
    showTimeline,
    showDetail,
    timelineWidth,
    detailWidth,
    viewport: { sessions: sessRows, timeline: Math.max(1, mainHeight - 2), detail: Math.max(1, mainHeight - 1), diagnostics: diagRows },
    timeline: timelineColumns(timelineWidth, absTime),
    sessions: sessionColumns(columns),
  };
}
