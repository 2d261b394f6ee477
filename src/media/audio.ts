/**
 * Audio tag header decoder: the payload of an RTMP audio message (type 8), which is an FLV
 * AUDIODATA tag body, legacy (FLV 10.1, Annex E.4.2.1) or Enhanced RTMP v2 (ExAudioTagHeader).
 *
 * Contract: `decodeAudioHeader` is pure and total: any byte array gives a result, never an
 * exception. It reads only the tag header (sound format and flags, AAC packet type, E-RTMP packet
 * type, FourCC, ModEx, multitrack layout, MultichannelConfig); media bytes are located by
 * `bodyOffset`/`bodyLength` (and per track), never copied. Configurations (AAC
 * AudioSpecificConfig, OpusHead, FLAC STREAMINFO) are decoded on demand by src/media/config.ts.
 * The result is plain JSON data; optional keys are absent rather than undefined. Problems are
 * stable codes, each listed once.
 *
 * Legacy layout: byte 0 = soundFormat (bits 7-4) | soundRate (3-2) | soundSize (1) | soundType (0);
 *   AAC (10) adds UI8 AACPacketType (0 AudioSpecificConfig, 1 raw). The rate/size/type flags are
 *   nominal: AAC always says 44 kHz stereo, Nellymoser 8k/16k and Speex ignore them; the real
 *   values come from the codec configuration.
 * E-RTMP layout: soundFormat 9 (ExHeader), bits 3-0 = AudioPacketType (0 SequenceStart,
 *   1 CodedFrames, 2 SequenceEnd, 4 MultichannelConfig, 5 Multitrack, 7 ModEx); then the ModEx
 *   chain, the Multitrack header or a FourCC, and per packet the MultichannelConfig fields
 *   (UI8 channel order, UI8 channel count, then UI32 channel flags for Native or UI8[count]
 *   mapping for Custom).
 * A zero-length payload is legal: E-RTMP v2 documents it as the "audio silence" message.
 * Speex (11, 0xB?) and ExHeader (9, 0x9?) differ only in the high nibble; we switch on it whole.
 */
import { AUDIO_FOURCCS, fourCcAt } from './fourcc.js';
import { inKeyOrder, readExPreamble, type KeysComplete, type Mutable, type MediaContent } from './ex-header.js';
import { decodeMultitrack, MEDIA_HEADER_TAIL_KEYS, setFourCc, TRACK_HEAD_KEYS, TRACK_TAIL_KEYS, type MediaHeader, type Multitrack, type MultitrackCodec, type MultitrackTrack } from './multitrack.js';
import { addProblem, type MediaProblemCode } from './problems.js';
import { u32 } from '../core/byte-reader.js';

export type SoundFormatName = 'pcm-platform-endian' | 'adpcm' | 'mp3' | 'pcm-le' | 'nellymoser-16k-mono' | 'nellymoser-8k-mono' | 'nellymoser' | 'g711-alaw' | 'g711-mulaw' | 'ex-header' | 'aac' | 'speex' | 'reserved' | 'mp3-8k' | 'device-specific';

/** Codec names; an unknown E-RTMP FourCC is reported as its text instead. */
export type AudioCodecName =
  | 'pcm'
  | 'adpcm'
  | 'mp3'
  | 'nellymoser'
  | 'g711-alaw'
  | 'g711-mulaw'
  | 'aac'
  | 'speex'
  | 'device-specific'
  | 'opus'
  | 'flac'
  | 'ac3'
  | 'eac3'
  /** Zero-length message (silence): no codec on the wire. */
  | 'none'
  /** Reserved sound format, or the header was cut before the FourCC. */
  | 'unknown'
  /** Multitrack message whose tracks use different codecs. */
  | 'multiple';

export type AudioPacketTypeName =
  // legacy AAC
  | 'sequence-header'
  | 'raw'
  // E-RTMP AudioPacketType
  | 'sequence-start'
  | 'coded-frames'
  | 'sequence-end'
  | 'multichannel-config'
  | 'multitrack'
  | 'mod-ex'
  | 'reserved';

export type ChannelOrderName = 'unspecified' | 'native' | 'custom' | 'reserved';

/** E-RTMP MultichannelConfig. */
export type MultichannelConfig = {
  /** AudioChannelOrder: 0 Unspecified, 1 Native, 2 Custom. */
  readonly channelOrder: number;
  readonly channelOrderName: ChannelOrderName;
  readonly channelCount: number;
  /** Native order: UI32 AudioChannelMask bits (see AUDIO_CHANNEL_MASK_NAMES). */
  readonly channelFlags?: number;
  /** Custom order: one AudioChannel per channel, in bitstream order (see AUDIO_CHANNEL_NAMES). */
  readonly channelMapping?: readonly number[];
};

