/**
 * Output sinks for the live proxy: NDJSON lines and pcap records, queued synchronously from the
 * forwarding path and written to a stream in batches.
 *
 * Contract:
 * - `push` never blocks and never throws on I/O: a stream error marks the sink failed (reported
 *   once through `onError`) and later pushes are dropped. Forwarding must never wait on output.
 * - Output is batched: written when 256 KiB are queued or 25 ms after the first queued byte.
 * - `lag` is the bytes accepted but not yet handed to the OS (our batch + the stream's buffer).
 *   The proxy compares it with a cap and stops feeding a sink that falls behind, so nothing here
 *   grows without bound as long as the caller honours `lag`.
 * - Standard output is written through an fs stream on fd 1 (libuv thread pool), never with
 *   synchronous pipe writes, so a slow reader of stdout cannot stall the event loop.
 */
import { createWriteStream, openSync } from 'node:fs';
import { UserError } from '../io/input.js';
import type { Writable } from 'node:stream';
import type { OutputRecord } from '../records/index.js';
import { toJson } from '../core/text.js';

const FLUSH_BYTES = 256 * 1024;
/**
 * Queued output is written at most this long after it was produced (or at FLUSH_BYTES). Writing
 * per event instead costs a thread-pool round trip per forwarded chunk, which showed up as
 * ~100 µs of added round-trip latency in bench-proxy.
 */
const FLUSH_MS = 25;

abstract class BatchSink<T extends string | Uint8Array> {
  protected parts: T[] = [];
  protected size = 0;
  private scheduled = false;
  private failedWith: Error | null = null;
  private ended = false;

  constructor(
    private readonly stream: Writable,
    /** End the stream at `end()` (false for streams the caller owns). */
    private readonly owned: boolean,
    private readonly onError: (e: Error) => void,
  ) {
    stream.on('error', (e: Error) => this.fail(e));
  }

  get failed(): boolean {
    return this.failedWith !== null;
  }

  get lag(): number {
    return this.size + this.stream.writableLength;
  }

  protected abstract sizeOf(part: T): number;
  /** Hand the queued parts to the stream. */
  protected abstract writeOut(stream: Writable, parts: T[]): void;

  protected add(part: T): void {
    if (this.failedWith !== null || this.ended) return;
    this.parts.push(part);
    this.size += this.sizeOf(part);
    if (this.size >= FLUSH_BYTES) this.flush();
    else if (!this.scheduled) {
      this.scheduled = true;
      setTimeout(() => {
        this.scheduled = false;
        this.flush();
      }, FLUSH_MS);
    }
  }

  flush(): void {
    if (this.size === 0 && this.parts.length === 0) return;
    const parts = this.parts;
    this.parts = [];
    this.size = 0;
    if (this.failedWith !== null || this.stream.destroyed) return;
    try {
      this.writeOut(this.stream, parts);
    } catch (e) {
      this.fail(e as Error);
    }
  }

  /** Flush everything and (for owned streams) end the stream; resolves once written. */
  async end(): Promise<void> {
    if (this.ended) return;
    this.flush();
    this.ended = true;
    const s = this.stream;
    if (this.failedWith !== null || s.destroyed) return;
    await new Promise<void>((resolve) => {
      const done = () => resolve();
      if (this.owned) {
        s.once('error', done);
        s.end(done);
      } else if (s.writableNeedDrain) {
        s.once('drain', done);
        s.once('error', done);
        s.once('close', done);
      } else {
        resolve();
      }
    });
  }

  private fail(e: Error): void {
    if (this.failedWith !== null) return;
    this.failedWith = e;
    this.parts = [];
    this.size = 0;
    this.onError(e);
  }
}

/** NDJSON: one JSON line per record. */
export class NdjsonSink extends BatchSink<string> {
  push(records: readonly OutputRecord[]): void {
    if (this.failed || records.length === 0) return;
    let text = '';
    for (const r of records) text += toJson(r) + '\n';
    this.add(text);
  }
  protected writeOut(stream: Writable, parts: string[]): void {
    stream.write(parts.join(''));
  }
  protected sizeOf(part: string): number {
    return part.length;
  }
}

/** pcap bytes: the global header, then records as the synthesiser produces them (headers and payloads apart). */
export class PcapSink extends BatchSink<Uint8Array> {
  push(records: readonly Uint8Array[]): void {
    for (const r of records) this.add(r);
  }
  /** Corked: the stream gets the parts in one writev (a file stream), without copying them together. */
  protected writeOut(stream: Writable, parts: Uint8Array[]): void {
    stream.cork();
    try {
      for (const p of parts) stream.write(p);
    } finally {
      stream.uncork();
    }
  }
  protected sizeOf(part: Uint8Array): number {
    return part.length;
  }
}

/** A write stream for a path ('-' = standard output via fd 1), opened now: failures are UserErrors. */
export function openOutput(path: string, what: string): Writable {
  if (path === '-') return createWriteStream('', { fd: 1, autoClose: false });
  let fd: number;
  try {
    fd = openSync(path, 'w');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    const why = code === 'ENOENT' ? 'no such directory' : code === 'EACCES' ? 'permission denied' : code === 'EISDIR' ? 'is a directory' : (code ?? String(e));
    throw new UserError(`${what} ${path}: cannot write (${why})`);
  }
  return createWriteStream('', { fd });
}
