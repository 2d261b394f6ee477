/**
 * fuzz: feed damaged and random input through the whole decoding pipeline and report crashes,
 * hangs and output that does not survive JSON (issue #8, "Robustness").
 *
 *   node dist/scripts/fuzz.js [--count N] [--seconds S] [--seed K] [--workers W] [--kind K] [--only I]
 *
 * Every input is a pure function of (K, its index I), so a run is deterministic and any input can
 * be replayed alone with `--seed K --only I` (which prints the stack of a crash). Four kinds:
 *
 * - `capture`: a committed capture (captures/*.pcap*) cut to a window of records (its file header
 *   kept, so most windows start mid-connection), then mutated: records dropped, duplicated or
 *   swapped (TCP loss, retransmission, reordering), record and block lengths corrupted (pcap
 *   incl_len/orig_len, pcapng block total length leading or trailing, EPB captured length; set to
 *   0x7fffffff, 0xffffffff, 0x80000000, off by a few, random), bit flips and byte overwrites in the
 *   TCP payload only (headers intact) or anywhere, 32-bit 0x7fffffff/0xffffffff/0xffffff written
 *   at random offsets, random garbage spliced in, byte ranges duplicated or removed, truncation.
 * - `conversation`: random RTMP chunk streams for both directions (see below) wrapped into a TCP
 *   conversation in a pcap or pcapng (test/builders), with random MSS, lost segments, a missing
 *   SYN, IPv4/IPv6, any port; sometimes bit-flipped afterwards.
 *   6 % of conversations are hostile shapes instead (scripts/fuzz-hostile.ts, issue #13): connection
 *   floods against a small --max-connections, a TSO segment of one-byte chunks, many open 16 MiB
 *   messages, chunk-stream floods against a small --conn-buffer, escape-laden strings (the summary
 *   tables must then hold no raw control character), pcapng timestamps beyond a date's range.
 * - `stream`: the same kind of chunk streams pushed straight into an RtmpSession (chunk decoder,
 *   message and AMF decoders, session analysis) in random pieces, with random TCP gaps.
 * - `body`: one random message body through decodeMessageBody and both AMF decoders.
 *
 * Capture inputs sometimes run with tiny analyzer limits (out-of-order buffer, --conn-buffer, RTMP
 * ports) to reach the caps. `--kind` runs only the inputs of one kind (same indexes and seeds).
 *
 * Chunk streams: a valid or damaged handshake, then structured-random chunks — fmt 0–3, chunk
 * stream ids 2/3/63/64/65/319/320/65599 (every basic-header form, canonical or not) and random,
 * lengths up to 0xFFFFFF, extended timestamps repeated or omitted, Set Chunk Size 1/0/0x7fffffff/
 * 0x80000000/0xffffffff, Abort, every type id, realistic commands and media (H.264, AAC, HEVC,
 * AV1, E-RTMP ModEx/multitrack) and random AMF0/AMF3 (deep nesting, self references, trait
 * references, ECMA count 2^32−1, huge string/array/vector lengths), garbage.
 *
 * The capture kinds run exactly what the CLI runs (createCaptureDecoder → Analyzer → records →
 * `JSON.stringify(record) + '\n'`, as NdjsonRenderer writes them, and the summary tables). For
 * every input: an exception is a crash (the input is saved to .fuzz/crash-<input seed>.bin, with
 * a .txt saying how to replay it); an input taking over 2 s, or over its budget (100 ms + 2 µs
 * per byte + 20 µs per push, ~200× slower than the benchmark; confirmed by a second run measured
 * in the thread's CPU time, so a busy machine is not a hang), is a hang (saved as .fuzz/hang-*);
 * an input still running after 10 s is killed by the watchdog and counted as a hang (the worker
 * is restarted after it). Every record must survive JSON unchanged (no undefined, NaN, ±Infinity, BigInt, typed arrays, class instances,
 * holes; -0 is tolerated), every diagnostic code must be in the catalogue and the last record of a
 * capture must be its `capture` summary; a violation counts as a crash too.
 *
 * Progress goes to stderr every 10 s; the report at the end gives inputs by kind, inputs/s,
 * crashes, hangs, the slowest input, peak RSS and heap. Exit status 1 when anything failed.
 * With no --count and no --seconds it runs 1,000,000 inputs: 8 min 14 s (2,026 inputs/s) on the
 * 2-core development machine while other jobs had half of it; about half that on 2 free cores.
 */
import { Worker, isMainThread, parentPort, workerData } from 'node:worker_threads';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { getHeapStatistics } from 'node:v8';
import { createCaptureDecoder } from '../src/capture/decoder.js';
import type { CaptureEvent } from '../src/capture/types.js';
import { CATALOGUE } from '../src/core/diagnostics.js';
import { decodeFrame } from '../src/net/decode.js';
import { Analyzer, type AnalyzerOptions } from '../src/session/analyzer.js';
import { RtmpSession } from '../src/session/rtmp-session.js';
import type { OutputRecord } from '../src/records/index.js';
import { decodeMessageBody } from '../src/rtmp/messages.js';
import { decodeAmf0Values, decodeAmf3Values, toPlain } from '../src/amf/index.js';
import { SummaryCollector, renderSummary } from '../src/output/summary.js';
import { amf0 } from '../test/builders/amf-writer.js';
import { concat } from '../test/builders/bytes.js';
import { jsonIssue } from '../test/builders/json-check.js';
import { handshakeBytes } from '../test/builders/chunk-writer.js';
import { conversationFrames } from '../test/builders/conversation.js';
import { writePcap, writePcapng, type PcapngPacketSpec } from '../test/builders/pcap.js';
import { hostileCapture } from './fuzz-hostile.js';
import {
  aacRaw,
  aacSequenceHeader,
  ascii,
  avcNalu,
  exAudio,
  exVideo,
  legacyAudio,
  legacyVideo,
  nanoOffsetModEx,
} from '../test/builders/media-writer.js';
import { AAC_LC_ASC, AV1C_AOM, HVCC_320, X264_1080_SEQUENCE_HEADER, X264_320_SEQUENCE_HEADER } from '../test/analysis/fixtures.js';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const CAPTURES = join(ROOT, 'captures');
const OUT_DIR = join(ROOT, '.fuzz');

/** One input over this is a hang whatever its size. */
const HANG_MS = 2000;
/** The watchdog kills a worker whose input has run this long. */
const WATCHDOG_MS = 10_000;
/** Size budget: fixed part (GC pauses) plus this much per input byte (1 MB/s, ~100× the benchmark). */
const BUDGET_FIXED_MS = 100;
const BUDGET_MS_PER_BYTE = 0.002;
/** Each push (a TCP segment, or a piece of a stream) costs a little whatever its size. */
const BUDGET_MS_PER_PUSH = 0.02;

function budget(size: number, pushes: number): number {
  return BUDGET_FIXED_MS + BUDGET_MS_PER_BYTE * size + BUDGET_MS_PER_PUSH * pushes;
}

const KINDS = ['capture', 'conversation', 'stream', 'body'] as const;
type Kind = (typeof KINDS)[number];

// =============================================================================================
// Randomness

/** mulberry32: small, fast, good enough to drive mutations. */
class Rng {
  private s: number;
  constructor(seed: number) {
    this.s = seed >>> 0;
  }
  u32(): number {
    let t = (this.s = (this.s + 0x6d2b79f5) | 0);
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return (t ^ (t >>> 14)) >>> 0;
  }
  /** 0 ≤ x < n (n ≤ 2^32). */
  int(n: number): number {
    return n <= 1 ? 0 : Math.floor((this.u32() / 4294967296) * n);
  }
  /** a ≤ x ≤ b. */
  range(a: number, b: number): number {
    return a + this.int(b - a + 1);
  }
  chance(p: number): boolean {
    return this.u32() < p * 4294967296;
  }
  pick<T>(a: readonly T[]): T {
    return a[this.int(a.length)] as T;
  }
  /** Mostly small: uniform below a random power of two up to `max`. */
  small(max: number): number {
    const bits = this.int(Math.ceil(Math.log2(max + 1)) + 1);
    return Math.min(max, this.int(2 ** bits));
  }
  bytes(n: number): Uint8Array {
    const b = new Uint8Array(n);
    for (let i = 0; i < n; i += 4) {
      const x = this.u32();
      b[i] = x;
      if (i + 1 < n) b[i + 1] = x >>> 8;
      if (i + 2 < n) b[i + 2] = x >>> 16;
      if (i + 3 < n) b[i + 3] = x >>> 24;
    }
    return b;
  }
  /** Weighted choice: [weight, value] pairs. */
  weighted<T>(choices: readonly (readonly [number, T])[]): T {
    let total = 0;
    for (const [w] of choices) total += w;
    let x = this.int(total);
    for (const [w, v] of choices) {
      if (x < w) return v;
      x -= w;
    }
    return (choices[choices.length - 1] as readonly [number, T])[1];
  }
}

/** The seed of input `index` in a run seeded `seed` (splitmix-like mixing). */
function inputSeed(seed: number, index: number): number {
  let z = (Math.imul(seed >>> 0, 0x9e3779b1) ^ Math.imul(index + 1, 0x85ebca77)) >>> 0;
  z = Math.imul(z ^ (z >>> 16), 0x7feb352d) >>> 0;
  z = Math.imul(z ^ (z >>> 15), 0x846ca68b) >>> 0;
  return (z ^ (z >>> 16)) >>> 0;
}

