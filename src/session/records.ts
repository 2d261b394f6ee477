/**
 * Output records: what every renderer (NDJSON/JSON export, summary tables, TUI) consumes.
 * This is a public contract (the NDJSON export): fields are added, never renamed.
 * Records are plain JSON-safe objects: no class instances, bigint or raw byte arrays.
 */
import type { Direction, Severity } from '../core/diagnostics.js';

export type GapStats = { readonly count: number; readonly bytes: number };

export type SessionRecord = {
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
  readonly end: 'fin' | 'rst' | 'reused' | 'eof';
};

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
};

export type OutputRecord = SessionRecord | DiagnosticRecord | CaptureSummaryRecord;
