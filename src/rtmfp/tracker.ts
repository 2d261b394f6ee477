/**
 * RTMFP recognition and session tracking over UDP datagrams on any port.
 *
 * A datagram is RTMFP when it is a startup packet: after the 4 scrambled-session-id bytes, a
 * multiple of 16 bytes that decrypt with the default key (AES-128-CBC, zero IV) into a packet in
 * startup mode whose first chunk is a startup chunk, with a valid 16-bit checksum — or when it is
 * a later packet of a session whose startup was seen: same address pair, and the session id the
 * receiving end chose (IIKeying for the initiator, RIKeying for the responder). Both ends often
 * choose the same id, so sessions are told apart by address pair and id. Everything else is not
 * RTMFP (the analyzer counts it as skipped).
 *
 * Contract: synchronous, no I/O, never throws on packet content. Bounded: at most MAX_SESSIONS
 * sessions are tracked (the rest counted and reported once); each session bounds itself.
 */
import { diag } from '../core/diagnostics.js';
import type { PayloadSink } from '../extract/sink.js';
import type { UdpDatagram } from '../net/types.js';
import { buildDiagnosticRecord, type OutputRecord } from '../records/index.js';
import { decodeStartupChunk } from './handshake.js';
import { framingsFor, parseKeyLogs, type RtmfpKeyEntry } from './keylog.js';
import type { IngestTarget } from '../targets/ingest.js';
import { RtmfpSession, type Meta } from './session.js';
import { aesDecrypt, decryptPacket, DEFAULT_KEY, hexU32, parsePacket, sessionIdOf, STARTUP_CHUNKS, STARTUP_FRAMING, type Chunk } from './wire.js';

export const MAX_SESSIONS = 4096;

export type RtmfpTrackerOptions = {
  /** Key log texts (AnalyzerOptions.keylogs); lines that are not RTMFP key records are ignored. */
  readonly keylogs?: readonly string[];
  readonly connBuffer?: number;
  /** The ingest service published streams are checked against (--target). */
  readonly target?: IngestTarget;
  /** Allocates the next session number (shared with the TCP sessions). */
  readonly nextSession: () => number;
  /** Extraction (src/extract): TC flows' whole media bodies go there. */
  readonly payloads?: PayloadSink;
};

function endpoint(ip: string, port: number): string {
  return ip.includes(':') ? `[${ip}]:${port}` : `${ip}:${port}`;
}

/** The first chunk of a startup packet, or null when `d` is not one. */
export function startupChunk(d: Uint8Array): Chunk | null {
  if (d.length < 20 || (d.length - 4) % 16 !== 0) return null;
  // Cheap test first: the first block holds checksum, flags (startup mode) and the chunk type.
  const b = aesDecrypt(DEFAULT_KEY, d.subarray(4, 20));
  const flags = b[2]!;
  if ((flags & 0x03) !== 3) return null;
  const at = 3 + ((flags & 0x08) !== 0 ? 2 : 0) + ((flags & 0x04) !== 0 ? 2 : 0);
  if (!STARTUP_CHUNKS.has(b[at]!)) return null;
  const r = decryptPacket(d, STARTUP_FRAMING);
  if (!r.ok) return null;
  const p = parsePacket(r.plain, r.start);
  const c = p?.chunks[0];
  return c !== undefined && STARTUP_CHUNKS.has(c.type) ? c : null;
}

export class RtmfpTracker {
  private readonly keys: readonly RtmfpKeyEntry[];
  private readonly pairs = new Map<string, { index: number; sessions: RtmfpSession[] }>();
  private readonly all: RtmfpSession[] = [];
  private capped = 0;

  constructor(private readonly opts: RtmfpTrackerOptions) {
    this.keys = parseKeyLogs(opts.keylogs ?? []);
  }

  get sessionCount(): number {
    return this.all.length;
  }

  /** One UDP datagram; null when it is not RTMFP. */
  push(u: UdpDatagram, meta: Meta): OutputRecord[] | null {
    const d = u.payload;
    if (d.length < 20 || d.length < u.payloadLen) return null;
    const src = endpoint(u.srcIp, u.srcPort);
    const dst = endpoint(u.dstIp, u.dstPort);
    const key = src < dst ? `${src}|${dst}` : `${dst}|${src}`;
    const sid = sessionIdOf(d);
    const c = startupChunk(d);
    if (c !== null) return this.startup(key, src, dst, sid, c, d.length, meta);
    const pair = this.pairs.get(key);
    if (pair === undefined) return null;
    const wire = hexU32(sid);
    for (let i = pair.sessions.length - 1; i >= 0; i--) {
      const s = pair.sessions[i]!;
      const toResponder = dst === s.responder && src === s.initiator && wire === s.responderSessionId;
      const toInitiator = dst === s.initiator && src === s.responder && wire === s.initiatorSessionId;
      if (!toResponder && !toInitiator) continue;
      return s.packet(toResponder ? 'c2s' : 's2c', d, framingsFor(this.keys, src, dst, wire), meta);
    }
    return null;
  }

  private startup(key: string, src: string, dst: string, sid: number, c: Chunk, length: number, meta: Meta): OutputRecord[] {
    const decoded = decodeStartupChunk(c.type, c.payload);
    const initiator = c.type === 0x30 || c.type === 0x38 || c.type === 0x0f ? src : dst;
    const responder = initiator === src ? dst : src;
    let pair = this.pairs.get(key);
    // Latest first; retransmitted startup chunks (crossing the answer in flight) find their session.
    const mine = (pair?.sessions ?? []).filter((x) => x.initiator === initiator && x.responder === responder).reverse();
    const open = mine.filter((x) => !x.established);
    let s: RtmfpSession | undefined;
    switch (decoded?.kind) {
      case 'IHello':
        s = open.find((x) => x.tag === decoded.tag && x.cookie === null);
        break;
      case 'RHello':
        s = mine.find((x) => x.tag === decoded.tag) ?? open[0];
        break;
      case 'IIKeying':
        s = mine.find((x) => x.cookie !== null && x.cookie === decoded.cookie) ?? open[0];
        break;
      case 'RIKeying':
        s = mine.find((x) => x.initiatorSessionId === hexU32(sid)) ?? open[0];
        break;
      default:
        s = open[0];
    }
    if (s === undefined) {
      if (decoded === null && c.type !== 0x30 && c.type !== 0x70 && c.type !== 0x38 && c.type !== 0x78) return []; // FIHello, Redirect, cookie change: RTMFP, not tracked
      if (this.all.length >= MAX_SESSIONS) return this.cap(meta);
      if (pair === undefined) {
        pair = { index: this.pairs.size, sessions: [] };
        this.pairs.set(key, pair);
      }
      s = new RtmfpSession(this.opts.nextSession(), pair.index, initiator, responder, meta, this.opts.connBuffer, this.opts.payloads ?? null, this.opts.target ?? null);
      pair.sessions.push(s);
      this.all.push(s);
    }
    return s.startup(src === s.initiator ? 'c2s' : 's2c', c.type, decoded, sid, length, meta);
  }

  private cap(meta: Meta): OutputRecord[] {
    if (this.capped++ > 0) return [];
    const d = diag('rtmfp.cap', `more than ${MAX_SESSIONS} RTMFP sessions; later ones are not tracked`, { frame: meta.frame });
    return [buildDiagnosticRecord({ session: null }, { frame: meta.frame }, d)];
  }

  finish(): OutputRecord[] {
    const out: OutputRecord[] = [];
    for (const s of this.all) out.push(...s.finish());
    return out;
  }
}