/** Which kind input `index` is: many cheap ones, few whole-capture mutants. */
function kindOf(seed: number): Kind {
  const x = seed % 1000;
  if (x < 25) return 'capture';
  if (x < 85) return 'conversation';
  if (x < 500) return 'stream';
  return 'body';
}

// =============================================================================================
// A growable byte writer (any value allowed: the point is to write what peers must not)

class W {
  buf = new Uint8Array(256);
  length = 0;
  private grow(n: number): void {
    if (this.length + n <= this.buf.length) return;
    let cap = this.buf.length * 2;
    while (cap < this.length + n) cap *= 2;
    const b = new Uint8Array(cap);
    b.set(this.buf.subarray(0, this.length));
    this.buf = b;
  }
  u8(v: number): void {
    this.grow(1);
    this.buf[this.length++] = v;
  }
  u16(v: number): void {
    this.grow(2);
    this.buf[this.length++] = v >>> 8;
    this.buf[this.length++] = v;
  }
  u24(v: number): void {
    this.grow(3);
    this.buf[this.length++] = v >>> 16;
    this.buf[this.length++] = v >>> 8;
    this.buf[this.length++] = v;
  }
  u32(v: number): void {
    this.grow(4);
    this.buf[this.length++] = v >>> 24;
    this.buf[this.length++] = v >>> 16;
    this.buf[this.length++] = v >>> 8;
    this.buf[this.length++] = v;
  }
  u32le(v: number): void {
    this.grow(4);
    this.buf[this.length++] = v;
    this.buf[this.length++] = v >>> 8;
    this.buf[this.length++] = v >>> 16;
    this.buf[this.length++] = v >>> 24;
  }
  f64(v: number): void {
    this.grow(8);
    new DataView(this.buf.buffer).setFloat64(this.length, v);
    this.length += 8;
  }
  /** AMF3 U29 of any value 0..2^29−1 (the 4-byte form for the top range). */
  u29(v: number): void {
    v &= 0x1fffffff;
    if (v < 0x80) this.u8(v);
    else if (v < 0x4000) {
      this.u8((v >>> 7) | 0x80);
      this.u8(v & 0x7f);
    } else if (v < 0x200000) {
      this.u8((v >>> 14) | 0x80);
      this.u8(((v >>> 7) & 0x7f) | 0x80);
      this.u8(v & 0x7f);
    } else {
      this.u8((v >>> 22) | 0x80);
      this.u8(((v >>> 15) & 0x7f) | 0x80);
      this.u8(((v >>> 8) & 0x7f) | 0x80);
      this.u8(v & 0xff);
    }
  }
  bytes(b: Uint8Array): void {
    this.grow(b.length);
    this.buf.set(b, this.length);
    this.length += b.length;
  }
  done(): Uint8Array {
    return this.buf.slice(0, this.length);
  }
}

const enc = new TextEncoder();

// =============================================================================================
// Random AMF

const KEYS = ['app', 'tcUrl', 'flashVer', 'objectEncoding', 'code', 'level', 'description', 'duration', 'width', 'height', 'framerate',
  'videocodecid', 'audiocodecid', 'fourCcList', 'videoFourCcInfoMap', 'capsEx', '__proto__', 'constructor', 'toJSON', '', 'a', '0', '1', '4294967295'];
const STRINGS = ['connect', '_result', '_error', 'createStream', 'publish', 'play', 'releaseStream', 'FCPublish', 'FCUnpublish', 'deleteStream',
  'onStatus', '@setDataFrame', 'onMetaData', '|RtmpSampleAccess', 'onBWDone', '_checkbw', 'getStreamLength', 'closeStream', 'pause', 'seek',
  'receiveAudio', 'receiveVideo', 'NetStream.Publish.Start', 'NetConnection.Connect.Success', 'live', 'status', 'error', 'avc1', 'hvc1', 'av01', 'mp4a'];
const NUMBERS = [0, -0, 1, -1, 0.5, NaN, Infinity, -Infinity, 2 ** 53, -(2 ** 63), 5e-324, 1.7976931348623157e308, 4294967295, 1e21, 8.64e15, 8.64e15 + 1];
const EXTERNAL_CLASSES = ['flex.messaging.io.ArrayCollection', 'flex.messaging.io.ArrayList', 'flex.messaging.io.ObjectProxy', 'DSK', 'com.example.Private'];
const HUGE_COUNTS = [0xffffffff, 0x7fffffff, 0x80000000, 0x10000000, 0xfffffff, 65536, 1_000_000];

type AmfCtx = { r: Rng; w: W; budget: number; objects3: number; strings3: number; traits3: number; complex0: number };

function randomString(r: Rng): Uint8Array {
  switch (r.int(5)) {
    case 0:
      return enc.encode(r.pick(STRINGS));
    case 1:
      return enc.encode(r.pick(KEYS));
    case 2:
      return r.bytes(r.small(40)); // invalid UTF-8 often
    case 3:
      return enc.encode('é😀\u0000\u2028'.repeat(r.small(8)));
    default:
      return enc.encode('x'.repeat(r.small(300)));
  }
}

function amf0Key(c: AmfCtx): void {
  const k = randomString(c.r);
  c.w.u16(c.r.chance(0.03) ? c.r.pick([0xffff, k.length + 5]) : k.length);
  c.w.bytes(k);
}

function amf0Props(c: AmfCtx, depth: number): void {
  const n = c.r.small(6);
  for (let i = 0; i < n; i++) {
    amf0Key(c);
    amf0Value(c, depth + 1);
  }
  if (c.r.chance(0.9)) {
    c.w.u16(0);
    c.w.u8(9);
  }
}

/** One random AMF0 value (may be malformed). */
function amf0Value(c: AmfCtx, depth: number): void {
  const { r, w } = c;
  c.budget--;
  const leaf = c.budget <= 0 || depth > 12;
  const m = leaf ? r.pick([0, 1, 2, 5, 6]) : r.weighted<number>([[6, 0], [3, 1], [8, 2], [8, 3], [1, 4], [2, 5], [2, 6], [3, 7], [6, 8], [1, 9], [5, 10], [2, 11], [2, 12], [1, 13], [1, 14], [1, 15], [3, 16], [8, 17], [1, -1]]);
  switch (m) {
    case 0:
      w.u8(0);
      w.f64(r.chance(0.5) ? r.pick(NUMBERS) : new DataView(r.bytes(8).buffer).getFloat64(0));
      return;
    case 1:
      w.u8(1);
      w.u8(r.chance(0.8) ? r.int(2) : r.int(256));
      return;
    case 2: {
      const s = randomString(r);
      w.u8(2);
      w.u16(r.chance(0.02) ? 0xffff : s.length);
      w.bytes(s);
      return;
    }
    case 3:
      c.complex0++;
      w.u8(3);
      amf0Props(c, depth);
      return;
    case 4:
    case 5:
    case 6:
    case 9:
    case 13:
    case 14:
      w.u8(m);
      return;
    case 7:
      w.u8(7);
      // Self and forward references (loops), valid ones and absurd ones.
      w.u16(r.pick([0, c.complex0, Math.max(0, c.complex0 - 1), c.complex0 + 1, 0xffff, r.int(c.complex0 + 2)]));
      return;
    case 8: {
      c.complex0++;
      w.u8(8);
      w.u32(r.chance(0.3) ? r.pick(HUGE_COUNTS) : r.small(8));
      amf0Props(c, depth);
      return;
    }
    case 10: {
      c.complex0++;
      const n = r.small(6);
      w.u8(10);
      w.u32(r.chance(0.2) ? r.pick(HUGE_COUNTS) : n);
      for (let i = 0; i < n; i++) amf0Value(c, depth + 1);
      return;
    }
    case 11:
      w.u8(11);
      w.f64(r.pick(NUMBERS));
      w.u16(r.int(65536));
      return;
    case 12:
    case 15: {
      const s = randomString(r);
      w.u8(m);
      w.u32(r.chance(0.1) ? r.pick(HUGE_COUNTS) : s.length);
      w.bytes(s);
      return;
    }
    case 16:
      c.complex0++;
      w.u8(16);
      amf0Key(c);
      amf0Props(c, depth);
      return;
    case 17:
      w.u8(0x11);
      amf3Value(c, depth + 1);
      return;
    default:
      w.u8(r.range(0x12, 0xff));
  }
}

function amf3String(c: AmfCtx): void {
  const { r, w } = c;
  if (c.strings3 > 0 && r.chance(0.3)) {
    w.u29(r.pick([0, c.strings3 - 1, c.strings3, r.int(c.strings3 + 3)]) << 1);
    return;
  }
  if (r.chance(0.03)) {
    w.u29(0x1fffffff); // 2^28−1 bytes claimed
    return;
  }
  const s = randomString(r);
  w.u29((s.length << 1) | 1);
  w.bytes(s);
  if (s.length > 0) c.strings3++;
}

function amf3Count(c: AmfCtx, real: number): number {
  return c.r.chance(0.1) ? c.r.pick([0x0fffffff, 0x0ffffff, 1_000_000, real + 1]) : real;
}

