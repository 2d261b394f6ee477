/**
 * The TUI's record spool: every timeline record (handshake part, message, diagnostic) is written
 * as one line of JSON to a temporary file as it arrives and read back by number when the UI needs
 * it whole (the detail pane, the free-text filter on rows whose text was not interned). The UI
 * keeps in memory only compact per-row columns (items.ts), not ~1 KB of objects per message.
 *
 * Contract:
 * - `append(record)` returns the record's number (0, 1, 2, … in append order); 8 bytes of memory a
 *   record (its offset in the file, in blocks of 16k), plus a 64 KiB write batch.
 * - `read(n)` returns a record equal to the appended one (output records are JSON-safe by
 *   contract), parsed again or from an LRU cache of at most `CACHE_RECORDS` records and
 *   `CACHE_BYTES` bytes of JSON (or the one record last read, however large); the same object
 *   is returned while it stays cached, so callers
 *   must not mutate it. `read(n, true)` is for scans: it reads ahead (a window of 1 MiB, records
 *   being read in append order) and leaves the cache alone. Unwritten batches are written before a
 *   read that needs them. Never throws: an unknown number or an I/O error gives `undefined`.
 * - The file lives in a fresh directory under `os.tmpdir()` and is unlinked at once (POSIX: the
 *   kernel frees it when the descriptor closes — on `close()`, at exit, on a crash or a signal).
 *   Where an open file cannot be unlinked, `close()` deletes it, else a process 'exit' hook does.
 *   If no temporary file can be created at all, the JSON text is kept in memory instead (the UI
 *   still works, at the old memory cost). A descriptor whose spool is garbage-collected unclosed
 *   is closed by a finalizer.
 * - `close()` is idempotent; appends after it are dropped and reads give `undefined`.
 */
