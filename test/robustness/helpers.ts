/**
 * Shared by the robustness tests: the real pipeline in-process (analyzeStream fed like the CLI's
 * file reader, records rendered by NdjsonRenderer), a check that output survives JSON, and the
 * record layout of committed pcap captures so tests can damage exactly the bytes they mean to.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { createCaptureDecoder } from '../../src/capture/decoder.js';
import { CATALOGUE } from '../../src/core/diagnostics.js';
import { decodeFrame } from '../../src/net/decode.js';
import { BatchedWriter, NdjsonRenderer } from '../../src/output/ndjson.js';
import type { AnalyzerOptions } from '../../src/session/analyzer.js';
import type { DiagnosticRecord, MessageRecord, OutputRecord } from '../../src/records/index.js';
import { analyzeStream } from '../../src/session/run.js';
import { jsonIssue } from '../builders/json-check.js';

export const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
export const CLI = join(ROOT, 'dist', 'bin', 'rtmpscope.js');

export function readCapture(name: string): Uint8Array {
  return new Uint8Array(readFileSync(join(ROOT, 'captures', name)));
}

export type Run = {
  readonly records: readonly OutputRecord[];
  /** The NDJSON text NdjsonRenderer wrote. */
  readonly ndjson: string;
  /** CPU time of the run (the process's user + system time), in ms. */
  readonly ms: number;
  /**
   * Largest growth of process.memoryUsage().arrayBuffers over the start, sampled between pushes
   * (with `measureMemory`: after full GCs, every fourth push; then it is what the pipeline retains,
   * and `ms` includes the GCs).
   */
  readonly arrayBuffersPeak: number;
  messages(session?: number): MessageRecord[];
  diagnostics(): DiagnosticRecord[];
  codes(): Set<string>;
};

let gcFn: (() => void) | null = null;

/** A full garbage collection (node's gc(), enabled at run time: tests run without --expose-gc). */
export function gc(): void {
  if (gcFn === null) {
    setFlagsFromString('--expose-gc');
    gcFn = runInNewContext('gc') as () => void;
  }
  gcFn();
}

/**
 * ArrayBuffer bytes still reachable: V8 frees the backing stores of collected buffers a little
 * after the GC, so collect and let that happen until the figure stops falling.
 */
export async function settledArrayBuffers(): Promise<number> {
  let last = Infinity;
  for (let i = 0; i < 10; i++) {
    gc();
    await new Promise<void>((r) => setImmediate(r));
    const now = process.memoryUsage().arrayBuffers;
    if (now >= last) return now;
    last = now;
  }
  return last;
}

/**
 * The capture through analyzeStream (src/session/run.ts), fed in `chunkSize` pieces from ONE
 * reused buffer, as the CLI's file reader does (a stage that kept a view would see it change),
 * rendered by the real NdjsonRenderer. Memory is sampled between pushes; with `measureMemory`
 * each sample follows a full GC, so garbage from building the input does not blur it.
 */
export async function runPipeline(bytes: Uint8Array, opts: AnalyzerOptions = {}, chunkSize = 256 * 1024, measureMemory = false): Promise<Run> {
  const records: OutputRecord[] = [];
  let text = '';
  const w = new BatchedWriter({
    write: (t) => {
      text += t;
    },
    close: async () => {},
  });
  const renderer = new NdjsonRenderer(w);
  const base = measureMemory ? await settledArrayBuffers() : process.memoryUsage().arrayBuffers;
  let peak = 0;
  async function* chunks(): AsyncGenerator<Uint8Array> {
    const buf = new Uint8Array(chunkSize);
    for (let at = 0, i = 0; at < bytes.length; at += chunkSize, i++) {
      const n = Math.min(chunkSize, bytes.length - at);
      buf.set(bytes.subarray(at, at + n));
      yield n === chunkSize ? buf : buf.subarray(0, n);
      // A settled sample costs a few GCs: every fourth push (and the last) is enough.
      if (!measureMemory) peak = Math.max(peak, process.memoryUsage().arrayBuffers - base);
      else if (i % 4 === 3 || at + n >= bytes.length) peak = Math.max(peak, (await settledArrayBuffers()) - base);
    }
  }
  // CPU time, not wall time: other test files run beside this one (and the machine may be shared).
  const t0 = process.cpuUsage();
  await analyzeStream(
    'capture.pcap',
    chunks(),
    async (recs) => {
      records.push(...recs);
      await renderer.records(recs);
    },
    opts,
  );
  await renderer.end();
  const used = process.cpuUsage(t0);
  const ms = (used.user + used.system) / 1000;
  return {
    records,
    ndjson: text,
    ms,
    arrayBuffersPeak: peak,
    messages: (session?: number) => records.filter((r): r is MessageRecord => r.type === 'message' && (session === undefined || r.session === session)),
    diagnostics: () => records.filter((r): r is DiagnosticRecord => r.type === 'diagnostic'),
    codes: () => new Set(records.filter((r): r is DiagnosticRecord => r.type === 'diagnostic').map((r) => r.code)),
  };
}