/** One random AMF3 value (may be malformed). */
function amf3Value(c: AmfCtx, depth: number): void {
  const { r, w } = c;
  c.budget--;
  const leaf = c.budget <= 0 || depth > 12;
  const m = leaf ? r.pick([0, 1, 2, 3, 4, 5, 6]) : r.weighted<number>([[1, 0], [2, 1], [1, 2], [1, 3], [4, 4], [3, 5], [8, 6], [1, 7], [2, 8], [8, 9], [12, 10], [1, 11], [2, 12], [1, 13], [1, 14], [1, 15], [2, 16], [2, 17], [1, -1]]);
  if (m < 0) {
    w.u8(r.range(0x12, 0xff));
    return;
  }
  w.u8(m);
  switch (m) {
    case 4:
      w.u29(r.u32());
      return;
    case 5:
      w.f64(r.pick(NUMBERS));
      return;
    case 6:
      amf3String(c);
      return;
    case 7:
    case 11:
    case 12: {
      if (c.objects3 > 0 && r.chance(0.2)) {
        w.u29(r.int(c.objects3 + 2) << 1);
        return;
      }
      const b = r.chance(0.05) ? new Uint8Array(0) : randomString(r);
      w.u29(r.chance(0.05) ? 0x1fffffff : (b.length << 1) | 1);
      w.bytes(b);
      c.objects3++;
      return;
    }
    case 8:
      if (c.objects3 > 0 && r.chance(0.2)) {
        w.u29(r.int(c.objects3 + 2) << 1);
        return;
      }
      w.u29(1);
      w.f64(r.pick(NUMBERS));
      c.objects3++;
      return;
    case 9: {
      if (c.objects3 > 0 && r.chance(0.2)) {
        w.u29(r.int(c.objects3 + 2) << 1);
        return;
      }
      const self = c.objects3++;
      const n = r.small(5);
      w.u29((amf3Count(c, n) << 1) | 1);
      const assoc = r.small(3);
      for (let i = 0; i < assoc; i++) {
        amf3String(c);
        amf3Value(c, depth + 1);
      }
      w.u8(1);
      for (let i = 0; i < n; i++) {
        if (r.chance(0.1)) {
          w.u8(9);
          w.u29(self << 1); // the array contains itself
        } else amf3Value(c, depth + 1);
      }
      return;
    }
    case 10: {
      const form = r.int(10);
      if (form === 0 && c.objects3 > 0) {
        w.u29(r.pick([0, c.objects3 - 1, c.objects3, c.objects3 + 7]) << 1); // object reference
        return;
      }
      const self = c.objects3++;
      let sealed: number;
      let dynamic = true;
      if (form === 1 && c.traits3 > 0) {
        w.u29((r.pick([0, c.traits3 - 1, c.traits3, c.traits3 + 3]) << 2) | 1); // trait reference
        sealed = r.small(3);
      } else if (form === 2) {
        w.u29(7); // externalizable
        const cls = enc.encode(r.pick(EXTERNAL_CLASSES));
        w.u29((cls.length << 1) | 1);
        w.bytes(cls);
        c.strings3++;
        c.traits3++;
        amf3Value(c, depth + 1);
        return;
      } else {
        sealed = r.small(4);
        dynamic = r.chance(0.7);
        w.u29((amf3Count(c, sealed) << 4) | (dynamic ? 8 : 0) | 3);
        amf3String(c); // class name
        for (let i = 0; i < sealed; i++) amf3String(c);
        c.traits3++;
      }
      for (let i = 0; i < sealed; i++) amf3Value(c, depth + 1);
      if (dynamic) {
        const n = r.small(4);
        for (let i = 0; i < n; i++) {
          amf3String(c);
          if (r.chance(0.15)) {
            w.u8(10);
            w.u29(self << 1); // the object contains itself
          } else amf3Value(c, depth + 1);
        }
        w.u8(1);
      }
      return;
    }
    case 13:
    case 14:
    case 15:
    case 16: {
      const n = r.small(6);
      w.u29((amf3Count(c, n) << 1) | 1);
      w.u8(r.int(2));
      if (m === 16) amf3String(c);
      c.objects3++;
      for (let i = 0; i < n; i++) {
        if (m === 13 || m === 14) w.u32(r.u32());
        else if (m === 15) w.f64(r.pick(NUMBERS));
        else amf3Value(c, depth + 1);
      }
      return;
    }
    case 17: {
      const n = r.small(4);
      w.u29((amf3Count(c, n) << 1) | 1);
      w.u8(r.int(2));
      c.objects3++;
      for (let i = 0; i < 2 * n; i++) amf3Value(c, depth + 1);
      return;
    }
    default:
      return; // 0..3: marker only
  }
}

function amfCtx(r: Rng, w: W): AmfCtx {
  return { r, w, budget: r.chance(0.05) ? 2000 : 60, objects3: 0, strings3: 0, traits3: 0, complex0: 0 };
}

/** Nesting `depth` levels deep, in one of several container forms. */
function deepAmf(w: W, depth: number, form: number): void {
  switch (form % 5) {
    case 0: // AMF0 objects: { a: { a: ... } }
      for (let i = 0; i < depth; i++) {
        w.u8(3);
        w.u16(1);
        w.u8(0x61);
      }
      w.u8(5);
      return;
    case 1: // AMF0 strict arrays
      for (let i = 0; i < depth; i++) {
        w.u8(10);
        w.u32(1);
      }
      w.u8(5);
      return;
    case 2: // AMF0 ECMA arrays
      for (let i = 0; i < depth; i++) {
        w.u8(8);
        w.u32(1);
        w.u16(1);
        w.u8(0x61);
      }
      w.u8(5);
      return;
    case 3: // AVM+ switch, then AMF3 dense arrays
      w.u8(0x11);
      for (let i = 0; i < depth; i++) {
        w.u8(9);
        w.u8(3);
        w.u8(1);
      }
      w.u8(1);
      return;
    default: // AVM+ switch, then AMF3 dynamic anonymous objects (trait reference after the first)
      w.u8(0x11);
      for (let i = 0; i < depth; i++) {
        w.u8(10);
        if (i === 0) {
          w.u8(0x0b);
          w.u8(1);
        } else w.u8(1);
        w.u8(3);
        w.u8(0x61);
      }
      w.u8(1);
  }
}

/** A random command/data body: a name, a transaction id, then values. */
function amfBody(r: Rng, typeId: number): Uint8Array {
  const w = new W();
  if (typeId === 15 || typeId === 17) w.u8(r.chance(0.9) ? 0 : r.int(256));
  const c = amfCtx(r, w);
  if (r.chance(0.9)) {
    const name = enc.encode(r.pick(STRINGS));
    w.u8(2);
    w.u16(name.length);
    w.bytes(name);
  }
  if (typeId === 17 || typeId === 20) {
    w.u8(0);
    w.f64(r.chance(0.8) ? r.int(10) : r.pick(NUMBERS));
  }
  if (r.chance(0.03)) {
    deepAmf(w, r.chance(0.05) ? 100_000 : r.pick([63, 64, 65, 1000]), r.int(5));
    return w.done();
  }
  const n = r.small(6);
  for (let i = 0; i < n; i++) amf0Value(c, 0);
  return w.done();
}

// =============================================================================================
// Media and realistic commands (templates built once, mutated per input)

