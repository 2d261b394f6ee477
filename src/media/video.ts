/**
 * Video tag header decoder: the payload of an RTMP video message (type 9), which is an FLV
 * VIDEODATA tag body, legacy (FLV 10.1, Annex E.4.3.1) or Enhanced RTMP v2 (ExVideoTagHeader).
 *
 * Contract: `decodeVideoHeader` is pure and total: any byte array gives a result, never an
 * exception. It reads only the tag header: codec, frame type, packet type, composition time,
 * ModEx entries, multitrack layout and the command byte. Media bytes are located by
 * `bodyOffset`/`bodyLength` (and per track), never copied; codec configurations are decoded on
 * demand with src/media/config.ts and Metadata (AMF0 "colorInfo") by the AMF decoder. Problems
 * are stable codes, each listed once. The result is plain JSON data (numbers, strings, booleans,
 * arrays; optional keys are absent rather than undefined) so `JSON.parse(JSON.stringify(r))`
 * deep-equals `r`. Cost is O(header), plus O(tracks) for multitrack; no allocation per media byte.
 *
 * Legacy layout: byte 0 = frameType (bits 6-4; bit 7 clear) | codecId (bits 3-0).
 *   frameType 5 (command): UI8 command (0 start seek, 1 end seek), no media; see the guess below.
 *   codecId 7 (AVC), 12 (non-standard HEVC), 13 (non-standard AV1): UI8 packet type
 *   (0 sequence header, 1 NALU/OBU, 2 end of sequence) and SI24 composition time (ms).
 * E-RTMP layout: byte 0 bit 7 = 1, bits 6-4 frameType, bits 3-0 VideoPacketType; then the ModEx
 *   chain, then either (frameType 5 and packet type not Metadata) a UI8 command and nothing
 *   else, or a Multitrack header / FourCC; avc1/hvc1/vvc1 CodedFrames add SI24 composition time.
 *   For Metadata the frame type is ignored (the spec's own sample files send 0xD4: "command").
 *
 * Quirks handled: codec id 12 (HEVC) and 13 (AV1) were defined before E-RTMP by Chinese CDNs
 * (Tencent Cloud's FLV extension, forks of FFmpeg and SRS) with the AVC header layout; we decode
 * them and flag `nonStandard`. Guess: a legacy command frame's command byte directly follows byte 0
 * (E-RTMP's reading), except that an AVC/12/13 command frame of 6+ bytes is read in the FLV 10.1
 * layout (packet type, SI24, then the command); we have seen no capture of either.
 */
import { FOURCCS_WITH_COMPOSITION_TIME, VIDEO_FOURCCS, fourCcAt } from './fourcc.js';
import { inKeyOrder, readExPreamble, type KeysComplete, type Mutable, type MediaContent } from './ex-header.js';
import { decodeMultitrack, MEDIA_HEADER_TAIL_KEYS, setFourCc, TRACK_HEAD_KEYS, TRACK_TAIL_KEYS, type MediaHeader, type Multitrack, type MultitrackCodec, type MultitrackTrack } from './multitrack.js';
import { addProblem, type MediaProblemCode } from './problems.js';
import { i24 } from '../core/byte-reader.js';

export type VideoFrameTypeName = 'key' | 'inter' | 'disposable-inter' | 'generated-key' | 'command' | 'reserved';

/** Codec names; an unknown E-RTMP FourCC is reported as its text instead. */
export type VideoCodecName =
  | 'h263'
  | 'screen'
  | 'vp6'
  | 'vp6a'
  | 'screen2'
  | 'avc'
  | 'hevc'
  | 'av1'
  | 'vp8'
  | 'vp9'
  | 'vvc'
  /** Legacy codec id that FLV does not define, or the header was cut before the FourCC. */
  | 'unknown'
  /** E-RTMP command frame: no FourCC on the wire. */
  | 'none'
  /** Multitrack message whose tracks use different codecs. */
  | 'multiple';

export type VideoPacketTypeName =
  // legacy AVC / HEVC (12) / AV1 (13)
  | 'sequence-header'
  | 'nalu'
  | 'obu'
  | 'end-of-sequence'
  // E-RTMP VideoPacketType
  | 'sequence-start'
  | 'coded-frames'
  | 'sequence-end'
  | 'coded-frames-x'
  | 'metadata'
  | 'mpeg2ts-sequence-start'
  | 'multitrack'
  | 'mod-ex'
  | 'reserved';