/** One track of a multitrack audio message (codec: an AudioCodecName, or an unknown FourCC's text). */
export type AudioTrack = MultitrackTrack & { readonly multichannel?: MultichannelConfig };

export type AudioMultitrack = Multitrack<AudioTrack>;

/** An audio tag header. `codec` is an AudioCodecName, an unknown FourCC's text, or 'none' for silence. */
export type AudioHeader = MediaHeader<AudioTrack, AudioPacketTypeName> & {
  /** Sound format, bits 7-4 of byte 0 (absent for a zero-length payload). */
  readonly soundFormat?: number;
  readonly soundFormatName?: SoundFormatName;
  /** Legacy only: soundRate flag 0..3 and its nominal rate (5512.5, 11025, 22050, 44100 Hz). */
  readonly soundRate?: number;
  readonly soundRateHz?: number;
  /** Legacy only: soundSize flag 0/1 and the sample size it names (8 or 16 bits). */
  readonly soundSize?: number;
  readonly soundSizeBits?: number;
  /** Legacy only: soundType flag 0/1 and the channel count it names (1 or 2). */
  readonly soundType?: number;
  readonly soundChannels?: number;
  /** MultichannelConfig packets (single-track form; multitrack carries it per track). */
  readonly multichannel?: MultichannelConfig;
};

/** JSON key order of an AudioHeader (every key, optional ones included). */
const AUDIO_HEADER_KEY_LIST = [
  'ex',
  'soundFormat',
  'soundFormatName',
  'codec',
  'fourCc',
  'fourCcHex',
  'soundRate',
  'soundRateHz',
  'soundSize',
  'soundSizeBits',
  'soundType',
  'soundChannels',
  'packetType',
  'packetTypeName',
  'content',
  'multichannel',
  ...MEDIA_HEADER_TAIL_KEYS,
] as const;
/** The compiler checks that the list names every key of AudioHeader. */
export const AUDIO_HEADER_KEYS: KeysComplete<AudioHeader, typeof AUDIO_HEADER_KEY_LIST> = AUDIO_HEADER_KEY_LIST;

const AUDIO_TRACK_KEY_LIST = [...TRACK_HEAD_KEYS, 'multichannel', ...TRACK_TAIL_KEYS] as const;
/** JSON key order of an AudioTrack. */
export const AUDIO_TRACK_KEYS: KeysComplete<AudioTrack, typeof AUDIO_TRACK_KEY_LIST> = AUDIO_TRACK_KEY_LIST;

type FormatInfo = readonly [SoundFormatName, AudioCodecName];

/** Legacy sound formats (FLV 10.1 E.4.2.1 and E-RTMP v2 SoundFormat). */
export const SOUND_FORMATS: readonly FormatInfo[] = [
  ['pcm-platform-endian', 'pcm'],
  ['adpcm', 'adpcm'],
  ['mp3', 'mp3'],
  ['pcm-le', 'pcm'],
  ['nellymoser-16k-mono', 'nellymoser'],
  ['nellymoser-8k-mono', 'nellymoser'],
  ['nellymoser', 'nellymoser'],
  ['g711-alaw', 'g711-alaw'],
  ['g711-mulaw', 'g711-mulaw'],
  ['ex-header', 'unknown'],
  ['aac', 'aac'],
  ['speex', 'speex'],
  ['reserved', 'unknown'],
  ['reserved', 'unknown'],
  ['mp3-8k', 'mp3'],
  ['device-specific', 'device-specific'],
];

const SOUND_RATE_HZ = [5512.5, 11025, 22050, 44100] as const;

/** AudioChannel values of a Custom channel mapping (E-RTMP v2); 0xfe Unused, 0xff Unknown. */
export const AUDIO_CHANNEL_NAMES: ReadonlyMap<number, string> = new Map([
  [0, 'FrontLeft'],
  [1, 'FrontRight'],
  [2, 'FrontCenter'],
  [3, 'LowFrequency1'],
  [4, 'BackLeft'],
  [5, 'BackRight'],
  [6, 'FrontLeftCenter'],
  [7, 'FrontRightCenter'],
  [8, 'BackCenter'],
  [9, 'SideLeft'],
  [10, 'SideRight'],
  [11, 'TopCenter'],
  [12, 'TopFrontLeft'],
  [13, 'TopFrontCenter'],
  [14, 'TopFrontRight'],
  [15, 'TopBackLeft'],
  [16, 'TopBackCenter'],
  [17, 'TopBackRight'],
  [18, 'LowFrequency2'],
  [19, 'TopSideLeft'],
  [20, 'TopSideRight'],
  [21, 'BottomFrontCenter'],
  [22, 'BottomFrontLeft'],
  [23, 'BottomFrontRight'],
  [0xfe, 'Unused'],
  [0xff, 'Unknown'],
]);