function buildTemplates(): { video: Uint8Array[]; audio: Uint8Array[]; commands: Uint8Array[]; data: Uint8Array[] } {
  const frame = (n: number) => Uint8Array.from({ length: n }, (_, i) => (i * 37 + 11) & 0xff);
  const video = [
    X264_320_SEQUENCE_HEADER,
    X264_1080_SEQUENCE_HEADER,
    avcNalu(frame(200), { key: true }),
    avcNalu(frame(60), { key: false, compositionTime: 66 }),
    legacyVideo({ codecId: 7, packetType: 2 }),
    legacyVideo({ codecId: 2, body: frame(40) }),
    legacyVideo({ codecId: 4, body: frame(40) }),
    legacyVideo({ frameType: 5, codecId: 7, command: 0 }),
    legacyVideo({ codecId: 12, packetType: 0, body: HVCC_320 }),
    legacyVideo({ codecId: 13, packetType: 0, body: AV1C_AOM }),
    exVideo({ packetType: 0, fourCc: 'hvc1', body: HVCC_320 }),
    exVideo({ packetType: 0, fourCc: 'av01', body: AV1C_AOM }),
    exVideo({ packetType: 1, fourCc: 'hvc1', compositionTime: 33, body: frame(50) }),
    exVideo({ packetType: 3, fourCc: 'av01', body: frame(50) }),
    exVideo({ packetType: 4, fourCc: 'av01', body: amf0.encode(['colorInfo', { colorConfig: { bitDepth: 10, colorPrimaries: 9 } }]) }),
    exVideo({ packetType: 1, fourCc: 'avc1', modEx: [nanoOffsetModEx(500_000)], body: frame(30) }),
    exVideo({ packetType: 1, fourCc: 'avc1', multitrack: { type: 1, tracks: [{ trackId: 0, body: frame(20) }, { trackId: 1, body: frame(20) }] } }),
    exVideo({ packetType: 0, multitrack: { type: 2, tracks: [{ trackId: 0, fourCc: 'hvc1', body: HVCC_320 }, { trackId: 1, fourCc: 'av01', body: AV1C_AOM, sizeOverride: 0xffffff }] } }),
    exVideo({ packetType: 5, fourCc: 'avc1' }),
    exVideo({ frameType: 5, packetType: 1, command: 1 }),
  ];
  const audio = [
    aacSequenceHeader(AAC_LC_ASC),
    aacRaw(frame(100)),
    legacyAudio({ soundFormat: 2, body: frame(100) }),
    legacyAudio({ soundFormat: 11, body: frame(30) }),
    legacyAudio({ soundFormat: 10, aacPacketType: 0, body: new Uint8Array([0xf8, 0xff, 0xff]) }),
    exAudio({ packetType: 0, fourCc: 'Opus', body: ascii('OpusHead\u0001\u0002\u0038\u0001\u0080\u00bb\u0000\u0000\u0000\u0000\u0000') }),
    exAudio({ packetType: 0, fourCc: 'mp4a', body: AAC_LC_ASC }),
    exAudio({ packetType: 1, fourCc: 'fLaC', body: frame(40) }),
    exAudio({ packetType: 4, fourCc: 'Opus', multichannel: { order: 2, channelCount: 6, mapping: [0, 1, 2, 3, 4, 5] } }),
    exAudio({ packetType: 4, fourCc: 'mp4a', multichannel: { order: 1, channelCount: 2, flags: 3 } }),
    exAudio({ packetType: 1, multitrack: { type: 2, tracks: [{ trackId: 0, fourCc: 'mp4a', body: frame(10) }, { trackId: 2, fourCc: 'Opus', body: frame(10), sizeOverride: 0x7fffff }] } }),
    exAudio({ packetType: 1, fourCc: 'ac-3', modEx: [nanoOffsetModEx(1, { dataLength: 300 })], body: frame(10) }),
  ];
  const commands = [
    amf0.connectBody(),
    amf0.connectBody({ objectEncoding: 3 }),
    amf0.command('_result', 1, { fmsVer: 'FMS/3,0,1,123', capabilities: 31, fourCcList: ['hvc1'] }, { level: 'status', code: 'NetConnection.Connect.Success', objectEncoding: 0 }),
    amf0.command('releaseStream', 2, null, 'cam'),
    amf0.command('FCPublish', 3, null, 'cam'),
    amf0.command('createStream', 4, null),
    amf0.command('_result', 4, null, 1),
    amf0.command('publish', 5, null, 'cam', 'live'),
    amf0.command('play', 5, null, 'cam', -2000, -1, true),
    amf0.command('onStatus', 0, null, { level: 'status', code: 'NetStream.Publish.Start', description: 'ok' }),
    amf0.command('onStatus', 0, null, { level: 'error', code: 'NetStream.Publish.BadName', description: 'taken' }),
    amf0.command('_error', 1, null, { level: 'error', code: 'NetConnection.Connect.Rejected', description: '[ AccessManager.Reject ] : [ authmod=adobe ] : ?reason=needauth&user=u&salt=s&challenge=c' }),
    amf0.command('deleteStream', 6, null, 1),
    amf0.command('getStreamLength', 6, null, 'cam'),
  ];
  const data = [
    amf0.encode(['@setDataFrame', 'onMetaData', amf0.ecma({ duration: 0, width: 1280, height: 720, framerate: 30, videocodecid: 7, audiocodecid: 10, videodatarate: 2500, audiosamplerate: 44100 })]),
    amf0.encode(['onMetaData', { width: 320, height: 240, videocodecid: 'avc1' }]),
    amf0.encode(['|RtmpSampleAccess', false, false]),
  ];
  return { video, audio, commands, data };
}

let templates: ReturnType<typeof buildTemplates> | null = null;
function tpl(): ReturnType<typeof buildTemplates> {
  return (templates ??= buildTemplates());
}

/** Flip, overwrite, cut or extend a copy of `b` (or return it unchanged). */
function mutateSmall(r: Rng, b: Uint8Array): Uint8Array {
  if (r.chance(0.4)) return b;
  let out = b.slice();
  const n = 1 + r.small(4);
  for (let i = 0; i < n; i++) {
    const op = r.int(5);
    if (op === 0 && out.length > 0) out[r.int(out.length)]! ^= 1 << r.int(8);
    else if (op === 1 && out.length > 0) out[r.int(out.length)] = r.pick([0, 0xff, 0x7f, 0x80, r.int(256)]);
    else if (op === 2) out = out.subarray(0, r.int(out.length + 1));
    else if (op === 3) {
      const x = new Uint8Array(out.length + 4);
      x.set(out);
      x.set(r.bytes(4), out.length);
      out = x;
    } else if (out.length >= 4) {
      const at = r.int(out.length - 3);
      new DataView(out.buffer, out.byteOffset).setUint32(at, r.pick([0xffffffff, 0x7fffffff, 0x00ffffff, 0]));
    }
  }
  return out;
}

/** A message body for `typeId`. */
function messageBody(r: Rng, typeId: number): Uint8Array {
  const t = tpl();
  switch (typeId) {
    case 1: {
      const w = new W();
      w.u32(r.pick([1, 0, 0x7fffffff, 0x80000000, 0xffffffff, 128, 4096, 60000, 65537, 0x1000000, r.u32()]));
      return w.done();
    }
    case 2:
    case 3:
    case 5: {
      const w = new W();
      w.u32(r.chance(0.5) ? r.pick([0, 2, 3, 4, 64, 65599, 0xffffffff]) : r.u32());
      return r.chance(0.1) ? r.bytes(r.small(8)) : w.done();
    }
    case 4: {
      const w = new W();
      w.u16(r.chance(0.8) ? r.int(0x20) : r.int(65536));
      w.bytes(r.bytes(r.pick([0, 4, 8, 10, r.small(16)])));
      return w.done();
    }
    case 6: {
      const w = new W();
      w.u32(r.u32());
      w.u8(r.int(4));
      return r.chance(0.1) ? r.bytes(r.small(8)) : w.done();
    }
    case 8:
      return r.chance(0.8) ? mutateSmall(r, r.pick(t.audio)) : r.bytes(r.small(64));
    case 9:
      return r.chance(0.8) ? mutateSmall(r, r.pick(t.video)) : r.bytes(r.small(64));
    case 17:
    case 20:
      return r.chance(0.4) ? mutateSmall(r, typeId === 17 ? concat(...[Uint8Array.of(0), r.pick(t.commands)]) : r.pick(t.commands)) : amfBody(r, typeId);
    case 15:
    case 18:
      return r.chance(0.3) ? mutateSmall(r, typeId === 15 ? concat(...[Uint8Array.of(0), r.pick(t.data)]) : r.pick(t.data)) : amfBody(r, typeId);
    case 16:
    case 19: {
      const w = new W();
      if (typeId === 16) w.u8(0);
      const name = randomString(r);
      w.u16(name.length);
      w.bytes(name);
      w.u32(r.u32());
      w.u32(r.pick([0, 1, 2, r.u32()]));
      w.u32(0);
      const n = r.small(5);
      for (let i = 0; i < n; i++) {
        const ev = new W();
        const c = amfCtx(r, ev);
        const k = randomString(r);
        ev.u16(k.length);
        ev.bytes(k);
        const vals = r.small(3);
        for (let j = 0; j < vals; j++) amf0Value(c, 0);
        const b = ev.done();
        w.u8(r.chance(0.8) ? r.range(1, 11) : r.int(256));
        w.u32(r.chance(0.1) ? r.pick(HUGE_COUNTS) : b.length);
        w.bytes(b);
      }
      return w.done();
    }
    case 22: {
      const w = new W();
      const n = r.small(6);
      for (let i = 0; i < n; i++) {
        const tt = r.chance(0.8) ? r.pick([8, 9, 18]) : r.int(32);
        const b = tt === 8 || tt === 9 ? messageBody(r, tt) : r.bytes(r.small(40));
        w.u8(tt);
        w.u24(r.chance(0.1) ? 0xffffff : b.length);
        w.u24(r.u32());
        w.u8(r.int(256));
        w.u24(0);
        w.bytes(b);
        w.u32(r.chance(0.9) ? b.length + 11 : r.u32());
      }
      return r.chance(0.1) ? w.done().subarray(0, r.int(w.length + 1)) : w.done();
    }
    default:
      return r.bytes(r.small(100));
  }
}


// =============================================================================================
// Random chunk streams

const CSIDS = [2, 3, 4, 5, 6, 8, 63, 64, 65, 319, 320, 321, 65599];
const TYPE_IDS = [1, 2, 3, 4, 5, 6, 8, 9, 15, 16, 17, 18, 19, 20, 22];

type StreamState = { chunkSize: number; seen: Map<number, { typeId: number; length: number }> };

/** Basic header in the canonical form for the csid, or (sometimes) a longer non-canonical one. */
function basic(r: Rng, w: W, fmt: number, csid: number): void {
  const f = fmt << 6;
  if (csid >= 2 && csid <= 63 && r.chance(0.95)) w.u8(f | csid);
  else if (csid >= 64 && csid <= 319 && r.chance(0.7)) {
    w.u8(f);
    w.u8(csid - 64);
  } else {
    const v = (csid - 64) & 0xffff;
    w.u8(f | 1);
    w.u8(v & 0xff);
    w.u8(v >> 8);
  }
}

/** Message header fields after the basic header; returns whether an extended timestamp was written. */
function messageHeader(w: W, fmt: number, ts: number, length: number, typeId: number, streamId: number): number | null {
  const ext = fmt <= 2 && ts >= 0xffffff ? ts >>> 0 : null;
  if (fmt <= 2) w.u24(ext !== null ? 0xffffff : ts);
  if (fmt <= 1) {
    w.u24(length);
    w.u8(typeId);
  }
  if (fmt === 0) w.u32le(streamId);
  if (ext !== null) w.u32(ext);
  return ext;
}

