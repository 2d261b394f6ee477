/**
 * RTMFP key logs: one line per endpoint per session, `key=value` pairs separated by spaces (the
 * format of ../shared/data/rtmfp/README.md, the RTMFP analogue of an SSLKEYLOGFILE):
 *
 *   role=initiator|responder local_sid_wire=HEX8 far_sid_wire=HEX8 far_addr=IP:PORT
 *   encrypt_key=HEX32 decrypt_key=HEX32 tx_hmac_key=HEX64 rx_hmac_key=HEX64
 *   hmac_send=0|1 hmac_recv=0|1 hmac_tx_len=N hmac_rx_len=N sseq_send=0|1 sseq_recv=0|1 ...
 *
 * Lines that are not such records (comments, NSS TLS key log lines, anything else) are ignored;
 * other fields (nonces, the DH secret) are not needed and not kept. Pure; never throws.
 */
import type { Framing } from './wire.js';

export type RtmfpKeyEntry = {
  readonly role: 'initiator' | 'responder';
  /** Session ids as 8 hex digits of the 4 wire bytes. */
  readonly localSid: string;
  readonly farSid: string;
  /** The far end, normalised as the analyzer prints endpoints ("1.2.3.4:5", "[::1]:5"). */
  readonly farAddr: string;
  /** How this end sends (its encrypt key) and receives. */
  readonly send: Framing;
  readonly recv: Framing;
};

/** Entries kept from all key logs together (each is a few hundred bytes). */
export const MAX_KEY_ENTRIES = 65536;

function bytes(h: string | undefined, n: number): Uint8Array | null {
  if (h === undefined || h.length !== n * 2 || !/^[0-9a-fA-F]+$/.test(h)) return null;
  const out = new Uint8Array(n);
  for (let i = 0; i < n; i++) out[i] = parseInt(h.slice(i * 2, i * 2 + 2), 16);
  return out;
}

function addr(s: string | undefined): string | null {
  if (s === undefined) return null;
  const m = /^\[?([0-9a-fA-F.:]+?)\]?:(\d{1,5})$/.exec(s);
  if (m === null) return null;
  const ip = m[1]!.toLowerCase();
  return ip.includes(':') ? `[${ip}]:${m[2]}` : `${ip}:${m[2]}`;
}

function framing(key: Uint8Array, hmacKey: Uint8Array | null, hmacOn: boolean, hmacLen: number, sseq: boolean): Framing | null {
  if (hmacOn && (hmacKey === null || !(hmacLen >= 4 && hmacLen <= 32))) return null;
  return { key, hmac: hmacOn && hmacKey !== null ? { key: hmacKey, length: hmacLen } : null, sseq };
}

export function parseKeyLine(line: string): RtmfpKeyEntry | null {
  if (!line.startsWith('role=')) return null;
  const f = new Map<string, string>();
  for (const tok of line.trim().split(/\s+/)) {
    const i = tok.indexOf('=');
    if (i > 0) f.set(tok.slice(0, i), tok.slice(i + 1));
  }
  const role = f.get('role');
  const localSid = f.get('local_sid_wire')?.toLowerCase();
  const farSid = f.get('far_sid_wire')?.toLowerCase();
  const farAddr = addr(f.get('far_addr'));
  const enc = bytes(f.get('encrypt_key'), 16);
  const dec = bytes(f.get('decrypt_key'), 16);
  if ((role !== 'initiator' && role !== 'responder') || localSid === undefined || farSid === undefined || farAddr === null || enc === null || dec === null) return null;
  if (!/^[0-9a-f]{8}$/.test(localSid) || !/^[0-9a-f]{8}$/.test(farSid)) return null;
  const on = (k: string) => f.get(k) === '1';
  const num = (k: string) => Number(f.get(k) ?? '16');
  const send = framing(enc, bytes(f.get('tx_hmac_key'), 32), on('hmac_send'), num('hmac_tx_len'), on('sseq_send'));
  const recv = framing(dec, bytes(f.get('rx_hmac_key'), 32), on('hmac_recv'), num('hmac_rx_len'), on('sseq_recv'));
  if (send === null || recv === null) return null;
  return { role, localSid, farSid, farAddr, send, recv };
}

/** Every RTMFP entry of the given key log texts, in order, up to MAX_KEY_ENTRIES. */
export function parseKeyLogs(texts: readonly string[]): RtmfpKeyEntry[] {
  const out: RtmfpKeyEntry[] = [];
  for (const t of texts) {
    for (const line of t.split(/\r?\n/)) {
      if (out.length >= MAX_KEY_ENTRIES) return out;
      const e = parseKeyLine(line);
      if (e !== null) out.push(e);
    }
  }
  return out;
}

/** Candidates tried per packet at most (the same ids and addresses reused by later sessions). */
const MAX_CANDIDATES = 16;

/**
 * Keys that may read packets sent from `src` to `dst` carrying session id `sid`: the receiver's
 * entries (local id = sid, far end = src) with their receive framing, then the sender's entries
 * (far id = sid, far end = dst) with their send framing. Several when ids and ports were reused:
 * the session keeps the first that reads its packets.
 */
export function framingsFor(entries: readonly RtmfpKeyEntry[], src: string, dst: string, sid: string): Framing[] {
  const out: Framing[] = [];
  for (const e of entries) if (e.localSid === sid && e.farAddr === src && out.length < MAX_CANDIDATES) out.push(e.recv);
  for (const e of entries) if (e.farSid === sid && e.farAddr === dst && out.length < MAX_CANDIDATES) out.push(e.send);
  return out;
}
