/**
 * NDJSON and JSON renderers for output records. NDJSON streams one line per record, written in
 * batches; JSON groups the same records by session into one document at the end.
 */
import { closeSync, mkdtempSync, openSync, readSync, rmSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Writable } from 'node:stream';
import type { OutputRecord, SessionRecord, CaptureSummaryRecord } from '../records/index.js';
import { toJson } from '../core/text.js';

const BATCH = 64 * 1024;

/** Where rendered text goes: a stream (stdout, honouring backpressure) or a file. */
export type TextOut = {
  write(text: string): void | Promise<void>;
  close(): Promise<void>;
};

/** A writable stream as a TextOut; `close` ends it unless it is process.stdout. */
export function streamOut(stream: Writable): TextOut {
  return {
    write: (text) => {
      if (stream.write(text)) return;
      return new Promise<void>((resolve) => stream.once('drain', resolve));
    },
    close: () =>
      stream === process.stdout
        ? Promise.resolve()
        : new Promise<void>((resolve, reject) => {
            stream.on('error', reject);
            stream.end(resolve);
          }),
  };
}

/** A file written synchronously (no stream machinery for `-o FILE`). Throws like openSync. */
export function fileOut(path: string): TextOut {
  const fd = openSync(path, 'w');
  // One buffer encoded into batch after batch (a fresh 64 KiB Buffer per batch is external
  // memory for the GC to track); grown when a batch could need more (UTF-8: ≤ 3 bytes a UTF-16 unit).
  let buf = Buffer.allocUnsafe(0);
  return {
    write: (text) => {
      if (text.length * 3 > buf.length) buf = Buffer.allocUnsafe(Math.max(text.length * 3, 2 * BATCH * 3));
      const n = buf.write(text);
      for (let at = 0; at < n;) at += writeSync(fd, buf, at, n - at);
    },
    close: async () => closeSync(fd),
  };
}

const SEPARATOR = /[\u2028\u2029]/;

/** U+2028 and U+2029 as JSON escapes (as toJson writes them). */
function escapeSeparators(text: string): string {
  return text.replace(/\u2028/g, '\\u2028').replace(/\u2029/g, '\\u2029');
}

/** Writes strings in large batches. */
export class BatchedWriter {
  private buf: string[] = [];
  private size = 0;
  /** The batch holds `line`s: JSON.stringify text whose U+2028/U+2029 are still to escape. */
  private raw = false;
  constructor(private readonly out: TextOut) {}
  /** Returns a promise only when a batch went out (await it to honour backpressure). */
  write(s: string): Promise<void> | undefined {
    this.buf.push(s);
    this.size += s.length;
    return this.size >= BATCH ? this.flush() : undefined;
  }
  /**
   * One NDJSON line from `JSON.stringify` text: what `toJson(v) + '\n'` writes, with the line
   * separators escaped once over the whole batch instead of two scans of every line (they can
   * only stand inside JSON strings, so escaping the batch is escaping each line).
   */
  line(json: string): Promise<void> | undefined {
    this.raw = true;
    this.buf.push(json, '\n');
    this.size += json.length + 1;
    return this.size >= BATCH ? this.flush() : undefined;
  }
  async flush(): Promise<void> {
    if (this.size === 0) return;
    let text = this.buf.join('');
    if (this.raw && SEPARATOR.test(text)) text = escapeSeparators(text);
    this.buf = [];
    this.size = 0;
    this.raw = false;
    await this.out.write(text);
  }
  async close(): Promise<void> {
    await this.flush();
    await this.out.close();
  }
}

export class NdjsonRenderer {
  constructor(private readonly w: BatchedWriter) {}
  async records(recs: readonly OutputRecord[]): Promise<void> {
    for (let i = 0; i < recs.length; i++) {
      const p = this.w.line(JSON.stringify(recs[i]));
      if (p !== undefined) await p;
    }
  }
  async end(): Promise<void> {
    await this.w.flush();
  }
}

/** Byte ranges of spooled records, growing by doubling (two numbers per record). */
class RangeList {
  private a = new Float64Array(64);
  count = 0;
  add(offset: number, length: number): void {
    if (this.count * 2 === this.a.length) {
      const g = new Float64Array(this.a.length * 2);
      g.set(this.a);
      this.a = g;
    }
    this.a[this.count * 2] = offset;
    this.a[this.count * 2 + 1] = length;
    this.count++;
  }
  offset(i: number): number {
    return this.a[i * 2] as number;
  }
  length(i: number): number {
    return this.a[i * 2 + 1] as number;
  }
}

const GROUPS = ['handshake', 'messages', 'streams', 'diagnostics'] as const;
type SessionIndex = { record: SessionRecord | null; ranges: [RangeList, RangeList, RangeList, RangeList] };