/** One message, chunked (possibly with a header that lies about the length). */
function writeMessage(r: Rng, w: W, st: StreamState, csid: number, typeId: number, body: Uint8Array, opts: { streamId?: number; chunkSize?: number } = {}): void {
  const prev = st.seen.get(csid);
  let fmt = 0;
  if (prev !== undefined && r.chance(0.4)) fmt = prev.length === body.length && prev.typeId === typeId ? r.pick([1, 2, 3]) : 1;
  else if (r.chance(0.03)) fmt = r.range(1, 3); // a compressed header on a fresh chunk stream
  const ts = r.chance(0.9) ? r.small(100_000) : r.pick([0xffffff, 0x1000000, 0xffffffff, 0xfffffe]);
  const length = r.chance(0.97) ? body.length : r.pick([0, 1, body.length + 1, Math.max(0, body.length - 1), 0xffffff]);
  const size = opts.chunkSize ?? st.chunkSize;
  const omitEts = r.chance(0.3);
  basic(r, w, fmt, csid);
  const ext = messageHeader(w, fmt, ts, length, typeId, opts.streamId ?? (typeId <= 6 ? 0 : r.pick([0, 1, 1, 1, 2, 0xffffffff])));
  st.seen.set(csid, { typeId, length });
  let off = Math.min(size, body.length);
  w.bytes(body.subarray(0, off));
  while (off < body.length) {
    basic(r, w, 3, csid);
    if (ext !== null && !omitEts) w.u32(ext);
    const n = Math.min(size, body.length - off);
    w.bytes(body.subarray(off, off + n));
    off += n;
    if (w.length > 1 << 20) return;
  }
}

/** A handshake side: C0/S0 + first block (+ second block echoing `echo`). */
function handshakeSide(r: Rng, seed: number, echo: Uint8Array | null): Uint8Array {
  const hs = handshakeBytes(seed, echo === null ? {} : { second: echo });
  const v = r.weighted<number>([[90, 3], [3, 6], [1, 8], [2, 0x16], [2, r.int(256)], [2, 0x47]]);
  hs[0] = v;
  if (r.chance(0.05)) hs.set([1, 2, 3, 4], 5); // a version field: the digest handshake, unverifiable
  if (r.chance(0.03)) return hs.subarray(0, r.int(hs.length)); // ends inside the handshake
  return hs;
}

/** One direction of an RTMP connection after the handshake: structured-random chunks. */
function chunkStream(r: Rng, w: W, maxBytes: number): void {
  const st: StreamState = { chunkSize: 128, seen: new Map() };
  const ops = 1 + r.small(r.chance(0.1) ? 200 : 24);
  for (let i = 0; i < ops && w.length < maxBytes; i++) {
    const op = r.weighted<string>([[30, 'msg'], [12, 'command'], [14, 'media'], [7, 'chunk-size'], [3, 'abort'], [10, 'raw'], [3, 'garbage'], [3, 'huge'], [2, 'interleave'], [2, 'many-streams']]);
    const csid = r.chance(0.7) ? r.pick([2, 3, 4, 5, 6, 8]) : r.chance(0.5) ? r.pick(CSIDS) : r.range(2, 65599);
    switch (op) {
      case 'msg': {
        const typeId = r.chance(0.9) ? r.pick(TYPE_IDS) : r.int(256);
        writeMessage(r, w, st, csid, typeId, messageBody(r, typeId));
        break;
      }
      case 'command': {
        const typeId = r.pick([20, 20, 20, 17, 18, 15]);
        writeMessage(r, w, st, r.chance(0.8) ? 3 : csid, typeId, messageBody(r, typeId));
        break;
      }
      case 'media': {
        const typeId = r.pick([8, 9]);
        writeMessage(r, w, st, r.chance(0.8) ? (typeId === 8 ? 4 : 6) : csid, typeId, messageBody(r, typeId), { streamId: 1 });
        break;
      }
      case 'chunk-size': {
        const body = messageBody(r, 1);
        writeMessage(r, w, st, r.chance(0.9) ? 2 : csid, 1, body);
        if (body.length >= 4) {
          const v = (((body[0] as number) << 24) | ((body[1] as number) << 16) | ((body[2] as number) << 8) | (body[3] as number)) & 0x7fffffff;
          // Usually the writer follows its own Set Chunk Size; sometimes it does not (desync).
          if (v > 0 && r.chance(0.9)) st.chunkSize = v;
        }
        break;
      }
      case 'abort': {
        const b = new W();
        b.u32(r.chance(0.7) && st.seen.size > 0 ? r.pick([...st.seen.keys()]) : r.pick(CSIDS));
        writeMessage(r, w, st, 2, 2, b.done());
        break;
      }
      case 'raw': {
        // Any header at all, then some payload.
        const fmt = r.int(4);
        basic(r, w, fmt, csid);
        const len = r.chance(0.5) ? r.small(300) : r.pick([0, 1, 0xffffff, 0xfffffe, 0x800000]);
        const typeId = r.chance(0.8) ? r.pick(TYPE_IDS) : r.int(256);
        messageHeader(w, fmt, r.chance(0.8) ? r.small(5000) : 0xffffff, len, typeId, r.u32());
        st.seen.set(csid, { typeId, length: len });
        w.bytes(r.bytes(Math.min(r.small(400), len)));
        break;
      }
      case 'garbage':
        w.bytes(r.bytes(1 + r.small(300)));
        break;
      case 'huge': {
        // A message that claims 16 MiB and gets only a little of it.
        const typeId = r.pick([18, 20, 9, 8, 22]);
        basic(r, w, 0, csid);
        messageHeader(w, 0, r.small(1000), 0xffffff, typeId, 1);
        st.seen.set(csid, { typeId, length: 0xffffff });
        w.bytes(messageBody(r, typeId).subarray(0, st.chunkSize));
        break;
      }
      case 'interleave': {
        // Two or three messages on different chunk streams, chunk by chunk.
        const parts: { csid: number; body: Uint8Array; typeId: number; off: number }[] = [];
        const k = r.range(2, 3);
        for (let j = 0; j < k; j++) {
          const typeId = r.pick([8, 9, 18, 20]);
          parts.push({ csid: 3 + j * r.range(1, 70), body: messageBody(r, typeId), typeId, off: 0 });
        }
        const size = Math.max(1, Math.min(st.chunkSize, 4096));
        for (let live = true; live && w.length < maxBytes; ) {
          live = false;
          for (const p of parts) {
            if (p.off > p.body.length || (p.off === p.body.length && p.off > 0)) continue;
            live = true;
            if (p.off === 0) {
              basic(r, w, 0, p.csid);
              messageHeader(w, 0, r.small(1000), p.body.length, p.typeId, 1);
              st.seen.set(p.csid, { typeId: p.typeId, length: p.body.length });
            } else basic(r, w, 3, p.csid);
            const n = Math.min(size, p.body.length - p.off);
            w.bytes(p.body.subarray(p.off, p.off + n));
            p.off += n;
            if (p.body.length === 0) p.off = 1;
          }
        }
        break;
      }
      case 'many-streams': {
        // Many chunk streams each opening a message that claims 16 MiB.
        const n = r.range(2, 70);
        for (let j = 0; j < n; j++) {
          const c = 3 + j;
          basic(r, w, 0, c);
          messageHeader(w, 0, 0, 0xffffff, r.pick([18, 20, 9]), 1);
          st.seen.set(c, { typeId: 18, length: 0xffffff });
          w.bytes(r.bytes(Math.min(st.chunkSize, 64)));
        }
        break;
      }
    }
  }
}

type Streams = { c2s: Uint8Array; s2c: Uint8Array; handshake: boolean };

/** Both directions of a random RTMP connection. */
function randomStreams(r: Rng, maxBytes: number): Streams {
  const handshake = r.chance(0.6);
  const c = new W();
  const s = new W();
  if (handshake) {
    const seed = r.u32();
    const c01 = handshakeSide(r, seed, null);
    const s012 = handshakeSide(r, seed + 1, c01.length >= 1537 ? c01.subarray(1, 1537) : null);
    c.bytes(c01.subarray(0, Math.min(c01.length, 1537)));
    s.bytes(s012);
    // C2 echoes S1 (usually).
    c.bytes(s012.length >= 1537 && r.chance(0.9) ? s012.subarray(1, 1537) : r.bytes(1536));
  }
  chunkStream(r, c, maxBytes);
  if (r.chance(0.8)) chunkStream(r, s, maxBytes >> 1);
  return { c2s: c.done(), s2c: s.done(), handshake };
}

// =============================================================================================
// Captures on disk: record index for window mutations

type Unit = { start: number; end: number; dataStart: number; payloadStart: number; payloadEnd: number; lenField: number; lenField2: number };
type Capture = { name: string; bytes: Uint8Array; pcapng: boolean; le: boolean; prefixEnd: number; units: Unit[] };

