/**
 * Stream records: one `stream` line per media stream (what one message stream id carried in one
 * direction during one publish or play), with per-codec figures and, for E-RTMP Multitrack, one
 * entry per track. Part of the NDJSON contract (src/records/index.ts).
 */
import type { Direction } from '../core/diagnostics.js';
import type { FlowOutcome, RangeMs, Role } from './facts.js';

export type VideoStats = {
  /** Codec name (avc, hevc, av1, vp9, ...) of the last media message; 'multiple' for multitrack. */
  readonly codec: string;
  /** Legacy codec id (7 AVC, 12 non-standard HEVC, ...) or null for Enhanced RTMP. */
  readonly codecId: number | null;
  /** Enhanced RTMP FourCC, or null for the legacy form. */
  readonly fourCc: string | null;
  /** RFC 6381 codec string from the sequence header (avc1.64001f, hvc1.1.6.L93.B0, ...). */
  readonly codecString: string | null;
  readonly profile: string | null;
  readonly level: string | null;
  readonly width: number | null;
  readonly height: number | null;
  readonly chromaFormat: string | null;
  readonly bitDepth: number | null;
  /** Frame rate from the sequence header (SPS VUI timing) and measured from the frame timestamps. */
  readonly fps: { readonly config: number | null; readonly measured: number | null };
  /** Coded video messages (sequence headers, end-of-sequence and command frames not counted). */
  readonly frames: number;
  readonly keyframes: number;
  readonly keyframeIntervalMs: RangeMs | null;
  /** Message lengths of the coded frames, in bytes (tag headers included). */
  readonly bytes: number;
  /** Average over the stream, and the highest over aligned 1-second windows of media time. */
  readonly bitrateKbps: { readonly avg: number | null; readonly max: number | null };
  readonly sequenceHeaders: number;
  /** A non-zero composition time offset was seen (B-frames). */
  readonly compositionTime: boolean;
  readonly timestampRegressions: number;
  readonly timestampJumps: number;
  readonly firstTimestamp: number | null;
  readonly lastTimestamp: number | null;
};

export type AudioStats = {
  /** Codec name (aac, mp3, opus, speex, ...). */
  readonly codec: string;
  /** Legacy sound format (10 AAC, 2 MP3, ...) or null for Enhanced RTMP. */
  readonly soundFormat: number | null;
  readonly fourCc: string | null;
  readonly codecString: string | null;
  /** AAC audio object type (2 LC, 5 SBR/HE-AAC, 29 PS) and its name. */
  readonly objectType: number | null;
  readonly objectTypeName: string | null;
  /** From the sequence header (the output rate for HE-AAC), else the legacy header's nominal flags. */
  readonly sampleRate: number | null;
  readonly channels: number | null;
  readonly frames: number;
  readonly bytes: number;
  readonly bitrateKbps: { readonly avg: number | null; readonly max: number | null };
  readonly sequenceHeaders: number;
  readonly timestampRegressions: number;
  readonly timestampJumps: number;
  readonly firstTimestamp: number | null;
  readonly lastTimestamp: number | null;
};

/**
 * One media stream: what one message stream id carried in one direction during one publish or
 * play (a second publish on the same id starts a new stream record).
 */
export type StreamRecord = {
  readonly type: 'stream';
  readonly session: number;
  readonly client: string;
  readonly server: string;
  readonly streamId: number;
  /** The direction of the media: c2s for a publish, s2c for a play. */
  readonly dir: Direction;
  readonly role: Role | null;
  readonly name: string | null;
  readonly app: string | null;
  readonly publishType: string | null;
  readonly outcome: FlowOutcome;
  /** Track 0, the default track (all of the media unless the stream used E-RTMP Multitrack). */
  readonly video: VideoStats | null;
  readonly audio: AudioStats | null;
  /** Every track, track 0 included, when the stream used E-RTMP Multitrack packets (else absent). */
  readonly tracks?: readonly TrackRecord[];
  /** Largest |audio timestamp - video timestamp| seen as the media was sent (ms). */
  readonly avDriftMs: number | null;
  /** Scalar fields of the last onMetaData (via @setDataFrame or direct), at most 40 keys. */
  readonly metadata: Readonly<Record<string, string | number | boolean>> | null;
  /** Data messages (metadata, cue points, ...) on the stream. */
  readonly dataMessages: number;
  /** Capture frames of the first and last media message. */
  readonly firstFrame: number | null;
  readonly lastFrame: number | null;
  readonly startTime: number | null;
  readonly endTime: number | null;
  /** Media time covered: the largest last-minus-first timestamp of the two tracks (ms). */
  readonly durationMs: number | null;
};

export type TrackKind = 'video' | 'audio';

/** How a track was carried: plain (no Multitrack packet) or the Multitrack type names seen. */
export type TrackForm = 'plain' | 'one-track' | 'many-tracks' | 'many-tracks-many-codecs' | 'reserved';

/** One track of a stream record's `tracks`. */
export type TrackRecord = {
  readonly kind: TrackKind;
  readonly trackId: number;
  readonly forms: readonly TrackForm[];
  /** The onMetaData videoTrackIdInfoMap/audioTrackIdInfoMap entry for the track (scalars), if any. */
  readonly metadata: Readonly<Record<string, string | number | boolean>> | null;
  readonly video: VideoStats | null;
  readonly audio: AudioStats | null;
};
