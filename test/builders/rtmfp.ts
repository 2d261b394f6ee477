/**
 * RTMFP datagrams from intent, for tests: chunks → packet (flags, chunks, 0xff padding) → framed
 * (session sequence number, checksum or HMAC) → AES-128-CBC with a zero IV → scrambled session
 * id. Plus the startup and user data chunk payloads, and UDP pcaps of a conversation.
 */
import { createCipheriv, createHmac } from 'node:crypto';
import { ethernet, udpPacket } from './packets.js';
import { writePcap, type PcapRecordSpec } from './pcap.js';
import { DEFAULT_KEY, inCksum } from '../../src/rtmfp/wire.js';

export function vlu(n: number): Uint8Array {
  const out: number[] = [n & 0x7f];
  for (n = Math.floor(n / 128); n > 0; n = Math.floor(n / 128)) out.unshift(0x80 | (n & 0x7f));
  return Uint8Array.from(out);
}

/** The parts one after another (test/builders/bytes.ts). */
export { concat as cat } from './bytes.js';
import { concat as cat } from './bytes.js';

const utf8 = (s: string) => new TextEncoder().encode(s);

/** An option (length, type, value); `option()` alone is a marker. */
export function option(type?: number, value: Uint8Array = new Uint8Array(0)): Uint8Array {
  if (type === undefined) return Uint8Array.of(0);
  const body = cat(vlu(type), value);
  return cat(vlu(body.length), body);
}

export const lenPrefixed = (b: Uint8Array) => cat(vlu(b.length), b);

export type ChunkSpec = { readonly type: number; readonly payload: Uint8Array };

export function ihello(url: string, tag: Uint8Array): ChunkSpec {
  return { type: 0x30, payload: cat(lenPrefixed(option(0x0a, utf8(url))), tag) };
}

/** IHello naming the responder by the SHA-256 fingerprint of its certificate (EPD option 0x0f). */
export function ihelloFingerprint(fingerprint: Uint8Array, tag: Uint8Array): ChunkSpec {
  return { type: 0x30, payload: cat(lenPrefixed(option(0x0f, fingerprint)), tag) };
}

/** A responder certificate offering ephemeral DH groups. */
export function responderCert(groups: readonly number[]): Uint8Array {
  return cat(option(0x0a), ...groups.map((g) => option(0x15, vlu(g))), option(0x0e, new Uint8Array(8).fill(7)));
}

export function rhello(tag: Uint8Array, cookie: Uint8Array, cert: Uint8Array): ChunkSpec {
  return { type: 0x70, payload: cat(lenPrefixed(tag), lenPrefixed(cookie), cert) };
}

/** Key component: DH public key of `group`, HMAC and sequence-number negotiation flags. */
export function keyComponent(group: number, hmacFlags: number, sseqFlags: number): Uint8Array {
  return cat(option(0x0d, cat(vlu(group), new Uint8Array(16).fill(9))), option(0x1a, cat([hmacFlags], vlu(16))), option(0x1e, Uint8Array.of(sseqFlags)));
}

export function iikeying(sid: number, cookie: Uint8Array, cert: Uint8Array, skic: Uint8Array): ChunkSpec {
  const id = new Uint8Array(4);
  new DataView(id.buffer).setUint32(0, sid);
  return { type: 0x38, payload: cat(id, lenPrefixed(cookie), lenPrefixed(cert), lenPrefixed(skic), [0x58]) };
}

export function rikeying(sid: number, skrc: Uint8Array): ChunkSpec {
  const id = new Uint8Array(4);
  new DataView(id.buffer).setUint32(0, sid);
  return { type: 0x78, payload: cat(id, lenPrefixed(skrc), [0x58]) };
}

/** User Data: fra 0 whole, 1 begin, 2 end, 3 middle; metadata (and return flow) on the first. */
export function userData(spec: { flow: number; seq: number; fsnOffset?: number; fra?: number; fin?: boolean; metadata?: Uint8Array; returnFor?: number; data: Uint8Array }): ChunkSpec {
  const opts = spec.metadata !== undefined || spec.returnFor !== undefined;
  const flags = (opts ? 0x80 : 0) | ((spec.fra ?? 0) << 4) | (spec.fin === true ? 1 : 0);
  const options = opts ? cat(spec.metadata === undefined ? [] : option(0x00, spec.metadata), spec.returnFor === undefined ? [] : option(0x0a, vlu(spec.returnFor)), option()) : new Uint8Array(0);
  return { type: 0x10, payload: cat([flags], vlu(spec.flow), vlu(spec.seq), vlu(spec.fsnOffset ?? 1), options, spec.data) };
}

/** TC flow metadata for RTMP message stream `streamId` (RFC 7425 §5.1.1). */
export const tcMetadata = (streamId: number) => cat(utf8('TC'), [0x04], vlu(streamId));

