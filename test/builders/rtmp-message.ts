/**
 * A whole RTMP message as the chunk decoder hands it on (one chunk, nothing lost), for tests that
 * drive the stages after it (extraction, the session) without chunking bytes first.
 */
import type { RtmpMessage } from '../../src/rtmp/chunk-decoder.js';

export type MessageOptions = {
  readonly streamId?: number;
  readonly timestamp?: number;
  readonly csid?: number;
  /** Give the body as `payload` too (as the decoder does for extraction); default: audio, video and aggregates. */
  readonly payload?: boolean;
};

export function wholeMessage(typeId: number, body: Uint8Array, o: MessageOptions = {}): RtmpMessage {
  const payload = o.payload ?? [8, 9, 22].includes(typeId);
  return {
    kind: 'message',
    csid: o.csid ?? 3,
    typeId,
    streamId: o.streamId ?? 1,
    timestamp: o.timestamp ?? 0,
    length: body.length,
    body,
    bodyTruncated: false,
    fmt: 0,
    extendedTimestamp: false,
    lost: 0,
    chunks: [],
    chunkCount: 1,
    offset: 0,
    firstFrame: 1,
    frame: 1,
    sec: 0,
    nsec: 0,
    ...(payload ? { payload: body } : {}),
  };
}
