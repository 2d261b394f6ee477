/**
 * The record contract: what every stage after the decoders produces and every renderer (NDJSON/JSON
 * export, summary tables, TUI, report, diff, extract) consumes. This is a public contract (the
 * NDJSON export, docs/ndjson.schema.json): fields are added, never renamed. Records are plain
 * JSON-safe objects: no class instances, bigint or raw byte arrays; a fact that is unknown is
 * `null`, never absent (optional fields aside), and lists are capped.
 *
 *   session.ts   `session` and `capture` lines, buildSessionRecord
 *   messages.ts  `handshake`, `message` and `diagnostic` lines (each located by a Locator)
 *   facts.ts     what the session analysis merges into a session line (connect, flows, flow control, ...)
 *   stream.ts    `stream` lines: one per media stream, per-codec figures, E-RTMP tracks
 *   rtmfp.ts     what RTMFP adds to handshake and session lines
 *
 * This module sits below every stage that makes or reads records (see test/architecture): it
 * imports only types from the decoders beneath it.
 */
import type { SessionRecord, CaptureSummaryRecord } from './session.js';
import type { DiagnosticRecord, HandshakeRecord, MessageRecord } from './messages.js';
import type { StreamRecord } from './stream.js';

export type { GapStats, Transport, RtmpeFacts, SessionRecord, RtmptFacts, SessionBase, CaptureSummaryRecord } from './session.js';
export { buildSessionRecord } from './session.js';
export type { WireExcerpt, DiagnosticRecord, DiagnosticOwner, DiagnosticAt, Locator, HandshakeRecord, ChunkTuple, MessageBodyFields, MessageRecord } from './messages.js';
export { buildDiagnosticRecord } from './messages.js';
export type { PerDir, RangeMs, Role, FlowOutcome, FlowStep, NetStreamFacts, TransactionFacts, EnhancedRtmpFacts, FlowControlFacts, ChunkLayerFacts, SessionFacts } from './facts.js';
export type { VideoStats, AudioStats, StreamRecord, TrackKind, TrackForm, TrackRecord } from './stream.js';
export type { Epd, Certificate, Negotiation, KeyComponent, RtmfpHandshakeFacts, RtmfpFlowFacts, RtmfpSessionFacts } from './rtmfp.js';

export type OutputRecord = SessionRecord | HandshakeRecord | MessageRecord | DiagnosticRecord | StreamRecord | CaptureSummaryRecord;
