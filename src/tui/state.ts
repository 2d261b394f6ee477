/**
 * UI state and its pure reducer: selection and scroll of each pane, focus, the timeline filter
 * (applied and being typed), follow mode, expanded detail nodes, the help overlay, quitting.
 *
 * Contract:
 * - `reduce(state, action, model)` is a pure function: it reads the data only through `UiModel`
 *   (lengths, lookups and pane heights — a read-only view of the store), never mutates, and
 *   returns a new state. It is tested without ink or React.
 * - Every action starts from `resolve(state, model)`: cursors clamped to the current data, and in
 *   follow mode the timeline cursor on the newest row. Views render `resolve(state, model)` too,
 *   so records arriving between key presses never leave a cursor past the end.
 * - Indexes: `sessions.selected` indexes the store's sessions (arrival order, stable);
 *   `timeline.selected` a row of the selected session's timeline under the applied filter;
 *   `detail.selected` a visible line of the detail tree; `diagnostics.selected` the store's
 *   diagnostics. `top` is each pane's first visible row (windowing).
 * - Changing the filter (or clearing it) keeps the selected record when it still passes, else
 *   selects the nearest row after it. Jumping to a diagnostic (Enter in the diagnostics pane,
 *   `n`/`N`) selects its session and the message at fault, and turns follow off.
 */
import { EMPTY_FILTER, parseFilter, type Filter } from './filter.js';
import { clean, thousands } from './format.js';
import type { DetailLine, Expanded } from './tree.js';

export type Pane = 'sessions' | 'timeline' | 'detail' | 'diagnostics';
export const PANES: readonly Pane[] = ['sessions', 'timeline', 'detail', 'diagnostics'];

export type Cursor = { readonly selected: number; readonly top: number };

export type Prompt = { readonly draft: string; readonly error: string | null };

/** A cursor per pane, and the rest. */
export type UiState = { readonly [P in Pane]: Cursor } & {
  readonly focus: Pane;
  /** False until the user first moves to a diagnostic: then `n` starts at the first one. */
  readonly diagArmed: boolean;
  readonly follow: boolean;
  readonly filter: Filter;
  /** The filter being typed after `/`, or null. */
  readonly prompt: Prompt | null;
  readonly expanded: Expanded;
  readonly help: boolean;
  /** The detail pane shows the selected item's bytes in hex (`x`). */
  readonly hex: boolean;
  /** Times are shown as capture time of day rather than relative to the session's start (`t`). */
  readonly absTime: boolean;
  readonly quit: boolean;
  /** `q` was pressed with live sessions open: the next `q` quits, any other key stays. */
  readonly quitArmed: boolean;
  /** A one-line message for the status bar (cleared by the next action). */
  readonly notice: string | null;
};

export type Viewport = { readonly sessions: number; readonly timeline: number; readonly detail: number; readonly diagnostics: number };

/** What the reducer may know about the data: a read-only view of the store. */
export interface UiModel {
  readonly sessionCount: number;
  readonly diagnosticCount: number;
  /** Visible rows per pane. */
  readonly viewport: Viewport;
  timelineLength(session: number, filter: Filter): number;
  /** Index into the session's items of a timeline row under a filter (-1: no such row). */
  itemAt(session: number, filter: Filter, row: number): number;
  /** The row showing an item under a filter, else the nearest row after it (clamped). */
  rowOf(session: number, filter: Filter, item: number): number;
  /** The detail pane's lines for a timeline row: its fields as a tree, or its bytes (`hex`). */
  detailLines(session: number, filter: Filter, row: number, expanded: Expanded, hex?: boolean): readonly DetailLine[];
  /** The session (index) and item the diagnostic points at, or null (capture-level). */
  diagnosticTarget(diag: number): { readonly session: number; readonly item: number } | null;
  /** Sessions still open on a live source (quitting cuts them); 0 or absent for a file. */
  readonly liveSessions?: number;
}

