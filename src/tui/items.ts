/**
 * Compact rows: what the UI keeps in memory of each timeline record and diagnostic, the records
 * themselves being in the spool (spool.ts).
 *
 * Contract:
 * - `ItemList` (a session's timeline) and `DiagnosticList` are append-only column stores in typed
 *   arrays (blocks of 4096 rows; a list's first block grows from 16 rows, so a small session costs
 *   little). A timeline row takes 34 bytes: spool number, frame, time, csid, message stream id,
 *   size, text id, type id and a byte of flags (record type, direction, severity); the spool adds
 *   8. Nothing else is kept per row.
 * - The text a row shows or is filtered on (summary, search text, name, type name, stream name,
 *   diagnostic message) is a `RowText`. A text seen for the first time is spooled as a small
 *   record of its own (the text column holds `SPOOLED_TEXT` | its spool number) and read back when
 *   needed (`text(i)`, ~5× cheaper than reading and summarising the whole record); a text seen
 *   again is interned in the `TextTable` (the column holds its id) and costs nothing more per row:
 *   media messages share a handful, while one-off texts (commands, acknowledgements, most
 *   diagnostics) never take a slot. The table is bounded (`MAX_TEXTS` entries, `MAX_TEXT_CHARS`
 *   characters; the spooled texts it remembers for a second sighting, `MAX_ONCE`); once full,
 *   new texts stay spooled (rows with the same text share its record while it is remembered).
 *   `NO_TEXT` (the spool was closed or is past 2^31 records) makes readers fall back to the whole
 *   record (`record(i)`).
 * - Indexes only grow: row i names the same record forever (live follow mode depends on it).
 */
import type { Severity } from '../core/diagnostics.js';
import type { DiagnosticRecord } from '../records/index.js';
import { clean, KINDS, kindOfType, searchText, str, summarize, type Kind, type TimelineRecord } from './format.js';
import type { Spool } from './spool.js';

export const NO_TEXT = 0xffffffff;
/** Flag of a text column value that is the spool number of the row's text (see the contract). */
export const SPOOLED_TEXT = 0x80000000;
const NO_FRAME = 0xffffffff;
export const MAX_TEXTS = 16384;
export const MAX_TEXT_CHARS = 2 << 20;
export const MAX_ONCE = 2048;

/** Record type codes (flags bits 0–1). */
export const T_MESSAGE = 0;
const T_HANDSHAKE = 1;
export const T_DIAGNOSTIC = 2;
/** Direction codes (flags bits 2–3). */
const DIR_NONE = 0;
export const DIR_C2S = 1;
export const DIR_S2C = 2;
const SEVERITIES: readonly Severity[] = ['info', 'warn', 'error'];
const SEVERITY_CODE: Readonly<Record<Severity, number>> = { info: 0, warn: 1, error: 2 };
const RECORD_TYPES = ['message', 'handshake', 'diagnostic'] as const;

/** Kind index (in KINDS) of every message type id. */
const KIND_OF_TYPE = Uint8Array.from({ length: 256 }, (_, t) => KINDS.indexOf(kindOfType(t)));
const KIND_HANDSHAKE = KINDS.indexOf('handshake');
const KIND_DIAGNOSTIC = KINDS.indexOf('diagnostic');

/** The text of a row, shared by every row with the same. */
export type RowText = {
  /** The timeline's name / summary column (`summarize`). */
  readonly summary: string;
  /** What free text is searched in (`searchText`, lower-cased). */
  readonly search: string;
  /** What `name:` matches: the command/data name (or ''), the handshake part, the diagnostic code. */
  readonly name: string;
  /** What `type:<word>` matches: the message's type name, else 'handshake' / 'diagnostic'. */
  readonly typeName: string;
  /** A command's `streamName` field (what `stream:<name>` matches first). */
  readonly streamName: string | undefined;
  /** A diagnostic's message, cleaned (the diagnostics pane). */
  readonly message: string | undefined;
};

