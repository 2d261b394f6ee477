/**
 * The parts of the E-RTMP v2 ExHeader that audio and video share: the ModEx chain and the
 * multitrack track list (veovera/enhanced-rtmp, docs/enhanced/enhanced-rtmp-v2.md, "Enhanced
 * Audio" / "Enhanced Video", v2-2025-01-21-b2).
 *
 * Contract: pure functions over a payload and a byte position; every read is bounds-checked
 * against `p.length`; nothing throws. Shortfalls append a problem code and return what was read.
 * Results hold numbers, strings and byte ranges only (ModEx data as capped hex), so they go into
 * JSON unchanged. Lists are capped (MAX_MODEX, MAX_TRACKS) so a hostile message cannot make us
 * allocate per byte.
 *
 * Wire order, after the first byte's low nibble gave a packet type:
 *   while packetType == ModEx(7):  size = UI8 + 1; if size == 256: size = UI16 + 1
 *                                  data = UI8[size]
 *                                  b = UI8: modExType = b >> 4, packetType = b & 15
 *   if packetType == Multitrack:   b = UI8: multitrackType = b >> 4, packetType = b & 15
 *                                  FourCC unless multitrackType == ManyTracksManyCodecs
 *   else:                          FourCC
 *   tracks (multitrack only):      [FourCC if ManyTracksManyCodecs] trackId UI8
 *                                  [sizeOfTrack UI24 unless OneTrack] then the track body;
 *                                  OneTrack's body runs to the end of the message.
 */
import { fourCcAt, type FourCcRead } from './fourcc.js';
import { addProblem, type MediaProblemCode } from './problems.js';
import { u16, u24 } from '../core/byte-reader.js';
import { hexBytes } from '../core/hex.js';

export type MediaKind = 'audio' | 'video';

/**
 * What a media message carries, normalised across legacy and E-RTMP forms:
 * - config: a decoder configuration (AVC/HEVC sequence header, AAC AudioSpecificConfig,
 *   SequenceStart, MPEG2TSSequenceStart); decode the body with src/media/config.ts
 * - frames: coded media (NALU, raw AAC, CodedFrames(X), any legacy non-AVC codec)
 * - end: end of sequence
 * - metadata: E-RTMP video Metadata, an AMF0 body ("colorInfo") for the caller to decode
 * - command: a video command frame (start/end of client-side seek), no media
 * - multichannel-config: E-RTMP audio MultichannelConfig, decoded into `multichannel`
 * - silence: a zero-length audio message (E-RTMP v2: "audio silence")
 * - unknown: reserved packet type, unknown codec, or the header was cut short
 */
export type MediaContent = 'config' | 'frames' | 'end' | 'metadata' | 'command' | 'multichannel-config' | 'silence' | 'unknown';

/** Compile-time check that a key list names every key of a type: `KeysComplete<T, typeof KEYS>`. */
export type KeysComplete<T, K extends readonly (keyof T)[]> = [Exclude<keyof T, K[number]>] extends [never] ? K : never;

/** Problem suffixes that exist for both media kinds. */
type SharedProblem = 'truncated' | 'unknown-packet-type' | 'unknown-fourcc' | 'unknown-modex-type' | 'bad-nano-offset' | 'too-many-modex' | 'unknown-multitrack-type' | 'bad-multitrack-packet-type' | 'track-overrun' | 'too-many-tracks' | 'duplicate-track-id';

export function problemCode(media: MediaKind, p: SharedProblem): MediaProblemCode {
  const code: `media.${MediaKind}.${SharedProblem}` = `media.${media}.${p}`;
  return code;
}

/** ModEx entries recorded per message; later ones are parsed and skipped. */
export const MAX_MODEX = 16;
/** Tracks recorded per message (track ids are UI8, so more than 256 means duplicates). */
export const MAX_TRACKS = 256;
/** ModEx data bytes kept as hex. */
export const MODEX_HEX_CAP = 32;

/** Packet type value that introduces a ModEx entry, for audio and video alike. */
export const PACKET_TYPE_MODEX = 7;

export type ModExTypeName = 'timestamp-offset-nano' | 'reserved';

