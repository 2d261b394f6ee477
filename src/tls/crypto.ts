/**
 * TLS record protection with node:crypto: the cipher suites rtmpscope can decrypt, the TLS 1.3 key
 * schedule pieces a key log leaves to us (HKDF-Expand-Label from a traffic secret: RFC 8446 §7.1,
 * §7.3; KeyUpdate §7.2), the TLS 1.2 PRF and key block (RFC 5246 §5, §6.3), and opening one record
 * (AEAD: RFC 8446 §5.2, RFC 5288, RFC 7905; CBC: RFC 5246 §6.2.3.2, RFC 7366). Pure functions of
 * their inputs; a record that does not open returns null (never throws).
 */
import { createCipheriv, createDecipheriv, createHmac } from 'node:crypto';

export type HashName = 'sha256' | 'sha384' | 'sha1';
export type CipherKind = 'aes-gcm' | 'chacha20-poly1305' | 'aes-cbc';

export type Suite = {
  readonly id: number;
  readonly name: string;
  /** 13: a TLS 1.3 suite; 12: a TLS 1.2 (or earlier) suite. */
  readonly tls: 12 | 13;
  readonly cipher: CipherKind;
  readonly keyLen: number;
  /** PRF / HKDF hash. */
  readonly hash: HashName;
  /** CBC suites: the record MAC's hash. */
  readonly mac?: HashName;
};

/**
 * A suite's parameters, read from its IANA name (the names say them all): TLS 1.3 names have no
 * `_WITH_`; the last part is the PRF/HKDF hash of an AEAD suite, and the record MAC of a CBC one
 * (SHA: SHA-1), whose TLS 1.2 PRF is SHA-384 for SHA384 suites and SHA-256 otherwise.
 */
function suite(id: number, name: string): Suite {
  const tls = name.includes('_WITH_') ? 12 : 13;
  const cipher: CipherKind = name.includes('_CHACHA20_POLY1305_') ? 'chacha20-poly1305' : name.includes('_GCM_') ? 'aes-gcm' : 'aes-cbc';
  const keyLen = name.includes('_AES_128_') ? 16 : 32;
  const last = name.slice(name.lastIndexOf('_') + 1);
  const h: HashName = last === 'SHA384' ? 'sha384' : last === 'SHA256' ? 'sha256' : 'sha1';
  if (cipher !== 'aes-cbc') return { id, name, tls, cipher, keyLen, hash: h };
  return { id, name, tls, cipher, keyLen, hash: h === 'sha384' ? 'sha384' : 'sha256', mac: h };
}

/** Suites we decrypt, by id. Key exchange does not matter: the key log gives the secrets. */
export const SUITES: ReadonlyMap<number, Suite> = new Map(
  (
    [
      [0x1301, 'TLS_AES_128_GCM_SHA256'],
      [0x1302, 'TLS_AES_256_GCM_SHA384'],
      [0x1303, 'TLS_CHACHA20_POLY1305_SHA256'],
      [0xc02b, 'TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256'],
      [0xc02c, 'TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384'],
      [0xc02f, 'TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256'],
      [0xc030, 'TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384'],
      [0x009c, 'TLS_RSA_WITH_AES_128_GCM_SHA256'],
      [0x009d, 'TLS_RSA_WITH_AES_256_GCM_SHA384'],
      [0x009e, 'TLS_DHE_RSA_WITH_AES_128_GCM_SHA256'],
      [0x009f, 'TLS_DHE_RSA_WITH_AES_256_GCM_SHA384'],
      [0xcca8, 'TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256'],
      [0xcca9, 'TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256'],
      [0xccaa, 'TLS_DHE_RSA_WITH_CHACHA20_POLY1305_SHA256'],
      [0xc009, 'TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA'],
      [0xc00a, 'TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA'],
      [0xc013, 'TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA'],
      [0xc014, 'TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA'],
      [0xc023, 'TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA256'],
      [0xc024, 'TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA384'],
      [0xc027, 'TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA256'],
      [0xc028, 'TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA384'],
      [0x002f, 'TLS_RSA_WITH_AES_128_CBC_SHA'],
      [0x0035, 'TLS_RSA_WITH_AES_256_CBC_SHA'],
      [0x003c, 'TLS_RSA_WITH_AES_128_CBC_SHA256'],
      [0x003d, 'TLS_RSA_WITH_AES_256_CBC_SHA256'],
    ] as const
  ).map(([id, name]) => [id, suite(id, name)]),
);

export function suiteName(id: number): string {
  return SUITES.get(id)?.name ?? `0x${id.toString(16).padStart(4, '0')}`;
}

const HASH_LEN: Record<HashName, number> = { sha1: 20, sha256: 32, sha384: 48 };
export const hashLen = (h: HashName): number => HASH_LEN[h];

