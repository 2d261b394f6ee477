/**
 * The cut sweep: a capture cut at many points (the capture starting at frame K, as `editcap -r
 * in out K-` makes it) is decoded and compared with the intact capture's decode. A message of the
 * intact decode is recoverable from a cut when all its bytes follow the cut (every chunk of it in
 * frame K or later). Precision: messages of the cut's decode that the intact decode has (same
 * client, server, direction, chunk stream, type, length, first and last frame, chunk payload
 * lengths); recall: the
 * recoverable messages the cut's decode has. Messages that share all of these are counted as
 * often as they occur (a multiset), so a message decoded once cannot stand for two.
 */
import { execFileSync } from 'node:child_process';
import { rmSync } from 'node:fs';
import { createCaptureDecoder } from '../../src/capture/decoder.js';
import type { CaptureEvent } from '../../src/capture/types.js';
import { Analyzer, type AnalyzerOptions } from '../../src/session/analyzer.js';
import type { MessageRecord, OutputRecord } from '../../src/records/index.js';

export function captureEvents(bytes: Uint8Array): CaptureEvent[] {
  const dec = createCaptureDecoder();
  return [...dec.push(bytes), ...dec.finish()];
}

export function analyzeEvents(events: readonly CaptureEvent[], opts: AnalyzerOptions = {}): OutputRecord[] {
  const an = new Analyzer(opts);
  const out: OutputRecord[] = [];
  for (const ev of events) for (const r of an.push(ev)) out.push(r);
  for (const r of an.finish()) out.push(r);
  return out;
}

/** The capture from frame `k` on (capture header and file-level events kept). */
export function cutEvents(events: readonly CaptureEvent[], k: number): CaptureEvent[] {
  return events.filter((e) => e.kind !== 'record' || e.frame >= k);
}

export function messageKey(m: MessageRecord): string {
  // The chunks' payload lengths too: a message read under a wrong chunk size keeps its length and frames.
  return `${m.client}|${m.server}|${m.dir}|${m.csid}|${m.typeId}|${m.length}|${m.firstFrame}|${m.frame}|${m.chunks.list.map((c) => c[3]).join(',')}`;
}

/** First frame any byte of the message arrived in. */
export function earliestFrame(m: MessageRecord): number {
  let f = m.firstFrame;
  for (const c of m.chunks.list) if (c[4] < f) f = c[4];
  return f;
}

export type CutResult = { readonly cut: number; readonly recoverable: number; readonly decoded: number; readonly matched: number; readonly found: number; readonly precision: number; readonly recall: number };

/** How many times each key occurs (two messages can share one: same length, chunk stream and frames). */
function counts(ms: readonly MessageRecord[]): Map<string, number> {
  const c = new Map<string, number>();
  for (const m of ms) {
    const k = messageKey(m);
    c.set(k, (c.get(k) ?? 0) + 1);
  }
  return c;
}

/** Messages of `cut` found in `of`, each of `of` matched at most once. */
function overlap(cut: ReadonlyMap<string, number>, of: ReadonlyMap<string, number>): number {
  let n = 0;
  for (const [k, c] of cut) n += Math.min(c, of.get(k) ?? 0);
  return n;
}

export function compareCut(intact: readonly MessageRecord[], cut: readonly MessageRecord[], k: number): CutResult {
  const got = counts(cut);
  const recoverable = intact.filter((m) => earliestFrame(m) >= k);
  const matched = overlap(got, counts(intact));
  const found = overlap(got, counts(recoverable));
  return {
    cut: k,
    recoverable: recoverable.length,
    decoded: cut.length,
    matched,
    found,
    precision: cut.length === 0 ? 1 : matched / cut.length,
    recall: recoverable.length === 0 ? 1 : found / recoverable.length,
  };
}

/** The recoverable messages of the intact decode that the cut's decode lacks (multiset difference). */
export function missedMessages(intact: readonly MessageRecord[], cut: readonly MessageRecord[], k: number): MessageRecord[] {
  const got = counts(cut);
  const out: MessageRecord[] = [];
  for (const m of intact) {
    if (earliestFrame(m) < k) continue;
    const key = messageKey(m);
    const c = got.get(key) ?? 0;
    if (c > 0) got.set(key, c - 1);
    else out.push(m);
  }
  return out;
}

export const messages = (recs: readonly OutputRecord[]): MessageRecord[] => recs.filter((r): r is MessageRecord => r.type === 'message');

/** Cuts are spread over the part of a capture after which at least this many messages begin. */
export const MIN_AFTER = 50;

/**
 * Cut frames: `n` spread evenly over the capture (up to where MIN_AFTER messages remain), every handshake boundary that a capture could
 * start at (each frame carrying a handshake part, and the one after it), and frames inside the
 * largest multi-frame messages (video key frames).
 */
export function cutPoints(events: readonly CaptureEvent[], intact: readonly OutputRecord[], n = 20): number[] {
  const frames = events.filter((e) => e.kind === 'record').length;
  // Spread up to where MIN_AFTER messages still follow (one message is a tenth of a recall of 10).
  const starts = messages(intact)
    .map(earliestFrame)
    .sort((a, b) => a - b);
  const last = Math.max(3, starts[Math.max(0, starts.length - MIN_AFTER)] ?? frames);
  const pts = new Set<number>();
  for (let i = 0; i < n; i++) pts.add(2 + Math.floor(((last - 2) * i) / n));
  for (const r of intact) if (r.type === 'handshake') for (const f of [r.frame, r.frame + 1]) pts.add(f);
  const big = messages(intact)
    .filter((m) => m.frame > m.firstFrame + 1)
    .sort((a, b) => b.length - a.length)
    .slice(0, 4);
  for (const m of big) pts.add(Math.floor((m.firstFrame + m.frame) / 2));
  return [...pts].filter((f) => f >= 1 && f <= last).sort((a, b) => a - b);
}

/** Decode the capture intact and cut at each point; one result per cut. */
export function sweep(bytes: Uint8Array, opts: AnalyzerOptions = {}, points?: readonly number[]): CutResult[] {
  const events = captureEvents(bytes);
  const intactRecs = analyzeEvents(events, opts);
  const intact = messages(intactRecs);
  return (points ?? cutPoints(events, intactRecs)).map((k) => compareCut(intact, messages(analyzeEvents(cutEvents(events, k), opts)), k));
}

/**
 * tshark's share of the recoverable messages on the cut at frame `k` of `file` (`editcap -r`, as
 * in the README), capped at 1: the RTMP messages tshark 4.0 dissects (told each of `ports` other
 * than 1935 with -d) over the `recoverable` ones. A count, not a match: an upper bound on tshark's
 * recall. Needs editcap and tshark.
 */
export function tsharkShare(file: string, k: number, ports: readonly number[], recoverable: number): number {
  const cut = `${file}.cut-${process.pid}`;
  try {
    execFileSync('editcap', ['-r', file, cut, `${k}-1000000`]);
    const decodeAs = ports.filter((p) => p !== 1935).flatMap((p) => ['-d', `tcp.port==${p},rtmpt`]);
    const ts = execFileSync('tshark', ['-r', cut, ...decodeAs, '-Y', 'rtmpt', '-T', 'fields', '-e', 'rtmpt.header.typeid'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'], maxBuffer: 1 << 26 });
    const count = ts
      .split('\n')
      .filter((l) => l.trim() !== '')
      .reduce((a, l) => a + l.split(',').length, 0);
    return recoverable === 0 ? 1 : Math.min(1, count / recoverable);
  } finally {
    rmSync(cut, { force: true });
  }
}
