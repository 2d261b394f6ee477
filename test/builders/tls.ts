/**
 * TLS from intent, for tests: hellos, records, and a whole conversation wrapped in TLS 1.3 or
 * TLS 1.2 (the plaintext turns become application data records under keys made up here), with
 * the NSS key log line(s) that open it. Sealing uses node:crypto directly; the real captures
 * (captures/ffmpeg-nginx-rtmps*.pcap, GnuTLS ↔ OpenSSL) check the same code against peers.
 */
import { createCipheriv, createHash } from 'node:crypto';
import { aeadSeal, hashLen, SUITES, tls12Keys, tls13NextSecret, tls13TrafficKeys, xorNonce, type Suite } from '../../src/tls/crypto.js';
import { concat } from './bytes.js';
import type { Turn } from './conversation.js';

const u16 = (n: number) => [n >> 8, n & 0xff];
const u24 = (n: number) => [n >> 16, (n >> 8) & 0xff, n & 0xff];
const vec16 = (b: Uint8Array | readonly number[]) => concat(u16(b.length), b);
const vec8 = (b: Uint8Array | readonly number[]) => concat([b.length], b);
const ascii = (s: string) => new TextEncoder().encode(s);

/** Deterministic bytes from a seed (SHA-256 in counter mode). */
export function seeded(seed: string, n: number): Uint8Array {
  const out = new Uint8Array(n);
  for (let i = 0, p = 0; p < n; i++) {
    const h = createHash('sha256').update(`${seed}/${i}`).digest();
    out.set(h.subarray(0, Math.min(32, n - p)), p);
    p += 32;
  }
  return out;
}

export const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');

export function handshakeMsg(type: number, body: Uint8Array): Uint8Array {
  return concat([type, ...u24(body.length)], body);
}

export function record(type: number, body: Uint8Array, version = 0x0303): Uint8Array {
  return concat([type, ...u16(version), ...u16(body.length)], body);
}

function ext(type: number, body: Uint8Array): Uint8Array {
  return concat(u16(type), vec16(body));
}

export type HelloIntent = {
  readonly random: Uint8Array;
  readonly sni?: string;
  readonly alpn?: readonly string[];
  readonly suites?: readonly number[];
  /** supported_versions (omitted when absent). */
  readonly versions?: readonly number[];
};

export function clientHello(h: HelloIntent): Uint8Array {
  const exts: Uint8Array[] = [];
  if (h.sni !== undefined) exts.push(ext(0, vec16(concat([0], vec16(ascii(h.sni))))));
  if (h.alpn !== undefined) exts.push(ext(16, vec16(concat(...h.alpn.map((p) => vec8(ascii(p)))))));
  if (h.versions !== undefined) exts.push(ext(43, vec8(h.versions.flatMap(u16))));
  const suites = [0x0a0a, ...(h.suites ?? [0x1301, 0x1302, 0x1303, 0xc02f])];
  const body = concat(u16(0x0303), h.random, vec8(new Uint8Array(32)), vec16(suites.flatMap(u16)), [1, 0], vec16(concat(...exts)));
  return handshakeMsg(1, body);
}

export function serverHello(h: { random: Uint8Array; suite: number; tls13: boolean; alpn?: string; etm?: boolean }): Uint8Array {
  const exts: Uint8Array[] = [];
  if (h.tls13) exts.push(ext(43, Uint8Array.from(u16(0x0304))));
  if (h.alpn !== undefined) exts.push(ext(16, vec16(vec8(ascii(h.alpn)))));
  if (h.etm === true) exts.push(ext(22, new Uint8Array(0)));
  return handshakeMsg(2, concat(u16(0x0303), h.random, vec8(new Uint8Array(32)), u16(h.suite), [0], vec16(concat(...exts))));
}

/** Sealing for one direction, as a peer would: TLS 1.3 or TLS 1.2 record protection. */
export class Sealer {
  seq = 0n;
  constructor(
    private readonly suite: Suite,
    private keys: { key: Uint8Array; iv: Uint8Array; macKey?: Uint8Array },
    private secret: Uint8Array | null,
  ) {}

