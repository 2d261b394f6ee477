/**
 * The timeline filter: the language typed after `/`, its parser, the record predicate, and an
 * incremental index of the rows that pass.
 *
 * Language: whitespace-separated terms, all of which must hold (AND); `!` before a term negates it.
 *   dir:c2s | dir:s2c      direction (also `dir:>` / `dir:<`)
 *   type:video             a kind (control command data audio video aggregate handshake diagnostic
 *                          other; `diag` for short), a message type id (`type:9`), or else a
 *                          substring of the type name (`type:user` → User Control Message)
 *   name:publish           substring of the command/data name (handshake part, diagnostic code)
 *   stream:1               message stream id; a non-number matches the stream name of the
 *                          publish/play/… command, or the session's stream names
 *   csid:4                 chunk stream id
 *   frame:100 | frame:100-200   capture frame (the message's last frame) or an inclusive range
 *   anything else          case-insensitive substring of the row's summary, type name or code
 * Values are case-insensitive; `key:` with an unknown key is an error (so a typo is not silently
 * a free-text search), except for words that are not plain letters (an `ip:port` is free text).
 *
 * Contract: `parseFilter` is pure and never throws; `matches` reads records through guards.
 * `RowMatcher` gives the same answers as `matches` from a session's compact rows (items.ts): keyed
 * terms from the columns, text terms once per interned text (memoised per text id), so a scan
 * costs a few array reads a row; only rows whose text was not interned read it from the spool
 * (in order, read ahead). `FilteredIndex` only grows: `sync()` scans the items appended
 * since the last call and records the indexes that pass in a `Uint32Array` (4 bytes per row that
 * passes; no per-row objects).
 */
import { KINDS, kindOf, searchText, str, type Kind, type TimelineRecord } from './format.js';
import { DIR_C2S, DIR_S2C, NO_TEXT, SPOOLED_TEXT, type ItemList, type RowText } from './items.js';
import type { SessionEntry } from './store.js';

export type Term =
  | { readonly key: 'dir'; readonly dir: 'c2s' | 's2c'; readonly neg: boolean }
  | { readonly key: 'kind'; readonly kind: Kind; readonly neg: boolean }
  | { readonly key: 'typeId'; readonly typeId: number; readonly neg: boolean }
  | { readonly key: 'typeName'; readonly text: string; readonly neg: boolean }
  | { readonly key: 'name'; readonly text: string; readonly neg: boolean }
  | { readonly key: 'streamId'; readonly streamId: number; readonly neg: boolean }
  | { readonly key: 'streamName'; readonly text: string; readonly neg: boolean }
  | { readonly key: 'csid'; readonly csid: number; readonly neg: boolean }
  | { readonly key: 'frame'; readonly from: number; readonly to: number; readonly neg: boolean }
  | { readonly key: 'text'; readonly text: string; readonly neg: boolean };

export type Filter = { readonly text: string; readonly terms: readonly Term[] };

export const EMPTY_FILTER: Filter = { text: '', terms: [] };

export type ParseResult = { readonly ok: true; readonly filter: Filter } | { readonly ok: false; readonly error: string };

const KIND_ALIASES: Readonly<Record<string, Kind>> = { diag: 'diagnostic', diags: 'diagnostic', hs: 'handshake', cmd: 'command', ctl: 'control' };
const KEYS = ['dir', 'type', 'name', 'stream', 'csid', 'frame'] as const;