export class TextTable {
  private readonly ids = new Map<string, number>();
  private readonly list: RowText[] = [];
  /** Texts seen once (spooled): key → text column value; the oldest are forgotten. */
  private readonly once = new Map<string, number>();
  private chars = 0;

  constructor(
    private readonly spool: Spool,
    private readonly maxTexts = MAX_TEXTS,
    private readonly maxChars = MAX_TEXT_CHARS,
  ) {}

  /** Texts interned. */
  get count(): number {
    return this.list.length;
  }

  get(id: number): RowText | undefined {
    return this.list[id];
  }

  /** The text column value of a record's row (see the contract): interned id, spooled, NO_TEXT. */
  intern(r: TimelineRecord): number {
    let key: string;
    let summary: string;
    if (r.type === 'message') {
      summary = summarize(r);
      const sn = str(r.command, 'streamName');
      key = `m${r.typeName}\u0001${r.name === undefined ? '\u0002' : r.name}\u0001${sn === undefined ? '\u0002' : sn}\u0001${summary}`;
    } else if (r.type === 'handshake') {
      summary = summarize(r);
      key = `h${r.part}\u0001${summary}`;
    } else {
      summary = '';
      key = `d${r.severity}\u0001${r.code}\u0001${r.message}`;
    }
    const known = this.ids.get(key);
    if (known !== undefined) return known;
    const seen = this.once.get(key);
    const full = this.list.length >= this.maxTexts || this.chars >= this.maxChars;
    if (seen !== undefined && full) {
      this.once.delete(key);
      this.once.set(key, seen);
      return seen;
    }
    let t: RowText;
    if (r.type === 'message') {
      t = { summary, search: searchText(r), name: r.name ?? '', typeName: r.typeName, streamName: str(r.command, 'streamName'), message: undefined };
    } else if (r.type === 'handshake') {
      t = { summary, search: searchText(r), name: r.part, typeName: 'handshake', streamName: undefined, message: undefined };
    } else {
      t = { summary: summarize(r), search: searchText(r), name: r.code, typeName: 'diagnostic', streamName: undefined, message: clean(r.message) };
    }
    if (seen !== undefined) {
      // The second sighting: intern it.
      this.once.delete(key);
      const id = this.list.length;
      this.list.push(t);
      this.ids.set(key, id);
      this.chars += key.length + t.summary.length + t.search.length;
      return id;
    }
    const v = spooledTextId(this.spool.append(spoolableText(t)));
    if (v !== NO_TEXT) {
      this.once.set(key, v);
      if (this.once.size > MAX_ONCE) this.once.delete(this.once.keys().next().value!);
    }
    return v;
  }
}

/** A row text as a spool record (a JSON array). */
function spoolableText(t: RowText): unknown[] {
  return [t.summary, t.search, t.name, t.typeName, t.streamName ?? null, t.message ?? null];
}

function spooledText(v: unknown): RowText | undefined {
  if (!Array.isArray(v) || v.length !== 6) return undefined;
  const [summary, search, name, typeName, streamName, message] = v as unknown[];
  if (typeof summary !== 'string' || typeof search !== 'string' || typeof name !== 'string' || typeof typeName !== 'string') return undefined;
  return { summary, search, name, typeName, streamName: typeof streamName === 'string' ? streamName : undefined, message: typeof message === 'string' ? message : undefined };
}

/** The text column value for a spooled text (or NO_TEXT when its number does not fit). */
function spooledTextId(spoolId: number): number {
  return spoolId >= 0 && spoolId < 0x7fffffff ? (SPOOLED_TEXT | spoolId) >>> 0 : NO_TEXT;
}

/** A row's text from its text column value (interned, spooled, or none). */
function textOf(v: number, table: TextTable, spool: Spool, scan: boolean): RowText | undefined {
  if (v < SPOOLED_TEXT) return table.get(v);
  if (v === NO_TEXT) return undefined;
  return spooledText(spool.read(v & 0x7fffffff, scan));
}

