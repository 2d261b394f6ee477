/**
 * The body of a message being assembled from its chunks (chunk-decoder.ts): allocated as its
 * bytes arrive, never to the length its header claims, within the connection's budget; media
 * bodies kept only as far as their tag header unless it is a configuration; with `payloads`, the
 * whole body of audio, video and aggregate messages kept beside it for extraction.
 */
import { mediaBodyWanted } from '../media/retention.js';
import { FIRST_BODY, type BufferBudget } from './buffer-budget.js';
import type { ChunkInfo, UnknownField } from './chunk-types.js';

/** Smallest body allocation. */
const MIN_BODY = 64;

/** Types whose whole body `payloads` keeps: audio, video, aggregate. */
export const PAYLOAD_TYPES = new Set([8, 9, 22]);

export type MessageInProgress = {
  body: Uint8Array;
  kept: number;
  received: number;
  lost: number;
  fmt: 0 | 1 | 2 | 3;
  extended: boolean;
  chunks: ChunkInfo[];
  chunkCount: number;
  offset: number;
  firstFrame: number;
  unknown: UnknownField[];
  /** Body bytes this message may keep (its length, or less when capped); `body` grows towards it. */
  cap: number;
  /** A media body kept only as far as its tag header, until the header says it is a config. */
  checkMedia: boolean;
  /** Bookkeeping bytes taken from the budget for this message (besides its body). */
  owed: number;
  /** With `payloads`: the whole body so far (grown as bytes arrive), null when not kept; and its fill. */
  full: Uint8Array | null;
  fullLen: number;
};

/** What bodies are allocated from, and where a cap is reported (an `rtmp.message.buffer-cap` message at a stream offset). */
export type BodySink = {
  readonly budget: BufferBudget;
  readonly mediaHead: number;
  capped(message: string, offset: number): void;
};

/** The chunk stream's message header fields a body needs. */
type Header = { readonly csid: number; readonly typeId: number; readonly length: number };

/** Grow a body to `size` bytes if the budget allows (a small message's first bytes may use its reserve). */
export function growBody(sink: BodySink, m: MessageInProgress, size: number): boolean {
  if (!sink.budget.take(size - m.body.length, m.body.length === 0 && (m.cap <= FIRST_BODY || m.checkMedia))) return false;
  const grown = new Uint8Array(size);
  grown.set(m.body);
  m.body = grown;
  return true;
}

/** `payloads`: the whole body, grown by doubling as bytes arrive (never to a claimed length); dropped when the budget refuses. */
function appendFull(sink: BodySink, s: Header, m: MessageInProgress, data: Uint8Array, p: number, take: number): void {
  const full = m.full as Uint8Array;
  if (m.fullLen + take > full.length) {
    const size = Math.min(s.length, Math.max(m.fullLen + take, full.length * 2, FIRST_BODY));
    if (!sink.budget.take(size - full.length)) {
      sink.budget.give(full.length);
      m.full = null;
      sink.capped(`chunk stream ${s.csid}: the whole ${s.length}-byte body cannot be kept for extraction: messages in progress on this connection already hold ${sink.budget.used} bytes (limit ${sink.budget.limit}, --conn-buffer)`, m.offset);
      return;
    }
    const grown = new Uint8Array(size);
    grown.set(full.subarray(0, m.fullLen));
    m.full = grown;
  }
  (m.full as Uint8Array).set(data.subarray(p, p + take), m.fullLen);
  m.fullLen += take;
}

/** `take` payload bytes of message `m` (on chunk stream `s`) at data[p]. */
export function appendPayload(sink: BodySink, s: Header, m: MessageInProgress, data: Uint8Array, p: number, take: number): void {
  if (m.full !== null) appendFull(sink, s, m, data, p, take);
  let at = p;
  let left = take;
  while (left > 0) {
    if (m.kept === m.body.length) {
      if (m.kept >= m.cap) break;
      let size: number;
      if (m.body.length === 0) {
        // First bytes: as many as arrived (at least MIN_BODY), never what the header promises.
        size = Math.min(m.cap, m.checkMedia ? sink.mediaHead : Math.min(FIRST_BODY, Math.max(MIN_BODY, left)));
      } else if (m.checkMedia) {
        // The tag header is in: keep the rest only for configuration and metadata.
        m.checkMedia = false;
        if (!mediaBodyWanted(s.typeId, m.body)) {
          m.cap = m.kept;
          break;
        }
        size = m.cap;
      } else {
        size = Math.min(m.cap, m.body.length * 2);
      }
      if (!growBody(sink, m, size)) {
        sink.capped(`chunk stream ${s.csid}: a ${s.length}-byte message keeps only its first ${m.kept} bytes: messages in progress on this connection already hold ${sink.budget.used} bytes (limit ${sink.budget.limit}, --conn-buffer)`, m.offset);
        m.cap = m.kept;
        break;
      }
      continue;
    }
    const k = Math.min(m.body.length - m.kept, left);
    m.body.set(data.subarray(at, at + k), m.kept);
    m.kept += k;
    at += k;
    left -= k;
  }
  m.received += take;
}
