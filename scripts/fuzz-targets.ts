/** What the fuzzer runs on each input, and the checks that turn a bad outcome into a failure; the inputs as pure functions of their seed. */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createCaptureDecoder } from '../src/capture/decoder.js';
import type { CaptureEvent } from '../src/capture/types.js';
import { CATALOGUE } from '../src/core/diagnostics.js';
import { Analyzer, type AnalyzerOptions } from '../src/session/analyzer.js';
import { RtmpSession } from '../src/session/rtmp-session.js';
import type { OutputRecord } from '../src/records/index.js';
import { decodeMessageBody } from '../src/rtmp/messages.js';
import { decodeAmf0Values, decodeAmf3Values, toPlain } from '../src/amf/index.js';
import { SummaryCollector, renderSummary } from '../src/output/summary.js';
import { jsonIssue } from '../test/builders/json-check.js';
import { conversationFrames } from '../test/builders/conversation.js';
import { writePcap } from '../test/builders/pcap.js';
import { hostileCapture } from '../test/builders/fuzz-hostile.js';

import { Rng, W } from '../test/builders/fuzz-random.js';
import { amf3Value, amfCtx } from '../test/builders/fuzz-amf.js';
import { messageBody } from '../test/builders/fuzz-media.js';
import { Streams, TYPE_IDS, randomStreams } from '../test/builders/fuzz-chunks.js';
import { captureMutant, conversationCapture } from '../test/builders/fuzz-captures.js';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const OUT_DIR = join(ROOT, '.fuzz');

export const KINDS = ['capture', 'conversation', 'stream', 'body'] as const;
export type Kind = (typeof KINDS)[number];

/** Which kind input `index` is: many cheap ones, few whole-capture mutants. */
export function kindOf(seed: number): Kind {
  const x = seed % 1000;
  if (x < 25) return 'capture';
  if (x < 85) return 'conversation';
  if (x < 500) return 'stream';
  return 'body';
}

export function hex8(n: number): string {
  return n.toString(16).padStart(8, '0');
}

// =============================================================================================
// The checks

export class Failure extends Error {}

/** Records written, output bytes, and pushes made (each push has a fixed cost: see budget()). */
type Outcome = { records: number; bytes: number; pushes: number };

/** Render as NdjsonRenderer does, and check every record. */
function checkRecords(recs: readonly OutputRecord[], acc: Outcome, parse: boolean): void {
  for (const rec of recs) {
    const line = JSON.stringify(rec) + '\n';
    acc.records++;
    acc.bytes += line.length;
    const issue = jsonIssue(rec, rec.type, 0);
    if (issue !== null) throw new Failure(`record does not survive JSON: ${issue}`);
    if (parse) JSON.parse(line);
    if (rec.type === 'diagnostic' && !(rec.code in CATALOGUE)) throw new Failure(`diagnostic code not in the catalogue: ${rec.code}`);
  }
}

