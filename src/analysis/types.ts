/**
 * Proposed output types of the session analysis (src/analysis): the facts merged into a session
 * record at its end, and one `stream` record per media stream. Like every output record they are
 * plain JSON (numbers, strings, booleans, null, arrays, objects; no undefined, bigint or class
 * instances), with fixed keys: a fact that is unknown is `null`, never absent. Lists are capped so
 * a record stays small whatever the session holds.
 *
 * Times: `time`-like fields are capture time in seconds (as every record's `time`); `...Ms` fields
 * are milliseconds, media timestamps (RTMP message timestamps) unless said otherwise.
 *
 * (These live here until the lead moves them into src/session/records.ts and the NDJSON schema.)
 */
import type { Direction } from '../core/diagnostics.js';
import type { TrackRecord } from './tracks.js';

export type PerDir<T> = { readonly c2s: T; readonly s2c: T };

/** Minimum, maximum and mean of a series of milliseconds (null when the series is empty). */
export type RangeMs = { readonly min: number; readonly max: number; readonly avg: number };

export type Role = 'publish' | 'play';

/**
 * How a publish or play went:
 * - started: NetStream.Publish.Start / Play.Start (or Play.Reset) came back;
 * - rejected: an error status (Publish.BadName, Play.StreamNotFound, ...);
 * - no-answer: no status at all before the session ended;
 * - null: no publish/play on this stream.
 */
export type FlowOutcome = 'started' | 'rejected' | 'no-answer' | null;

/** One step of a publish/play flow as it happened (the first occurrence of each). */
export type FlowStep = {
  /** connect, connect-result, createStream, createStream-result, releaseStream, FCPublish,
   * publish, play, Publish.Start, Play.Reset, Play.Start, StreamBegin, |RtmpSampleAccess,
   * metadata, audio-config, video-config, first-audio, first-video, first-keyframe. */
  readonly step: string;
  readonly dir: Direction;
  readonly frame: number;
  readonly time: number;
};

/** One message stream id of the session (the NetStream created by createStream). */
export type NetStreamFacts = {
  readonly streamId: number;
  /** Frame of the createStream reply that returned this id (null: never created in the capture). */
  readonly createdFrame: number | null;
  readonly role: Role | null;
  /** The last publish/play name on this stream id (null: none). */
  readonly name: string | null;
  /** publish: live, record, append...; null for play or when absent. */
  readonly publishType: string | null;
  readonly outcome: FlowOutcome;
  /** The status code that decided the outcome (NetStream.Publish.Start, NetStream.Play.StreamNotFound, ...). */
  readonly statusCode: string | null;
  /** Capture time from publish/play to the status that decided the outcome, in ms. */
  readonly startLatencyMs: number | null;
  /** The flow's steps in the order they happened (capped at 32). */
  readonly steps: readonly FlowStep[];
};

export type TransactionFacts = {
  /** Calls with a transaction id above 0 (both directions; NetStream commands excluded). */
  readonly count: number;
  readonly answered: number;
  readonly unanswered: number;
  /** Calls answered with _error. */
  readonly errors: number;
  /** Capture time from call to reply, in ms, over the answered calls. */
  readonly medianLatencyMs: number | null;
  readonly maxLatencyMs: number | null;
  /** Each call (capped at 64): name, id, who called, reply and latency. */
  readonly calls: readonly {
    readonly name: string;
    readonly transactionId: number;
    readonly dir: Direction;
    readonly frame: number;
    /** The reply's name: _result, _error, or onFCPublish/onFCUnpublish for FCPublish/FCUnpublish. */
    readonly reply: string | null;
    readonly latencyMs: number | null;
  }[];
};

export type EnhancedRtmpFacts = {
  /** connect's fourCcList (client), as sent; null when absent. */
  readonly fourCcList: readonly string[] | null;
  /** FourCCs named in connect's videoFourCcInfoMap / audioFourCcInfoMap, with their capability bits. */
  readonly videoFourCcInfoMap: Readonly<Record<string, number>> | null;
  readonly audioFourCcInfoMap: Readonly<Record<string, number>> | null;
  readonly capsEx: number | null;
  readonly capsExNames: readonly string[];
  /** The same fields found in the server's connect _result (null: not sent). */
  readonly server: {
    readonly fourCcList: readonly string[] | null;
    readonly capsEx: number | null;
    readonly fourCcInfoMap: boolean;
  } | null;
  /** FourCCs actually sent as Enhanced RTMP media, per direction. */
  readonly fourCcsSent: PerDir<readonly string[]>;
};

export type FlowControlFacts = {
  /**
   * Window Acknowledgement Size announced by the sender of each direction: the receiver of that
   * direction must acknowledge at least every that many bytes (null: never announced).
   */
  readonly windowAckSize: PerDir<number | null>;
  /** Set Peer Bandwidth sent in each direction (the last one). */
  readonly peerBandwidth: PerDir<{ readonly windowSize: number; readonly limitType: number; readonly limitTypeName: string } | null>;
  /**
   * Acknowledgements of each direction's bytes (sent by its receiver, in the other direction):
   * count, last sequence number, and whether the window was honoured (null: not enough bytes
   * flowed for an acknowledgement to be due, or no window was announced).
   */
  readonly acknowledgements: PerDir<{ readonly count: number; readonly lastSequence: number | null; readonly honoured: boolean | null }>;
};

export type ChunkLayerFacts = {
  /** Every Set Chunk Size value each peer sent, in order (capped at 16). */
  readonly chunkSizes: PerDir<readonly number[]>;
  /** The highest chunk stream id each peer used. */
  readonly maxCsid: PerDir<number | null>;
  /** Type-3 continuation chunks of extended-timestamp messages with the timestamp repeated / omitted. */
  readonly type3ExtendedTimestamp: PerDir<{ readonly repeated: number; readonly omitted: number; readonly convention: 'repeated' | 'omitted' | 'mixed' | null }>;
  readonly aborts: PerDir<number>;
};

/** Facts about one session, merged into its `session` record. */
export type SessionFacts = {
  /** connect's command object. */
  readonly app: string | null;
  readonly tcUrl: string | null;
  readonly flashVer: string | null;
  readonly swfUrl: string | null;
  readonly pageUrl: string | null;
  readonly objectEncoding: number | null;
  /** How connect went: the status code of its reply, its latency (ms), the server's fmsVer. */
  readonly connect: {
    readonly outcome: 'success' | 'rejected' | 'auth-required' | 'auth-challenge' | 'auth-failed' | 'no-answer' | null;
    readonly code: string | null;
    readonly description: string | null;
    readonly latencyMs: number | null;
    readonly fmsVer: string | null;
  };
  /** publish when the session only published, play when it only played, mixed for both, null for neither. */
  readonly role: 'publish' | 'play' | 'mixed' | null;
  /** Every publish/play name, in order of first use (capped at 32). */
  readonly streamNames: readonly string[];
  /** Message stream ids by id (as strings, JSON object keys). */
  readonly streamIds: Readonly<Record<string, NetStreamFacts>>;
  readonly transactions: TransactionFacts;
  readonly enhanced: EnhancedRtmpFacts;
  readonly flowControl: FlowControlFacts;
  readonly chunkLayer: ChunkLayerFacts;
  /** True when the capture missed the start of the session (no handshake): order checks were skipped. */
  readonly startSeen: boolean;
};

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
