/**
 * `StoreModel`: the store seen through the reducer's `UiModel` interface, plus the windowed row
 * lookups the views need. It owns the caches that make a 100k-row timeline cheap: one
 * incremental `FilteredIndex` per session and filter (the last two filters are kept, so changing
 * the filter can map the selection from the old rows to the new), and the detail tree of the
 * selected record.
 *
 * Contract: reads the store, never writes it; every lookup is O(1) or O(log n) except the first
 * scan of a session under a new filter (linear over the compact rows, then incremental as records
 * arrive) and `diagnosticTarget` (a linear scan of the rows, on a key press). Whole records (the
 * detail tree) are read from the store's spool, one per selection. The viewport and detail width
 * are set by the app from the layout before each render.
 */
import { AllRows, FilteredIndex, RowMatcher, type Filter, type TimelineView } from './filter.js';
import type { TimelineRecord } from './format.js';
import { T_DIAGNOSTIC } from './items.js';
import type { UiModel, Viewport } from './state.js';
import type { RecordStore, SessionEntry } from './store.js';
import { hexLines } from './hex.js';
import { overviewLines } from './overview.js';
import { buildDetail, flattenDetail, type DetailLine, type DetailNode, type Expanded } from './tree.js';

export class StoreModel implements UiModel {
  viewport: Viewport = { sessions: 1, timeline: 1, detail: 1, diagnostics: 1 };
  detailWidth = 60;

  private readonly all = new WeakMap<SessionEntry, AllRows>();
  /** filter text → its matcher and, per session, its index; at most two filter texts. */
  private readonly filtered = new Map<string, { matcher: RowMatcher; bySession: WeakMap<SessionEntry, FilteredIndex> }>();
  private treeFor: { session: SessionEntry; item: number; width: number; start: number; nodes: DetailNode[] } | null = null;
  private hexFor: { session: SessionEntry; item: number; width: number; lines: readonly DetailLine[] } | null = null;
  private overviewFor: { session: SessionEntry; width: number; height: number; version: number; lines: readonly DetailLine[] } | null = null;
  private flatFor: { nodes: DetailNode[]; expanded: Expanded; lines: DetailLine[] } | null = null;

  /** Quitting cuts the sessions still open (a live proxy): `liveSessions` counts them. */
  cutsSessions = false;

  constructor(readonly store: RecordStore) {}

  get liveSessions(): number {
    if (!this.cutsSessions) return 0;
    let n = 0;
    for (const s of this.store.sessions) if (!s.closed) n++;
    return n;
  }

  get sessionCount(): number {
    return this.store.sessions.length;
  }

  get diagnosticCount(): number {
    return this.store.diagnostics.length;
  }

  session(index: number): SessionEntry | undefined {
    return this.store.sessions[index];
  }

  /** The timeline of a session under a filter, brought up to date with the store. */
  view(index: number, filter: Filter): TimelineView | undefined {
    const s = this.store.sessions[index];
    if (s === undefined) return undefined;
    if (filter.terms.length === 0) {
      let v = this.all.get(s);
      if (v === undefined) {
        v = new AllRows(s);
        this.all.set(s, v);
      }
      return v;
    }
    let f = this.filtered.get(filter.text);
    if (f === undefined) {
      f = { matcher: new RowMatcher(filter), bySession: new WeakMap() };
      this.filtered.set(filter.text, f);
      while (this.filtered.size > 2) this.filtered.delete(this.filtered.keys().next().value!);
    } else if (this.filtered.size > 1) {
      // Most recently used last.
      this.filtered.delete(filter.text);
      this.filtered.set(filter.text, f);
    }
    let v = f.bySession.get(s);
    if (v === undefined) {
      v = new FilteredIndex(s, filter, f.matcher);
      f.bySession.set(s, v);
    }
    return v.sync();
  }

  timelineLength(session: number, filter: Filter): number {
    return this.view(session, filter)?.length ?? 0;
  }

  itemAt(session: number, filter: Filter, row: number): number {
    const v = this.view(session, filter);
    if (v === undefined || row < 0 || row >= v.length) return -1;
    return v.itemIndex(row);
  }

  rowOf(session: number, filter: Filter, item: number): number {
    return this.view(session, filter)?.rowOfItem(item) ?? 0;
  }

  record(session: number, filter: Filter, row: number): TimelineRecord | undefined {
    const v = this.view(session, filter);
    return v === undefined || row < 0 || row >= v.length ? undefined : v.record(row);
  }

