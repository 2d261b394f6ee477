/**
 * The TUI's external store: a plain class (no React) that takes output records as the loader or
 * the live proxy pushes them, and tells subscribers at a throttled rate.
 *
 * Contract:
 * - `push(records)` is cheap and synchronous. Each handshake part, message and diagnostic is
 *   spooled whole to a temporary file (spool.ts) and appended to its session's `items` as one
 *   compact row (items.ts: 34 bytes of typed arrays, its text interned or spooled; the spool
 *   adds 8 bytes); records are not kept in memory. Whole records are read back on demand
 *   (`items.record(i)`, `diagnostics.record(i)`: the detail pane, a diagnostic's target) through
 *   a small LRU cache. Lists only grow and are never reordered; sessions and
 *   diagnostics are kept in arrival order too, so an index held by the UI keeps naming the same
 *   session, row or diagnostic while records stream in (live follow mode depends on that).
 * - At most `maxRows` rows (default MAX_ROWS: timeline rows and capture-level diagnostics) are
 *   kept: the rows are the one part of the UI's memory that grows with the input (42 bytes each).
 *   Past the cap, records are still counted (messages, problems, the overview's meters, roles,
 *   app and stream names, session and stream records) but neither spooled nor listed;
 *   `rowsDropped` (store) and `dropped` (session) count them, and the UI says so.
 * - A session appears with its first record (the `session` record itself arrives only when the
 *   TCP connection ends; until then the session is "open"; session records and the capture
 *   record are few and stay in memory). Its app comes from the client's connect command, its
 *   stream names and role from the client's publish/play commands.
 * - Every push bumps `version`; subscribers are called at most once per `notifyIntervalMs`
 *   (default 100 ms, so ≤ 10 renders/s however fast records arrive). `getSnapshot()` returns the
 *   version last published, which is what `useSyncExternalStore` compares. `finish()`, `fail()`
 *   and `flush()` publish at once.
 * - `dispose()` (the UI is gone) cancels notifications and closes and deletes the spool: records
 *   pushed after it are dropped, and records read back are `undefined`. The spool's file is
 *   unlinked as soon as it is created, so it disappears whenever the process ends, however.
 * - Timers come from an injectable scheduler, so tests drive the throttle by hand.
 */
import type { CaptureSummaryRecord, OutputRecord, SessionRecord, StreamRecord } from '../records/index.js';
import type { Severity } from '../core/diagnostics.js';
import { clean, str, type TimelineRecord } from './format.js';
import { DiagnosticList, ItemList, TextTable } from './items.js';
import { MAX_STREAM_RECORDS, StreamMeters } from './overview.js';
import { Spool, type SpoolOptions } from './spool.js';
import { HeapKeeper } from './heap.js';

/** Rows kept (see the contract): 21 MB of rows and spool offsets, ~55× the benchmark capture's. */
export const MAX_ROWS = 500_000;

const SEVERITY_RANK: Readonly<Record<Severity, number>> = { info: 0, warn: 1, error: 2 };

export type LoadState = 'loading' | 'done' | 'error';

export class SessionEntry {
  /** The session record, once the connection ended (then the session is closed). */
  record: SessionRecord | null = null;
  /** An RTMFP handshake record was seen (the transport is known before the session record). */
  rtmfpHandshake = false;
  app: string | null = null;
  readonly streams: string[] = [];
  publish = false;
  play = false;
  /** C0 asked for RTMPE (known before the session record, which has the transport). */
  encryptedHandshake = false;
  /** Handshake parts, messages and this session's diagnostics, in arrival order (compact rows). */
  readonly items: ItemList;
  messageCount = 0;
  problemCount = 0;
  /** Records of this session past the store's row cap (counted, not listed). */
  dropped = 0;
  /** The most severe diagnostic of the session so far. */
  worst: Severity | null = null;
  /** The session's stream records (they arrive when it ends; at most MAX_STREAM_RECORDS). */
  readonly streamRecords: StreamRecord[] = [];
  /** Per-second media bytes and video frames per stream (the overview's sparklines). */
  readonly meters = new StreamMeters();
  /** Diagnostic codes seen so far and their counts (at most 32 codes). */
  readonly problemCodes = new Map<string, number>();
  /** Capture time of the first record seen (the session record's start time once known). */
  startTime: number;
  lastTime: number;

  constructor(
    readonly id: number,
    public client: string,
    public server: string,
    time: number,
    items: ItemList,
  ) {
    this.items = items;
    this.startTime = time;
    this.lastTime = time;
  }

  get closed(): boolean {
    return this.record !== null;
  }

  /** The session record's transport; before it, 'rtmpe' after an encrypted C0, else unknown. */
  get transport(): SessionRecord['transport'] | null {
    return this.record?.transport ?? (this.rtmfpHandshake ? 'rtmfp' : this.encryptedHandshake ? 'rtmpe' : null);
  }

