/** The chunk decoder's events and options (chunk-decoder.ts). */
import type { Diagnostic } from '../core/diagnostics.js';
import type { BufferBudget } from './buffer-budget.js';

export type ByteMeta = { readonly frame: number; readonly sec: number; readonly nsec: number };

export type HandshakePart = {
  readonly kind: 'handshake';
  readonly part: 'C0' | 'C1' | 'C2' | 'S0' | 'S1' | 'S2';
  /** Stream offset of the part's first byte. */
  readonly offset: number;
  readonly frame: number;
  readonly sec: number;
  readonly nsec: number;
  /** C0/S0: the version byte. */
  readonly version?: number;
  /** C1/S1/C2/S2: the 1536 bytes (a copy; renderers must not serialise it). */
  readonly block?: Uint8Array;
  /** Bytes of the block the capture lost (zeros in `block`): its digest and echo cannot be checked. */
  readonly lost?: number;
};

export type ChunkInfo = {
  readonly fmt: 0 | 1 | 2 | 3;
  /** Stream offset of the chunk's basic header. */
  readonly offset: number;
  readonly headerLength: number;
  readonly payloadLength: number;
  readonly frame: number;
};

/** Header fields a loss made unknowable (see the invariants in chunk-decoder.ts). */
export type UnknownField = 'timestamp' | 'streamId';

export type RtmpMessage = {
  readonly kind: 'message';
  readonly csid: number;
  readonly typeId: number;
  readonly streamId: number;
  /** Absolute timestamp (ms, uint32, wraps). */
  readonly timestamp: number;
  readonly length: number;
  /** The first min(length, cap) bytes of the body (a copy). */
  readonly body: Uint8Array;
  /** True when the body was cut at the cap (media payloads are not kept). */
  readonly bodyTruncated: boolean;
  /** The header form that started the message, and whether it used an extended timestamp. */
  readonly fmt: 0 | 1 | 2 | 3;
  readonly extendedTimestamp: boolean;
  /** Body bytes the capture lost inside this message (a gap within a chunk's payload). */
  readonly lost: number;
  /** Present when a loss made header fields unknowable: their values are then not the sender's. */
  readonly unknown?: readonly UnknownField[];
  /**
   * Decoding with `payloads` (extraction), audio, video and aggregate messages only: the whole
   * body; null when it could not be kept whole (the budget refused it, or bytes were lost).
   */
  readonly payload?: Uint8Array | null;
  /** Chunk boundaries (the first `maxChunkInfo` of them) and the total chunk count. */
  readonly chunks: readonly ChunkInfo[];
  readonly chunkCount: number;
  /** Stream offset of the first chunk header. */
  readonly offset: number;
  readonly firstFrame: number;
  /** Frame in which the last byte arrived. */
  readonly frame: number;
  readonly sec: number;
  readonly nsec: number;
};

export type ChunkSizeChange = { readonly kind: 'chunk-size'; readonly size: number; readonly frame: number };

export type Encrypted = { readonly kind: 'encrypted'; readonly version: number; readonly frame: number };

export type Desync = {
  readonly kind: 'desync';
  /** Stream offset where decoding lost the chunk boundaries. */
  readonly offset: number;
  readonly frame: number;
  /** Messages in progress that were dropped (their remaining bytes cannot be placed). */
  readonly droppedMessages: number;
};

export type Resync = {
  readonly kind: 'resync';
  /** Stream offset of the chunk header decoding resumed at. */
  readonly offset: number;
  /** Bytes that were captured but skipped while looking for it. */
  readonly skipped: number;
  /** Chunk size in force from here (inferred when it changed). */
  readonly chunkSize: number;
  readonly chunkSizeInferred: boolean;
  readonly frame: number;
};

export type RtmpEvent = HandshakePart | RtmpMessage | ChunkSizeChange | Encrypted | Desync | Resync | Diagnostic;

export type ChunkDecoderOptions = {
  /** Body bytes kept for audio/video messages (sequence headers are far smaller). */
  readonly maxMediaBytes?: number;
  /**
   * Media bytes kept before looking at the tag header (0: no look, keep up to maxMediaBytes); the
   * rest is kept only for sequence headers, metadata and multitrack/ModEx forms.
   */
  readonly mediaHead?: number;
  /** Body bytes kept for every other message (commands, data, control, shared objects). */
  readonly maxCommandBytes?: number;
  /** Chunk boundaries recorded per message. */
  readonly maxChunkInfo?: number;
  /**
   * Keep the whole body of audio, video and aggregate messages in `payload` (for extraction; off:
   * no cost). Those bodies count against the budget like any other.
   */
  readonly payloads?: boolean;
  /** Connection id for locators. */
  readonly conn?: number;
  /** The handshake was not captured: start directly in the chunk phase (at a chunk boundary). */
  readonly skipHandshake?: boolean;
  /**
   * The bytes after an RTMPE handshake arrive decrypted (the proxy terminates RTMPE and pushes
   * the plaintext): decode them as chunks instead of passing them over as encrypted.
   */
  readonly decrypted?: boolean;
  /** Stream offset of the first byte that will be pushed (for mid-stream starts). */
  readonly startOffset?: number;
  /** The start of this direction is not in the capture: find the first chunk boundary by scanning. */
  readonly startInDesync?: boolean;
  /** The capture starts this direction at its second handshake block (C2/S2), chunks after it. */
  readonly startAtSecondBlock?: boolean;
  /**
   * Bytes that bodies of messages in progress may hold, shared by both directions of a connection
   * (default: a budget of DEFAULT_CONN_BUFFER for this decoder alone).
   */
  readonly budget?: BufferBudget;
};