function loadCaptures(): Capture[] {
  const out: Capture[] = [];
  for (const name of readdirSync(CAPTURES).sort()) {
    if (!/\.pcap(ng)?$/.test(name)) continue;
    const bytes = new Uint8Array(readFileSync(join(CAPTURES, name)));
    const dec = createCaptureDecoder();
    const evs = [...dec.push(bytes), ...dec.finish()];
    const pcapng = (bytes[0] === 0x0a && bytes[1] === 0x0d);
    const dv = new DataView(bytes.buffer);
    const le = pcapng ? dv.getUint32(8, true) === 0x1a2b3c4d : dv.getUint32(0, true) === 0xa1b2c3d4 || dv.getUint32(0, true) === 0xa1b23c4d;
    const units: Unit[] = [];
    for (const ev of evs) {
      if (ev.kind !== 'record') continue;
      const dataStart = ev.data.byteOffset;
      const start = pcapng ? dataStart - 28 : dataStart - 16;
      const end = pcapng ? start + dv.getUint32(start + 4, le) : dataStart + ev.data.length;
      const net = decodeFrame(ev.linkType, ev.data, ev.origLen);
      const payloadStart = net.kind === 'tcp' ? net.payload.byteOffset : dataStart;
      const payloadEnd = net.kind === 'tcp' ? payloadStart + net.payload.length : dataStart;
      units.push({ start, end, dataStart, payloadStart, payloadEnd, lenField: pcapng ? start + 4 : start + 8, lenField2: pcapng ? end - 4 : start + 12 });
    }
    const prefixEnd = units[0]?.start ?? bytes.length;
    out.push({ name, bytes, pcapng, le, prefixEnd, units });
  }
  return out;
}

let captures: Capture[] | null = null;
function caps(): Capture[] {
  return (captures ??= loadCaptures());
}

const HUGE32 = [0x7fffffff, 0xffffffff, 0x80000000, 0x00ffffff, 0x01000000, 0x01000004, 0];

/** A mutated window of a committed capture. */
function captureMutant(r: Rng): { bytes: Uint8Array; note: string } {
  const cap = r.pick(caps());
  const notes: string[] = [cap.name];
  const whole = r.chance(0.03);
  const budget = whole ? Infinity : r.pick([2048, 8192, 16384, 32768, 65536]);
  const k = whole || r.chance(0.3) ? 0 : r.int(cap.units.length);
  let list: Unit[] = [];
  let size = cap.prefixEnd;
  for (let i = k; i < cap.units.length; i++) {
    const u = cap.units[i] as Unit;
    if (size + (u.end - u.start) > budget && list.length > 0) break;
    list.push(u);
    size += u.end - u.start;
  }
  notes.push(`units ${k}..${k + list.length - 1}`);
  // Record-level damage: loss, retransmission, reordering.
  const unitOps = r.chance(0.4) ? 1 + r.small(3) : 0;
  for (let i = 0; i < unitOps && list.length > 1; i++) {
    const j = r.int(list.length);
    const op = r.int(3);
    if (op === 0) list = list.filter((_, x) => x !== j);
    else if (op === 1) list.splice(j, 0, list[j] as Unit);
    else {
      const o = r.int(list.length);
      const t = list[j] as Unit;
      list[j] = list[o] as Unit;
      list[o] = t;
    }
    notes.push(['drop', 'dup', 'swap'][op] as string);
  }
  // Assemble, remembering where each unit landed.
  const total = cap.prefixEnd + list.reduce((n, u) => n + (u.end - u.start), 0);
  let out: Uint8Array = new Uint8Array(total);
  out.set(cap.bytes.subarray(0, cap.prefixEnd));
  const placed: { at: number; u: Unit }[] = [];
  let p = cap.prefixEnd;
  for (const u of list) {
    out.set(cap.bytes.subarray(u.start, u.end), p);
    placed.push({ at: p, u });
    p += u.end - u.start;
  }
  const dv = new DataView(out.buffer);
  const payloads = placed.filter((x) => x.u.payloadEnd > x.u.payloadStart);
  const inPayload = (): number => {
    const x = r.pick(payloads);
    return x.at + (x.u.payloadStart - x.u.start) + r.int(x.u.payloadEnd - x.u.payloadStart);
  };
  const muts = r.chance(0.05) ? 0 : 1 + r.small(6);
  for (let i = 0; i < muts && out.length > 0; i++) {
    const op = r.weighted<string>([[20, 'flip-payload'], [8, 'flip'], [12, 'overwrite-payload'], [4, 'overwrite'], [6, 'garbage-payload'], [6, 'u32'], [6, 'u32-payload'], [6, 'record-length'], [3, 'orig-length'], [3, 'pcapng-caplen'], [4, 'truncate'], [4, 'splice'], [3, 'dup-range'], [3, 'drop-range']]);
    notes.push(op);
    const havePayload = payloads.length > 0;
    switch (op) {
      case 'flip-payload':
      case 'flip': {
        const n = 1 + r.small(8);
        for (let j = 0; j < n; j++) {
          const at = op === 'flip-payload' && havePayload ? inPayload() : r.int(out.length);
          if (at < out.length) out[at]! ^= 1 << r.int(8);
        }
        break;
      }
      case 'overwrite-payload':
      case 'overwrite': {
        const at = op === 'overwrite-payload' && havePayload ? inPayload() : r.int(out.length);
        const n = 1 + r.small(16);
        for (let j = 0; j < n && at + j < out.length; j++) out[at + j] = r.pick([0, 0xff, 0x7f, 0x80, 0x03, 0xc3, r.int(256)]);
        break;
      }
      case 'garbage-payload': {
        if (!havePayload) break;
        const x = r.pick(payloads);
        const from = x.at + (x.u.payloadStart - x.u.start);
        const len = x.u.payloadEnd - x.u.payloadStart;
        const a = from + r.int(len);
        out.set(r.bytes(Math.min(from + len - a, 1 + r.small(len))), a);
        break;
      }
      case 'u32':
      case 'u32-payload': {
        const at = op === 'u32-payload' && havePayload ? inPayload() : r.int(out.length);
        if (at + 4 <= out.length) dv.setUint32(at, r.pick(HUGE32), r.chance(0.5));
        break;
      }
      case 'record-length':
      case 'orig-length': {
        if (placed.length === 0) break;
        const x = r.pick(placed);
        const field = x.at + ((op === 'orig-length' || (cap.pcapng && r.chance(0.3)) ? x.u.lenField2 : x.u.lenField) - x.u.start);
        const cur = dv.getUint32(field, cap.le);
        const v = r.pick([0, 1, 4, 11, 13, cur + 1, cur - 4, cur + 4, 0x7fffffff, 0xffffffff, 0x80000000, 0x01000000, 0x00ffffff, r.u32()]);
        if (field + 4 <= out.length) dv.setUint32(field, v >>> 0, cap.le);
        break;
      }
      case 'pcapng-caplen': {
        if (!cap.pcapng || placed.length === 0) break;
        const x = r.pick(placed);
        const field = x.at + 20;
        if (field + 4 <= out.length) dv.setUint32(field, r.pick([0xffffffff, 0x7fffffff, (x.u.end - x.u.start) - 31, r.u32()]), cap.le);
        break;
      }
      case 'truncate':
        out = out.subarray(0, r.int(out.length));
        break;
      case 'splice': {
        const at = havePayload && r.chance(0.5) ? inPayload() : r.int(out.length);
        const g = r.bytes(1 + r.small(512));
        out = concat(...[out.subarray(0, at), g, out.subarray(at)]);
        break;
      }
      case 'dup-range':
      case 'drop-range': {
        const a = r.int(out.length);
        const b = Math.min(out.length, a + 1 + r.small(4096));
        out = op === 'dup-range' ? concat(...[out.subarray(0, b), out.subarray(a, b), out.subarray(b)]) : concat(...[out.subarray(0, a), out.subarray(b)]);
        break;
      }
    }
    // Ops that change the length move the units: a few untargeted flips more, then done.
    if (op === 'truncate' || op === 'splice' || op === 'dup-range' || op === 'drop-range') return finishMutant(r, out.slice(), notes, i + 1 < muts);
  }
  return { bytes: out, note: notes.join(' ') };
}

/** After a length-changing op: a few more untargeted flips, then done. */
function finishMutant(r: Rng, out: Uint8Array, notes: string[], more: boolean): { bytes: Uint8Array; note: string } {
  if (more && out.length > 0) {
    const n = r.small(4);
    for (let j = 0; j < n; j++) out[r.int(out.length)]! ^= 1 << r.int(8);
    if (n > 0) notes.push(`flip×${n}`);
  }
  return { bytes: out, note: notes.join(' ') };
}