/** AudioChannelMask bit i names AUDIO_CHANNEL_NAMES entry i (0..23), e.g. 0x000004 FrontCenter. */
export function channelMaskNames(flags: number): string[] {
  const out: string[] = [];
  for (let i = 0; i < 24; i++) {
    if ((flags >>> i) & 1) out.push(AUDIO_CHANNEL_NAMES.get(i) ?? `bit${i}`);
  }
  return out;
}

const EX_PACKET_TYPE_NAMES: readonly AudioPacketTypeName[] = ['sequence-start', 'coded-frames', 'sequence-end', 'reserved', 'multichannel-config', 'multitrack', 'reserved', 'mod-ex'];

const EX_PACKET_CONTENT: readonly (MediaContent | undefined)[] = ['config', 'frames', 'end', undefined, 'multichannel-config'];

const SOUND_FORMAT_EX = 9;
const SOUND_FORMAT_AAC = 10;
const PACKET_TYPE_MULTICHANNEL = 4;
const PACKET_TYPE_MULTITRACK = 5;

/** Decodes the tag header of one audio message payload. Never throws. */
export function decodeAudioHeader(p: Uint8Array): AudioHeader {
  const n = p.length;
  if (n === 0) {
    return { ex: false, codec: 'none', content: 'silence', bodyOffset: 0, bodyLength: 0, problems: [] };
  }
  const b0 = p[0] ?? 0;
  const fmt = b0 >> 4;
  const [formatName, codec] = SOUND_FORMATS[fmt] ?? ['reserved', 'unknown'];
  // The common legacy AAC header, built once in key order (what decodeLegacy + inKeyOrder give).
  if (fmt === SOUND_FORMAT_AAC && n >= 2 && (p[1] ?? 0) <= 1) return legacyAacHeader(p, b0, formatName, codec);
  const problems: MediaProblemCode[] = [];
  const h: Mutable<AudioHeader> = {
    ex: fmt === SOUND_FORMAT_EX,
    soundFormat: fmt,
    soundFormatName: formatName,
    codec,
    content: 'unknown',
    bodyOffset: 1,
    bodyLength: 0,
    problems,
  };
  if (fmt === SOUND_FORMAT_EX) decodeEx(p, b0 & 0x0f, h, problems);
  else decodeLegacy(p, b0, h, problems);
  if (h.bodyOffset > n) h.bodyOffset = n;
  h.bodyLength = n - h.bodyOffset;
  return inKeyOrder(h, AUDIO_HEADER_KEYS);
}

/** A legacy AAC header without problems: packet type 0 or 1 present. */
function legacyAacHeader(p: Uint8Array, b0: number, soundFormatName: SoundFormatName, codec: AudioCodecName): AudioHeader {
  const rate = (b0 >> 2) & 3;
  const size = (b0 >> 1) & 1;
  const type = b0 & 1;
  const packetType = p[1] ?? 0;
  return {
    ex: false,
    soundFormat: SOUND_FORMAT_AAC,
    soundFormatName,
    codec,
    soundRate: rate,
    soundRateHz: SOUND_RATE_HZ[rate] ?? 0,
    soundSize: size,
    soundSizeBits: size === 1 ? 16 : 8,
    soundType: type,
    soundChannels: type === 1 ? 2 : 1,
    packetType,
    packetTypeName: packetType === 0 ? 'sequence-header' : 'raw',
    content: packetType === 0 ? 'config' : 'frames',
    bodyOffset: 2,
    bodyLength: p.length - 2,
    problems: [],
  };
}