  /** TLS 1.3: the next traffic secret generation (after sending a KeyUpdate). */
  update(): void {
    if (this.secret === null) return;
    this.secret = tls13NextSecret(this.suite, this.secret);
    this.keys = tls13TrafficKeys(this.suite, this.secret);
    this.seq = 0n;
  }

  seal13(type: number, data: Uint8Array, pad = 0): Uint8Array {
    const inner = concat(data, [type], new Uint8Array(pad));
    const header = Uint8Array.from([23, 3, 3, ...u16(inner.length + 16)]);
    const kind = this.suite.cipher === 'chacha20-poly1305' ? 'chacha20-poly1305' : 'aes-gcm';
    const body = aeadSeal(kind, this.keys.key, xorNonce(this.keys.iv, this.seq++), header, inner);
    return concat(header, body);
  }

  seal12(type: number, data: Uint8Array, etm = false): Uint8Array {
    const aad = (len: number) => {
      const a = new Uint8Array(13);
      new DataView(a.buffer).setBigUint64(0, this.seq);
      a.set([type, 3, 3, ...u16(len)], 8);
      return a;
    };
    let body: Uint8Array;
    if (this.suite.cipher === 'aes-gcm') {
      const explicit = new Uint8Array(8);
      new DataView(explicit.buffer).setBigUint64(0, this.seq);
      body = concat(explicit, aeadSeal('aes-gcm', this.keys.key, concat(this.keys.iv, explicit), aad(data.length), data));
    } else if (this.suite.cipher === 'chacha20-poly1305') {
      body = aeadSeal('chacha20-poly1305', this.keys.key, xorNonce(this.keys.iv, this.seq), aad(data.length), data);
    } else {
      // CBC: MAC-then-encrypt (or encrypt-then-MAC); the MAC bytes are made up (not checked).
      const macLen = hashLen(this.suite.mac ?? 'sha1');
      const plain = etm ? data : concat(data, seeded(`mac${this.seq}`, macLen));
      const pad = 15 - (plain.length % 16);
      const iv = seeded(`iv${this.seq}`, 16);
      const c = createCipheriv(this.keys.key.length === 32 ? 'aes-256-cbc' : 'aes-128-cbc', this.keys.key, iv);
      c.setAutoPadding(false);
      const ct = concat(iv, c.update(concat(plain, new Uint8Array(pad + 1).fill(pad))), c.final());
      body = etm ? concat(ct, seeded(`etm${this.seq}`, macLen)) : ct;
    }
    this.seq++;
    return record(type, body);
  }
}

export type TlsWrapOptions = {
  readonly tls: 12 | 13;
  readonly suite: number;
  readonly sni?: string;
  readonly alpn?: string;
  /** Largest plaintext per application data record (default 1000). */
  readonly recordSize?: number;
  /** TLS 1.3: the client sends a KeyUpdate after this many application records. */
  readonly keyUpdateAfter?: number;
  readonly etm?: boolean;
  readonly seed?: string;
};

export type TlsWrapped = { readonly turns: Turn[]; readonly keylog: string; readonly clientRandom: Uint8Array };

/**
 * `plain` (a conversation whose first turn is the client's) carried over TLS: the handshake
 * turns, then each plaintext turn as application data records.
 */