/** A random RTMP conversation as a pcap or pcapng. */
function conversationCapture(r: Rng): { bytes: Uint8Array; note: string } {
  const s = randomStreams(r, r.pick([2048, 8192, 32768]));
  const turns: { from: 'c' | 's'; data: Uint8Array }[] = [];
  // Split each direction into a few turns, alternating.
  const cut = (b: Uint8Array): Uint8Array[] => {
    const n = 1 + r.small(4);
    const pts = Array.from({ length: n - 1 }, () => r.int(b.length + 1)).sort((a, x) => a - x);
    const parts: Uint8Array[] = [];
    let prev = 0;
    for (const x of pts) {
      parts.push(b.subarray(prev, x));
      prev = x;
    }
    parts.push(b.subarray(prev));
    return parts.filter((x) => x.length > 0);
  };
  const cs = cut(s.c2s);
  const ss = cut(s.s2c);
  for (let i = 0; i < Math.max(cs.length, ss.length); i++) {
    if (cs[i] !== undefined) turns.push({ from: 'c', data: cs[i] as Uint8Array });
    if (ss[i] !== undefined) turns.push({ from: 's', data: ss[i] as Uint8Array });
  }
  const v6 = r.chance(0.2);
  const segments = turns.reduce((n, t) => n + Math.ceil(t.data.length / 536), 0);
  const drop = r.chance(0.15) ? Array.from({ length: 1 + r.small(3) }, () => r.int(Math.max(1, segments))) : [];
  const frames = conversationFrames(turns, {
    client: { ip: v6 ? '2001:db8::1' : '10.0.0.1', port: r.pick([50000, 1935, 443, 60001]) },
    server: { ip: v6 ? '2001:db8::2' : '10.0.0.2', port: r.pick([1935, 1935, 19350, 80, 8080]) },
    mss: r.pick([536, 1448, 1448, 100, 9000]),
    noHandshake: r.chance(0.15),
    noClose: r.chance(0.2),
    drop,
  });
  let bytes: Uint8Array;
  if (r.chance(0.2)) {
    const packets: PcapngPacketSpec[] = frames.map((data, i) => ({ iface: 0, sec: 1_700_000_000, nsec: i * 1000, data }));
    bytes = writePcapng([{ interfaces: [{ linkType: 1, tsresol: r.pick([6, 9, 0x83]) }], packets }]);
  } else {
    bytes = writePcap(frames.map((data, i) => ({ sec: 1_700_000_000, nsec: i * 1000, data })), { linkType: 1, nanosecond: r.chance(0.3), bigEndian: r.chance(0.3) });
  }
  if (r.chance(0.25) && bytes.length > 0) {
    const n = 1 + r.small(8);
    for (let i = 0; i < n; i++) bytes[r.int(bytes.length)]! ^= 1 << r.int(8);
  }
  return { bytes, note: `hs=${s.handshake} c2s=${s.c2s.length} s2c=${s.s2c.length} drop=${drop.length}` };
}

// =============================================================================================
// The checks

class Failure extends Error {}


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

type Input =
  | { kind: 'capture'; bytes: Uint8Array; cuts: number[]; summary: boolean; parse: boolean; opts: AnalyzerOptions; note: string }
  | { kind: 'conversation'; bytes: Uint8Array; cuts: number[]; summary: boolean; parse: boolean; opts: AnalyzerOptions; note: string }
  | { kind: 'stream'; streams: Streams; midStream: boolean; connBuffer: number | undefined; rng: Rng; note: string }
  | { kind: 'body'; typeId: number; body: Uint8Array; truncated: boolean; note: string };