export { jsonIssue };

/**
 * The run's output is sound: one NDJSON line per record, each parses, each record survives JSON
 * unchanged, every diagnostic code is in the catalogue, and the capture summary comes last.
 */
export function assertSoundOutput(run: Run): void {
  const lines = run.ndjson.split('\n');
  assert.equal(lines.pop(), '', 'NDJSON ends with a newline');
  assert.equal(lines.length, run.records.length, 'one line per record');
  lines.forEach((line, i) => {
    const parsed = JSON.parse(line) as { type: string };
    assert.equal(parsed.type, run.records[i]?.type);
  });
  for (const r of run.records) {
    const issue = jsonIssue(r, r.type);
    assert.equal(issue, null, `record does not survive JSON: ${issue}`);
    if (r.type === 'diagnostic') assert.ok(r.code in CATALOGUE, `unknown diagnostic code ${r.code}`);
  }
  assert.equal(run.records.at(-1)?.type, 'capture', 'the capture summary is the last record');
}

// ---------------------------------------------------------------------------------------------
// Committed pcap captures, record by record

export type PcapRecord = {
  readonly frame: number;
  /** File offsets: record header, captured data, end of the record. */
  readonly header: number;
  readonly data: number;
  readonly end: number;
  /** TCP segment fields when the record is one (offsets into the file). */
  readonly tcp?: {
    readonly src: string;
    readonly dst: string;
    readonly seq: number;
    /** File offset of the TCP sequence number field (big-endian u32). */
    readonly seqField: number;
    readonly payload: number;
    readonly payloadLength: number;
  };
};

/** The records of a little-endian classic pcap (what the committed captures are). */
export function pcapRecords(file: Uint8Array): PcapRecord[] {
  const dec = createCaptureDecoder();
  const out: PcapRecord[] = [];
  for (const ev of [...dec.push(file), ...dec.finish()]) {
    if (ev.kind !== 'record') continue;
    const data = ev.data.byteOffset - file.byteOffset;
    const net = decodeFrame(ev.linkType, ev.data, ev.origLen);
    const rec: PcapRecord = { frame: ev.frame, header: data - 16, data, end: data + ev.data.length };
    if (net.kind === 'tcp' && ev.linkType === 1) {
      const payload = net.payload.byteOffset - file.byteOffset;
      out.push({
        ...rec,
        tcp: { src: `${net.srcIp}:${net.srcPort}`, dst: `${net.dstIp}:${net.dstPort}`, seq: net.seq, seqField: tcpStart(file, data) + 4, payload, payloadLength: net.payload.length },
      });
    } else out.push(rec);
  }
  return out;
}

/** File offset of the TCP header in an Ethernet frame at `data` (IPv4, or IPv6 without extension headers). */
function tcpStart(file: Uint8Array, data: number): number {
  const etherType = ((file[data + 12] ?? 0) << 8) | (file[data + 13] ?? 0);
  if (etherType === 0x0800) return data + 14 + ((file[data + 14] ?? 0) & 0x0f) * 4;
  if (etherType === 0x86dd) return data + 14 + 40;
  throw new Error(`not an IP frame at ${data}`);
}

/** A deterministic byte source (xorshift32). */
export function rng(seed: number): () => number {
  let x = seed >>> 0 || 1;
  return () => {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    return x;
  };
}

export { concat } from '../builders/bytes.js';