export type VideoCommandName = 'start-seek' | 'end-seek' | 'reserved';

/** One track of a multitrack video message. */
export type VideoTrack = MultitrackTrack & {
  /** SI24 composition time offset in ms (avc1/hvc1/vvc1 CodedFrames only). */
  readonly compositionTime?: number;
};

export type VideoMultitrack = Multitrack<VideoTrack>;

/**
 * A video tag header. `codec`: the legacy codec id or FourCC mapped to a VideoCodecName; an
 * unknown FourCC as its text; 'multiple' for multitrack messages whose tracks differ; 'none' for
 * E-RTMP command frames.
 */
export type VideoHeader = MediaHeader<VideoTrack, VideoPacketTypeName> & {
  /** Frame type, bits 6-4 of byte 0 (absent only for an empty payload). */
  readonly frameType?: number;
  readonly frameTypeName?: VideoFrameTypeName;
  /** Legacy codec id (bits 3-0 of byte 0), legacy form only. */
  readonly codecId?: number;
  /** Present (true) for the non-standard legacy ids 12 (HEVC) and 13 (AV1). */
  readonly nonStandard?: boolean;
  /** SI24 composition time offset in ms (legacy AVC/12/13; E-RTMP avc1/hvc1/vvc1 CodedFrames). */
  readonly compositionTime?: number;
  /** Command frames: 0 start of client-side seek, 1 end of it. */
  readonly command?: number;
  readonly commandName?: VideoCommandName;
};

/** JSON key order of a VideoHeader (every key, optional ones included). */
const VIDEO_HEADER_KEY_LIST = ['ex', 'frameType', 'frameTypeName', 'codec', 'codecId', 'nonStandard', 'fourCc', 'fourCcHex', 'packetType', 'packetTypeName', 'content', 'compositionTime', 'command', 'commandName', ...MEDIA_HEADER_TAIL_KEYS] as const;
/** The compiler checks that the list names every key of VideoHeader. */
export const VIDEO_HEADER_KEYS: KeysComplete<VideoHeader, typeof VIDEO_HEADER_KEY_LIST> = VIDEO_HEADER_KEY_LIST;

const VIDEO_TRACK_KEY_LIST = [...TRACK_HEAD_KEYS, 'compositionTime', ...TRACK_TAIL_KEYS] as const;
/** JSON key order of a VideoTrack. */
export const VIDEO_TRACK_KEYS: KeysComplete<VideoTrack, typeof VIDEO_TRACK_KEY_LIST> = VIDEO_TRACK_KEY_LIST;

const FRAME_TYPE_NAMES: readonly VideoFrameTypeName[] = ['reserved', 'key', 'inter', 'disposable-inter', 'generated-key', 'command', 'reserved', 'reserved'];

/** Legacy codec ids (FLV 10.1 E.4.3.1, plus the non-standard 12 and 13). */
export const LEGACY_VIDEO_CODECS: ReadonlyMap<number, VideoCodecName> = new Map([
  [2, 'h263'],
  [3, 'screen'],
  [4, 'vp6'],
  [5, 'vp6a'],
  [6, 'screen2'],
  [7, 'avc'],
  [12, 'hevc'],
  [13, 'av1'],
] as const);

const LEGACY_PACKET_TYPE_NAMES: readonly VideoPacketTypeName[] = ['sequence-header', 'nalu', 'end-of-sequence'];

const EX_PACKET_TYPE_NAMES: readonly VideoPacketTypeName[] = ['sequence-start', 'coded-frames', 'sequence-end', 'coded-frames-x', 'metadata', 'mpeg2ts-sequence-start', 'multitrack', 'mod-ex'];

const EX_PACKET_CONTENT: readonly MediaContent[] = ['config', 'frames', 'end', 'frames', 'metadata', 'config'];

const PACKET_TYPE_METADATA = 4;
const PACKET_TYPE_MULTITRACK = 6;
const FRAME_TYPE_COMMAND = 5;

