/**
 * E-RTMP FourCC codec identifiers: the big-endian 4-byte codes that follow an ExHeader, and the
 * same codes as UI32 numbers in onMetaData's videocodecid/audiocodecid.
 *
 * Contract: pure lookups, no allocation beyond the returned strings. A FourCC is reported as text
 * with every byte outside printable ASCII replaced by '.', so it is always safe to print and to put
 * in JSON; `hex` keeps the exact bytes. Known codes map to a short codec name ('avc', 'opus', ...).
 *
 * Sources: E-RTMP v2 (veovera/enhanced-rtmp, v2-2025-01-21-b2) VideoFourCc = vp08 vp09 av01 avc1
 * hvc1, AudioFourCc = ac-3 ec-3 Opus .mp3 fLaC mp4a. `vvc1` (H.266) is NOT in that spec text; it is
 * what FFmpeg and Red5 use for VVC in enhanced FLV, and we accept it as a known code.
 */

/** Video FourCC → codec name. */
export const VIDEO_FOURCCS: ReadonlyMap<string, VideoFourCcCodec> = new Map([
  ['avc1', 'avc'],
  ['hvc1', 'hevc'],
  ['av01', 'av1'],
  ['vp08', 'vp8'],
  ['vp09', 'vp9'],
  ['vvc1', 'vvc'],
] as const);

/** Audio FourCC → codec name. */
export const AUDIO_FOURCCS: ReadonlyMap<string, AudioFourCcCodec> = new Map([
  ['mp4a', 'aac'],
  ['Opus', 'opus'],
  ['fLaC', 'flac'],
  ['ac-3', 'ac3'],
  ['ec-3', 'eac3'],
  ['.mp3', 'mp3'],
] as const);

export type VideoFourCcCodec = 'avc' | 'hevc' | 'av1' | 'vp8' | 'vp9' | 'vvc';
export type AudioFourCcCodec = 'aac' | 'opus' | 'flac' | 'ac3' | 'eac3' | 'mp3';

/**
 * Video FourCCs whose CodedFrames packets start with an SI24 composition time offset (E-RTMP v2:
 * avc1 and hvc1; vvc1 by analogy, as FFmpeg does). CodedFramesX never carries one.
 */
export const FOURCCS_WITH_COMPOSITION_TIME: ReadonlySet<string> = new Set(['avc1', 'hvc1', 'vvc1']);

/** A FourCC as read from the wire. */
export type FourCcRead = {
  /** Printable text (non-printable bytes shown as '.'). */
  readonly text: string;
  /** The 4 bytes as 8 lower-case hex digits. */
  readonly hex: string;
  /** True when all 4 bytes are printable ASCII (so `text` is exact). */
  readonly exact: boolean;
};

function isPrintable(b: number): boolean {
  return b >= 0x20 && b <= 0x7e;
}

function printable(b: number): string {
  return isPrintable(b) ? String.fromCharCode(b) : '.';
}

function hex2(b: number): string {
  return (b < 16 ? '0' : '') + b.toString(16);
}

/** Known FourCCs by UI32 value, so the common case allocates nothing. */
const KNOWN_BY_VALUE: ReadonlyMap<number, FourCcRead> = new Map([...VIDEO_FOURCCS.keys(), ...AUDIO_FOURCCS.keys()].map((text) => [fourCcToNumber(text), { text, hex: fourCcToNumber(text).toString(16).padStart(8, '0'), exact: true }]));

/** Reads the FourCC at `pos`; the caller has checked that 4 bytes are there. */
export function fourCcAt(p: Uint8Array, pos: number): FourCcRead {
  const a = p[pos] ?? 0;
  const b = p[pos + 1] ?? 0;
  const c = p[pos + 2] ?? 0;
  const d = p[pos + 3] ?? 0;
  const known = KNOWN_BY_VALUE.get(((a << 24) | (b << 16) | (c << 8) | d) >>> 0);
  if (known !== undefined) return known;
  return {
    text: printable(a) + printable(b) + printable(c) + printable(d),
    hex: hex2(a) + hex2(b) + hex2(c) + hex2(d),
    exact: isPrintable(a) && isPrintable(b) && isPrintable(c) && isPrintable(d),
  };
}

/**
 * A FourCC given as a UI32 number (onMetaData videocodecid/audiocodecid in E-RTMP), or
 * undefined when `n` is not an integer in 0..2^32-1.
 */
export function fourCcFromNumber(n: number): FourCcRead | undefined {
  if (!Number.isInteger(n) || n < 0 || n > 0xffffffff) return undefined;
  const bytes = new Uint8Array([(n >>> 24) & 0xff, (n >>> 16) & 0xff, (n >>> 8) & 0xff, n & 0xff]);
  return fourCcAt(bytes, 0);
}

/** The UI32 value of a 4-character FourCC (as onMetaData carries it). */
export function fourCcToNumber(text: string): number {
  let v = 0;
  for (let i = 0; i < 4; i++) v = v * 256 + (text.charCodeAt(i) & 0xff);
  return v;
}