/** The CLI's pipeline on capture bytes pushed in the given pieces (see src/session/run.ts). */
function runCapture(bytes: Uint8Array, cuts: readonly number[], summary: boolean, parse: boolean, opts: AnalyzerOptions): Outcome {
  const acc: Outcome = { records: 0, bytes: 0, pushes: cuts.length + 1 };
  const decoder = createCaptureDecoder();
  const analyzer = new Analyzer(opts);
  const collector = summary ? new SummaryCollector() : null;
  let fatal: string | null = null;
  const take = (events: readonly CaptureEvent[]): void => {
    for (const ev of events) {
      if (ev.kind === 'fatal') {
        fatal = ev.message;
        return;
      }
      const recs = analyzer.push(ev);
      checkRecords(recs, acc, parse);
      collector?.records(recs);
    }
  };
  let prev = 0;
  for (const c of [...cuts, bytes.length]) {
    if (fatal !== null) break;
    take(decoder.push(bytes.subarray(prev, c)));
    prev = c;
  }
  if (fatal === null) take(decoder.finish());
  if (fatal !== null) {
    const m: string = fatal;
    if (m.length === 0 || m.includes('\n')) throw new Failure(`fatal message is not one line: ${JSON.stringify(m)}`);
    return acc;
  }
  const tail = analyzer.finish();
  checkRecords(tail, acc, parse);
  collector?.records(tail);
  const last: OutputRecord | undefined = tail[tail.length - 1];
  if (last?.type !== 'capture') throw new Failure(`the last record is ${last?.type ?? 'missing'}, not the capture summary`);
  if (collector !== null) {
    const text = renderSummary(collector, { color: false });
    // Nothing from the wire reaches a terminal raw (newlines only between lines).

    if (/[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/.test(text)) throw new Failure('the summary tables hold a raw control character');
    acc.bytes += text.length;
  }
  return acc;
}

function randomCuts(r: Rng, n: number): number[] {
  if (n === 0 || r.chance(0.5)) return [];
  if (n < 4096 && r.chance(0.1)) return Array.from({ length: n - 1 }, (_, i) => i + 1); // byte at a time
  const k = 1 + r.small(6);
  return Array.from({ length: k }, () => r.int(n + 1)).sort((a, b) => a - b);
}

/** Chunk streams straight into an RtmpSession, in random pieces, with random gaps. */
function runStream(r: Rng, s: Streams, midStream: boolean, connBuffer: number | undefined): Outcome {
  const acc: Outcome = { records: 0, bytes: 0, pushes: 0 };
  const session = new RtmpSession({ session: 1, conn: 0, client: '10.0.0.1:50000', server: '10.0.0.2:1935' }, midStream, connBuffer);
  const pos = { c2s: 0, s2c: 0 };
  const off = { c2s: 0, s2c: 0 };
  let frame = 0;
  const gaps = r.chance(0.15);
  const tiny = s.c2s.length + s.s2c.length < 8192 && r.chance(0.05);
  while (pos.c2s < s.c2s.length || pos.s2c < s.s2c.length) {
    const dir = pos.s2c >= s.s2c.length || (pos.c2s < s.c2s.length && r.chance(0.6)) ? 'c2s' : 's2c';
    const src = s[dir];
    const n = Math.min(src.length - pos[dir], tiny ? 1 + r.int(3) : 1 + r.small(3000));
    const meta = { frame: ++frame, sec: 1_700_000_000 + (frame >> 6), nsec: (frame & 63) * 1000 };
    if (gaps && r.chance(0.05)) {
      // The capture lost these bytes.
      checkRecords(session.gap(dir, n, meta), acc, false);
    } else {
      checkRecords(session.data(dir, src.subarray(pos[dir], pos[dir] + n), off[dir], meta), acc, false);
    }
    pos[dir] += n;
    off[dir] += n;
    acc.pushes++;
  }
  checkRecords(session.finish(), acc, false);
  const facts = { facts: session.sessionFacts(), stats: session.stats() };
  const issue = jsonIssue(facts, 'session', 0);
  if (issue !== null) throw new Failure(`session facts do not survive JSON: ${issue}`);
  acc.bytes += JSON.stringify(facts).length;
  return acc;
}

/** One body through decodeMessageBody and both AMF decoders. */
function runBody(typeId: number, body: Uint8Array, truncated: boolean): Outcome {
  const d = decodeMessageBody(typeId, body, 1000, truncated, truncated ? body.length + 1000 : body.length);
  // What a message record carries (the typed `amf` tree is for the UI only).
  const rec = { name: d.name, transactionId: d.transactionId, args: d.args, command: d.command, control: d.control, media: d.media, sharedObject: d.sharedObject, aggregate: d.aggregate, rawHex: d.rawHex, problems: d.problems };
  for (const [k, v] of Object.entries(rec)) {
    if (v === undefined) continue;
    const issue = jsonIssue(v, k, 0);
    if (issue !== null) throw new Failure(`decoded body does not survive JSON: ${issue}`);
  }
  const a0 = decodeAmf0Values(body);
  const a3 = decodeAmf3Values(body);
  const plain = [...a0.values.map(toPlain), ...a3.values.map(toPlain)];
  const issue = jsonIssue(plain, 'plain', 0);
  if (issue !== null) throw new Failure(`toPlain output does not survive JSON: ${issue}`);
  return { records: 1, bytes: JSON.stringify(rec).length + JSON.stringify(plain).length, pushes: 1 };
}

// =============================================================================================
// Inputs

export type Input =
  | { kind: 'capture'; bytes: Uint8Array; cuts: number[]; summary: boolean; parse: boolean; opts: AnalyzerOptions; note: string }
  | { kind: 'conversation'; bytes: Uint8Array; cuts: number[]; summary: boolean; parse: boolean; opts: AnalyzerOptions; note: string }
  | { kind: 'stream'; streams: Streams; midStream: boolean; connBuffer: number | undefined; rng: Rng; note: string }
  | { kind: 'body'; typeId: number; body: Uint8Array; truncated: boolean; note: string };

export function makeInput(seed: number): Input {
  const r = new Rng(seed);
  const kind = kindOf(seed);
  switch (kind) {
    case 'capture':
    case 'conversation': {
      // Some conversations are hostile shapes instead (floods, escape-laden strings, extreme times).
      if (kind === 'conversation' && r.chance(0.06)) {
        const h = hostileCapture(r);
        return { kind, bytes: h.bytes, cuts: randomCuts(r, h.bytes.length), summary: r.chance(0.3), parse: r.chance(0.15), opts: h.opts, note: h.note };
      }
      const m = kind === 'capture' ? captureMutant(r) : conversationCapture(r);
      // The summary tables and JSON.parse of every line are costly: on some inputs only.
      // Sometimes tiny limits, to reach the caps (out-of-order bytes, message buffers).
      const opts: AnalyzerOptions = r.chance(0.15) ? { maxQueuedBytes: r.pick([1024, 4096, 65536]), connBuffer: r.pick([0, 1, 4096, 65536]), rtmpPorts: r.pick([[1935], [], [80, 443, 1935, 19350]]) } : {};
      return { kind, bytes: m.bytes, cuts: randomCuts(r, m.bytes.length), summary: r.chance(0.05), parse: r.chance(0.15), opts, note: `${m.note}${opts.connBuffer === undefined ? '' : ` ${JSON.stringify(opts)}`}` };
    }
    case 'stream': {
      const streams = randomStreams(r, r.pick([512, 1024, 2048, 4096, 16384]));
      // Mid-stream: the session starts in the chunk phase, scanning for a boundary.
      const midStream = !streams.handshake && r.chance(0.8);
      const connBuffer = r.chance(0.15) ? r.pick([0, 1, 4096, 65536]) : undefined;
      return { kind, streams, midStream, connBuffer, rng: r, note: `hs=${streams.handshake} mid=${midStream} c2s=${streams.c2s.length} s2c=${streams.s2c.length} connBuffer=${connBuffer}` };
    }
    case 'body': {
      const typeId = r.chance(0.7) ? r.pick([15, 17, 18, 20, 20, 17, 16, 19, 22, 8, 9]) : r.chance(0.8) ? r.pick(TYPE_IDS) : r.int(256);
      let body: Uint8Array;
      if (r.chance(0.2)) {
        // Pure AMF3 values (no AMF0 wrapper) to reach the AMF3 decoder directly.
        const w = new W();
        const c = amfCtx(r, w);
        const n = 1 + r.small(4);
        for (let i = 0; i < n; i++) amf3Value(c, 0);
        body = w.done();
      } else body = messageBody(r, typeId);
      return { kind, typeId, body, truncated: r.chance(0.1), note: `type ${typeId}, ${body.length} bytes` };
    }
  }
}

export function inputSize(i: Input): number {
  return i.kind === 'stream' ? i.streams.c2s.length + i.streams.s2c.length : i.kind === 'body' ? i.body.length : i.bytes.length;
}

export function runInput(i: Input): Outcome {
  switch (i.kind) {
    case 'capture':
    case 'conversation':
      return runCapture(i.bytes, i.cuts, i.summary, i.parse, i.opts);
    case 'stream':
      return runStream(i.rng, i.streams, i.midStream, i.connBuffer);
    case 'body':
      return runBody(i.typeId, i.body, i.truncated);
  }
}

/** Save an input that failed: the bytes (a capture where one can be made) and how to replay it. */
export function saveInput(prefix: 'crash' | 'hang', seed: number, index: number, runSeed: number, input: Input, what: string): string {
  mkdirSync(OUT_DIR, { recursive: true });
  const base = join(OUT_DIR, `${prefix}-${hex8(seed)}`);
  let bytes: Uint8Array;
  if (input.kind === 'capture' || input.kind === 'conversation') bytes = input.bytes;
  else if (input.kind === 'stream') {
    // As a capture the CLI can read (the direct run also had random pieces and gaps).
    const turns = [
      { from: 'c' as const, data: input.streams.c2s },
      { from: 's' as const, data: input.streams.s2c },
    ].filter((t) => t.data.length > 0);
    const frames = conversationFrames(turns, { noHandshake: input.midStream });
    bytes = writePcap(
      frames.map((data, i) => ({ sec: 1_700_000_000, nsec: i * 1000, data })),
      { linkType: 1 },
    );
    writeFileSync(`${base}.c2s.bin`, input.streams.c2s);
    writeFileSync(`${base}.s2c.bin`, input.streams.s2c);
  } else bytes = input.body;
  writeFileSync(`${base}.bin`, bytes);
  writeFileSync(
    `${base}.txt`,
    `${prefix} in a ${input.kind} input (${input.note})\nreplay: node dist/scripts/fuzz.js --seed ${runSeed} --only ${index}\n` +
      (input.kind === 'capture' || input.kind === 'conversation' || input.kind === 'stream' ? `as a capture: node dist/src/cli/main.js export ${base}.bin\n` : `message type id ${input.typeId}\n`) +
      `\n${what}\n`,
  );
  return `${base}.bin`;
}