function legacyPacketTypeName(codecId: number, packetType: number): VideoPacketTypeName {
  if (codecId === 13 && packetType === 1) return 'obu';
  return LEGACY_PACKET_TYPE_NAMES[packetType] ?? 'reserved';
}

function commandName(c: number): VideoCommandName {
  return c === 0 ? 'start-seek' : c === 1 ? 'end-seek' : 'reserved';
}

/** Decodes the tag header of one video message payload. Never throws. */
export function decodeVideoHeader(p: Uint8Array): VideoHeader {
  const problems: MediaProblemCode[] = [];
  const n = p.length;
  if (n === 0) {
    return { ex: false, codec: 'unknown', content: 'unknown', bodyOffset: 0, bodyLength: 0, problems: ['media.video.empty'] };
  }
  const b0 = p[0] ?? 0;
  const ex = (b0 & 0x80) !== 0;
  const frameType = (b0 >> 4) & 0x07;
  const low = b0 & 0x0f;
  // The common legacy AVC header, built once in key order (what decodeLegacy + inKeyOrder give).
  if (!ex && low === 7 && frameType >= 1 && frameType <= 4 && n >= 5 && (p[1] ?? 0) <= 2) return legacyAvcHeader(p, frameType, problems);
  const h: Mutable<VideoHeader> = {
    ex,
    frameType,
    frameTypeName: FRAME_TYPE_NAMES[frameType] ?? 'reserved',
    codec: 'unknown',
    content: 'unknown',
    bodyOffset: 1,
    bodyLength: 0,
    problems,
  };
  if (ex) decodeEx(p, low, h, problems);
  else decodeLegacy(p, low, h, problems);
  // Reserved frame types matter unless the packet says the frame type is to be ignored.
  if (h.frameTypeName === 'reserved' && h.content !== 'metadata') addProblem(problems, 'media.video.reserved-frame-type');
  if (h.bodyOffset > n) h.bodyOffset = n;
  h.bodyLength = n - h.bodyOffset;
  return inKeyOrder(h, VIDEO_HEADER_KEYS);
}

/** Legacy AVC (codec id 7), frame type 1-4, packet type 0-2, composition time present: no problems. */
function legacyAvcHeader(p: Uint8Array, frameType: number, problems: MediaProblemCode[]): VideoHeader {
  const packetType = p[1] ?? 0;
  return {
    ex: false,
    frameType,
    frameTypeName: FRAME_TYPE_NAMES[frameType] ?? 'reserved',
    codec: 'avc',
    codecId: 7,
    packetType,
    packetTypeName: legacyPacketTypeName(7, packetType),
    content: packetType === 0 ? 'config' : packetType === 1 ? 'frames' : 'end',
    compositionTime: i24(p, 2),
    bodyOffset: 5,
    bodyLength: p.length - 5,
    problems,
  };
}

function decodeLegacy(p: Uint8Array, codecId: number, h: Mutable<VideoHeader>, problems: MediaProblemCode[]): void {
  const n = p.length;
  const codec = LEGACY_VIDEO_CODECS.get(codecId);
  h.codecId = codecId;
  h.codec = codec ?? 'unknown';
  if (codecId === 12 || codecId === 13) {
    h.nonStandard = true;
    addProblem(problems, 'media.video.non-standard-codec');
  }
  if (h.frameType === FRAME_TYPE_COMMAND) {
    // FLV 10.1 puts the AVC packet type and composition time in the tag header and the command
    // in the body (byte 5); E-RTMP's pseudocode reads the command right after byte 0. Guess: a
    // 6+ byte AVC-family command frame is the FLV 10.1 form, anything shorter the E-RTMP form.
    if ((codecId === 7 || codecId === 12 || codecId === 13) && n >= 6) {
      h.packetType = p[1] ?? 0;
      h.packetTypeName = legacyPacketTypeName(codecId, h.packetType);
      h.compositionTime = i24(p, 2);
      readCommand(p, 5, h, problems, 'media.video.truncated');
      return;
    }
    readCommand(p, 1, h, problems, 'media.video.truncated');
    return;
  }
  // (A command frame carries no media, so its codec id is not checked.)
  if (codec === undefined) addProblem(problems, 'media.video.unknown-codec');
  if (codecId !== 7 && codecId !== 12 && codecId !== 13) {
    // H.263, screen video, VP6: the codec packet starts right after byte 0.
    h.content = codec === undefined ? 'unknown' : 'frames';
    h.bodyOffset = 1;
    return;
  }
  if (n < 2) {
    addProblem(problems, 'media.video.truncated');
    h.bodyOffset = n;
    return;
  }
  const packetType = p[1] ?? 0;
  h.packetType = packetType;
  h.packetTypeName = legacyPacketTypeName(codecId, packetType);
  h.content = packetType === 0 ? 'config' : packetType === 1 ? 'frames' : packetType === 2 ? 'end' : 'unknown';
  if (packetType > 2) addProblem(problems, 'media.video.unknown-packet-type');
  if (n < 5) {
    addProblem(problems, 'media.video.truncated');
    h.bodyOffset = n;
    return;
  }
  h.compositionTime = i24(p, 2);
  h.bodyOffset = 5;
}

