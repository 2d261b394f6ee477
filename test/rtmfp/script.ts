/**
 * A synthetic RTMFP session for tests: the four startup packets, session packets under known keys
 * (checksum framing, or HMAC with sequence numbers), the matching key log, and a runner through
 * the real pipeline (createCaptureDecoder + Analyzer).
 */
import { createCaptureDecoder } from '../../src/capture/decoder.js';
import { Analyzer, type AnalyzerOptions } from '../../src/session/analyzer.js';
import type { OutputRecord } from '../../src/records/index.js';
import { CLIENT, SERVER, datagram, ihello, iikeying, keyComponent, keyLine, responderCert, rhello, rikeying, udpPcap, type ChunkSpec, type Framing } from '../builders/rtmfp.js';

export const SID_I = 0x01020304;
export const SID_R = 0x0a0b0c0d;
export const KEY_C2S = new Uint8Array(16).fill(0x11);
export const KEY_S2C = new Uint8Array(16).fill(0x22);
export const TAG = new Uint8Array(16).fill(0x33);
export const COOKIE = new Uint8Array(64).fill(0x44);
export const URL = 'rtmfp://10.0.0.2/live';

export type Pkt = { from: 'c' | 's'; payload: Uint8Array; time?: number };

/** IHello, RHello, IIKeying, RIKeying (no HMAC, no sequence numbers negotiated). */
export function startup(): Pkt[] {
  return [
    { from: 'c', payload: datagram(0, [ihello(URL, TAG)]) },
    { from: 's', payload: datagram(0, [rhello(TAG, COOKIE, responderCert([2, 14]))]) },
    { from: 'c', payload: datagram(0, [iikeying(SID_I, COOKIE, Uint8Array.of(0x00), keyComponent(2, 0x02, 0x02))]) },
    { from: 's', payload: datagram(SID_I, [rikeying(SID_R, keyComponent(2, 0x02, 0x02))]) },
  ];
}

export const FRAMING: Record<'c' | 's', Framing> = { c: { key: KEY_C2S }, s: { key: KEY_S2C } };

/** A session packet from the client (to SID_R) or the server (to SID_I). */
export function sessionPkt(from: 'c' | 's', chunks: readonly ChunkSpec[], framing: Framing = FRAMING[from]): Pkt {
  return { from, payload: datagram(from === 'c' ? SID_R : SID_I, chunks, { mode: from === 'c' ? 1 : 2, framing }) };
}

export const KEYLOG = [
  '# a comment, and an NSS line to ignore:',
  'CLIENT_RANDOM 00 11',
  keyLine({ role: 'responder', localSid: SID_R, farSid: SID_I, farAddr: `${CLIENT.ip}:${CLIENT.port}`, enc: KEY_S2C, dec: KEY_C2S }),
  keyLine({ role: 'initiator', localSid: SID_I, farSid: SID_R, farAddr: `${SERVER.ip}:${SERVER.port}`, enc: KEY_C2S, dec: KEY_S2C }),
].join('\n');

export function run(pkts: readonly Pkt[], opts: AnalyzerOptions = {}): OutputRecord[] {
  const dec = createCaptureDecoder();
  const a = new Analyzer(opts);
  const out: OutputRecord[] = [];
  for (const ev of [...dec.push(udpPcap(pkts)), ...dec.finish()]) out.push(...a.push(ev));
  out.push(...a.finish());
  return out;
}

export function codes(recs: readonly OutputRecord[]): Set<string> {
  return new Set(recs.flatMap((r) => (r.type === 'diagnostic' ? [r.code] : [])));
}
