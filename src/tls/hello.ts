/**
 * ClientHello and ServerHello bodies (RFC 8446 §4.1.2, §4.1.3; RFC 5246 §7.4.1) and the
 * extensions rtmpscope reports: server_name (RFC 6066 §3), ALPN (RFC 7301), supported_versions
 * (RFC 8446 §4.2.1), encrypt_then_mac (RFC 7366). Pure; a body that does not parse gives null.
 * Names from the wire are made printable here (non-ASCII bytes become `\xNN`) and capped.
 */
import { ByteReader } from '../core/byte-reader.js';
import { hexBytes } from '../core/hex.js';

export type ClientHello = {
  readonly legacyVersion: number;
  readonly random: Uint8Array;
  readonly sni: string | null;
  readonly cipherSuites: readonly number[];
  /** supported_versions, GREASE left out; empty when the extension is absent. */
  readonly versions: readonly number[];
  readonly alpn: readonly string[];
};

export type ServerHello = {
  readonly legacyVersion: number;
  readonly random: Uint8Array;
  readonly cipherSuite: number;
  /** supported_versions when present (TLS 1.3), else the legacy version. */
  readonly version: number;
  readonly alpn: string | null;
  readonly encryptThenMac: boolean;
  /** A HelloRetryRequest (a ServerHello with the special random, §4.1.3). */
  readonly retry: boolean;
};

const HRR_RANDOM = 'cf21ad74e59a6111be1d8c021e65b891c2a211167abb8c5e079e09e2c8a8339c';
const MAX_NAME = 255;

/** GREASE values (RFC 8701) are 0x?a?a with equal bytes. */
export const isGrease = (v: number): boolean => (v & 0x0f0f) === 0x0a0a && v >> 8 === (v & 0xff);

export function versionName(v: number): string {
  if (v === 0x0300) return 'SSL 3.0';
  if (v >= 0x0301 && v <= 0x0304) return `TLS 1.${v - 0x0301}`;
  return `0x${v.toString(16).padStart(4, '0')}`;
}

export function printable(b: Uint8Array): string {
  let s = '';
  for (let i = 0; i < b.length && i < MAX_NAME; i++) {
    const c = b[i]!;
    s += c >= 0x20 && c < 0x7f && c !== 0x5c ? String.fromCharCode(c) : `\\x${c.toString(16).padStart(2, '0')}`;
  }
  return b.length > MAX_NAME ? `${s}…` : s;
}

function extensions(r: ByteReader, each: (type: number, body: ByteReader) => void): boolean {
  if (r.left === 0) return true; // no extensions (allowed before TLS 1.3)
  const all = r.sub(r.u16());
  while (all.left > 0 && !all.bad) {
    const type = all.u16();
    const body = all.sub(all.u16());
    if (all.bad) break;
    each(type, body);
  }
  return !all.bad && !r.bad;
}

function alpnList(body: ByteReader): string[] {
  const out: string[] = [];
  const list = body.sub(body.u16());
  while (list.left > 0 && !list.bad && out.length < 16) out.push(printable(list.bytes(list.u8())));
  return out;
}

export function decodeClientHello(body: Uint8Array): ClientHello | null {
  const r = new ByteReader(body);
  const legacyVersion = r.u16();
  const random = r.bytes(32);
  r.bytes(r.u8()); // legacy_session_id
  const cs = r.sub(r.u16());
  const cipherSuites: number[] = [];
  while (cs.left >= 2) cipherSuites.push(cs.u16());
  r.bytes(r.u8()); // compression methods
  if (r.bad) return null;
  let sni: string | null = null;
  const versions: number[] = [];
  let alpn: string[] = [];
  const ok = extensions(r, (type, e) => {
    if (type === 0) {
      const list = e.sub(e.u16());
      while (list.left > 0 && !list.bad) {
        const kind = list.u8();
        const name = list.bytes(list.u16());
        if (kind === 0 && sni === null && !list.bad) sni = printable(name);
      }
    } else if (type === 16) {
      alpn = alpnList(e);
    } else if (type === 43) {
      const list = e.sub(e.u8());
      while (list.left >= 2) {
        const v = list.u16();
        if (!isGrease(v)) versions.push(v);
      }
    }
  });
  if (!ok) return null;
  return { legacyVersion, random: Uint8Array.from(random), sni, cipherSuites: cipherSuites.filter((c) => !isGrease(c)), versions, alpn };
}

export function decodeServerHello(body: Uint8Array): ServerHello | null {
  const r = new ByteReader(body);
  const legacyVersion = r.u16();
  const random = Uint8Array.from(r.bytes(32));
  r.bytes(r.u8());
  const cipherSuite = r.u16();
  r.u8();
  if (r.bad) return null;
  let version = legacyVersion;
  let alpn: string | null = null;
  let encryptThenMac = false;
  const ok = extensions(r, (type, e) => {
    if (type === 43 && e.left === 2) version = e.u16();
    else if (type === 16) alpn = alpnList(e)[0] ?? null;
    else if (type === 22) encryptThenMac = true;
  });
  if (!ok) return null;
  return { legacyVersion, random, cipherSuite, version, alpn, encryptThenMac, retry: hexBytes(random) === HRR_RANDOM };
}

/** EncryptedExtensions (TLS 1.3, §4.3.1): the server's ALPN choice, if any. */
export function decodeEncryptedExtensionsAlpn(body: Uint8Array): string | null {
  let alpn: string | null = null;
  extensions(new ByteReader(body), (type, e) => {
    if (type === 16) alpn = alpnList(e)[0] ?? null;
  });
  return alpn;
}
