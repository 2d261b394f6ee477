/**
 * `StoreModel`: the store seen through the reducer's `UiModel` interface, plus the windowed row
 * lookups the views need. It owns the caches that make a 100k-row timeline cheap: one
 * incremental `FilteredIndex` per session and filter (the last two filters are kept, so changing
 * the filter can map the selection from the old rows to the new), and the detail tree of the
 * selected record.
 *
 * Contract: reads the store, never writes it; every lookup is O(1) or O(log n) except the first
 * scan of a session under a new filter (linear, then incremental as records arrive) and
 * `diagnosticTarget` (a linear scan, on a key press). The viewport and detail width are set by
 * the app from the layout before each render.
 */
import { AllRows, FilteredIndex, type Filter, type TimelineView } from './filter.js';
import type { TimelineRecord } from './format.js';
import type { UiModel, Viewport } from './state.js';
import type { RecordStore, SessionEntry } from './store.js';
import { buildDetail, flattenDetail, type DetailLine, type DetailNode, type Expanded } from './tree.js';

export class StoreModel implements UiModel {
  viewport: Viewport = { sessions: 1, timeline: 1, detail: 1, diagnostics: 1 };
  detailWidth = 60;

  private readonly all = new WeakMap<SessionEntry, AllRows>();
  /** filter text → session → index; at most two filter texts. */
  private readonly filtered = new Map<string, WeakMap<SessionEntry, FilteredIndex>>();
  private treeFor: { rec: TimelineRecord; width: number; start: number; nodes: DetailNode[] } | null = null;
  private flatFor: { nodes: DetailNode[]; expanded: Expanded; lines: DetailLine[] } | null = null;

  constructor(readonly store: RecordStore) {}

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
    let bySession = this.filtered.get(filter.text);
    if (bySession === undefined) {
      bySession = new WeakMap();
      this.filtered.set(filter.text, bySession);
      while (this.filtered.size > 2) this.filtered.delete(this.filtered.keys().next().value!);
    } else {
      // Most recently used last.
      this.filtered.delete(filter.text);
      this.filtered.set(filter.text, bySession);
    }
    let v = bySession.get(s);
    if (v === undefined) {
      v = new FilteredIndex(s, filter);
      bySession.set(s, v);
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
    const rec = this.record(session, filter, row);
    const s = this.store.sessions[session];
    if (rec === undefined || s === undefined) return [];
    const t = this.treeFor;
    if (t !== null && t.rec === rec && t.width === this.detailWidth && t.start === s.startTime) return t.nodes;
    const nodes = buildDetail(rec, { sessionStart: s.startTime, width: this.detailWidth });
    this.treeFor = { rec, width: this.detailWidth, start: s.startTime, nodes };
    return nodes;
  }

  detailLines(session: number, filter: Filter, row: number, expanded: Expanded): readonly DetailLine[] {
    const nodes = this.detailTree(session, filter, row);
    const f = this.flatFor;
    if (f !== null && f.nodes === nodes && f.expanded === expanded) return f.lines;
    const lines = flattenDetail(nodes, expanded);
    this.flatFor = { nodes, expanded, lines };
    return lines;
  }

  /**
   * The record a diagnostic is about: in its session, the handshake part or message in the same
   * direction and frame (the last one starting at or before its byte offset when several share
   * the frame), else the one with the nearest frame (same direction preferred), else the
   * diagnostic's own row.
   */
  diagnosticTarget(diag: number): { session: number; item: number } | null {
    const d = this.store.diagnostics[diag];
    if (d === undefined || d.session === null) return null;
    const session = this.store.indexOfSession(d.session);
    const s = this.store.sessions[session];
    if (s === undefined) return null;
    const items = s.items;
    const own = () => {
      const i = items.indexOf(d);
      return { session, item: i < 0 ? 0 : i };
    };
    if (d.frame === undefined) return own();
    let exact = -1;
    let best = -1;
    let bestScore = Number.POSITIVE_INFINITY;
    for (let i = 0; i < items.length; i++) {
      const r = items[i]!;
      if (r.type === 'diagnostic') continue;
      if (r.frame === d.frame && (d.dir === undefined || r.dir === d.dir)) {
        if (exact < 0 || d.offset === undefined || r.offset <= d.offset) exact = i;
        if (d.offset === undefined) break;
        continue;
      }
      const score = Math.abs(r.frame - d.frame) * 2 + (d.dir !== undefined && r.dir !== d.dir ? 1 : 0);
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
