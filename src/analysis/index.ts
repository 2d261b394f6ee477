/**
 * Session analysis: the session model and the checks that need a session's (or the capture's)
 * history. Pure and synchronous, fed output records; see session-analysis.ts for what is checked.
 *
 *   SessionAnalysis  one per RTMP session: onRecord(handshake/message) → diagnostics now;
 *                    finish() → session facts, one stream record per media stream, last diagnostics
 *   CaptureAnalysis  across sessions (duplicate publish of one app/stream name)
 *   DiagnosticLimiter  the first N of each code per session are emitted, all are counted
 */
export { SessionAnalysis } from './session-analysis.js';
export { CaptureAnalysis } from './capture-analysis.js';
export { DiagnosticLimiter, DEFAULT_PER_CODE } from './limiter.js';
export { parseAuthDescription, type AuthStep } from './auth.js';
export type { AudioStats, ChunkLayerFacts, EnhancedRtmpFacts, FlowControlFacts, FlowOutcome, FlowStep, NetStreamFacts, PerDir, RangeMs, Role, SessionFacts, StreamRecord, TransactionFacts, VideoStats } from '../records/index.js';