function makeInput(seed: number): Input {
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
      const opts: AnalyzerOptions = r.chance(0.15)
        ? { maxQueuedBytes: r.pick([1024, 4096, 65536]), connBuffer: r.pick([0, 1, 4096, 65536]), rtmpPorts: r.pick([[1935], [], [80, 443, 1935, 19350]]) }
        : {};
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

function inputSize(i: Input): number {
  return i.kind === 'stream' ? i.streams.c2s.length + i.streams.s2c.length : i.kind === 'body' ? i.body.length : i.bytes.length;
}

function runInput(i: Input): Outcome {
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
function saveInput(prefix: 'crash' | 'hang', seed: number, index: number, runSeed: number, input: Input, what: string): string {
  mkdirSync(OUT_DIR, { recursive: true });
  const base = join(OUT_DIR, `${prefix}-${hex8(seed)}`);
  let bytes: Uint8Array;
  if (input.kind === 'capture' || input.kind === 'conversation') bytes = input.bytes;
  else if (input.kind === 'stream') {
    // As a capture the CLI can read (the direct run also had random pieces and gaps).
    const turns = [{ from: 'c' as const, data: input.streams.c2s }, { from: 's' as const, data: input.streams.s2c }].filter((t) => t.data.length > 0);
    const frames = conversationFrames(turns, { noHandshake: input.midStream });
    bytes = writePcap(frames.map((data, i) => ({ sec: 1_700_000_000, nsec: i * 1000, data })), { linkType: 1 });
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

// =============================================================================================
// Workers

type KindStats = { count: number; ms: number; bytes: number };
type Problem = { type: 'crash' | 'hang'; index: number; seed: number; kind: Kind; message: string; ms: number; file: string };
type Report = {
  byKind: Record<Kind, KindStats>;
  problems: Problem[];
  slowest: { ms: number; index: number; kind: Kind; size: number };
  peakHeap: number;
};

type WorkerArgs = { seed: number; count: number; start: number; stride: number; deadline: number; shared: SharedArrayBuffer; kind: Kind | null };

/**
 * Shared slots per worker: the current index, when it started (0 when idle), then inputs done per
 * kind (exact even when the watchdog kills the worker; a restarted worker counts on).
 */
const SLOT_INDEX = 0;
const SLOT_START = 1;
const SLOT_DONE = 2;
const SLOTS = SLOT_DONE + KINDS.length;

function emptyReport(): Report {
  const byKind = Object.fromEntries(KINDS.map((k) => [k, { count: 0, ms: 0, bytes: 0 }])) as Record<Kind, KindStats>;
  return { byKind, problems: [], slowest: { ms: 0, index: -1, kind: 'body', size: 0 }, peakHeap: 0 };
}

function workerMain(a: WorkerArgs): void {
  const slots = new Float64Array(a.shared);
  const rep = emptyReport();
  caps();
  tpl();
  let lastPost = Date.now();
  let sinceCheck = 0;
  const post = (final: boolean) => {
    rep.peakHeap = Math.max(rep.peakHeap, getHeapStatistics().used_heap_size);
    parentPort?.postMessage({ final, report: rep });
    rep.problems = []; // sent
  };
  for (let index = a.start; index < a.count; index += a.stride) {
    const seed = inputSeed(a.seed, index);
    if (a.kind !== null && kindOf(seed) !== a.kind) continue;
    const input = makeInput(seed);
    const size = inputSize(input);
    slots[SLOT_INDEX] = index;
    slots[SLOT_START] = Date.now();
    const res = timed(input);
    slots[SLOT_START] = 0;
    const done = SLOT_DONE + KINDS.indexOf(input.kind);
    slots[done] = (slots[done] as number) + 1;
    const st = rep.byKind[input.kind];
    st.count++;
    st.ms += res.ms;
    st.bytes += size;
    if (res.ms > rep.slowest.ms) rep.slowest = { ms: res.ms, index, kind: input.kind, size };
    if (res.error !== null) {
      rep.problems.push({ type: 'crash', index, seed, kind: input.kind, message: res.error, ms: res.ms, file: saveInput('crash', seed, index, a.seed, input, res.error) });
    } else if (res.ms > HANG_MS || res.ms > budget(size, res.pushes)) {
      // Confirm with a second run, in CPU time (a GC pause or a busy machine is not a hang).
      const again = confirm(makeInput(seed));
      if (again > HANG_MS || again > budget(size, res.pushes)) {
        const msg = `${res.ms.toFixed(0)} ms, then ${again.toFixed(0)} ms of CPU, for ${size} bytes in ${res.pushes} pushes (budget ${budget(size, res.pushes).toFixed(0)} ms)`;
        rep.problems.push({ type: 'hang', index, seed, kind: input.kind, message: msg, ms: res.ms, file: saveInput('hang', seed, index, a.seed, input, msg) });
      }
    }
    if (++sinceCheck >= 64 || rep.problems.length > 0) {
      sinceCheck = 0;
      const now = Date.now();
      if (now > a.deadline) break;
      if (now - lastPost > 1000 || rep.problems.length > 0) {
        post(false);
        lastPost = now;
      }
    }
  }
  post(true);
}

/**
 * CPU time of the calling thread in ms (Linux: /proc/thread-self/schedstat), or null. Wall time
 * on a busy machine (other jobs on 2 cores) is no measure of a hang; this is read only to confirm
 * an overrun, so its cost does not matter.
 */
function threadCpuMs(): number | null {
  try {
    const ns = Number(readFileSync('/proc/thread-self/schedstat', 'utf8').split(' ')[0]);
    return Number.isFinite(ns) ? ns / 1e6 : null;
  } catch {
    return null;
  }
}

/** Run again, measuring CPU time where the system says it (else wall time). */
function confirm(input: Input): number {
  const c0 = threadCpuMs();
  const t = timed(input);
  const c1 = threadCpuMs();
  return c0 !== null && c1 !== null ? c1 - c0 : t.ms;
}

function timed(input: Input): { ms: number; error: string | null; pushes: number } {
  const t0 = performance.now();
  let error: string | null = null;
  let pushes = 1;
  try {
    pushes = runInput(input).pushes;
  } catch (e) {
    error = e instanceof Failure ? `check failed: ${e.message}` : e instanceof Error ? (e.stack ?? e.message) : String(e);
  }
  return { ms: performance.now() - t0, error, pushes };
}

// =============================================================================================
// Main

type Args = { count: number; seconds: number; seed: number; workers: number; only: number | null; kind: Kind | null };

function parseArgs(argv: readonly string[]): Args {
  const a: Args = { count: 1_000_000, seconds: Infinity, seed: 1, workers: Math.min(2, availableParallelism()), only: null, kind: null };
  let countGiven = false;
  for (let i = 0; i < argv.length; i++) {
    const k = argv[i] as string;
    const v = argv[i + 1];
    const num = (): number => {
      const n = Number(v);
      if (v === undefined || !Number.isFinite(n) || n < 0) usage(`${k} needs a non-negative number`);
      i++;
      return n;
    };
    if (k === '--count') {
      a.count = Math.floor(num());
      countGiven = true;
    } else if (k === '--seconds') a.seconds = num();
    else if (k === '--seed') a.seed = Math.floor(num()) >>> 0;
    else if (k === '--workers') a.workers = Math.max(1, Math.floor(num()));
    else if (k === '--only') a.only = Math.floor(num());
    else if (k === '--kind') {
      if (!(KINDS as readonly string[]).includes(v ?? '')) usage(`--kind must be one of ${KINDS.join(', ')}`);
      a.kind = v as Kind;
      i++;
    }
    else if (k === '--help' || k === '-h') usage(null);
    else usage(`unknown argument ${k}`);
  }
  // --seconds alone: run until the time is up.
  if (!countGiven && a.seconds !== Infinity) a.count = Number.MAX_SAFE_INTEGER;
  return a;
}

function usage(msg: string | null): never {
  process.stderr.write(`${msg === null ? '' : `fuzz: ${msg}\n`}usage: node dist/scripts/fuzz.js [--count N] [--seconds S] [--seed K] [--workers W] [--kind K] [--only I]\n`);
  process.exit(msg === null ? 0 : 2);
}

function hex8(n: number): string {
  return n.toString(16).padStart(8, '0');
}

function mib(n: number): string {
  return `${(n / 1048576).toFixed(0)} MiB`;
}

function replayOne(a: Args, index: number): void {
  const seed = inputSeed(a.seed, index);
  const input = makeInput(seed);
  process.stderr.write(`input ${index} (seed ${hex8(seed)}): ${input.kind}, ${inputSize(input)} bytes: ${input.note}\n`);
  const t0 = performance.now();
  const out = runInput(input); // throws with the full stack
  process.stderr.write(`ok in ${(performance.now() - t0).toFixed(1)} ms: ${out.records} records, ${out.bytes} output bytes\n`);
}

async function main(): Promise<void> {
  const a = parseArgs(process.argv.slice(2));
  if (a.only !== null) {
    replayOne(a, a.only);
    return;
  }
  if (!existsSync(CAPTURES)) usage(`no captures directory at ${CAPTURES}`);
  const t0 = Date.now();
  const deadline = a.seconds === Infinity ? Number.MAX_SAFE_INTEGER : t0 + a.seconds * 1000;
  const total = emptyReport();
  const problems: Problem[] = [];
  let peakHeap = 0;
  type Slot = { worker: Worker | null; slots: Float64Array; shared: SharedArrayBuffer };
  const W_ = Math.max(1, a.workers);
  const slots: Slot[] = [];
  /** Workers killed by the watchdog and not yet restarted. */
  let restarting = 0;

  const merge = (r: Report): void => {
    for (const k of KINDS) {
      total.byKind[k].count += r.byKind[k].count;
      total.byKind[k].ms += r.byKind[k].ms;
      total.byKind[k].bytes += r.byKind[k].bytes;
    }
    if (r.slowest.ms > total.slowest.ms) total.slowest = r.slowest;
    peakHeap = Math.max(peakHeap, r.peakHeap);
  };
  // Each worker's latest cumulative report (replaced on every message; merged when it ends).
  const latest = new Map<number, Report>();
  const finished: Promise<void>[] = [];

  const start = (w: number, from: number): void => {
    const s = slots[w] as Slot;
    s.slots[SLOT_START] = 0;
    const args: WorkerArgs = { seed: a.seed, count: a.count, start: from, stride: W_, deadline, shared: s.shared, kind: a.kind };
    const worker = new Worker(fileURLToPath(import.meta.url), { workerData: args });
    s.worker = worker;
    finished.push(
      new Promise<void>((resolve) => {
        worker.on('message', (m: { final: boolean; report: Report }) => {
          problems.push(...m.report.problems);
          for (const p of m.report.problems) process.stderr.write(`fuzz: ${p.type.toUpperCase()} in ${p.kind} input ${p.index} (seed ${hex8(p.seed)}): ${p.message.split('\n')[0]} → ${p.file}\n`);
          latest.set(w, m.report);
        });
        worker.on('error', (e) => {
          problems.push({ type: 'crash', index: -1, seed: 0, kind: 'body', message: `worker died: ${e.stack ?? e.message}`, ms: 0, file: '' });
          resolve();
        });
        worker.on('exit', () => {
          const r = latest.get(w);
          if (r !== undefined) merge(r);
          latest.delete(w);
          if (s.worker === worker) s.worker = null;
          resolve();
        });
      }),
    );
  };

  for (let w = 0; w < W_; w++) {
    const shared = new SharedArrayBuffer(8 * SLOTS);
    slots.push({ worker: null, slots: new Float64Array(shared), shared });
  }
  for (let w = 0; w < W_; w++) start(w, w);

  let lastProgress = Date.now();
  const progress = (final: boolean): string => {
    const cur = emptyReport();
    for (const k of KINDS) {
      cur.byKind[k] = { ...total.byKind[k] };
      for (const r of latest.values()) {
        cur.byKind[k].count += r.byKind[k].count;
        cur.byKind[k].ms += r.byKind[k].ms;
        cur.byKind[k].bytes += r.byKind[k].bytes;
      }
    }
    let slow = total.slowest;
    for (const r of latest.values()) if (r.slowest.ms > slow.ms) slow = r.slowest;
    let heap = peakHeap;
    for (const r of latest.values()) heap = Math.max(heap, r.peakHeap);
    // Counts from the shared slots (exact); times and bytes from the reports (a killed worker's
    // last second is missing from those).
    for (const k of KINDS) cur.byKind[k].count = slots.reduce((x, s) => x + (s.slots[SLOT_DONE + KINDS.indexOf(k)] as number), 0);
    const n = KINDS.reduce((x, k) => x + cur.byKind[k].count, 0);
    const secs = (Date.now() - t0) / 1000;
    const crashes = problems.filter((p) => p.type === 'crash').length;
    const hangs = problems.filter((p) => p.type === 'hang').length;
    const rss = process.resourceUsage().maxRSS * 1024;
    const kinds = KINDS.map((k) => `${k} ${cur.byKind[k].count}`).join(', ');
    if (!final) return `fuzz: ${n} inputs (${kinds}) in ${secs.toFixed(0)} s, ${(n / secs).toFixed(0)}/s, crashes ${crashes}, hangs ${hangs}, slowest ${slow.ms.toFixed(1)} ms, peak RSS ${mib(rss)}\n`;
    const lines = [
      `fuzz report (seed ${a.seed}, ${W_} worker${W_ === 1 ? '' : 's'})`,
      `  inputs      ${n} in ${secs.toFixed(1)} s = ${(n / secs).toFixed(0)} inputs/s`,
      ...KINDS.map((k) => {
        const s = cur.byKind[k];
        return `    ${k.padEnd(13)} ${String(s.count).padStart(9)}  ${(s.bytes / 1048576).toFixed(1).padStart(8)} MiB  ${(s.count === 0 ? 0 : (s.ms / s.count) * 1000).toFixed(0).padStart(6)} µs/input`;
      }),
      `  crashes     ${crashes}`,
      `  hangs       ${hangs}`,
      `  slowest     ${slow.ms.toFixed(1)} ms (${slow.kind} input ${slow.index}, ${slow.size} bytes)`,
      `  peak RSS    ${mib(rss)} (whole process, all workers)`,
      `  peak heap   ${mib(heap)} (largest worker heap in use)`,
    ];
    for (const p of problems.slice(0, 30)) lines.push(`  ${p.type} ${p.kind} input ${p.index}: ${p.message.split('\n')[0]} → ${p.file}`);
    if (problems.length > 30) lines.push(`  … and ${problems.length - 30} more (see .fuzz/)`);
    return lines.join('\n') + '\n';
  };

  // Watchdog: a worker stuck on one input is killed; its input is saved and counted as a hang.
  const watchdog = setInterval(() => {
    const now = Date.now();
    for (let w = 0; w < W_; w++) {
      const s = slots[w] as Slot;
      const started = s.slots[SLOT_START] as number;
      if (s.worker === null || started === 0 || now - started < WATCHDOG_MS) continue;
      const index = s.slots[SLOT_INDEX] as number;
      const seed = inputSeed(a.seed, index);
      const input = makeInput(seed);
      const msg = `still running after ${WATCHDOG_MS / 1000} s (killed)`;
      const file = saveInput('hang', seed, index, a.seed, input, msg);
      problems.push({ type: 'hang', index, seed, kind: input.kind, message: msg, ms: now - started, file });
      process.stderr.write(`fuzz: HANG in ${input.kind} input ${index}: ${msg} → ${file}\n`);
      // The killed input counts as done.
      const done = SLOT_DONE + KINDS.indexOf(input.kind);
      s.slots[done] = (s.slots[done] as number) + 1;
      const worker = s.worker;
      s.worker = null;
      restarting++;
      void worker.terminate().then(() => {
        if (index + W_ < a.count && Date.now() < deadline) start(w, index + W_);
        restarting--;
      });
    }
    if (now - lastProgress >= 10_000) {
      lastProgress = now;
      process.stderr.write(progress(false));
    }
  }, 250);

  // Workers may be restarted by the watchdog: wait until none is running.
  for (;;) {
    await Promise.all(finished.splice(0));
    if (finished.length === 0 && restarting === 0 && slots.every((s) => s.worker === null)) break;
    await new Promise((r) => setTimeout(r, 100));
  }
  clearInterval(watchdog);
  const report = progress(true);
  process.stdout.write(report);
  process.exitCode = problems.length > 0 ? 1 : 0;
}

if (isMainThread) {
  main().catch((e: unknown) => {
    process.stderr.write(`fuzz: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
    process.exit(2);
  });
} else {
  workerMain(workerData as WorkerArgs);
}