// --- columns ---

const BITS = 12;
const BLOCK = 1 << BITS;
const MASK = BLOCK - 1;
const FIRST = 16;

type Typed = Float64Array | Uint32Array | Int32Array | Uint8Array;

/** One append-only column: blocks of BLOCK values, the first growing from FIRST. */
class Column<A extends Typed> {
  private readonly blocks: A[];
  constructor(private readonly make: (n: number) => A) {
    this.blocks = [make(FIRST)];
  }
  get(i: number): number {
    return this.blocks[i >>> BITS]![i & MASK]!;
  }
  /** Set row i, which is at most one past the last row set. */
  set(i: number, v: number): void {
    const b = i >>> BITS;
    let blk = this.blocks[b];
    if (blk === undefined) {
      blk = this.make(BLOCK);
      this.blocks.push(blk);
    } else if ((i & MASK) >= blk.length) {
      const g = this.make(Math.min(BLOCK, blk.length * 2));
      g.set(blk);
      this.blocks[b] = g;
      blk = g;
    }
    blk[i & MASK] = v;
  }
}

const f64 = (n: number) => new Float64Array(n);
const u32 = (n: number) => new Uint32Array(n);
const i32 = (n: number) => new Int32Array(n);
const u8 = (n: number) => new Uint8Array(n);

function dirCode(d: 'c2s' | 's2c' | undefined): number {
  return d === 'c2s' ? DIR_C2S : d === 's2c' ? DIR_S2C : DIR_NONE;
}

/**
 * What both lists keep per row: the spooled record's id, its frame, its text and its flags (type,
 * direction, severity), and the spool and text table to read them back from.
 */
abstract class SpooledRows<R> {
  length = 0;
  protected readonly ids = new Column(u32);
  protected readonly frames = new Column(u32);
  protected readonly texts = new Column(u32);
  protected readonly flags = new Column(u8);

  constructor(
    protected readonly spool: Spool,
    readonly textTable: TextTable,
  ) {}

  /** The whole record of row i, from the spool (`scan`: reading rows in order, uncached). */
  record(i: number, scan = false): R | undefined {
    if (i < 0 || i >= this.length) return undefined;
    return this.spool.read(this.ids.get(i), scan) as R | undefined;
  }

  /** Every record, read back from the spool (linear: for tests and tools). */
  toArray(): R[] {
    const out: R[] = [];
    for (let i = 0; i < this.length; i++) {
      const r = this.record(i, true);
      if (r !== undefined) out.push(r);
    }
    return out;
  }

  severity(i: number): Severity {
    return SEVERITIES[(this.flags.get(i) >>> 4) & 3]!;
  }
  dirCode(i: number): number {
    return (this.flags.get(i) >>> 2) & 3;
  }
  dir(i: number): 'c2s' | 's2c' | undefined {
    const d = this.dirCode(i);
    return d === DIR_C2S ? 'c2s' : d === DIR_S2C ? 's2c' : undefined;
  }
  frame(i: number): number | undefined {
    const f = this.frames.get(i);
    return f === NO_FRAME ? undefined : f;
  }
  /** The row's text (interned, or read from the spool; `scan`: reading rows in order). */
  text(i: number, scan = false): RowText | undefined {
    return textOf(this.texts.get(i), this.textTable, this.spool, scan);
  }
}

/** A session's timeline rows: handshake parts, messages and its diagnostics, in arrival order. */
export class ItemList extends SpooledRows<TimelineRecord> {
  private readonly times = new Column(f64);
  private readonly csids = new Column(u32);
  private readonly streamIds = new Column(u32);
  private readonly sizes = new Column(u32);
  private readonly typeIds = new Column(u8);