  get role(): string {
    return this.publish && this.play ? 'pub+play' : this.publish ? 'publish' : this.play ? 'play' : '';
  }

  /** "app/stream", with "+N" when the session used more than one stream name. */
  get appStream(): string {
    const app = this.app ?? '';
    const first = this.streams[0];
    if (first === undefined) return app;
    return `${app}/${first}${this.streams.length > 1 ? ` +${this.streams.length - 1}` : ''}`;
  }
}

export type Scheduler = {
  now(): number;
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
};

const realScheduler: Scheduler = {
  now: () => performance.now(),
  setTimeout: (fn, ms) => {
    const t = setTimeout(fn, ms);
    t.unref?.();
    return t;
  },
  clearTimeout: (h) => clearTimeout(h as ReturnType<typeof setTimeout>),
};

export type StoreOptions = {
  /** Minimum time between two notifications (default 100 ms). */
  readonly notifyIntervalMs?: number;
  /**
   * The same while a file is still loading (default: notifyIntervalMs). Every render is a whole
   * ink frame on the loader's thread, so fewer of them load a file faster.
   */
  readonly loadingNotifyIntervalMs?: number;
  readonly scheduler?: Scheduler;
  /** Where and how records are spooled (tests). */
  readonly spool?: SpoolOptions;
  /** Bounds of the interned row texts (tests; default MAX_TEXTS, MAX_TEXT_CHARS). */
  readonly maxTexts?: number;
  readonly maxTextChars?: number;
  /** Rows kept (default MAX_ROWS). */
  readonly maxRows?: number;
  /** Keeps the heap near what the UI holds (heap.ts); null: leave it to V8 (tests). Default: one. */
  readonly heap?: HeapKeeper | null;
};

export class RecordStore {
  readonly sessions: SessionEntry[] = [];
  /** Whole records, by number (see spool.ts). */
  readonly spool: Spool;
  /** Interned row texts (see items.ts). */
  readonly texts: TextTable;
  /** Every diagnostic, capture-level ones (session null) included, in arrival order. */
  readonly diagnostics: DiagnosticList;
  capture: CaptureSummaryRecord | null = null;
  recordCount = 0;
  messageCount = 0;
  /** Rows not kept past the row cap (see the contract). */
  rowsDropped = 0;
  readonly maxRows: number;
  state: LoadState = 'loading';
  error: string | null = null;

  private readonly byId = new Map<number, SessionEntry>();
  private readonly index = new Map<number, number>();
  private version = 0;
  private published = 0;
  private readonly listeners = new Set<() => void>();
  private timer: unknown = null;
  private lastNotify = Number.NEGATIVE_INFINITY;
  private readonly interval: number;
  private readonly loadingInterval: number;
  private readonly sched: Scheduler;
  private readonly heap: HeapKeeper | null;

  constructor(opts: StoreOptions = {}) {
    this.heap = opts.heap === undefined ? new HeapKeeper() : opts.heap;
    this.maxRows = opts.maxRows ?? MAX_ROWS;
    this.interval = opts.notifyIntervalMs ?? 100;
    this.loadingInterval = opts.loadingNotifyIntervalMs ?? this.interval;
    this.sched = opts.scheduler ?? realScheduler;
    this.spool = new Spool(opts.spool);
    this.texts = new TextTable(this.spool, opts.maxTexts, opts.maxTextChars);
    this.diagnostics = new DiagnosticList(this.spool, this.texts);
  }

  /** Append a batch of records (from the loader or the live proxy). */
  push(records: readonly OutputRecord[]): void {
    if (this.spool.isClosed) return;
    for (const r of records) this.add(r);
    this.recordCount += records.length;
    this.changed();
    this.heap?.check();
  }

  /** The input is exhausted. */
  finish(): void {
    if (this.state === 'loading') this.state = 'done';
    this.changed();
    this.flush();
  }

  /** The loader failed; the message is shown and what was decoded stays browsable. */
  fail(message: string): void {
    this.state = 'error';
    this.error = clean(message);
    this.changed();
    this.flush();
  }

  session(id: number): SessionEntry | undefined {
    return this.byId.get(id);
  }

  /** Position of a session in `sessions`, or -1. */
  indexOfSession(id: number): number {
    return this.index.get(id) ?? -1;
  }

  // --- useSyncExternalStore ---

  readonly subscribe = (listener: () => void): (() => void) => {
    this.listeners.add(listener);
    return () => {
      this.listeners.delete(listener);
    };
  };

  readonly getSnapshot = (): number => this.published;

  /** Publish now (cancelling a pending throttled notification). */
  flush(): void {
    if (this.timer !== null) {
      this.sched.clearTimeout(this.timer);
      this.timer = null;
    }
    this.lastNotify = this.sched.now();
    if (this.published === this.version) return;
    this.published = this.version;
    for (const l of [...this.listeners]) l();
    // A render just ran (the listeners): its garbage is what the heap keeper is for.
    this.heap?.check();
  }