/** One ModEx entry. */
export type ModEx = {
  /** The 4-bit ModEx type (0 = TimestampOffsetNano). */
  readonly type: number;
  readonly typeName: ModExTypeName;
  /** TimestampOffsetNano: UI24 nanoseconds from the first 3 data bytes (spec range 0..999,999). */
  readonly nanoOffset?: number;
  /** Size of the data in bytes (1..65536). */
  readonly dataLength: number;
  /** The data as hex, at most MODEX_HEX_CAP bytes of it. */
  readonly dataHex: string;
};

export type ModExChain = {
  /** Position after the chain (the byte after the last ModEx type/packet-type byte). */
  readonly pos: number;
  /** The packet type the chain ends with, or undefined when the message ended inside it. */
  readonly packetType: number | undefined;
  readonly entries: readonly ModEx[];
};

/**
 * Reads the ModEx chain starting at `pos` (just after the byte whose packet type was ModEx).
 * Spec: E-RTMP v2 ExAudioTagHeader / ExVideoTagHeader, "Process each ModEx data packet".
 */
export function readModExChain(p: Uint8Array, pos: number, media: MediaKind, problems: MediaProblemCode[]): ModExChain {
  const entries: ModEx[] = [];
  const n = p.length;
  let packetType = PACKET_TYPE_MODEX;
  while (packetType === PACKET_TYPE_MODEX) {
    if (pos >= n) return truncatedChain(pos, entries, media, problems);
    let size = (p[pos] ?? 0) + 1;
    pos += 1;
    if (size === 256) {
      if (pos + 2 > n) return truncatedChain(pos, entries, media, problems);
      size = u16(p, pos) + 1;
      pos += 2;
    }
    if (pos + size + 1 > n) return truncatedChain(pos, entries, media, problems);
    const dataStart = pos;
    pos += size;
    const b = p[pos] ?? 0;
    pos += 1;
    const type = b >> 4;
    packetType = b & 0x0f;
    let nanoOffset: number | undefined;
    if (type === 0) {
      if (size < 3) {
        addProblem(problems, problemCode(media, 'bad-nano-offset'));
      } else {
        nanoOffset = u24(p, dataStart);
        if (nanoOffset > 999_999) addProblem(problems, problemCode(media, 'bad-nano-offset'));
      }
    } else {
      addProblem(problems, problemCode(media, 'unknown-modex-type'));
    }
    if (entries.length >= MAX_MODEX) {
      addProblem(problems, problemCode(media, 'too-many-modex'));
      continue;
    }
    const dataHex = hexBytes(p, dataStart, dataStart + Math.min(size, MODEX_HEX_CAP));
    entries.push(nanoOffset === undefined ? { type, typeName: type === 0 ? 'timestamp-offset-nano' : 'reserved', dataLength: size, dataHex } : { type, typeName: 'timestamp-offset-nano', nanoOffset, dataLength: size, dataHex });
  }
  return { pos, packetType, entries };
}

/**
 * The TimestampOffsetNano a ModEx chain applies to its message (E-RTMP v2: nanoseconds added to
 * the message's RTMP timestamp for sub-millisecond timing; it applies to the current message only
 * and leaves the RTMP timestamp itself unchanged): the first entry with an offset in the spec's
 * range 0..999,999, or undefined when there is none. Out-of-range offsets are not applied (they
 * were reported as `bad-nano-offset`).
 */
export function timestampOffsetNano(modEx: readonly ModEx[] | undefined): number | undefined {
  if (modEx === undefined) return undefined;
  for (const e of modEx) if (e.nanoOffset !== undefined && e.nanoOffset <= 999_999) return e.nanoOffset;
  return undefined;
}

function truncatedChain(pos: number, entries: ModEx[], media: MediaKind, problems: MediaProblemCode[]): ModExChain {
  addProblem(problems, problemCode(media, 'truncated'));
  return { pos, packetType: undefined, entries };
}

export type MultitrackTypeName = 'one-track' | 'many-tracks' | 'many-tracks-many-codecs' | 'reserved';

export function multitrackTypeName(t: number): MultitrackTypeName {
  return t === 0 ? 'one-track' : t === 1 ? 'many-tracks' : t === 2 ? 'many-tracks-many-codecs' : 'reserved';
}