  /** The detail tree of a record (memoised for the last record and width). */
  detailTree(session: number, filter: Filter, row: number): DetailNode[] {
    const s = this.store.sessions[session];
    const item = this.itemAt(session, filter, row);
    if (s === undefined || item < 0) return [];
    const t = this.treeFor;
    if (t !== null && t.session === s && t.item === item && t.width === this.detailWidth && t.start === s.startTime) return t.nodes;
    const rec = s.items.record(item);
    if (rec === undefined) return [];
    const nodes = buildDetail(rec, { sessionStart: s.startTime, width: this.detailWidth });
    this.treeFor = { session: s, item, width: this.detailWidth, start: s.startTime, nodes };
    return nodes;
  }

  detailLines(session: number, filter: Filter, row: number, expanded: Expanded, hex = false): readonly DetailLine[] {
    if (hex) return this.hexOf(session, filter, row);
    const nodes = this.detailTree(session, filter, row);
    const f = this.flatFor;
    if (f !== null && f.nodes === nodes && f.expanded === expanded) return f.lines;
    const lines = flattenDetail(nodes, expanded);
    this.flatFor = { nodes, expanded, lines };
    return lines;
  }

  /** The hex view of a row (memoised for the last record and width). */
  private hexOf(session: number, filter: Filter, row: number): readonly DetailLine[] {
    const s = this.store.sessions[session];
    const item = this.itemAt(session, filter, row);
    if (s === undefined || item < 0) return [];
    const h = this.hexFor;
    if (h !== null && h.session === s && h.item === item && h.width === this.detailWidth) return h.lines;
    const rec = s.items.record(item);
    if (rec === undefined) return [];
    const lines = hexLines(rec, this.detailWidth);
    this.hexFor = { session: s, item, width: this.detailWidth, lines };
    return lines;
  }

  /** The session overview, fitted to the detail pane (memoised per session, pane size and store version). */
  overview(session: number, version: number): readonly DetailLine[] {
    const s = this.store.sessions[session];
    if (s === undefined) return [];
    const o = this.overviewFor;
    const height = this.viewport.detail;
    if (o !== null && o.session === s && o.width === this.detailWidth && o.height === height && o.version === version) return o.lines;
    const lines = overviewLines(s, this.detailWidth, height);
    this.overviewFor = { session: s, width: this.detailWidth, height, version, lines };
    return lines;
  }

  /**
   * The record a diagnostic is about: in its session, the handshake part or message in the same
   * direction and frame (the last one starting at or before its byte offset when several share
   * the frame), else the one with the nearest frame (same direction preferred), else the
   * diagnostic's own row.
   */
  diagnosticTarget(diag: number): { session: number; item: number } | null {
    const diags = this.store.diagnostics;
    if (diag < 0 || diag >= diags.length) return null;
    const sid = diags.session(diag);
    if (sid === null) return null;
    const session = this.store.indexOfSession(sid);
    const s = this.store.sessions[session];
    if (s === undefined) return null;
    const items = s.items;
    const ownItem = diags.item(diag);
    const own = () => ({ session, item: ownItem < 0 ? 0 : ownItem });
    const frame = diags.frame(diag);
    if (frame === undefined) return own();
    const dir = diags.dir(diag);
    // The diagnostic's stream offset decides between rows of the same frame; read only if needed.
    let offset: number | undefined | null = null;
    const dOffset = () => {
      if (offset === null) offset = diags.record(diag)?.offset;
      return offset;
    };
    let exact = -1;
    let best = -1;
    let bestScore = Number.POSITIVE_INFINITY;
    for (let i = 0; i < items.length; i++) {
      if (items.typeCode(i) === T_DIAGNOSTIC) continue;
      const f = items.frame(i)!;
      const rdir = items.dir(i);
      if (f === frame && (dir === undefined || rdir === dir)) {
        const o = dOffset();
        if (exact < 0 || o === undefined) exact = i;
        else {
          const r = items.record(i);
          if (r !== undefined && r.offset !== undefined && r.offset <= o) exact = i;
        }
        if (o === undefined) break;
        continue;
      }
      const score = Math.abs(f - frame) * 2 + (dir !== undefined && rdir !== dir ? 1 : 0);
      if (score < bestScore) {
        bestScore = score;
        best = i;
      }
    }
    if (exact >= 0) return { session, item: exact };
    if (best >= 0) return { session, item: best };
    return own();
  }
}