  /** The UI is gone: cancel a pending notification, close and delete the spool (idempotent). */
  dispose(): void {
    if (this.timer !== null) this.sched.clearTimeout(this.timer);
    this.timer = null;
    this.listeners.clear();
    this.spool.close();
  }

  private changed(): void {
    this.version++;
    if (this.listeners.size === 0) {
      this.published = this.version;
      return;
    }
    if (this.timer !== null) return;
    const interval = this.state === 'loading' ? this.loadingInterval : this.interval;
    const wait = Math.max(0, this.lastNotify + interval - this.sched.now());
    this.timer = this.sched.setTimeout(() => {
      this.timer = null;
      this.flush();
    }, wait);
  }

  private entry(id: number, client: string | undefined, server: string | undefined, time: number | undefined): SessionEntry {
    let s = this.byId.get(id);
    if (s === undefined) {
      s = new SessionEntry(id, client ?? '?', server ?? '?', time ?? 0, new ItemList(this.spool, this.texts));
      this.byId.set(id, s);
      this.index.set(id, this.sessions.length);
      this.sessions.push(s);
    }
    return s;
  }

  /** The row cap is reached. */
  private full(): boolean {
    return this.rowsKept >= this.maxRows;
  }

  /** Rows kept: the sessions' timeline rows and the capture-level diagnostics. */
  private rowsKept = 0;

  private keep(s: SessionEntry, r: TimelineRecord): void {
    this.rowsKept++;
    s.items.push(this.spool.append(r), r, this.texts.intern(r));
  }

  private drop(s: SessionEntry): void {
    s.dropped++;
    this.rowsDropped++;
  }

  private add(r: OutputRecord): void {
    switch (r.type) {
      case 'capture':
        this.capture = r;
        return;
      case 'session': {
        const s = this.entry(r.session, r.client, r.server, r.startTime);
        s.record = r;
        s.client = r.client;
        s.server = r.server;
        s.startTime = r.startTime;
        s.lastTime = Math.max(s.lastTime, r.endTime);
        return;
      }
      case 'stream': {
        const s = this.entry(r.session, r.client, r.server, undefined);
        if (s.streamRecords.length < MAX_STREAM_RECORDS) s.streamRecords.push(r);
        return;
      }
      case 'diagnostic': {
        const full = this.full();
        if (r.session === null) {
          if (full) this.rowsDropped++;
          else {
            this.rowsKept++;
            this.diagnostics.push(this.spool.append(r), r, this.texts.intern(r), -1);
          }
          return;
        }
        const s = this.entry(r.session, r.client, r.server, r.time);
        if (full) this.drop(s);
        else {
          this.rowsKept++;
          const id = this.spool.append(r);
          const text = this.texts.intern(r);
          this.diagnostics.push(id, r, text, s.items.push(id, r, text));
        }
        s.problemCount++;
        const seen = s.problemCodes.get(r.code);
        if (seen !== undefined || s.problemCodes.size < 32) s.problemCodes.set(r.code, (seen ?? 0) + 1);
        if (s.worst === null || SEVERITY_RANK[r.severity] > SEVERITY_RANK[s.worst]) s.worst = r.severity;
        if (r.time !== undefined) s.lastTime = Math.max(s.lastTime, r.time);
        return;
      }
      case 'handshake': {
        const s = this.entry(r.session, r.client, r.server, r.time);
        if (this.full()) this.drop(s);
        else this.keep(s, r);
        s.lastTime = Math.max(s.lastTime, r.time);
        if (r.part === 'C0' && r.encrypted === true) s.encryptedHandshake = true;
        if (r.rtmfp !== undefined) s.rtmfpHandshake = true;
        return;
      }
      case 'message': {
        const s = this.entry(r.session, r.client, r.server, r.time);
        if (this.full()) this.drop(s);
        else this.keep(s, r);
        s.messageCount++;
        this.messageCount++;
        if (r.typeId === 8 || r.typeId === 9) {
          s.meters.add(r.dir, r.streamId, r.typeId, r.time, r.length);
          if (r.media?.['content'] === 'config') s.meters.configure(r.dir, r.streamId, r.typeId, r.media);
        }
        s.lastTime = Math.max(s.lastTime, r.time);
        if (r.dir === 'c2s' && r.name !== undefined && (r.typeId === 20 || r.typeId === 17)) {
          if (r.name === 'connect' && s.app === null) {
            const app = str(r.command, 'app');
            if (app !== undefined) s.app = clean(app);
          } else if (r.name === 'publish' || r.name === 'play') {
            if (r.name === 'publish') s.publish = true;
            else s.play = true;
            const sn = str(r.command, 'streamName');
            if (sn !== undefined) {
              const c = clean(sn);
              if (!s.streams.includes(c) && s.streams.length < 64) s.streams.push(c);
            }
          }
        }
        return;
      }
    }
  }
}