function decodeLegacy(p: Uint8Array, b0: number, h: Mutable<AudioHeader>, problems: MediaProblemCode[]): void {
  const fmt = b0 >> 4;
  const rate = (b0 >> 2) & 3;
  h.soundRate = rate;
  h.soundRateHz = SOUND_RATE_HZ[rate] ?? 0;
  h.soundSize = (b0 >> 1) & 1;
  h.soundSizeBits = h.soundSize === 1 ? 16 : 8;
  h.soundType = b0 & 1;
  h.soundChannels = h.soundType === 1 ? 2 : 1;
  if (fmt === 12 || fmt === 13) {
    addProblem(problems, 'media.audio.reserved-sound-format');
    h.content = 'unknown';
    return;
  }
  if (fmt !== SOUND_FORMAT_AAC) {
    h.content = 'frames';
    return;
  }
  if (p.length < 2) {
    addProblem(problems, 'media.audio.truncated');
    h.bodyOffset = p.length;
    return;
  }
  const packetType = p[1] ?? 0;
  h.packetType = packetType;
  h.packetTypeName = packetType === 0 ? 'sequence-header' : packetType === 1 ? 'raw' : 'reserved';
  h.content = packetType === 0 ? 'config' : packetType === 1 ? 'frames' : 'unknown';
  if (packetType > 1) addProblem(problems, 'media.audio.unknown-packet-type');
  h.bodyOffset = 2;
}

/**
 * Reads the MultichannelConfig fields in [pos, end). Returns the config (if its fixed part was
 * there) and the position after it.
 */
function readMultichannel(p: Uint8Array, pos: number, end: number, problems: MediaProblemCode[]): { config: MultichannelConfig | undefined; pos: number } {
  if (pos + 2 > end) {
    addProblem(problems, 'media.audio.truncated');
    return { config: undefined, pos: end };
  }
  const channelOrder = p[pos] ?? 0;
  const channelCount = p[pos + 1] ?? 0;
  pos += 2;
  if (channelOrder === 1) {
    if (pos + 4 > end) {
      addProblem(problems, 'media.audio.truncated');
      return { config: { channelOrder, channelOrderName: 'native', channelCount }, pos: end };
    }
    const channelFlags = u32(p, pos);
    return { config: { channelOrder, channelOrderName: 'native', channelCount, channelFlags }, pos: pos + 4 };
  }
  if (channelOrder === 2) {
    const have = Math.min(channelCount, Math.max(0, end - pos));
    const channelMapping: number[] = [];
    for (let i = 0; i < have; i++) channelMapping.push(p[pos + i] ?? 0);
    if (have < channelCount) addProblem(problems, 'media.audio.truncated');
    return { config: { channelOrder, channelOrderName: 'custom', channelCount, channelMapping }, pos: pos + have };
  }
  if (channelOrder !== 0) addProblem(problems, 'media.audio.unknown-channel-order');
  return { config: { channelOrder, channelOrderName: channelOrder === 0 ? 'unspecified' : 'reserved', channelCount }, pos };
}

/** Audio's part of a Multitrack packet: per track, a MultichannelConfig precedes the body. */
const AUDIO_MULTITRACK: MultitrackCodec<AudioTrack, AudioPacketTypeName> = {
  media: 'audio',
  multitrackPacketType: PACKET_TYPE_MULTITRACK,
  packetTypeNames: EX_PACKET_TYPE_NAMES,
  packetContent: EX_PACKET_CONTENT,
  fourCcs: AUDIO_FOURCCS,
  trackKeys: AUDIO_TRACK_KEYS,
  readTrackFields(p, t, packetType, start, end, problems) {
    if (packetType !== PACKET_TYPE_MULTICHANNEL) return start;
    const mc = readMultichannel(p, start, end, problems);
    if (mc.config !== undefined) t.multichannel = mc.config;
    return mc.pos;
  },
};

function decodeEx(p: Uint8Array, low: number, h: Mutable<AudioHeader>, problems: MediaProblemCode[]): void {
  const n = p.length;
  const pre = readExPreamble(p, low, 'audio', EX_PACKET_TYPE_NAMES, h, problems);
  if (pre === null) return;
  let pos = pre.pos;
  const packetType = pre.packetType;

  if (packetType === PACKET_TYPE_MULTITRACK) {
    decodeMultitrack(p, pos, h, AUDIO_MULTITRACK, problems);
    return;
  }
  if (pos + 4 > n) {
    addProblem(problems, 'media.audio.truncated');
    h.bodyOffset = n;
    return;
  }
  const f = fourCcAt(p, pos);
  pos += 4;
  setFourCc(h, f, AUDIO_FOURCCS, 'audio', problems);
  const content = EX_PACKET_CONTENT[packetType];
  if (content === undefined) {
    addProblem(problems, 'media.audio.unknown-packet-type');
    h.bodyOffset = pos;
    return;
  }
  h.content = content;
  if (packetType === PACKET_TYPE_MULTICHANNEL) {
    const mc = readMultichannel(p, pos, n, problems);
    if (mc.config !== undefined) h.multichannel = mc.config;
    pos = mc.pos;
  }
  h.bodyOffset = pos;
}
