/**
 * The per-session lines: handshake parts, RTMP messages and diagnostics, each located by a
 * Locator. Part of the NDJSON contract (src/records/index.ts): fields are added, never renamed.
 */
import type { Direction, Severity } from '../core/diagnostics.js';
import type { DecodedBody } from '../rtmp/messages.js';
import type { RtmfpHandshakeFacts } from './rtmfp.js';

/** What a record carries: its first bytes from the wire, as hex, from stream offset `offset`. */
export type WireExcerpt = { readonly offset: number; readonly hex: string };

export type DiagnosticRecord = {
  readonly type: 'diagnostic';
  /** Session number, or null for capture-level problems. */
  readonly session: number | null;
  readonly client?: string;
  readonly server?: string;
  readonly dir?: Direction;
  readonly frame?: number;
  readonly time?: number;
  readonly offset?: number;
  readonly severity: Severity;
  readonly code: string;
  readonly message: string;
  readonly context?: Readonly<Record<string, string | number | boolean>>;
};

/** Whose diagnostic: a session (number and endpoints), or the capture (session null). */
export type DiagnosticOwner = { readonly session: number | null; readonly client?: string; readonly server?: string };

/** Where in the owner's traffic (each field optional). */
export type DiagnosticAt = { readonly dir?: Direction; readonly frame?: number; readonly time?: number; readonly offset?: number };

/**
 * The one builder of diagnostic records: owner, locator, then what (severity, code, message,
 * context), keys in the record's documented order and absent ones left out.
 */
export function buildDiagnosticRecord(
  owner: DiagnosticOwner,
  at: DiagnosticAt,
  d: { readonly severity: Severity; readonly code: string; readonly message: string; readonly context?: Readonly<Record<string, string | number | boolean>> | undefined },
): DiagnosticRecord {
  return {
    type: 'diagnostic',
    session: owner.session,
    ...(owner.client === undefined ? {} : { client: owner.client }),
    ...(owner.server === undefined ? {} : { server: owner.server }),
    ...(at.dir === undefined ? {} : { dir: at.dir }),
    ...(at.frame === undefined ? {} : { frame: at.frame }),
    ...(at.time === undefined ? {} : { time: at.time }),
    ...(at.offset === undefined ? {} : { offset: at.offset }),
    severity: d.severity,
    code: d.code,
    message: d.message,
    ...(d.context === undefined ? {} : { context: d.context }),
  };
}

/** Fields every per-session line carries to locate it. */
export type Locator = {
  readonly session: number;
  readonly client: string;
  readonly server: string;
  readonly dir: Direction;
  /** Frame in which the item's last byte arrived (1-based, as Wireshark numbers frames). */
  readonly frame: number;
  /** Capture time of that frame, seconds since the epoch. */
  readonly time: number;
  /** Byte offset of the item's first byte in its direction's TCP stream. */
  readonly offset: number;
};

export type HandshakeRecord = Locator & {
  readonly type: 'handshake';
  /** RTMP handshake parts, or the RTMFP startup chunks (RFC 7016 §3.5). */
  readonly part: 'C0' | 'C1' | 'C2' | 'S0' | 'S1' | 'S2' | 'IHello' | 'RHello' | 'IIKeying' | 'RIKeying';
  /** Milliseconds since the client's C0 (RTMFP: since the session's first IHello), capture time. */
  readonly elapsedMs: number;
  /** RTMFP startup chunks: what they carry (rtmfp.ts). */
  readonly rtmfp?: RtmfpHandshakeFacts;
  /** C0/S0 */
  readonly version?: number;
  readonly encrypted?: boolean;
  /** C1/S1/C2/S2: the time field. */
  readonly epoch?: number;
  /** C1/S1: the 4 bytes after time, dotted ("0.0.0.0" for the simple handshake). */
  readonly peerVersion?: string;
  readonly handshake?: 'simple' | 'digest' | 'unknown-digest';
  readonly scheme?: 0 | 1 | null;
  readonly digestValid?: boolean | null;
  /** RTMPE C1/S1: the DH public key's offset (from the digest scheme) and whether 1 < y < p-1. */
  readonly dhKey?: { readonly offset: number; readonly valid: boolean };
  /** C2/S2: the second time field, and whether the block echoes the peer's first block. */
  readonly epoch2?: number;
  readonly echoes?: boolean | null;
  /** Bytes of the block the capture lost: its digest and echo could not be checked (null). */
  readonly lost?: number;
  /** Its first bytes from the wire (only with AnalyzerOptions.wireExcerpt: the TUI). */
  readonly wire?: WireExcerpt;
};

/** One chunk: [fmt, stream offset of its header, header length, payload length, frame]. */
export type ChunkTuple = readonly [number, number, number, number, number];

/**
 * What a message record carries of its decoded body, typed as src/rtmp/messages.ts decodes it:
 * the command or data handler name and transaction id, the AMF arguments as plain JSON, the typed
 * fields of well-known commands and data messages (absent when none), control (types 1-6), media
 * (audio/video tag headers with their decoded configuration), shared object, aggregate, and the
 * first bytes of unknown types as hex. Written after `length`, in this order.
 */
export type MessageBodyFields = Pick<DecodedBody, 'name' | 'transactionId' | 'args' | 'command' | 'control' | 'media' | 'sharedObject' | 'aggregate' | 'rawHex'>;

export type MessageRecord = Locator &
  MessageBodyFields & {
    readonly type: 'message';
    /** Frame in which the message's first byte arrived. */
    readonly firstFrame: number;
    readonly csid: number;
    readonly typeId: number;
    readonly typeName: string;
    readonly streamId: number;
    readonly timestamp: number;
    readonly length: number;
    /** Its first bytes from the wire, chunk headers included (only with AnalyzerOptions.wireExcerpt: the TUI). */
    readonly wire?: WireExcerpt;
    /** Body bytes lost in the capture (a TCP gap inside one of the message's chunks). */
    readonly lost?: number;
    /**
     * Header fields that could not be known after a loss or a mid-stream start (their values are
     * carried on from the last known ones): 'timestamp', 'streamId'.
     */
    readonly unknown?: readonly ('timestamp' | 'streamId')[];
    readonly chunks: {
      readonly count: number;
      /** Header form of the first chunk and whether the message used an extended timestamp. */
      readonly fmt: number;
      readonly extendedTimestamp: boolean;
      /** The first chunks (up to 1024). */
      readonly list: readonly ChunkTuple[];
    };
  };
