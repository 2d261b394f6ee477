/**
 * E-RTMP negotiation held against the media: what the receiving side of a media message declared
 * it handles. E-RTMP v2 ("Enhancing NetConnection connect Command"): the client's connect declares
 * the codecs it supports in `fourCcList` (the wildcard "*" for recorders and forwarders) or, as
 * RECOMMENDED going forward, in `videoFourCcInfoMap`/`audioFourCcInfoMap` with FourCcInfoMask flags
 * (CanDecode 0x01, CanEncode 0x02, CanForward 0x04; a "*" key overrides every other key), and its
 * extended capabilities in `capsEx` (Reconnect 0x01, Multitrack 0x02, ModEx 0x04,
 * TimestampNanoOffset 0x08). The server SHOULD state its own support in its `_result`.
 *
 * Pure functions over the connect fields; the session decides what to report.
 */
import type { CommandFields } from '../rtmp/commands.js';
import type { MediaInfo } from '../rtmp/messages.js';

export const FOURCC_CAN_DECODE = 0x01;
export const FOURCC_CAN_ENCODE = 0x02;
export const FOURCC_CAN_FORWARD = 0x04;

export const CAPS_EX_RECONNECT = 0x01;
export const CAPS_EX_MULTITRACK = 0x02;
export const CAPS_EX_MODEX = 0x04;
export const CAPS_EX_NANO_OFFSET = 0x08;

/** What a client's connect declared, as far as the checks need it. */
export type Declared = {
  readonly fourCcList: readonly string[] | null;
  readonly videoMap: Readonly<Record<string, number>> | null;
  readonly audioMap: Readonly<Record<string, number>> | null;
  readonly capsEx: number | null;
};

function list(v: unknown): string[] | null {
  return Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string').slice(0, 64) : null;
}

function numberMap(v: unknown): Record<string, number> | null {
  if (v === null || typeof v !== 'object' || Array.isArray(v)) return null;
  const out: Record<string, number> = {};
  let n = 0;
  for (const [k, x] of Object.entries(v as Record<string, unknown>)) {
    if (n++ >= 64) break;
    if (k !== '__proto__' && typeof x === 'number') out[k] = x;
  }
  return out;
}

export function declaredBy(c: CommandFields): Declared {
  return { fourCcList: list(c.fourCcList), videoMap: numberMap(c.videoFourCcInfoMap), audioMap: numberMap(c.audioFourCcInfoMap), capsEx: c.capsEx ?? null };
}

/** Whether the client declared it handles FourCC `f` as a publisher (`encode`) or as a player. */
export function fourCcDeclared(d: Declared, f: string, kind: 'video' | 'audio', role: 'encode' | 'decode'): boolean {
  if (d.fourCcList !== null && (d.fourCcList.includes(f) || d.fourCcList.includes('*'))) return true;
  const map = kind === 'video' ? d.videoMap : d.audioMap;
  if (map === null) return false;
  const flags = map['*'] ?? map[f];
  if (flags === undefined) return false;
  const need = (role === 'encode' ? FOURCC_CAN_ENCODE : FOURCC_CAN_DECODE) | FOURCC_CAN_FORWARD;
  return (flags & need) !== 0;
}

/** The capsEx capabilities a media message relies on: Multitrack, ModEx, TimestampNanoOffset. */
export function capabilitiesUsed(m: MediaInfo): { readonly bit: number; readonly name: string }[] {
  const out: { bit: number; name: string }[] = [];
  if (m.multitrack !== undefined) out.push({ bit: CAPS_EX_MULTITRACK, name: 'Multitrack' });
  if (m.modEx !== undefined && m.modEx.length > 0) {
    out.push({ bit: CAPS_EX_MODEX, name: 'ModEx' });
    if (m.modEx.some((x) => x.typeName === 'timestamp-offset-nano')) out.push({ bit: CAPS_EX_NANO_OFFSET, name: 'TimestampNanoOffset' });
  }
  return out;
}

/**
 * The tcUrl of a Reconnect Request resolved against the connection's own tcUrl (E-RTMP v2: it may
 * be absolute or relative); null when either is unusable.
 */
export function resolveTcUrl(tcUrl: string, base: string | undefined): string | null {
  try {
    return new URL(tcUrl, base).href;
  } catch {
    return null;
  }
}

/** A property of a plain AMF object (undefined for anything else). */
export function prop(v: unknown, key: string): unknown {
  return v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>)[key] : undefined;
}
