/**
 * The E-RTMP v2 Multitrack packet, for audio and video alike: the header byte (multitrack type,
 * inner packet type), the shared FourCC unless ManyTracksManyCodecs, then one record per track
 * (see splitTracks in ex-header.ts for the wire layout of the track list).
 *
 * Contract: like the rest of src/media, pure and total; every shortfall is a problem code named
 * through `problemCode(media, …)`, so audio reports `media.audio.*` and video `media.video.*`.
 * What differs between audio and video is passed in as a `MultitrackCodec`: the packet type
 * tables, the FourCC table, the key order of a track, and the codec-specific fields at the start
 * of each track body (audio: MultichannelConfig; video: SI24 composition time).
 */
import { type FourCcRead, fourCcAt } from './fourcc.js';
import { inKeyOrder, multitrackTypeName, PACKET_TYPE_MODEX, problemCode, splitTracks, type MediaContent, type MediaKind, type ModEx, type MultitrackTypeName, type Mutable } from './ex-header.js';
import { addProblem, type MediaProblemCode } from './problems.js';

/** The fields every multitrack track has; audio and video tracks add their own. */
export type MultitrackTrack = {
  readonly trackId: number;
  /** A codec name (AudioCodecName, VideoCodecName), or an unknown FourCC as its text. */
  readonly codec: string;
  readonly fourCc: string;
  /** Exact bytes of the FourCC, present only when the FourCC is not a known one. */
  readonly fourCcHex?: string;
  /** The track's media bytes (after trackId, size and the codec-specific fields). */
  readonly bodyOffset: number;
  readonly bodyLength: number;
};

/** The `multitrack` field of a header. */
export type Multitrack<T extends MultitrackTrack> = {
  /** AvMultitrackType: 0 OneTrack, 1 ManyTracks, 2 ManyTracksManyCodecs. */
  readonly type: number;
  readonly typeName: MultitrackTypeName;
  readonly tracks: readonly T[];
};

/**
 * The header fields audio and video share (AudioHeader and VideoHeader add their own): the
 * E-RTMP ExHeader, ModEx and Multitrack parts, and the span of the body.
 */
export type MediaHeader<T extends MultitrackTrack, N extends string> = {
  /** The E-RTMP ExHeader form (audio: soundFormat 9; video: bit 7 of byte 0). */
  readonly ex: boolean;
  /** The codec's name; an unknown FourCC as its text (see AudioHeader and VideoHeader for the rest). */
  readonly codec: string;
  /** E-RTMP FourCC text (for multitrack: the one shared by all tracks, if they agree). */
  readonly fourCc?: string;
  /** Exact bytes of the FourCC, present only when the FourCC is not a known one. */
  readonly fourCcHex?: string;
  /**
   * The effective packet type: the legacy one (AACPacketType; AVC/HEVC/AV1 packet type), or the
   * E-RTMP one after the ModEx chain and, for multitrack messages, the one inside the Multitrack
   * header (shared by all tracks; `multitrack` tells that the wire said Multitrack).
   */
  readonly packetType?: number;
  readonly packetTypeName?: N;
  /** What the body holds, the same vocabulary for legacy and E-RTMP. */
  readonly content: MediaContent;
  /** E-RTMP ModEx entries, in wire order (present only when the message had any). */
  readonly modEx?: readonly ModEx[];
  readonly multitrack?: Multitrack<T>;
  /**
   * The bytes after the tag header: media, configuration record or metadata. For multitrack
   * messages, the span holding all track records (use the tracks' own ranges).
   */
  readonly bodyOffset: number;
  readonly bodyLength: number;
  readonly problems: readonly MediaProblemCode[];
};

/** JSON key order: the keys every MediaHeader ends with. */
export const MEDIA_HEADER_TAIL_KEYS = ['modEx', 'multitrack', 'bodyOffset', 'bodyLength', 'problems'] as const;
/** JSON key order: a track's kind-specific fields go between these two. */
export const TRACK_HEAD_KEYS = ['trackId', 'codec', 'fourCc', 'fourCcHex'] as const;
export const TRACK_TAIL_KEYS = ['bodyOffset', 'bodyLength'] as const;

/** The header fields the multitrack parser writes (a subset of AudioHeader and VideoHeader). */
export type MultitrackTarget<T extends MultitrackTrack, N extends string> = {
  packetType?: number;
  packetTypeName?: N;
  content: MediaContent;
  codec: string;
  fourCc?: string;
  fourCcHex?: string;
  multitrack?: Multitrack<T>;
  bodyOffset: number;
};

/** Where a FourCC is recorded: a message header or one track. */
export type FourCcTarget = { fourCc?: string; fourCcHex?: string; codec: string };