export type Action =
  | { readonly type: 'move'; readonly delta: number }
  | { readonly type: 'page'; readonly delta: 1 | -1 }
  | { readonly type: 'home' }
  | { readonly type: 'end' }
  | { readonly type: 'focus-next' }
  | { readonly type: 'focus-prev' }
  | { readonly type: 'focus'; readonly pane: Pane }
  | { readonly type: 'enter' }
  | { readonly type: 'left' }
  | { readonly type: 'right' }
  | { readonly type: 'escape' }
  | { readonly type: 'filter-open' }
  | { readonly type: 'filter-input'; readonly text: string }
  | { readonly type: 'filter-backspace' }
  | { readonly type: 'filter-submit' }
  | { readonly type: 'filter-cancel' }
  | { readonly type: 'diag-next'; readonly delta: 1 | -1 }
  | { readonly type: 'jump-diagnostic'; readonly index: number }
  | { readonly type: 'toggle-follow' }
  | { readonly type: 'toggle-help' }
  | { readonly type: 'toggle-hex' }
  | { readonly type: 'toggle-time' }
  | { readonly type: 'quit' };

const ZERO: Cursor = { selected: 0, top: 0 };

export function initialState(opts: { follow?: boolean } = {}): UiState {
  return {
    focus: 'sessions',
    sessions: ZERO,
    timeline: ZERO,
    detail: ZERO,
    diagnostics: ZERO,
    diagArmed: false,
    follow: opts.follow === true,
    filter: EMPTY_FILTER,
    prompt: null,
    expanded: {},
    help: false,
    hex: false,
    absTime: false,
    quit: false,
    quitArmed: false,
    notice: null,
  };
}

function clamp(n: number, lo: number, hi: number): number {
  return n < lo ? lo : n > hi ? hi : n;
}

/** Clamp a selection to [0, length) and scroll so that it is visible in `height` rows. */
export function fitCursor(c: Cursor, length: number, height: number): Cursor {
  const h = Math.max(1, height);
  const selected = length === 0 ? 0 : clamp(c.selected, 0, length - 1);
  let top = c.top;
  if (selected < top) top = selected;
  if (selected >= top + h) top = selected - h + 1;
  top = clamp(top, 0, Math.max(0, length - h));
  return selected === c.selected && top === c.top ? c : { selected, top };
}

/** Select a row and scroll so that it sits in the middle of the pane (for jumps). */
function centre(row: number, length: number, height: number): Cursor {
  return fitCursor({ selected: row, top: row - Math.floor(Math.max(1, height) / 2) }, length, height);
}

export function timelineLength(s: UiState, m: UiModel): number {
  return m.sessionCount === 0 ? 0 : m.timelineLength(s.sessions.selected, s.filter);
}

function detailLinesOf(s: UiState, m: UiModel): readonly DetailLine[] {
  if (m.sessionCount === 0 || timelineLength(s, m) === 0) return [];
  return m.detailLines(s.sessions.selected, s.filter, s.timeline.selected, s.expanded, s.hex);
}

/** Cursors clamped to the data (and follow applied): what the views show. */
export function resolve(state: UiState, m: UiModel): UiState {
  const vp = m.viewport;
  const sessions = fitCursor(state.sessions, m.sessionCount, vp.sessions);
  let s = sessions === state.sessions ? state : { ...state, sessions };
  const tlen = timelineLength(s, m);
  const tl0 = s.follow && tlen > 0 ? { selected: tlen - 1, top: s.timeline.top } : s.timeline;
  const timeline = fitCursor(tl0, tlen, vp.timeline);
  if (timeline !== s.timeline) s = { ...s, timeline };
  const detail = fitCursor(s.detail, detailLinesOf(s, m).length, vp.detail);
  if (detail !== s.detail) s = { ...s, detail };
  const diagnostics = fitCursor(s.diagnostics, m.diagnosticCount, vp.diagnostics);
  if (diagnostics !== s.diagnostics) s = { ...s, diagnostics };
  return s;
}

function paneLength(s: UiState, pane: Pane, m: UiModel): number {
  switch (pane) {
    case 'sessions':
      return m.sessionCount;
    case 'timeline':
      return timelineLength(s, m);
    case 'detail':
      return detailLinesOf(s, m).length;
    case 'diagnostics':
      return m.diagnosticCount;
  }
}

/** Put the focused pane's cursor on `row` (clamped), with the side effects of moving there. */
function select(s: UiState, pane: Pane, row: number, m: UiModel, opts: { keepFollow?: boolean } = {}): UiState {
  const len = paneLength(s, pane, m);
  const h = m.viewport[pane];
  const next = fitCursor({ selected: row, top: s[pane].top }, len, h);
  switch (pane) {
    case 'sessions': {
      if (next.selected === s.sessions.selected) return { ...s, sessions: next };
      return { ...s, sessions: next, timeline: ZERO, detail: ZERO };
    }
    case 'timeline': {
      const follow = opts.keepFollow === true ? s.follow : false;
      if (next.selected === s.timeline.selected) return { ...s, timeline: next, follow };
      return { ...s, timeline: next, detail: ZERO, follow };
    }
    case 'detail':
      return { ...s, detail: next };
    case 'diagnostics':
      return { ...s, diagnostics: next, diagArmed: true };
  }
}