/** A track located in a multitrack message, before its codec-specific fields are read. */
export type RawTrack = {
  readonly trackId: number;
  readonly fourCc: FourCcRead;
  /** First byte of the track body (after trackId and size). */
  readonly start: number;
  /** One past the last byte of the track body. */
  readonly end: number;
};

/**
 * Splits the track list that starts at `pos`. `shared` is the FourCC read from the multitrack
 * header (undefined for ManyTracksManyCodecs, where each track carries its own). The caller has
 * rejected reserved multitrack types.
 */
export function splitTracks(p: Uint8Array, pos: number, multitrackType: 0 | 1 | 2, shared: FourCcRead | undefined, media: MediaKind, problems: MediaProblemCode[]): RawTrack[] {
  const n = p.length;
  const tracks: RawTrack[] = [];
  const seen = [0, 0, 0, 0, 0, 0, 0, 0]; // 256-bit set of track ids
  const fallback: FourCcRead = { text: '....', hex: '00000000', exact: false };
  let short = false;
  while (pos < n) {
    let fourCc = shared ?? fallback;
    if (multitrackType === 2) {
      if (pos + 4 > n) {
        short = true;
        break;
      }
      fourCc = fourCcAt(p, pos);
      pos += 4;
    }
    if (pos >= n) {
      short = true;
      break;
    }
    const trackId = p[pos] ?? 0;
    pos += 1;
    let end = n;
    if (multitrackType !== 0) {
      if (pos + 3 > n) {
        short = true;
        break;
      }
      const size = u24(p, pos);
      pos += 3;
      end = pos + size;
      if (end > n) {
        addProblem(problems, problemCode(media, 'track-overrun'));
        end = n;
      }
    }
    const word = trackId >> 5;
    const bit = 1 << (trackId & 31);
    const w = seen[word] ?? 0;
    if ((w & bit) !== 0) addProblem(problems, problemCode(media, 'duplicate-track-id'));
    seen[word] = w | bit;
    if (tracks.length < MAX_TRACKS) tracks.push({ trackId, fourCc, start: pos, end });
    else addProblem(problems, problemCode(media, 'too-many-tracks'));
    pos = end;
    if (multitrackType === 0) break;
  }
  // A track header cut short, or a multitrack message without any track, is a shortfall.
  if (short || tracks.length === 0) addProblem(problems, problemCode(media, 'truncated'));
  return tracks;
}

/** `h` rebuilt with its keys in the documented order (stable JSON text); absent keys stay absent. */
export function inKeyOrder<T extends object>(h: T, keys: readonly (keyof T)[]): T {
  const o: Partial<T> = {};
  for (const k of keys) if (h[k] !== undefined) o[k] = h[k];
  return o as T;
}

/** A writable view of a readonly record type, for building results field by field. */
export type Mutable<T> = { -readonly [K in keyof T]: T[K] };

/** The header fields the ExHeader preamble sets, in audio and video headers alike. */
type PreambleFields<N extends string> = { modEx?: readonly ModEx[]; packetType?: number; packetTypeName?: N | 'mod-ex' | 'reserved'; bodyOffset: number };

/**
 * The start of an ExHeader, shared by audio and video: the first byte's packet type (`low`), then
 * any ModEx chain, whose entries go into `h.modEx`. Returns the position after the preamble and
 * the final packet type, with `h.packetType` and `h.packetTypeName` (from `names`) set; or null
 * when the chain was cut short (the header then says 'mod-ex' and the body starts where it ended).
 */
export function readExPreamble<N extends string>(p: Uint8Array, low: number, media: MediaKind, names: readonly (N | 'mod-ex' | 'reserved')[], h: PreambleFields<N>, problems: MediaProblemCode[]): { pos: number; packetType: number } | null {
  let pos = 1;
  let packetType: number | undefined = low;
  if (packetType === PACKET_TYPE_MODEX) {
    const chain = readModExChain(p, pos, media, problems);
    if (chain.entries.length > 0) h.modEx = chain.entries;
    pos = chain.pos;
    packetType = chain.packetType;
    if (packetType === undefined) {
      h.packetType = PACKET_TYPE_MODEX;
      h.packetTypeName = 'mod-ex';
      h.bodyOffset = pos;
      return null;
    }
  }
  h.packetType = packetType;
  h.packetTypeName = names[packetType] ?? 'reserved';
  return { pos, packetType };
}