const indent = (level: number) => '  '.repeat(level);
/** `v` as JSON.stringify(v, null, 2) would print it nested `level` deep. */
const pretty = (v: unknown, level: number) => toJson(v, 2).replace(/\n/g, `\n${indent(level)}`);

/**
 * Writes one JSON document grouped by session — exactly `JSON.stringify(doc, null, 2)` of
 * `{ capture, sessions: [{ ...session, handshake, messages, streams, diagnostics }], diagnostics }`
 * — without holding the records: they are spooled to a temporary file as they arrive, with only
 * their byte ranges kept per session (16 bytes a record), and read back session by session at the
 * end. Memory stays flat however large the capture.
 */
export class JsonRenderer {
  private readonly sessions = new Map<number, SessionIndex>();
  private readonly captureDiagnostics = new RangeList();
  private capture: CaptureSummaryRecord | null = null;
  private readonly dir: string;
  private readonly fd: number;
  private size = 0;
  private pending: string[] = [];
  private pendingSize = 0;
  constructor(private readonly w: BatchedWriter) {
    this.dir = mkdtempSync(join(tmpdir(), 'rtmpscope-json-'));
    this.fd = openSync(join(this.dir, 'spool'), 'w+');
  }
  private index(n: number): SessionIndex {
    let g = this.sessions.get(n);
    if (g === undefined) {
      g = { record: null, ranges: [new RangeList(), new RangeList(), new RangeList(), new RangeList()] };
      this.sessions.set(n, g);
    }
    return g;
  }
  private spool(list: RangeList, r: OutputRecord): void {
    const text = toJson(r);
    const length = Buffer.byteLength(text);
    list.add(this.size, length);
    this.size += length;
    this.pending.push(text);
    this.pendingSize += length;
    if (this.pendingSize >= BATCH) this.flushSpool();
  }
  private flushSpool(): void {
    const b = Buffer.from(this.pending.join(''));
    for (let at = 0; at < b.length;) at += writeSync(this.fd, b, at);
    this.pending = [];
    this.pendingSize = 0;
  }
  records(recs: readonly OutputRecord[]): void {
    for (const r of recs) {
      if (r.type === 'session') this.index(r.session).record = r;
      else if (r.type === 'capture') this.capture = r;
      else if (r.type === 'diagnostic' && r.session === null) this.spool(this.captureDiagnostics, r);
      else {
        const g = r.type === 'handshake' ? 0 : r.type === 'message' ? 1 : r.type === 'stream' ? 2 : 3;
        this.spool(this.index(r.session as number).ranges[g], r);
      }
    }
  }
  /** The spooled records of `list` as a JSON array nested `level` deep. */
  private async array(list: RangeList, level: number): Promise<void> {
    if (list.count === 0) {
      await this.w.write('[]');
      return;
    }
    await this.w.write('[');
    for (let i = 0; i < list.count; i++) {
      const buf = Buffer.allocUnsafe(list.length(i));
      readSync(this.fd, buf, 0, buf.length, list.offset(i));
      const p = this.w.write(`${i === 0 ? '' : ','}\n${indent(level + 1)}${pretty(JSON.parse(buf.toString('utf8')), level + 1)}`);
      if (p !== undefined) await p;
    }
    await this.w.write(`\n${indent(level)}]`);
  }
  async end(): Promise<void> {
    try {
      if (this.pendingSize > 0) this.flushSpool();
      const sessions = [...this.sessions.entries()].filter(([, g]) => g.record !== null).sort((a, b) => a[0] - b[0]);
      await this.w.write(`{\n  "capture": ${pretty(this.capture, 1)},\n  "sessions": `);
      if (sessions.length === 0) await this.w.write('[]');
      else {
        await this.w.write('[');
        for (let k = 0; k < sessions.length; k++) {
          const g = (sessions[k] as [number, SessionIndex])[1];
          await this.w.write(`${k === 0 ? '' : ','}\n${indent(2)}{`);
          let first = true;
          for (const [key, v] of Object.entries(g.record as SessionRecord)) {
            if (v === undefined) continue;
            await this.w.write(`${first ? '' : ','}\n${indent(3)}${JSON.stringify(key)}: ${pretty(v, 3)}`);
            first = false;
          }
          for (let j = 0; j < GROUPS.length; j++) {
            await this.w.write(`${first ? '' : ','}\n${indent(3)}"${GROUPS[j]}": `);
            first = false;
            await this.array(g.ranges[j as 0 | 1 | 2 | 3], 3);
          }
          await this.w.write(`\n${indent(2)}}`);
        }
        await this.w.write(`\n${indent(1)}]`);
      }
      await this.w.write(',\n  "diagnostics": ');
      await this.array(this.captureDiagnostics, 1);
      await this.w.write('\n}\n');
      await this.w.flush();
    } finally {
      closeSync(this.fd);
      rmSync(this.dir, { recursive: true, force: true });
    }
  }
}