  /** Append a row for a record spooled as `id`; returns its index. */
  push(id: number, r: TimelineRecord, text: number): number {
    const i = this.length;
    this.ids.set(i, id);
    this.texts.set(i, text);
    if (r.type === 'message') {
      this.frames.set(i, r.frame);
      this.times.set(i, r.time);
      this.csids.set(i, r.csid);
      this.streamIds.set(i, r.streamId);
      this.sizes.set(i, r.length);
      this.typeIds.set(i, r.typeId);
      this.flags.set(i, T_MESSAGE | (dirCode(r.dir) << 2));
    } else if (r.type === 'handshake') {
      this.frames.set(i, r.frame);
      this.times.set(i, r.time);
      this.csids.set(i, 0);
      this.streamIds.set(i, 0);
      this.sizes.set(i, r.part === 'C0' || r.part === 'S0' ? 1 : 1536);
      this.typeIds.set(i, 0);
      this.flags.set(i, T_HANDSHAKE | (dirCode(r.dir) << 2));
    } else {
      this.frames.set(i, r.frame ?? NO_FRAME);
      this.times.set(i, r.time ?? Number.NaN);
      this.csids.set(i, 0);
      this.streamIds.set(i, 0);
      this.sizes.set(i, 0);
      this.typeIds.set(i, 0);
      this.flags.set(i, T_DIAGNOSTIC | (dirCode(r.dir) << 2) | (SEVERITY_CODE[r.severity] << 4));
    }
    this.length = i + 1;
    return i;
  }

  spoolId(i: number): number {
    return this.ids.get(i);
  }
  typeCode(i: number): number {
    return this.flags.get(i) & 3;
  }
  type(i: number): TimelineRecord['type'] {
    return RECORD_TYPES[this.flags.get(i) & 3]!;
  }
  isMessage(i: number): boolean {
    return (this.flags.get(i) & 3) === T_MESSAGE;
  }
  /** Index in KINDS. */
  kindCode(i: number): number {
    const t = this.flags.get(i) & 3;
    return t === T_MESSAGE ? KIND_OF_TYPE[this.typeIds.get(i)]! : t === T_HANDSHAKE ? KIND_HANDSHAKE : KIND_DIAGNOSTIC;
  }
  kind(i: number): Kind {
    return KINDS[this.kindCode(i)]!;
  }
  time(i: number): number | undefined {
    const t = this.times.get(i);
    return Number.isNaN(t) ? undefined : t;
  }
  csid(i: number): number {
    return this.csids.get(i);
  }
  typeId(i: number): number {
    return this.typeIds.get(i);
  }
  streamId(i: number): number {
    return this.streamIds.get(i);
  }
  /** Message length; 1 or 1536 for a handshake part; 0 for a diagnostic. */
  size(i: number): number {
    return this.sizes.get(i);
  }
  /** The text column: an interned text id (< SPOOLED_TEXT), SPOOLED_TEXT | spool number, or NO_TEXT. */
  textId(i: number): number {
    return this.texts.get(i);
  }
}

/** Every diagnostic of the capture (capture-level ones too), in arrival order. */
export class DiagnosticList extends SpooledRows<DiagnosticRecord> {
  private readonly sessions = new Column(i32);
  private readonly items = new Column(u32);

  /** Append; `item` is the diagnostic's own row in its session's timeline (-1: none). */
  push(id: number, d: DiagnosticRecord, text: number, item: number): number {
    const i = this.length;
    this.ids.set(i, id);
    this.sessions.set(i, d.session === null ? -1 : d.session);
    this.frames.set(i, d.frame ?? NO_FRAME);
    this.texts.set(i, text);
    this.items.set(i, item < 0 ? NO_FRAME : item);
    this.flags.set(i, (dirCode(d.dir) << 2) | (SEVERITY_CODE[d.severity] << 4));
    this.length = i + 1;
    return i;
  }

  /** Session number, or null for a capture-level diagnostic. */
  session(i: number): number | null {
    const s = this.sessions.get(i);
    return s < 0 ? null : s;
  }
  /** The diagnostic's own row in its session's timeline, or -1. */
  item(i: number): number {
    const v = this.items.get(i);
    return v === NO_FRAME ? -1 : v;
  }
}