/** RFC 5869 HKDF-Expand. */
export function hkdfExpand(hash: HashName, prk: Uint8Array, info: Uint8Array, length: number): Uint8Array {
  const out = new Uint8Array(length);
  let t = new Uint8Array(0);
  let pos = 0;
  for (let i = 1; pos < length; i++) {
    const h = createHmac(hash, prk);
    h.update(t);
    h.update(info);
    h.update(Uint8Array.of(i));
    t = new Uint8Array(h.digest());
    out.set(t.subarray(0, Math.min(t.length, length - pos)), pos);
    pos += t.length;
  }
  return out;
}

/** RFC 8446 §7.1 HKDF-Expand-Label(Secret, Label, Context, Length). */
export function hkdfExpandLabel(hash: HashName, secret: Uint8Array, label: string, context: Uint8Array, length: number): Uint8Array {
  const full = new TextEncoder().encode(`tls13 ${label}`);
  const info = new Uint8Array(2 + 1 + full.length + 1 + context.length);
  info[0] = length >> 8;
  info[1] = length & 0xff;
  info[2] = full.length;
  info.set(full, 3);
  info[3 + full.length] = context.length;
  info.set(context, 4 + full.length);
  return hkdfExpand(hash, secret, info, length);
}

/** Write key and IV of one direction, from its TLS 1.3 traffic secret (§7.3). */
export function tls13TrafficKeys(suite: Suite, secret: Uint8Array): { key: Uint8Array; iv: Uint8Array } {
  return {
    key: hkdfExpandLabel(suite.hash, secret, 'key', new Uint8Array(0), suite.keyLen),
    iv: hkdfExpandLabel(suite.hash, secret, 'iv', new Uint8Array(0), 12),
  };
}

/** The next application traffic secret after a KeyUpdate (§7.2). */
export function tls13NextSecret(suite: Suite, secret: Uint8Array): Uint8Array {
  return hkdfExpandLabel(suite.hash, secret, 'traffic upd', new Uint8Array(0), hashLen(suite.hash));
}

/** RFC 5246 §5 P_hash; PRF(secret, label, seed) = P_hash(secret, label + seed). */
export function tls12Prf(hash: HashName, secret: Uint8Array, label: string, seed: Uint8Array, length: number): Uint8Array {
  const ls = new Uint8Array([...new TextEncoder().encode(label), ...seed]);
  const out = new Uint8Array(length);
  let a: Uint8Array = ls;
  let pos = 0;
  while (pos < length) {
    a = new Uint8Array(createHmac(hash, secret).update(a).digest());
    const p = new Uint8Array(createHmac(hash, secret).update(a).update(ls).digest());
    out.set(p.subarray(0, Math.min(p.length, length - pos)), pos);
    pos += p.length;
  }
  return out;
}

export type DirKeys = { readonly key: Uint8Array; readonly iv: Uint8Array; readonly macKey: Uint8Array };

/** TLS 1.2 key block (§6.3) split into the client's and the server's write keys. */
export function tls12Keys(suite: Suite, master: Uint8Array, clientRandom: Uint8Array, serverRandom: Uint8Array): { c2s: DirKeys; s2c: DirKeys } {
  const macLen = suite.cipher === 'aes-cbc' ? hashLen(suite.mac ?? 'sha1') : 0;
  // AEAD: the implicit part of the nonce (GCM: 4-byte salt; ChaCha20: the 12-byte IV). CBC: no
  // implicit IV in TLS 1.1+ (each record carries its own).
  const ivLen = suite.cipher === 'aes-gcm' ? 4 : suite.cipher === 'chacha20-poly1305' ? 12 : 0;
  const seed = new Uint8Array([...serverRandom, ...clientRandom]);
  const kb = tls12Prf(suite.hash, master, 'key expansion', seed, 2 * (macLen + suite.keyLen + ivLen));
  let p = 0;
  const take = (n: number) => kb.slice(p, (p += n));
  const cMac = take(macLen);
  const sMac = take(macLen);
  const cKey = take(suite.keyLen);
  const sKey = take(suite.keyLen);
  const cIv = take(ivLen);
  const sIv = take(ivLen);
  return { c2s: { key: cKey, iv: cIv, macKey: cMac }, s2c: { key: sKey, iv: sIv, macKey: sMac } };
}

const TAG = 16;

function seqBytes(seq: bigint): Uint8Array {
  const b = new Uint8Array(8);
  new DataView(b.buffer).setBigUint64(0, seq);
  return b;
}

/** The per-record nonce: the IV XOR the 64-bit sequence number, left-padded (RFC 8446 §5.3). */
export function xorNonce(iv: Uint8Array, seq: bigint): Uint8Array {
  const n = Uint8Array.from(iv);
  const s = seqBytes(seq);
  for (let i = 0; i < 8; i++) n[n.length - 8 + i]! ^= s[i]!;
  return n;
}