import { closeSync, mkdtempSync, openSync, readSync, rmSync, unlinkSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** Most records kept parsed in the cache. */
export const CACHE_RECORDS = 256;
/** Most bytes of JSON (of the records in the cache) kept parsed. */
export const CACHE_BYTES = 4 << 20;
const WRITE_BATCH = 64 * 1024;
const WINDOW = 1 << 20;
const OFFSET_BITS = 14;
const OFFSET_BLOCK = 1 << OFFSET_BITS;
const OFFSET_MASK = OFFSET_BLOCK - 1;

type Handle = { fd: number; dir: string | null };

/** Directories still to delete at exit (spools whose open file could not be unlinked). */
const pendingDirs = new Set<string>();
let exitHook = false;
function removeAtExit(dir: string): void {
  pendingDirs.add(dir);
  if (exitHook) return;
  exitHook = true;
  process.once('exit', () => {
    for (const d of pendingDirs) rmSync(d, { recursive: true, force: true });
  });
}

function release(h: Handle): void {
  try {
    closeSync(h.fd);
  } catch {
    /* already closed */
  }
  if (h.dir !== null) {
    rmSync(h.dir, { recursive: true, force: true });
    pendingDirs.delete(h.dir);
    h.dir = null;
  }
}

const finalizer = new FinalizationRegistry<Handle>(release);

export type SpoolOptions = {
  /** Directory for the temporary file (default: os.tmpdir()). */
  readonly dir?: string;
  /** Cache bounds (tests). */
  readonly cacheRecords?: number;
  readonly cacheBytes?: number;
};

export class Spool {
  /** Where the file was created (it is unlinked at once where the system allows). */
  readonly path: string | null = null;
  /** True when the file's name is already gone (only the descriptor holds it). */
  readonly anonymous: boolean = false;
  private handle: Handle | null = null;
  /** The in-memory fallback: one JSON text per record. */
  private memory: string[] | null = null;
  private closed = false;
  /** Records parsed back so far (cache misses; tests). */
  parsed = 0;

  private readonly offsets: Float64Array[] = [];
  private n = 0;
  /** Bytes appended (written or batched). */
  private size = 0;
  /** Bytes written to the file. */
  private flushed = 0;
  private batch = Buffer.allocUnsafe(WRITE_BATCH);
  private batched = 0;

  private readonly cache = new Map<number, { rec: unknown; bytes: number }>();
  private cacheBytesHeld = 0;
  private readonly maxRecords: number;
  private readonly maxBytes: number;
  private scratch = Buffer.allocUnsafe(16 * 1024);
  private window: Buffer | null = null;
  private windowStart = 0;
  private windowEnd = 0;

  constructor(opts: SpoolOptions = {}) {
    this.maxRecords = opts.cacheRecords ?? CACHE_RECORDS;
    this.maxBytes = opts.cacheBytes ?? CACHE_BYTES;
    let dir: string | null = null;
    try {
      dir = mkdtempSync(join(opts.dir ?? tmpdir(), 'rtmpscope-ui-'));
      const path = join(dir, 'records.ndjson');
      const fd = openSync(path, 'w+', 0o600);
      this.path = path;
      this.handle = { fd, dir };
      try {
        unlinkSync(path);
        rmSync(dir, { recursive: true, force: true });
        this.handle.dir = null;
        this.anonymous = true;
      } catch {
        removeAtExit(dir);
      }
      finalizer.register(this, this.handle, this);
    } catch {
      if (dir !== null && this.handle === null) rmSync(dir, { recursive: true, force: true });
      this.memory = [];
    }
  }

  /** Records appended so far. */
  get count(): number {
    return this.n;
  }

  /** Records currently held parsed in the cache. */
  get cached(): number {
    return this.cache.size;
  }

  /** Bytes of JSON of the records in the cache. */
  get cachedBytes(): number {
    return this.cacheBytesHeld;
  }

  /** Whether the records are in a file (false: the in-memory fallback). */
  get onDisk(): boolean {
    return this.memory === null;
  }

  get isClosed(): boolean {
    return this.closed;
  }

  /** Spool a record; returns its number (or -1 once closed). Throws when the file cannot be written. */
  append(record: unknown): number {
    if (this.closed) return -1;
    const text = JSON.stringify(record);
    const id = this.n;
    if (this.memory !== null) {
      this.memory.push(text);
      this.n++;
      return id;
    }
    const hi = id >>> OFFSET_BITS;
    if (hi === this.offsets.length) this.offsets.push(new Float64Array(OFFSET_BLOCK));
    this.offsets[hi]![id & OFFSET_MASK] = this.size;
    // One line per record. A UTF-16 code unit is at most 3 bytes of UTF-8: write straight into
    // the batch when it surely fits.
    const most = text.length * 3 + 1;
    if (this.batched + most > WRITE_BATCH) this.flush();
    let bytes: number;
    if (most <= WRITE_BATCH) {
      bytes = this.batch.write(text, this.batched, 'utf8') + 1;
      this.batch[this.batched + bytes - 1] = 0x0a;
      this.batched += bytes;
    } else {
      const b = Buffer.from(text + '\n', 'utf8');
      this.writeAll(b);
      bytes = b.length;
      this.flushed += bytes;
    }
    this.size += bytes;
    this.n++;
    return id;
  }

  /** Write the batch to the file. */
  flush(): void {
    if (this.batched === 0 || this.handle === null) return;
    this.writeAll(this.batch.subarray(0, this.batched));
    this.flushed += this.batched;
    this.batched = 0;
  }

  private writeAll(b: Buffer): void {
    try {
      for (let at = 0; at < b.length;) at += writeSync(this.handle!.fd, b, at, b.length - at, this.flushed + at);
    } catch (e) {
      throw new Error(`cannot write the UI's temporary file of records (${e instanceof Error ? e.message : String(e)})`, { cause: e });
    }
  }

  private offsetOf(id: number): number {
    return id >= this.n ? this.size : this.offsets[id >>> OFFSET_BITS]![id & OFFSET_MASK]!;
  }

  /** A record by number (see the contract); `scan` reads ahead and bypasses the cache. */
  read(id: number, scan = false): unknown {
    if (this.closed || !Number.isInteger(id) || id < 0 || id >= this.n) return undefined;
    const hit = this.cache.get(id);
    if (hit !== undefined) {
      if (!scan) {
        this.cache.delete(id);
        this.cache.set(id, hit);
      }
      return hit.rec;
    }
    let rec: unknown;
    let bytes: number;
    try {
      if (this.memory !== null) {
        const text = this.memory[id]!;
        rec = JSON.parse(text);
        bytes = text.length;
      } else {
        const start = this.offsetOf(id);
        const end = this.offsetOf(id + 1);
        bytes = end - start;
        if (end > this.flushed) this.flush();
        rec = JSON.parse(scan ? this.readScan(start, end) : this.readExact(start, end));
      }
    } catch {
      return undefined;
    }
    this.parsed++;
    if (!scan) this.remember(id, rec, bytes);
    return rec;
  }

  private readExact(start: number, end: number): string {
    const len = end - start;
    const buf = len <= this.scratch.length ? this.scratch : Buffer.allocUnsafe(len);
    this.readAll(buf, len, start);
    return buf.toString('utf8', 0, len);
  }

  private readScan(start: number, end: number): string {
    if (start < this.windowStart || end > this.windowEnd || this.window === null) {
      if (end - start > WINDOW) return this.readExact(start, end);
      this.window ??= Buffer.allocUnsafe(WINDOW);
      const len = Math.min(WINDOW, this.flushed - start);
      this.readAll(this.window, len, start);
      this.windowStart = start;
      this.windowEnd = start + len;
    }
    return this.window.toString('utf8', start - this.windowStart, end - this.windowStart);
  }

  private readAll(buf: Buffer, len: number, pos: number): void {
    for (let at = 0; at < len;) {
      const got = readSync(this.handle!.fd, buf, at, len - at, pos + at);
      if (got === 0) throw new Error('the spool file is shorter than expected');
      at += got;
    }
  }

  private remember(id: number, rec: unknown, bytes: number): void {
    this.cache.set(id, { rec, bytes });
    this.cacheBytesHeld += bytes;
    // The record just read stays, even alone over the byte bound (the detail pane shows it).
    while (this.cache.size > 1 && (this.cache.size > this.maxRecords || this.cacheBytesHeld > this.maxBytes)) {
      const [oldest, v] = this.cache.entries().next().value!;
      this.cache.delete(oldest);
      this.cacheBytesHeld -= v.bytes;
    }
  }

  /** Close and delete the file (idempotent). */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.cache.clear();
    this.cacheBytesHeld = 0;
    this.memory = null;
    this.window = null;
    if (this.handle !== null) {
      finalizer.unregister(this);
      release(this.handle);
      this.handle = null;
    }
  }
}
