/**
 * The hook through which the decoding pipeline hands whole message bodies to extraction. An
 * `RtmpSession` given a sink decodes with `payloads` on (audio, video and aggregate bodies kept
 * whole, within the connection's budget) and reports here, synchronously, every complete message,
 * every loss that can cost a message, and its end. Without a sink nothing of this runs.
 */
import type { Direction } from '../core/diagnostics.js';
import type { RtmpMessage } from '../rtmp/chunk-decoder.js';

export type SinkSession = {
  readonly session: number;
  readonly client: string;
  readonly server: string;
};

export interface PayloadSink {
  /** A complete message of `dir` (its `payload` holds the whole body of audio, video and aggregates, or null). */
  message(id: SinkSession, dir: Direction, m: RtmpMessage): void;
  /** Messages of `dir` may have been lost here (a capture gap, a desync, a dropped message): `why` says how. */
  loss(id: SinkSession, dir: Direction, why: string): void;
  /** The session ended: nothing more comes for it. */
  end(id: SinkSession): void;
}

/** Diagnostics of the chunk decoder that mean a message was dropped or cut: a loss for extraction. */
export const LOSS_CODES: ReadonlySet<string> = new Set(['rtmp.chunk.interrupted', 'rtmp.message.buffer-cap', 'rtmp.chunk.stream-cap', 'rtmp.message.incomplete']);
