/**
 * NDJSON and JSON renderers for output records. NDJSON streams one line per record, written in
 * batches; JSON groups the same records by session into one document at the end.
 */
import { closeSync, openSync, writeSync } from 'node:fs';
import type { Writable } from 'node:stream';
import type { DiagnosticRecord, OutputRecord, SessionRecord, CaptureSummaryRecord, HandshakeRecord, MessageRecord, StreamRecord } from '../session/records.js';

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
  return {
    write: (text) => {
      const b = Buffer.from(text);
      for (let at = 0; at < b.length; ) at += writeSync(fd, b, at);
    },
    close: async () => closeSync(fd),
  };
}

/** Writes strings in large batches. */
export class BatchedWriter {
  private buf: string[] = [];
  private size = 0;
  constructor(private readonly out: TextOut) {}
  /** Returns a promise only when a batch went out (await it to honour backpressure). */
  write(s: string): Promise<void> | undefined {
    this.buf.push(s);
    this.size += s.length;
    return this.size >= BATCH ? this.flush() : undefined;
  }
  async flush(): Promise<void> {
    if (this.size === 0) return;
    const text = this.buf.join('');
    this.buf = [];
    this.size = 0;
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
    for (const r of recs) {
      const p = this.w.write(JSON.stringify(r) + '\n');
      if (p !== undefined) await p;
    }
  }
  async end(): Promise<void> {
    await this.w.flush();
  }
}

type Group = { handshake: HandshakeRecord[]; messages: MessageRecord[]; streams: StreamRecord[]; diagnostics: DiagnosticRecord[] };
type SessionGroup = SessionRecord & Group;

/** Collects records and writes one JSON document grouped by session. */
export class JsonRenderer {
  private readonly perSession = new Map<number, Group>();
  private readonly sessions: SessionGroup[] = [];
  private readonly captureDiagnostics: DiagnosticRecord[] = [];
  private capture: CaptureSummaryRecord | null = null;
  constructor(private readonly w: BatchedWriter) {}
  private group(n: number) {
    let g = this.perSession.get(n);
    if (g === undefined) {
      g = { handshake: [], messages: [], streams: [], diagnostics: [] };
      this.perSession.set(n, g);
    }
    return g;
  }
  records(recs: readonly OutputRecord[]): void {
    for (const r of recs) {
      if (r.type === 'session') this.sessions.push({ ...r, ...this.group(r.session) });
      else if (r.type === 'diagnostic') {
        if (r.session === null) this.captureDiagnostics.push(r);
        else this.group(r.session).diagnostics.push(r);
      } else if (r.type === 'capture') this.capture = r;
      else if (r.type === 'message') this.group(r.session).messages.push(r);
      else if (r.type === 'stream') this.group(r.session).streams.push(r);
      else this.group(r.session).handshake.push(r);
    }
  }
  async end(): Promise<void> {
    this.sessions.sort((a, b) => a.session - b.session);
    const doc = { capture: this.capture, sessions: this.sessions, diagnostics: this.captureDiagnostics };
    await this.w.write(JSON.stringify(doc, null, 2) + '\n');
    await this.w.flush();
  }
}