function parseTerm(raw: string): Term | string {
  let word = raw;
  let neg = false;
  if (word.startsWith('!') && word.length > 1) {
    neg = true;
    word = word.slice(1);
  }
  const colon = word.indexOf(':');
  const key = colon > 0 ? word.slice(0, colon).toLowerCase() : '';
  if (colon <= 0 || !/^[a-z]+$/.test(key)) return { key: 'text', text: word.toLowerCase(), neg };
  const value = word.slice(colon + 1).toLowerCase();
  if (value === '') return `'${key}:' needs a value`;
  switch (key) {
    case 'dir':
      if (value === 'c2s' || value === '>' || value === '→') return { key: 'dir', dir: 'c2s', neg };
      if (value === 's2c' || value === '<' || value === '←') return { key: 'dir', dir: 's2c', neg };
      return `dir: is c2s or s2c, not '${value}'`;
    case 'type': {
      const kind = (KINDS as readonly string[]).includes(value) ? (value as Kind) : KIND_ALIASES[value];
      if (kind !== undefined) return { key: 'kind', kind, neg };
      if (/^\d+$/.test(value)) return { key: 'typeId', typeId: Number(value), neg };
      return { key: 'typeName', text: value, neg };
    }
    case 'name':
      return { key: 'name', text: value, neg };
    case 'stream':
      if (/^\d+$/.test(value)) return { key: 'streamId', streamId: Number(value), neg };
      return { key: 'streamName', text: value, neg };
    case 'csid':
      if (/^\d+$/.test(value)) return { key: 'csid', csid: Number(value), neg };
      return `csid: needs a number, not '${value}'`;
    case 'frame': {
      const m = /^(\d+)(?:-(\d+))?$/.exec(value);
      if (m === null) return `frame: needs a number or a range like 100-200, not '${value}'`;
      const from = Number(m[1]);
      const to = m[2] === undefined ? from : Number(m[2]);
      return { key: 'frame', from: Math.min(from, to), to: Math.max(from, to), neg };
    }
    default:
      return `unknown filter key '${key}:' (use ${KEYS.map((k) => k + ':').join(' ')} or free text)`;
  }
}

export function parseFilter(text: string): ParseResult {
  const terms: Term[] = [];
  for (const raw of text.trim().split(/\s+/)) {
    if (raw === '') continue;
    const t = parseTerm(raw);
    if (typeof t === 'string') return { ok: false, error: t };
    terms.push(t);
  }
  return { ok: true, filter: { text: text.trim(), terms } };
}

function holds(t: Term, r: TimelineRecord, session: SessionEntry | undefined): boolean {
  switch (t.key) {
    case 'dir':
      return r.dir === t.dir;
    case 'kind':
      return kindOf(r) === t.kind;
    case 'typeId':
      return r.type === 'message' && r.typeId === t.typeId;
    case 'typeName':
      return r.type === 'message' ? r.typeName.toLowerCase().includes(t.text) : r.type.includes(t.text);
    case 'name':
      if (r.type === 'message') return (r.name ?? '').toLowerCase().includes(t.text);
      if (r.type === 'handshake') return r.part.toLowerCase().includes(t.text);
      return r.code.toLowerCase().includes(t.text);
    case 'streamId':
      return r.type === 'message' && r.streamId === t.streamId;
    case 'streamName': {
      if (r.type === 'message') {
        const sn = str(r.command, 'streamName');
        if (sn !== undefined) return sn.toLowerCase().includes(t.text);
      }
      return session !== undefined && session.streams.some((s) => s.toLowerCase().includes(t.text));
    }
    case 'csid':
      return r.type === 'message' && r.csid === t.csid;
    case 'frame':
      return r.frame !== undefined && r.frame >= t.from && r.frame <= t.to;
    case 'text':
      return searchText(r).includes(t.text);
  }
}

export function matches(f: Filter, r: TimelineRecord, session?: SessionEntry): boolean {
  for (const t of f.terms) if (holds(t, r, session) === t.neg) return false;
  return true;
}

function textHolds(t: Term, x: RowText): boolean {
  switch (t.key) {
    case 'typeName':
      return x.typeName.toLowerCase().includes(t.text);
    case 'name':
      return x.name.toLowerCase().includes(t.text);
    case 'text':
      return x.search.includes(t.text);
    default:
      return false;
  }
}

/** A filter evaluated on compact rows (see the contract). Share one across sessions. */
export class RowMatcher {
  /** Per term: per text id, 0 not yet known, 1 fails, 2 holds. */
  private readonly memo: Uint8Array[];

  constructor(readonly filter: Filter) {
    this.memo = filter.terms.map(() => new Uint8Array(0));
  }

  private memoised(k: number, t: Term, id: number, x: RowText): boolean {
    let m = this.memo[k]!;
    if (id >= m.length) {
      const g = new Uint8Array(Math.max(64, (id + 1) * 2));
      g.set(m);
      this.memo[k] = m = g;
    }
    const v = m[id]!;
    if (v !== 0) return v === 2;
    const ok = textHolds(t, x);
    m[id] = ok ? 2 : 1;
    return ok;
  }

