/**
 * The RTMFP startup chunks (RFC 7016 §2.3.2-§2.3.7) with the Flash profile's endpoint
 * discriminators, certificates and session key components (RFC 7425 §4.2-§4.6): what a capture
 * shows without any key, since the startup packets use the well-known default key.
 *
 * Contract: pure; never throws; every field decoded from a chunk payload is bounded by it. Text
 * from the wire (URLs, host names) is decoded leniently and kept short; byte strings become hex
 * prefixes.
 */
import { createHash } from 'node:crypto';
import { u32 } from '../core/byte-reader.js';
import { hex, hexU32, readOptions, readVlu, type RtmfpOption } from './wire.js';
import type { Certificate, Epd, KeyComponent, Negotiation } from '../records/index.js';

/** Longest text kept from a startup chunk (URLs, host names). */
const MAX_TEXT = 512;
const utf8 = new TextDecoder('utf-8', { fatal: false });

function text(b: Uint8Array): string {
  return utf8.decode(b.subarray(0, MAX_TEXT));
}

export function decodeEpd(b: Uint8Array): Epd {
  const { options } = readOptions(b, 0, b.length, 16);
  const out: { url?: string; fingerprint?: string; hostname?: string } = {};
  for (const o of options) {
    if (o.type === 0x0a) out.url = text(o.value);
    else if (o.type === 0x0f) out.fingerprint = hex(o.value, 64);
    else if (o.type === 0x00) out.hostname = text(o.value);
  }
  return out;
}

const MAX_GROUPS = 16;

export function decodeCertificate(b: Uint8Array): Certificate {
  const r = readOptions(b, 0, b.length, 64);
  const canonical = b.subarray(0, r.marker ? r.next : b.length);
  const dhGroups: number[] = [];
  const staticDhGroups: number[] = [];
  let hostname: string | undefined;
  let acceptsAncillaryData = false;
  let extraRandomness = false;
  for (const o of r.options) {
    if (o.type === 0x00) hostname = text(o.value);
    else if (o.type === 0x0a) acceptsAncillaryData = true;
    else if (o.type === 0x0e) extraRandomness = true;
    else if (o.type === 0x15 || o.type === 0x1d) {
      const g = readVlu(o.value, 0, o.value.length);
      const list = o.type === 0x15 ? dhGroups : staticDhGroups;
      if (g !== null && list.length < MAX_GROUPS) list.push(g.value);
    }
  }
  return {
    length: b.length,
    fingerprint: createHash('sha256').update(canonical).digest('hex'),
    ...(hostname === undefined ? {} : { hostname }),
    acceptsAncillaryData,
    dhGroups,
    staticDhGroups,
    extraRandomness,
  };
}

function negotiation(o: RtmfpOption | undefined, withLength: boolean): Negotiation | null {
  if (o === undefined || o.value.length === 0) return null;
  const f = o.value[0]!;
  const len = withLength ? readVlu(o.value, 1, o.value.length) : null;
  return { flags: f, sendAlways: (f & 0x04) !== 0, sendOnRequest: (f & 0x02) !== 0, request: (f & 0x01) !== 0, ...(len === null ? {} : { length: len.value }) };
}

export function decodeKeyComponent(b: Uint8Array): KeyComponent {
  const { options } = readOptions(b, 0, b.length, 64);
  let dhGroup: number | null = null;
  let dhPublicKeyBytes: number | null = null;
  for (const o of options) {
    if (o.type !== 0x0d && o.type !== 0x1d) continue;
    const g = readVlu(o.value, 0, o.value.length);
    if (g === null) continue;
    dhGroup = g.value;
    if (o.type === 0x0d) dhPublicKeyBytes = o.value.length - g.next;
  }
  return {
    length: b.length,
    dhGroup,
    dhPublicKeyBytes,
    hmac: negotiation(
      options.find((o) => o.type === 0x1a),
      true,
    ),
    sseq: negotiation(
      options.find((o) => o.type === 0x1e),
      false,
    ),
  };
}

export type IHello = { readonly kind: 'IHello'; readonly epd: Epd; readonly epdLength: number; readonly tag: string };
export type RHello = { readonly kind: 'RHello'; readonly tag: string; readonly cookie: string; readonly cookieLength: number; readonly certificate: Certificate };
export type IIKeying = {
  readonly kind: 'IIKeying';
  /** The session id the initiator chose (packets to it carry it), as on the wire. */
  readonly sessionId: string;
  readonly cookie: string;
  readonly certificate: Certificate;
  readonly keyComponent: KeyComponent;
  readonly signatureLength: number;
};
export type RIKeying = {
  readonly kind: 'RIKeying';
  /** The session id the responder chose. */
  readonly sessionId: string;
  readonly keyComponent: KeyComponent;
  readonly signatureLength: number;
};
export type StartupChunk = IHello | RHello | IIKeying | RIKeying;

/** A length-prefixed field (VLU length) inside [p, end), or null when it overruns. */
function field(b: Uint8Array, p: number, end: number): { value: Uint8Array; next: number } | null {
  const len = readVlu(b, p, end);
  if (len === null || len.next + len.value > end) return null;
  return { value: b.subarray(len.next, len.next + len.value), next: len.next + len.value };
}

/** Decode an IHello, RHello, IIKeying or RIKeying payload; null when its framing is broken. */
export function decodeStartupChunk(type: number, b: Uint8Array): StartupChunk | null {
  const end = b.length;
  switch (type) {
    case 0x30: {
      const epd = field(b, 0, end);
      if (epd === null) return null;
      return { kind: 'IHello', epd: decodeEpd(epd.value), epdLength: epd.value.length, tag: hex(b.subarray(epd.next), 64) };
    }
    case 0x70: {
      const tag = field(b, 0, end);
      const cookie = tag === null ? null : field(b, tag.next, end);
      if (tag === null || cookie === null) return null;
      return { kind: 'RHello', tag: hex(tag.value, 64), cookie: hex(cookie.value, 64), cookieLength: cookie.value.length, certificate: decodeCertificate(b.subarray(cookie.next)) };
    }
    case 0x38: {
      if (end < 4) return null;
      const cookie = field(b, 4, end);
      const cert = cookie === null ? null : field(b, cookie.next, end);
      const skic = cert === null ? null : field(b, cert.next, end);
      if (cookie === null || cert === null || skic === null) return null;
      return {
        kind: 'IIKeying',
        sessionId: hexU32(u32(b, 0)),
        cookie: hex(cookie.value, 64),
        certificate: decodeCertificate(cert.value),
        keyComponent: decodeKeyComponent(skic.value),
        signatureLength: end - skic.next,
      };
    }
    case 0x78: {
      if (end < 4) return null;
      const skrc = field(b, 4, end);
      if (skrc === null) return null;
      return { kind: 'RIKeying', sessionId: hexU32(u32(b, 0)), keyComponent: decodeKeyComponent(skrc.value), signatureLength: end - skrc.next };
    }
    default:
      return null;
  }
}

/** Whether a direction uses HMAC / sequence numbers, from both ends' offers (RFC 7425 §4.6.4-5). */
export function negotiated(sender: Negotiation | null, receiver: Negotiation | null): boolean {
  return (sender?.sendAlways ?? false) || (receiver?.request ?? false);
}
