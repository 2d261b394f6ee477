/**
 * Test harness for the capture decoder: run a chunking through a fresh decoder and return plain
 * events (record data copied to arrays at the push that produced it, as the contract requires),
 * so runs over different chunkings can be compared with deepStrictEqual.
 */
import assert from 'node:assert/strict';
import { createCaptureDecoder } from '../../src/capture/decoder.js';
import type { CaptureEvent, CaptureRecord } from '../../src/capture/types.js';
import { allChunkings } from '../builders/splits.js';

export type PlainRecord = Omit<CaptureRecord, 'data'> & { data: number[] };
export type PlainEvent = Exclude<CaptureEvent, CaptureRecord> | PlainRecord;

export function runDecoder(chunks: readonly Uint8Array[]): PlainEvent[] {
  const d = createCaptureDecoder();
  const out: PlainEvent[] = [];
  for (const c of chunks) for (const e of d.push(c)) out.push(plain(e));
  for (const e of d.finish()) out.push(plain(e));
  return out;
}

function plain(e: CaptureEvent): PlainEvent {
  return e.kind === 'record' ? { ...e, data: Array.from(e.data) } : e;
}

/** Decode whole, then assert that byte-at-a-time and every two-piece split give the same events. */
export function decodeEveryWay(input: Uint8Array, maxEverySplit = 2048): PlainEvent[] {
  const expected = runDecoder([input]);
  for (const chunks of allChunkings(input, maxEverySplit).slice(1)) {
    assert.deepStrictEqual(runDecoder(chunks), expected, `chunking into ${chunks.length} pieces changed the events`);
  }
  return expected;
}

export function records(events: readonly PlainEvent[]): PlainRecord[] {
  return events.filter((e): e is PlainRecord => e.kind === 'record');
}

export function codes(events: readonly PlainEvent[]): string[] {
  return events.flatMap((e) => (e.kind === 'diagnostic' ? [e.code] : e.kind === 'fatal' ? ['fatal'] : []));
}

/** Deterministic bytes 0..n-1 offset by a seed (distinct payloads per record). */
export function bytes(n: number, seed = 0): Uint8Array {
  const out = new Uint8Array(n);
  for (let i = 0; i < n; i++) out[i] = (i + seed * 37) & 0xff;
  return out;
}
