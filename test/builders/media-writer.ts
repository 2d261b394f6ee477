/**
 * Media message payload writer for tests: builds RTMP audio (type 8) and video (type 9) payloads
 * (FLV tag bodies) from intent, in the legacy FLV 10.1 form and the Enhanced RTMP v2 form
 * (ExHeader, ModEx chain, Multitrack, MultichannelConfig).
 *
 * By default it writes what the spec says: E-RTMP avc1/hvc1/vvc1 CodedFrames get an SI24
 * composition time (0 unless given), other FourCCs and packet types none; legacy AVC/HEVC(12)/
 * AV1(13) always get packet type + SI24. To make malformed input, build a valid payload and cut or
 * patch its bytes. Pure functions returning fresh Uint8Arrays.
 */
import { concat } from './bytes.js';

export { concat };

export function ascii(s: string): Uint8Array {
  return Uint8Array.from(s, (c) => c.charCodeAt(0) & 0xff);
}

export function hex(s: string): Uint8Array {
  const clean = s.replace(/\s+/g, '');
  const out = new Uint8Array(clean.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(clean.slice(2 * i, 2 * i + 2), 16);
  return out;
}

function si24(v: number): number[] {
  const u = v & 0xffffff;
  return [(u >> 16) & 0xff, (u >> 8) & 0xff, u & 0xff];
}

function ui24(v: number): number[] {
  return [(v >> 16) & 0xff, (v >> 8) & 0xff, v & 0xff];
}

const CTS_FOURCCS = new Set(['avc1', 'hvc1', 'vvc1']);

// ---------------------------------------------------------------------------------------------
// E-RTMP shared parts

/** One ModEx entry. `wide` forces the UI16 size form (UI8 255 then UI16 size-1), which sizes
 * above 255 need anyway. */
export type ModExIntent = { readonly type: number; readonly data: Uint8Array; readonly wide?: boolean };

/** A TimestampOffsetNano ModEx entry (UI24 nanoseconds in 3 data bytes, or `dataLength` bytes). */
export function nanoOffsetModEx(ns: number, opts: { wide?: boolean; dataLength?: number } = {}): ModExIntent {
  const data = new Uint8Array(opts.dataLength ?? 3);
  data.set(ui24(ns).slice(0, data.length));
  return opts.wide === undefined ? { type: 0, data } : { type: 0, data, wide: opts.wide };
}

function modExBytes(entries: readonly ModExIntent[], finalPacketType: number): number[] {
  const out: number[] = [];
  entries.forEach((m, i) => {
    const size = m.data.length;
    if (size < 1 || size > 65536) throw new Error('ModEx data must be 1..65536 bytes');
    if (m.wide === true || size > 255) {
      out.push(255, ((size - 1) >> 8) & 0xff, (size - 1) & 0xff);
    } else {
      out.push(size - 1);
    }
    out.push(...m.data);
    const next = i < entries.length - 1 ? 7 : finalPacketType;
    out.push(((m.type & 0x0f) << 4) | (next & 0x0f));
  });
  return out;
}

function fourCcBytes(f: string): number[] {
  if (f.length !== 4) throw new Error(`FourCC must be 4 characters: ${f}`);
  return Array.from(ascii(f));
}

// ---------------------------------------------------------------------------------------------
// Video

export type LegacyVideoIntent = {
  /** Default 1 (key frame). */
  readonly frameType?: number;
  /** 2 H.263, 3 screen, 4 VP6, 5 VP6A, 6 screen v2, 7 AVC, 12 HEVC (non-standard), 13 AV1 (non-standard). */
  readonly codecId: number;
  /** AVC/HEVC/AV1 packet type (default 1). */
  readonly packetType?: number;
  readonly compositionTime?: number;
  /** Command frames (frameType 5): the command byte. */
  readonly command?: number;
  readonly body?: Uint8Array;
};

export function legacyVideo(v: LegacyVideoIntent): Uint8Array {
  const frameType = v.frameType ?? 1;
  const head = [((frameType & 0x07) << 4) | (v.codecId & 0x0f)];
  const body = v.body ?? new Uint8Array(0);
  if (v.command !== undefined) return concat(head, [v.command], body);
  if (v.codecId === 7 || v.codecId === 12 || v.codecId === 13) {
    return concat(head, [v.packetType ?? 1], si24(v.compositionTime ?? 0), body);
  }
  return concat(head, body);
}

export type VideoTrackIntent = {
  readonly trackId: number;
  /** ManyTracksManyCodecs only: this track's FourCC (default 'avc1'). */
  readonly fourCc?: string;
  readonly compositionTime?: number;
  readonly body?: Uint8Array;
  /** Write this UI24 size instead of the real one (to make overruns). */
  readonly sizeOverride?: number;
};

export type MultitrackIntent<T> = {
  /** 0 OneTrack, 1 ManyTracks, 2 ManyTracksManyCodecs (other values are written as given). */
  readonly type: number;
  readonly tracks: readonly T[];
};

export type ExVideoIntent = {
  /** Default 1 (key frame). */
  readonly frameType?: number;
  /** The effective VideoPacketType (inside Multitrack, when `multitrack` is given). */
  readonly packetType: number;
  /** Default 'avc1' (ignored for ManyTracksManyCodecs and command frames). */
  readonly fourCc?: string;
  readonly compositionTime?: number;
  /** Command frames (frameType 5, packet type not Metadata): the command byte; no FourCC. */
  readonly command?: number;
  readonly modEx?: readonly ModExIntent[];
  readonly multitrack?: MultitrackIntent<VideoTrackIntent>;
  readonly body?: Uint8Array;
};

export function exVideo(v: ExVideoIntent): Uint8Array {
  const frameType = v.frameType ?? 1;
  const modEx = v.modEx ?? [];
  const wirePacketType = v.multitrack === undefined ? v.packetType : 6;
  const first = modEx.length > 0 ? 7 : wirePacketType;
  const out: number[] = [0x80 | ((frameType & 0x07) << 4) | (first & 0x0f), ...modExBytes(modEx, wirePacketType)];
  const body = v.body ?? new Uint8Array(0);
  if (v.command !== undefined) return concat(out, [v.command], body);
  const withCts = (fourCc: string, cts: number | undefined): number[] => (v.packetType === 1 && CTS_FOURCCS.has(fourCc) ? si24(cts ?? 0) : []);
  if (v.multitrack === undefined) {
    const fourCc = v.fourCc ?? 'avc1';
    return concat(out, fourCcBytes(fourCc), withCts(fourCc, v.compositionTime), body);
  }
  const mt = v.multitrack;
  out.push(((mt.type & 0x0f) << 4) | (v.packetType & 0x0f));
  if (mt.type !== 2) out.push(...fourCcBytes(v.fourCc ?? 'avc1'));
  const parts: (Uint8Array | number[])[] = [out];
  for (const t of mt.tracks) {
    const fourCc = mt.type === 2 ? (t.fourCc ?? 'avc1') : (v.fourCc ?? 'avc1');
    const payload = concat(withCts(fourCc, t.compositionTime), t.body ?? new Uint8Array(0));
    const head: number[] = [];
    if (mt.type === 2) head.push(...fourCcBytes(fourCc));
    head.push(t.trackId & 0xff);
    if (mt.type !== 0) head.push(...ui24(t.sizeOverride ?? payload.length));
    parts.push(head, payload);
  }
  return concat(...parts);
}

// ---------------------------------------------------------------------------------------------
// Audio

export type LegacyAudioIntent = {
  /** 0..15; 10 = AAC, 11 = Speex, 9 is the E-RTMP ExHeader (use exAudio). */
  readonly soundFormat: number;
  /** Defaults 3 (44 kHz), 1 (16-bit), 1 (stereo). */
  readonly soundRate?: number;
  readonly soundSize?: number;
  readonly soundType?: number;
  /** AAC only (default 1 = raw). */
  readonly aacPacketType?: number;
  readonly body?: Uint8Array;
};

export function legacyAudio(a: LegacyAudioIntent): Uint8Array {
  const b0 = ((a.soundFormat & 0x0f) << 4) | ((a.soundRate ?? 3) << 2) | ((a.soundSize ?? 1) << 1) | (a.soundType ?? 1);
  const body = a.body ?? new Uint8Array(0);
  if (a.soundFormat === 10) return concat([b0, a.aacPacketType ?? 1], body);
  return concat([b0], body);
}

export type MultichannelIntent = {
  /** 0 Unspecified, 1 Native, 2 Custom. */
  readonly order: number;
  readonly channelCount: number;
  /** Native: UI32 AudioChannelMask bits. */
  readonly flags?: number;
  /** Custom: one AudioChannel per channel. */
  readonly mapping?: readonly number[];
};

function multichannelBytes(m: MultichannelIntent): number[] {
  const out = [m.order & 0xff, m.channelCount & 0xff];
  if (m.order === 1) {
    const f = (m.flags ?? 0) >>> 0;
    out.push((f >>> 24) & 0xff, (f >>> 16) & 0xff, (f >>> 8) & 0xff, f & 0xff);
  }
  if (m.order === 2) out.push(...(m.mapping ?? []));
  return out;
}

export type AudioTrackIntent = {
  readonly trackId: number;
  /** ManyTracksManyCodecs only: this track's FourCC (default 'mp4a'). */
  readonly fourCc?: string;
  readonly multichannel?: MultichannelIntent;
  readonly body?: Uint8Array;
  readonly sizeOverride?: number;
};

export type ExAudioIntent = {
  /** The effective AudioPacketType (inside Multitrack, when `multitrack` is given). */
  readonly packetType: number;
  /** Default 'mp4a'. */
  readonly fourCc?: string;
  /** MultichannelConfig (packet type 4) fields. */
  readonly multichannel?: MultichannelIntent;
  readonly modEx?: readonly ModExIntent[];
  readonly multitrack?: MultitrackIntent<AudioTrackIntent>;
  readonly body?: Uint8Array;
};

export function exAudio(a: ExAudioIntent): Uint8Array {
  const modEx = a.modEx ?? [];
  const wirePacketType = a.multitrack === undefined ? a.packetType : 5;
  const first = modEx.length > 0 ? 7 : wirePacketType;
  const out: number[] = [0x90 | (first & 0x0f), ...modExBytes(modEx, wirePacketType)];
  const mc = (m: MultichannelIntent | undefined): number[] => (m === undefined ? [] : multichannelBytes(m));
  if (a.multitrack === undefined) {
    return concat(out, fourCcBytes(a.fourCc ?? 'mp4a'), mc(a.multichannel), a.body ?? new Uint8Array(0));
  }
  const mt = a.multitrack;
  out.push(((mt.type & 0x0f) << 4) | (a.packetType & 0x0f));
  if (mt.type !== 2) out.push(...fourCcBytes(a.fourCc ?? 'mp4a'));
  const parts: (Uint8Array | number[])[] = [out];
  for (const t of mt.tracks) {
    const payload = concat(mc(t.multichannel), t.body ?? new Uint8Array(0));
    const head: number[] = [];
    if (mt.type === 2) head.push(...fourCcBytes(t.fourCc ?? 'mp4a'));
    head.push(t.trackId & 0xff);
    if (mt.type !== 0) head.push(...ui24(t.sizeOverride ?? payload.length));
    parts.push(head, payload);
  }
  return concat(...parts);
}

// ---------------------------------------------------------------------------------------------
// Conveniences for chunk-stream and session tests

/** NAL units with 4-byte big-endian length prefixes (AVCC/HVCC sample format). */
export function lengthPrefixed(nalus: readonly Uint8Array[]): Uint8Array {
  const parts: (Uint8Array | number[])[] = [];
  for (const n of nalus) parts.push([(n.length >>> 24) & 0xff, (n.length >>> 16) & 0xff, (n.length >>> 8) & 0xff, n.length & 0xff], n);
  return concat(...parts);
}

/** AVCDecoderConfigurationRecord from SPS and PPS NAL units (profile/level taken from the SPS). */
export function avcConfigRecord(sps: readonly Uint8Array[], pps: readonly Uint8Array[]): Uint8Array {
  const s0 = sps[0] ?? new Uint8Array(4);
  const parts: (Uint8Array | number[])[] = [[1, s0[1] ?? 0, s0[2] ?? 0, s0[3] ?? 0, 0xff, 0xe0 | sps.length]];
  for (const s of sps) parts.push([(s.length >> 8) & 0xff, s.length & 0xff], s);
  parts.push([pps.length]);
  for (const p of pps) parts.push([(p.length >> 8) & 0xff, p.length & 0xff], p);
  return concat(...parts);
}

/** Legacy AVC sequence header message payload (0x17 0x00 000000 + record). */
export function avcSequenceHeader(record: Uint8Array): Uint8Array {
  return legacyVideo({ frameType: 1, codecId: 7, packetType: 0, body: record });
}

/** Legacy AVC NALU message payload. */
export function avcNalu(data: Uint8Array, opts: { key?: boolean; compositionTime?: number } = {}): Uint8Array {
  return legacyVideo({
    frameType: opts.key === false ? 2 : 1,
    codecId: 7,
    packetType: 1,
    compositionTime: opts.compositionTime ?? 0,
    body: data,
  });
}

/** Legacy AAC sequence header payload (0xAF 0x00 + AudioSpecificConfig). */
export function aacSequenceHeader(asc: Uint8Array): Uint8Array {
  return legacyAudio({ soundFormat: 10, aacPacketType: 0, body: asc });
}

/** Legacy AAC raw frame payload (0xAF 0x01 + frame). */
export function aacRaw(frame: Uint8Array): Uint8Array {
  return legacyAudio({ soundFormat: 10, aacPacketType: 1, body: frame });
}