function readCommand(p: Uint8Array, pos: number, h: Mutable<VideoHeader>, problems: MediaProblemCode[], truncated: MediaProblemCode): void {
  h.content = 'command';
  if (pos >= p.length) {
    addProblem(problems, truncated);
    h.bodyOffset = p.length;
    return;
  }
  const c = p[pos] ?? 0;
  h.command = c;
  h.commandName = commandName(c);
  if (c > 1) addProblem(problems, 'media.video.unknown-command');
  h.bodyOffset = pos + 1;
}

/** Video's part of a Multitrack packet: per track, avc1/hvc1/vvc1 CodedFrames add SI24 composition time. */
const VIDEO_MULTITRACK: MultitrackCodec<VideoTrack, VideoPacketTypeName> = {
  media: 'video',
  multitrackPacketType: PACKET_TYPE_MULTITRACK,
  packetTypeNames: EX_PACKET_TYPE_NAMES,
  packetContent: EX_PACKET_CONTENT,
  fourCcs: VIDEO_FOURCCS,
  trackKeys: VIDEO_TRACK_KEYS,
  readTrackFields(p, t, packetType, start, end, problems) {
    if (packetType !== 1 || !FOURCCS_WITH_COMPOSITION_TIME.has(t.fourCc)) return start;
    if (start + 3 > end) {
      addProblem(problems, 'media.video.truncated');
      return end;
    }
    t.compositionTime = i24(p, start);
    return start + 3;
  },
};

function decodeEx(p: Uint8Array, low: number, h: Mutable<VideoHeader>, problems: MediaProblemCode[]): void {
  const n = p.length;
  const pre = readExPreamble(p, low, 'video', EX_PACKET_TYPE_NAMES, h, problems);
  if (pre === null) return;
  let pos = pre.pos;
  const packetType = pre.packetType;

  // E-RTMP v2: a command frame carries a UI8 command and no FourCC, unless it is Metadata.
  if (h.frameType === FRAME_TYPE_COMMAND && packetType !== PACKET_TYPE_METADATA) {
    h.codec = 'none';
    readCommand(p, pos, h, problems, 'media.video.truncated');
    return;
  }

  if (packetType === PACKET_TYPE_MULTITRACK) {
    decodeMultitrack(p, pos, h, VIDEO_MULTITRACK, problems);
    return;
  }

  if (pos + 4 > n) {
    addProblem(problems, 'media.video.truncated');
    h.content = 'unknown';
    h.bodyOffset = n;
    return;
  }
  const f = fourCcAt(p, pos);
  pos += 4;
  setFourCc(h, f, VIDEO_FOURCCS, 'video', problems);
  const content = EX_PACKET_CONTENT[packetType];
  if (content === undefined) {
    addProblem(problems, 'media.video.unknown-packet-type');
    h.content = 'unknown';
    h.bodyOffset = pos;
    return;
  }
  h.content = content;
  if (packetType === 1 && FOURCCS_WITH_COMPOSITION_TIME.has(f.text)) {
    if (pos + 3 > n) {
      addProblem(problems, 'media.video.truncated');
      h.bodyOffset = n;
      return;
    }
    h.compositionTime = i24(p, pos);
    pos += 3;
  }
  h.bodyOffset = pos;
}