/** What the multitrack parser needs to know of one media kind. */
export type MultitrackCodec<T extends MultitrackTrack, N extends string> = {
  readonly media: MediaKind;
  /** The E-RTMP packet type value of Multitrack itself (audio 5, video 6): it may not nest. */
  readonly multitrackPacketType: number;
  /** Packet type value → name; values past the end are 'reserved'. */
  readonly packetTypeNames: readonly N[];
  /** Packet type value → content; undefined (or past the end) for a packet type with none. */
  readonly packetContent: readonly (MediaContent | undefined)[];
  /** Known FourCC text → codec name. */
  readonly fourCcs: ReadonlyMap<string, string>;
  /** JSON key order of a track. */
  readonly trackKeys: readonly (keyof T)[];
  /**
   * Reads the codec-specific fields at the start of one track's body, [start, end), into `track`
   * (whose common fields are already set) and returns where the media bytes start (≤ end).
   */
  readonly readTrackFields: (p: Uint8Array, track: Mutable<T>, packetType: number, start: number, end: number, problems: MediaProblemCode[]) => number;
};

/**
 * Records FourCC `f` in `target`: its text, and its codec from `fourCcs`; an unknown or inexact
 * FourCC becomes the codec name as text, keeps its exact bytes in `fourCcHex` and is a problem.
 */
export function setFourCc(target: FourCcTarget, f: FourCcRead, fourCcs: ReadonlyMap<string, string>, media: MediaKind, problems: MediaProblemCode[]): void {
  target.fourCc = f.text;
  const codec = fourCcs.get(f.text);
  if (codec === undefined || !f.exact) {
    target.codec = f.text;
    target.fourCcHex = f.hex;
    addProblem(problems, problemCode(media, 'unknown-fourcc'));
  } else {
    target.codec = codec;
  }
}

/**
 * Decodes a Multitrack packet whose header byte is at `pos` (after the ExHeader byte and any
 * ModEx chain) into `h`: packetType/packetTypeName become the inner packet type, `multitrack`
 * holds the tracks, codec/fourCc the shared FourCC (for ManyTracksManyCodecs: the tracks' one if
 * they agree, else 'multiple'), bodyOffset the start of the track list. `content` is 'unknown'
 * unless at least one track was read and the inner packet type has a content.
 */
export function decodeMultitrack<T extends MultitrackTrack, N extends string>(p: Uint8Array, pos: number, h: MultitrackTarget<T, N | 'reserved'>, codec: MultitrackCodec<T, N>, problems: MediaProblemCode[]): void {
  const { media } = codec;
  const n = p.length;
  h.content = 'unknown';
  if (pos >= n) {
    addProblem(problems, problemCode(media, 'truncated'));
    h.bodyOffset = n;
    return;
  }
  const b = p[pos] ?? 0;
  pos += 1;
  const type = b >> 4;
  const packetType = b & 0x0f;
  h.packetType = packetType;
  h.packetTypeName = codec.packetTypeNames[packetType] ?? 'reserved';
  const typeName = multitrackTypeName(type);
  if (packetType === codec.multitrackPacketType || packetType === PACKET_TYPE_MODEX) {
    addProblem(problems, problemCode(media, 'bad-multitrack-packet-type'));
    h.multitrack = { type, typeName, tracks: [] };
    h.bodyOffset = pos;
    return;
  }
  const content = codec.packetContent[packetType];
  if (content === undefined) addProblem(problems, problemCode(media, 'unknown-packet-type'));

  let shared: FourCcRead | undefined;
  if (type !== 2) {
    if (pos + 4 > n) {
      addProblem(problems, problemCode(media, 'truncated'));
      h.multitrack = { type, typeName, tracks: [] };
      h.bodyOffset = n;
      return;
    }
    shared = fourCcAt(p, pos);
    pos += 4;
    setFourCc(h, shared, codec.fourCcs, media, problems);
  }
  if (type > 2) {
    addProblem(problems, problemCode(media, 'unknown-multitrack-type'));
    h.multitrack = { type, typeName, tracks: [] };
    h.bodyOffset = pos;
    return;
  }
  h.bodyOffset = pos;
  const raw = splitTracks(p, pos, type as 0 | 1 | 2, shared, media, problems);
  const tracks: T[] = [];
  for (const r of raw) {
    const common: Mutable<MultitrackTrack> = { trackId: r.trackId, codec: 'unknown', fourCc: r.fourCc.text, bodyOffset: r.start, bodyLength: 0 };
    // The codec-specific fields are filled in by readTrackFields; inKeyOrder fixes the key order.
    const t = common as Mutable<T>;
    setFourCc(t, r.fourCc, codec.fourCcs, media, problems);
    const start = codec.readTrackFields(p, t, packetType, r.start, r.end, problems);
    t.bodyOffset = start;
    t.bodyLength = r.end - start;
    tracks.push(inKeyOrder(t as T, codec.trackKeys));
  }
  if (type === 2) {
    // The message-level codec is the tracks' codec when they agree.
    const first = tracks[0];
    if (first !== undefined && tracks.every((t) => t.fourCc === first.fourCc && t.fourCcHex === first.fourCcHex)) {
      h.codec = first.codec;
      h.fourCc = first.fourCc;
      if (first.fourCcHex !== undefined) h.fourCcHex = first.fourCcHex;
    } else {
      h.codec = first === undefined ? 'unknown' : 'multiple';
    }
  }
  h.multitrack = { type, typeName, tracks };
  if (tracks.length > 0 && content !== undefined) h.content = content;
}