function aeadOpen(kind: 'aes-gcm' | 'chacha20-poly1305', key: Uint8Array, nonce: Uint8Array, aad: Uint8Array, sealed: Uint8Array): Uint8Array | null {
  if (sealed.length < TAG) return null;
  const algo = kind === 'chacha20-poly1305' ? 'chacha20-poly1305' : key.length === 32 ? 'aes-256-gcm' : 'aes-128-gcm';
  try {
    const d = createDecipheriv(algo, key, nonce, { authTagLength: TAG } as never) as ReturnType<typeof createDecipheriv> & {
      setAAD(b: Uint8Array, o?: unknown): void;
      setAuthTag(b: Uint8Array): void;
    };
    d.setAAD(aad, { plaintextLength: sealed.length - TAG });
    d.setAuthTag(sealed.subarray(sealed.length - TAG));
    const a = d.update(sealed.subarray(0, sealed.length - TAG));
    const b = d.final();
    return b.length === 0 ? new Uint8Array(a.buffer, a.byteOffset, a.length) : new Uint8Array(Buffer.concat([a, b]));
  } catch {
    return null; // wrong key or sequence number, or a damaged record
  }
}

/** For tests and the interop tooling: seal as aeadOpen opens. */
export function aeadSeal(kind: 'aes-gcm' | 'chacha20-poly1305', key: Uint8Array, nonce: Uint8Array, aad: Uint8Array, plain: Uint8Array): Uint8Array {
  const algo = kind === 'chacha20-poly1305' ? 'chacha20-poly1305' : key.length === 32 ? 'aes-256-gcm' : 'aes-128-gcm';
  const c = createCipheriv(algo, key, nonce, { authTagLength: TAG } as never) as ReturnType<typeof createCipheriv> & {
    setAAD(b: Uint8Array, o?: unknown): void;
    getAuthTag(): Buffer;
  };
  c.setAAD(aad, { plaintextLength: plain.length });
  return new Uint8Array(Buffer.concat([c.update(plain), c.final(), c.getAuthTag()]));
}

/** A TLS 1.3 record (opaque type 23): the inner plaintext's content and real type, or null. */
export function open13(suite: Suite, k: { key: Uint8Array; iv: Uint8Array }, seq: bigint, header: Uint8Array, body: Uint8Array): { type: number; data: Uint8Array } | null {
  if (suite.cipher === 'aes-cbc') return null;
  const inner = aeadOpen(suite.cipher, k.key, xorNonce(k.iv, seq), header, body);
  if (inner === null) return null;
  let end = inner.length;
  while (end > 0 && inner[end - 1] === 0) end--; // padding (§5.4)
  if (end === 0) return null;
  return { type: inner[end - 1]!, data: inner.subarray(0, end - 1) };
}

/** A TLS 1.2 record of `type` (header version `version`): its plaintext, or null. */
export function open12(suite: Suite, k: DirKeys, seq: bigint, type: number, version: number, body: Uint8Array, encryptThenMac: boolean): Uint8Array | null {
  const aad = (len: number) => {
    const a = new Uint8Array(13);
    a.set(seqBytes(seq));
    a[8] = type;
    a[9] = version >> 8;
    a[10] = version & 0xff;
    a[11] = len >> 8;
    a[12] = len & 0xff;
    return a;
  };
  if (suite.cipher === 'aes-gcm') {
    if (body.length < 8 + TAG) return null;
    const nonce = new Uint8Array(12);
    nonce.set(k.iv.subarray(0, 4));
    nonce.set(body.subarray(0, 8), 4);
    return aeadOpen('aes-gcm', k.key, nonce, aad(body.length - 8 - TAG), body.subarray(8));
  }
  if (suite.cipher === 'chacha20-poly1305') {
    if (body.length < TAG) return null;
    return aeadOpen('chacha20-poly1305', k.key, xorNonce(k.iv, seq), aad(body.length - TAG), body);
  }
  // CBC (TLS 1.1+: explicit IV). The MAC is not checked: a wrong key shows as bad padding, and
  // the RTMP decoder downstream checks the rest.
  const macLen = hashLen(suite.mac ?? 'sha1');
  const ct = encryptThenMac ? body.subarray(0, Math.max(0, body.length - macLen)) : body;
  if (ct.length < 32 || ct.length % 16 !== 0) return null;
  try {
    const d = createDecipheriv(k.key.length === 32 ? 'aes-256-cbc' : 'aes-128-cbc', k.key, ct.subarray(0, 16));
    d.setAutoPadding(false);
    const p = new Uint8Array(Buffer.concat([d.update(ct.subarray(16)), d.final()]));
    const pad = p[p.length - 1]!;
    if (pad + 1 > p.length) return null;
    for (let i = p.length - 1 - pad; i < p.length; i++) if (p[i] !== pad) return null;
    const end = p.length - 1 - pad - (encryptThenMac ? 0 : macLen);
    return end < 0 ? null : p.subarray(0, end);
  } catch {
    return null;
  }
}