export function tlsWrap(plain: readonly Turn[], o: TlsWrapOptions): TlsWrapped {
  const suite = SUITES.get(o.suite);
  if (suite === undefined) throw new Error(`no such suite ${o.suite}`);
  const seed = o.seed ?? 'tls';
  const cr = seeded(`${seed}/cr`, 32);
  const sr = seeded(`${seed}/sr`, 32);
  const tls13 = o.tls === 13;
  const ch = clientHello({ random: cr, ...(o.sni === undefined ? {} : { sni: o.sni }), ...(o.alpn === undefined ? {} : { alpn: [o.alpn, 'x-other'] }), versions: tls13 ? [0x0a0a, 0x0304, 0x0303] : [0x0303], suites: [o.suite, 0x1301, 0xc02f] });
  const sh = serverHello({ random: sr, suite: o.suite, tls13, ...(o.alpn !== undefined && !tls13 ? { alpn: o.alpn } : {}), ...(o.etm === true ? { etm: true } : {}) });
  const turns: Turn[] = [{ from: 'c', data: record(22, ch, 0x0301) }];
  let keylog: string;
  let cs: Sealer;
  let ss: Sealer;
  const seal = (s: Sealer, type: number, data: Uint8Array) => (tls13 ? s.seal13(type, data) : s.seal12(type, data, o.etm === true));
  const finished = () => handshakeMsg(20, seeded(`${seed}/fin`, tls13 ? hashLen(suite.hash) : 12));
  if (tls13) {
    const h = hashLen(suite.hash);
    const [cHs, sHs, cAp, sAp] = ['chs', 'shs', 'cap', 'sap'].map((k) => seeded(`${seed}/${k}`, h)) as [Uint8Array, Uint8Array, Uint8Array, Uint8Array];
    keylog = [
      `CLIENT_HANDSHAKE_TRAFFIC_SECRET ${hex(cr)} ${hex(cHs)}`,
      `SERVER_HANDSHAKE_TRAFFIC_SECRET ${hex(cr)} ${hex(sHs)}`,
      `CLIENT_TRAFFIC_SECRET_0 ${hex(cr)} ${hex(cAp)}`,
      `SERVER_TRAFFIC_SECRET_0 ${hex(cr)} ${hex(sAp)}`,
      `EXPORTER_SECRET ${hex(cr)} ${hex(seeded('x', h))}`,
    ].join('\n');
    const sHsSealer = new Sealer(suite, tls13TrafficKeys(suite, sHs), sHs);
    const ee = handshakeMsg(8, vec16(o.alpn === undefined ? new Uint8Array(0) : ext(16, vec16(vec8(ascii(o.alpn))))));
    const cert = handshakeMsg(11, seeded('cert', 300));
    turns.push({ from: 's', data: concat(record(22, sh), record(20, Uint8Array.of(1)), sHsSealer.seal13(22, concat(ee, cert)), sHsSealer.seal13(22, finished())) });
    const cHsSealer = new Sealer(suite, tls13TrafficKeys(suite, cHs), cHs);
    turns.push({ from: 'c', data: concat(record(20, Uint8Array.of(1)), cHsSealer.seal13(22, finished())) });
    cs = new Sealer(suite, tls13TrafficKeys(suite, cAp), cAp);
    ss = new Sealer(suite, tls13TrafficKeys(suite, sAp), sAp);
    // A NewSessionTicket after the handshake, as servers send.
    turns.push({ from: 's', data: ss.seal13(22, handshakeMsg(4, seeded('ticket', 40))) });
  } else {
    const master = seeded(`${seed}/ms`, 48);
    keylog = `# a comment\nCLIENT_RANDOM ${hex(cr)} ${hex(master)}`;
    const keys = tls12Keys(suite, master, cr, sr);
    cs = new Sealer(suite, keys.c2s, null);
    ss = new Sealer(suite, keys.s2c, null);
    turns.push({ from: 's', data: record(22, concat(sh, handshakeMsg(11, seeded('cert', 300)), handshakeMsg(12, seeded('ske', 100)), handshakeMsg(14, new Uint8Array(0)))) });
    turns.push({ from: 'c', data: concat(record(22, handshakeMsg(16, seeded('cke', 33))), record(20, Uint8Array.of(1)), seal(cs, 22, finished())) });
    turns.push({ from: 's', data: concat(record(20, Uint8Array.of(1)), seal(ss, 22, finished())) });
  }
  const size = o.recordSize ?? 1000;
  let appRecords = 0;
  for (const t of plain) {
    const s = t.from === 'c' ? cs : ss;
    const parts: Uint8Array[] = [];
    for (let i = 0; i < t.data.length; i += size) {
      parts.push(seal(s, 23, t.data.subarray(i, i + size)));
      if (t.from === 'c' && tls13 && ++appRecords === o.keyUpdateAfter) {
        parts.push(s.seal13(22, handshakeMsg(24, Uint8Array.of(0))));
        s.update();
      }
    }
    turns.push({ from: t.from, data: concat(...parts) });
  }
  return { turns, keylog, clientRandom: cr };
}