/** A TC message: type, timestamp, body. */
export function tcMessage(type: number, timestamp: number, body: Uint8Array): Uint8Array {
  const h = new Uint8Array(5);
  h[0] = type;
  new DataView(h.buffer).setUint32(1, timestamp);
  return cat(h, body);
}

export type Framing = { key: Uint8Array; hmacKey?: Uint8Array; hmacLength?: number; sseq?: number };

/** One datagram: mode 3 startup (default key) unless `framing` and `mode` say otherwise. */
export function datagram(sid: number, chunks: readonly ChunkSpec[], opts: { mode?: number; framing?: Framing; timestamp?: number } = {}): Uint8Array {
  const f = opts.framing ?? { key: DEFAULT_KEY };
  const flags = (opts.mode ?? 3) | (opts.timestamp === undefined ? 0 : 0x08);
  const ts = opts.timestamp === undefined ? [] : [(opts.timestamp >> 8) & 0xff, opts.timestamp & 0xff];
  const packet = cat([flags], ts, ...chunks.map((c) => cat([c.type, c.payload.length >> 8, c.payload.length & 0xff], c.payload)));
  const head = cat(f.sseq === undefined ? [] : vlu(f.sseq), f.hmacKey === undefined ? [0, 0] : []);
  let plain = cat(head, packet);
  if (plain.length % 16 !== 0) plain = cat(plain, new Uint8Array(16 - (plain.length % 16)).fill(0xff));
  if (f.hmacKey === undefined) {
    const at = head.length - 2;
    const sum = inCksum(plain, head.length, plain.length);
    plain[at] = sum >> 8;
    plain[at + 1] = sum & 0xff;
  }
  const c = createCipheriv('aes-128-cbc', f.key, new Uint8Array(16));
  c.setAutoPadding(false);
  const enc = new Uint8Array(Buffer.concat([c.update(plain), c.final()]));
  const mac = f.hmacKey === undefined ? new Uint8Array(0) : new Uint8Array(createHmac('sha256', f.hmacKey).update(enc).digest()).subarray(0, f.hmacLength ?? 16);
  const v = new DataView(enc.buffer, enc.byteOffset);
  const scrambled = (sid ^ v.getUint32(0) ^ v.getUint32(4)) >>> 0;
  const id = new Uint8Array(4);
  new DataView(id.buffer).setUint32(0, scrambled);
  return cat(id, enc, mac);
}

export const CLIENT = { ip: '10.0.0.1', port: 50000 };
export const SERVER = { ip: '10.0.0.2', port: 1935 };

/** A UDP pcap: each datagram from the client ('c') or the server ('s'), at `time` seconds. */
export function udpPcap(pkts: readonly { from: 'c' | 's'; payload: Uint8Array; time?: number }[]): Uint8Array {
  const recs: PcapRecordSpec[] = pkts.map((p, i) => {
    const [a, b] = p.from === 'c' ? [CLIENT, SERVER] : [SERVER, CLIENT];
    const t = p.time ?? i * 0.001;
    return { sec: 1_700_000_000 + Math.floor(t), nsec: Math.round((t % 1) * 1e9), data: ethernet(udpPacket({ src: a.ip, dst: b.ip, sport: a.port, dport: b.port, payload: p.payload })) };
  });
  return writePcap(recs, { linkType: 1 });
}

export const hexOf = (b: Uint8Array) => Buffer.from(b).toString('hex');

/** A key log line for one end (the format of ../shared/data/rtmfp/README.md). */
export function keyLine(e: { role: 'initiator' | 'responder'; localSid: number; farSid: number; farAddr: string; enc: Uint8Array; dec: Uint8Array; txHmac?: Uint8Array; rxHmac?: Uint8Array; sseq?: boolean }): string {
  const h8 = (n: number) => (n >>> 0).toString(16).padStart(8, '0');
  const hm = e.txHmac !== undefined;
  return [
    `role=${e.role}`,
    `local_sid_wire=${h8(e.localSid)}`,
    `far_sid_wire=${h8(e.farSid)}`,
    `far_addr=${e.farAddr}`,
    `encrypt_key=${hexOf(e.enc)}`,
    `decrypt_key=${hexOf(e.dec)}`,
    `tx_hmac_key=${hexOf(e.txHmac ?? new Uint8Array(32))}`,
    `rx_hmac_key=${hexOf(e.rxHmac ?? new Uint8Array(32))}`,
    `hmac_send=${hm ? 1 : 0}`,
    `hmac_recv=${hm ? 1 : 0}`,
    'hmac_tx_len=16',
    'hmac_rx_len=16',
    `sseq_send=${e.sseq === true ? 1 : 0}`,
    `sseq_recv=${e.sseq === true ? 1 : 0}`,
  ].join(' ');
}