  /** Whether row i of the session's items passes. */
  test(items: ItemList, i: number, session: SessionEntry): boolean {
    const terms = this.filter.terms;
    let rec: TimelineRecord | undefined | null = null;
    let x: RowText | undefined | null = null;
    for (let k = 0; k < terms.length; k++) {
      const t = terms[k]!;
      let ok: boolean;
      switch (t.key) {
        case 'dir':
          ok = items.dirCode(i) === (t.dir === 'c2s' ? DIR_C2S : DIR_S2C);
          break;
        case 'kind':
          ok = items.kind(i) === t.kind;
          break;
        case 'typeId':
          ok = items.isMessage(i) && items.typeId(i) === t.typeId;
          break;
        case 'streamId':
          ok = items.isMessage(i) && items.streamId(i) === t.streamId;
          break;
        case 'csid':
          ok = items.isMessage(i) && items.csid(i) === t.csid;
          break;
        case 'frame': {
          const f = items.frame(i);
          ok = f !== undefined && f >= t.from && f <= t.to;
          break;
        }
        default: {
          const id = items.textId(i);
          if (id === NO_TEXT) {
            // No text known: the whole record decides.
            if (rec === null) rec = items.record(i, true);
            ok = rec !== undefined && holds(t, rec, session);
            break;
          }
          if (x === null) x = items.text(i, true);
          if (x === undefined) ok = false;
          else if (t.key === 'streamName') {
            ok = x.streamName !== undefined ? x.streamName.toLowerCase().includes(t.text) : session.streams.some((s) => s.toLowerCase().includes(t.text));
          } else if (id < SPOOLED_TEXT) ok = this.memoised(k, t, id, x);
          else ok = textHolds(t, x);
        }
      }
      if (ok === t.neg) return false;
    }
    return true;
  }
}

/** The rows of one session's timeline under one filter. */
export interface TimelineView {
  readonly length: number;
  /** Index into `session.items` of a row. */
  itemIndex(row: number): number;
  /** The whole record of a row (read from the spool). */
  record(row: number): TimelineRecord | undefined;
  /** The row showing an item, or the nearest row after it (clamped to the last). */
  rowOfItem(item: number): number;
}

/** Every item, no filter. */
export class AllRows implements TimelineView {
  constructor(readonly session: SessionEntry) {}
  get length(): number {
    return this.session.items.length;
  }
  itemIndex(row: number): number {
    return row;
  }
  record(row: number): TimelineRecord | undefined {
    return this.session.items.record(row);
  }
  rowOfItem(item: number): number {
    return Math.max(0, Math.min(item, this.length - 1));
  }
}

/** Rows that pass a filter, found incrementally. */
export class FilteredIndex implements TimelineView {
  private rows = new Uint32Array(256);
  private count = 0;
  private scanned = 0;
  readonly matcher: RowMatcher;

  constructor(
    readonly session: SessionEntry,
    readonly filter: Filter,
    matcher?: RowMatcher,
  ) {
    this.matcher = matcher ?? new RowMatcher(filter);
  }

  /** Scan items appended since the last call. */
  sync(): this {
    const items = this.session.items;
    const n = items.length;
    for (let i = this.scanned; i < n; i++) {
      if (!this.matcher.test(items, i, this.session)) continue;
      if (this.count === this.rows.length) {
        const bigger = new Uint32Array(this.rows.length * 2);
        bigger.set(this.rows);
        this.rows = bigger;
      }
      this.rows[this.count++] = i;
    }
    this.scanned = n;
    return this;
  }

  get length(): number {
    return this.count;
  }
  itemIndex(row: number): number {
    return row >= 0 && row < this.count ? this.rows[row]! : -1;
  }
  record(row: number): TimelineRecord | undefined {
    const i = this.itemIndex(row);
    return i < 0 ? undefined : this.session.items.record(i);
  }
  rowOfItem(item: number): number {
    // First row whose item index is >= item (binary search; rows are ascending).
    let lo = 0;
    let hi = this.count;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.rows[mid]! < item) lo = mid + 1;
      else hi = mid;
    }
    return Math.max(0, Math.min(lo, this.count - 1));
  }
}