function withFilter(s: UiState, filter: Filter, m: UiModel): UiState {
  let row = 0;
  if (m.sessionCount > 0) {
    const item = m.itemAt(s.sessions.selected, s.filter, s.timeline.selected);
    if (item >= 0) row = m.rowOf(s.sessions.selected, filter, item);
  }
  const next = { ...s, filter };
  const len = timelineLength(next, m);
  const keep = m.itemAt(s.sessions.selected, filter, row) === m.itemAt(s.sessions.selected, s.filter, s.timeline.selected);
  return { ...next, timeline: centre(row, len, m.viewport.timeline), detail: keep ? s.detail : ZERO };
}

function jump(s: UiState, index: number, m: UiModel, notice: string | null): UiState {
  const n = m.diagnosticCount;
  if (n === 0) return { ...s, notice: 'no diagnostics' };
  const idx = clamp(index, 0, n - 1);
  let next: UiState = { ...s, diagnostics: fitCursor({ selected: idx, top: s.diagnostics.top }, n, m.viewport.diagnostics), diagArmed: true };
  const where = `diagnostic ${idx + 1} of ${n}`;
  const target = m.diagnosticTarget(idx);
  if (target === null) return { ...next, notice: `${notice ?? where}: not tied to a session` };
  next = {
    ...next,
    sessions: fitCursor({ selected: target.session, top: next.sessions.top }, m.sessionCount, m.viewport.sessions),
    follow: false,
    detail: ZERO,
  };
  const len = timelineLength(next, m);
  const row = len === 0 ? 0 : m.rowOf(target.session, next.filter, target.item);
  return { ...next, timeline: centre(row, len, m.viewport.timeline), notice: notice ?? where };
}

function cycle(p: Pane, delta: number): Pane {
  const i = PANES.indexOf(p);
  return PANES[(i + delta + PANES.length) % PANES.length]!;
}

/** Quit, unless live sessions are open and this is the first `q`: then ask (the next `q` quits). */
function quitOrAsk(s: UiState, m: UiModel): UiState {
  const open = m.liveSessions ?? 0;
  if (open === 0 || s.quitArmed) return { ...s, quit: true };
  return { ...s, quitArmed: true, notice: `${open} live session${open === 1 ? ' is' : 's are'} open: q again cuts ${open === 1 ? 'it' : 'them'} and quits, any other key stays` };
}

