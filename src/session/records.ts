/**
 * Output records: what every renderer (NDJSON/JSON export, summary tables, TUI) consumes.
 * This is a public contract (the NDJSON export): fields are added, never renamed.
 * Records are plain JSON-safe objects: no class instances, bigint or raw byte arrays.
 */
import type { Direction, Severity } from '../core/diagnostics.js';
import type { SessionFacts, StreamRecord } from '../analysis/types.js';

export type { SessionFacts, StreamRecord } from '../analysis/types.js';

export type GapStats = { readonly count: number; readonly bytes: number };

/** Written when the session's TCP connection ends; the analysis's facts are merged in. */
export type SessionRecord = Partial<SessionFacts> & {
  readonly type: 'session';
  /** 1-based RTMP session number, in order of the connection's first packet. */
  readonly session: number;
  /** 0-based TCP connection index, as Wireshark's `tcp.stream`. */
  readonly tcpStream: number;
  readonly client: string;
  readonly server: string;
  /** True when no SYN told us which side is the client (decided from RTMP or the port). */
  readonly clientGuessed: boolean;
  /** How the connection was recognised as RTMP. */
  readonly detectedBy: 'handshake' | 'chunk-heuristic' | 'port';
  /** C0 version byte when the handshake start was seen (3 plain; 6, 8, 9, 10 RTMPE). */
  readonly version: number | null;
  readonly encrypted: boolean;
  readonly firstFrame: number;
  readonly lastFrame: number;
  readonly startTime: number;
  readonly endTime: number;
  readonly duration: number;
  readonly packets: number;
  /** TCP payload bytes per direction, each byte counted once (retransmissions excluded). */
  readonly bytes: { readonly c2s: number; readonly s2c: number };
  readonly gaps: { readonly c2s: GapStats; readonly s2c: GapStats };
  readonly startUnseen: { readonly c2s: boolean; readonly s2c: boolean };
  /** How the TCP connection ended: FIN, RST, reuse of its 4-tuple, or the end of the capture. */
  readonly end: 'fin' | 'rst' | 'reused' | 'eof' | 'evicted';
  /** RTMP messages decoded per direction. */
  readonly messageCount: { readonly c2s: number; readonly s2c: number };
  /** Chunk size in force at the end, per direction. */
  readonly chunkSize: { readonly c2s: number; readonly s2c: number };
  /** Which type-3 extended-timestamp convention each peer used (null: never needed). */
  readonly type3ExtendedTimestamp: { readonly c2s: 'repeated' | 'omitted' | 'mixed' | null; readonly s2c: 'repeated' | 'omitted' | 'mixed' | null };
  /** Diagnostics of this session by code, repeats included (only the first few of each are written). */
  readonly diagnosticCounts?: Readonly<Record<string, number>>;
};

/** The connection-level part of a session record; the rest comes from the session's decoders. */
export type SessionBase = Pick<
  SessionRecord,
  'session' | 'tcpStream' | 'client' | 'server' | 'clientGuessed' | 'detectedBy' | 'version' | 'encrypted' | 'firstFrame' | 'lastFrame' | 'packets' | 'bytes' | 'gaps' | 'startUnseen' | 'end'
> & { readonly firstTime: { readonly sec: number; readonly nsec: number }; readonly lastTime: { readonly sec: number; readonly nsec: number } };

/** A session record from its connection facts, decode statistics and the analysis's facts. */
export function buildSessionRecord(
  base: SessionBase,
  stats: Pick<SessionRecord, 'messageCount' | 'chunkSize' | 'type3ExtendedTimestamp'>,
  facts: Partial<SessionFacts> & { readonly diagnosticCounts?: Readonly<Record<string, number>> } | null,
): SessionRecord {
  const startTime = base.firstTime.sec + base.firstTime.nsec / 1e9;
  const endTime = base.lastTime.sec + base.lastTime.nsec / 1e9;
  return {
    type: 'session',
    session: base.session,
    tcpStream: base.tcpStream,
    client: base.client,
    server: base.server,
    clientGuessed: base.clientGuessed,
    detectedBy: base.detectedBy,
    version: base.version,
    encrypted: base.encrypted,
    firstFrame: base.firstFrame,
    lastFrame: base.lastFrame,
    startTime,
    endTime,
    duration: Math.round((endTime - startTime) * 1e6) / 1e6,
    packets: base.packets,
    bytes: base.bytes,
    gaps: base.gaps,
    startUnseen: base.startUnseen,
    end: base.end,
    ...stats,
    ...(facts ?? {}),
  };
}

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

export type CaptureSummaryRecord = {
  readonly type: 'capture';
  readonly format: string | null;
  readonly frames: number;
  readonly linkTypes: readonly number[];
  readonly tcpConnections: number;
  readonly rtmpSessions: number;
  /** Packets that were not TCP or could not be decoded, by reason. */
  readonly skipped: Readonly<Record<string, number>>;
  /** TCP connections no longer followed to stay within --max-connections (absent when none). */
  readonly evictedConnections?: number;
  /** Proxy: connections refused at --max-sessions (absent when none). */
  readonly refusedConnections?: number;
  /** Proxy: clients whose TLS handshake failed on a --tls-cert listener (absent when none). */
  readonly failedTlsHandshakes?: number;
};

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
  readonly part: 'C0' | 'C1' | 'C2' | 'S0' | 'S1' | 'S2';
  /** Milliseconds since the client's C0 (capture time). */
  readonly elapsedMs: number;
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
  /** C2/S2: the second time field, and whether the block echoes the peer's first block. */
  readonly epoch2?: number;
  readonly echoes?: boolean | null;
  /** Bytes of the block the capture lost: its digest and echo could not be checked (null). */
  readonly lost?: number;
};

/** One chunk: [fmt, stream offset of its header, header length, payload length, frame]. */
export type ChunkTuple = readonly [number, number, number, number, number];

export type MessageRecord = Locator & {
  readonly type: 'message';
  /** Frame in which the message's first byte arrived. */
  readonly firstFrame: number;
  readonly csid: number;
  readonly typeId: number;
  readonly typeName: string;
  readonly streamId: number;
  readonly timestamp: number;
  readonly length: number;
  /** Command or data handler name (types 15, 17, 18, 20). */
  readonly name?: string;
  readonly transactionId?: number;
  /** AMF values after the name (and transaction id), as plain JSON. */
  readonly args?: readonly unknown[];
  /** Typed fields of well-known commands and data messages. */
  readonly command?: Readonly<Record<string, unknown>>;
  readonly control?: Readonly<Record<string, unknown>>;
  readonly media?: Readonly<Record<string, unknown>>;
  readonly sharedObject?: Readonly<Record<string, unknown>>;
  readonly aggregate?: Readonly<Record<string, unknown>>;
  readonly rawHex?: string;
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

export type OutputRecord = SessionRecord | HandshakeRecord | MessageRecord | DiagnosticRecord | StreamRecord | CaptureSummaryRecord;
