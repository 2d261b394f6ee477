/**
 * Output types of the session analysis (src/analysis): the facts merged into a session
 * record at its end, and one `stream` record per media stream. Like every output record they are
 * plain JSON (numbers, strings, booleans, null, arrays, objects; no undefined, bigint or class
 * instances), with fixed keys: a fact that is unknown is `null`, never absent. Lists are capped so
 * a record stays small whatever the session holds.
 *
 * Times: `time`-like fields are capture time in seconds (as every record's `time`); `...Ms` fields
 * are milliseconds, media timestamps (RTMP message timestamps) unless said otherwise.
 */
import type { Direction } from '../core/diagnostics.js';

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