export function reduce(state: UiState, action: Action, m: UiModel): UiState {
  const s0 = resolve(state, m);
  const s1 = s0.notice === null ? s0 : { ...s0, notice: null };
  const s = s1.quitArmed && action.type !== 'quit' ? { ...s1, quitArmed: false } : s1;
  const pane = s.focus;

  // While the filter prompt is open, only prompt actions (and quit) apply.
  if (s.prompt !== null) {
    const p = s.prompt;
    switch (action.type) {
      case 'filter-input':
        return { ...s, prompt: { draft: p.draft + clean(action.text).replace(/·/g, ''), error: null } };
      case 'filter-backspace':
        return { ...s, prompt: { draft: p.draft.slice(0, -1), error: null } };
      case 'filter-cancel':
      case 'escape':
        return { ...s, prompt: null };
      case 'filter-submit': {
        const r = parseFilter(p.draft);
        if (!r.ok) return { ...s, prompt: { draft: p.draft, error: r.error } };
        const next = withFilter({ ...s, prompt: null }, r.filter, m);
        const len = timelineLength(next, m);
        return { ...next, notice: r.filter.terms.length === 0 ? 'filter cleared' : `filter: ${thousands(len)} row${len === 1 ? '' : 's'} match` };
      }
      case 'quit':
        return quitOrAsk(s, m);
      default:
        return s;
    }
  }

  switch (action.type) {
    case 'move':
      return select(s, pane, s[pane].selected + action.delta, m);
    case 'page':
      return select(s, pane, s[pane].selected + action.delta * Math.max(1, m.viewport[pane]), m);
    case 'home':
      return select(s, pane, 0, m);
    case 'end':
      return select(s, pane, paneLength(s, pane, m) - 1, m, { keepFollow: true });
    case 'focus-next':
      return { ...s, focus: cycle(pane, 1), help: false };
    case 'focus-prev':
      return { ...s, focus: cycle(pane, -1), help: false };
    case 'focus':
      return { ...s, focus: action.pane };
    case 'enter':
      switch (pane) {
        case 'sessions':
          return { ...s, focus: 'timeline' };
        case 'timeline':
          return timelineLength(s, m) === 0 ? s : { ...s, focus: 'detail' };
        case 'detail': {
          const line = detailLinesOf(s, m)[s.detail.selected];
          if (line === undefined || !line.hasChildren) return s;
          return { ...s, expanded: { ...s.expanded, [line.id]: !line.open } };
        }
        case 'diagnostics':
          return { ...jump(s, s.diagnostics.selected, m, null), focus: m.diagnosticCount === 0 ? pane : 'timeline' };
      }
      return s;
    case 'right': {
      if (pane === 'timeline') return timelineLength(s, m) === 0 ? s : { ...s, focus: 'detail' };
      if (pane !== 'detail') return s;
      const lines = detailLinesOf(s, m);
      const line = lines[s.detail.selected];
      if (line === undefined || !line.hasChildren) return s;
      if (!line.open) return { ...s, expanded: { ...s.expanded, [line.id]: true } };
      return select(s, 'detail', s.detail.selected + 1, m);
    }
    case 'left': {
      if (pane !== 'detail') return s;
      const lines = detailLinesOf(s, m);
      const line = lines[s.detail.selected];
      if (line === undefined) return s;
      if (line.hasChildren && line.open) return { ...s, expanded: { ...s.expanded, [line.id]: false } };
      for (let i = s.detail.selected - 1; i >= 0; i--) {
        if (lines[i]!.depth < line.depth) return select(s, 'detail', i, m);
      }
      return { ...s, focus: 'timeline' };
    }
    case 'escape':
      if (s.help) return { ...s, help: false };
      if (s.filter.terms.length > 0) return { ...withFilter(s, EMPTY_FILTER, m), notice: 'filter cleared' };
      if (pane === 'detail') return { ...s, focus: 'timeline' };
      return s;
    case 'filter-open':
      return { ...s, prompt: { draft: s.filter.text, error: null }, help: false };
    case 'filter-input':
    case 'filter-backspace':
    case 'filter-submit':
    case 'filter-cancel':
      return s;
    case 'diag-next': {
      const n = m.diagnosticCount;
      if (n === 0) return { ...s, notice: 'no diagnostics' };
      let idx = s.diagArmed ? s.diagnostics.selected + action.delta : action.delta > 0 ? 0 : n - 1;
      let notice: string | null = null;
      if (idx >= n) {
        idx = 0;
        notice = `wrapped to the first diagnostic (1 of ${n})`;
      } else if (idx < 0) {
        idx = n - 1;
        notice = `wrapped to the last diagnostic (${n} of ${n})`;
      }
      return jump(s, idx, m, notice);
    }
    case 'jump-diagnostic':
      return jump(s, action.index, m, null);
    case 'toggle-follow': {
      if (s.follow) return { ...s, follow: false, notice: 'follow off' };
      const len = timelineLength(s, m);
      const timeline = fitCursor({ selected: Math.max(0, len - 1), top: s.timeline.top }, len, m.viewport.timeline);
      return { ...s, follow: true, timeline, detail: timeline.selected === s.timeline.selected ? s.detail : ZERO, notice: 'follow on: the newest message stays selected' };
    }
    case 'toggle-help':
      return { ...s, help: !s.help };
    case 'toggle-hex':
      // The hex is of the selected timeline row: from the sessions pane, show it beside the timeline.
      return { ...s, hex: !s.hex, detail: ZERO, focus: !s.hex && pane === 'sessions' ? 'timeline' : pane, notice: s.hex ? 'hex off' : "hex on: the selected item's bytes (x again: fields)" };
    case 'toggle-time':
      return { ...s, absTime: !s.absTime, notice: s.absTime ? 'times relative to the session start' : 'times absolute (capture time of day, UTC)' };
    case 'quit':
      return quitOrAsk(s, m);
  }
}
