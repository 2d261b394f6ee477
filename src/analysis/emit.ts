/**
 * Diagnostic records from the analysis: a catalogue code, a plain-language message and the locator
 * of the message at fault (direction, frame, capture time, byte offset). The severity always comes
 * from the catalogue (`diag()`), so an unknown code is a compile error.
 */
import { diag, type DiagnosticCode, type Direction } from '../core/diagnostics.js';
import { buildDiagnosticRecord, type DiagnosticRecord } from '../records/index.js';

/** The session a diagnostic belongs to. */
export type SessionIdentity = { readonly session: number; readonly client: string; readonly server: string };

/** Where: the locator fields of the record at fault (all optional). */
export type At = { readonly dir?: Direction; readonly frame?: number; readonly time?: number; readonly offset?: number };

export type Context = Readonly<Record<string, string | number | boolean>>;

/** The locator of a handshake/message record. */
export function atOf(r: { readonly dir: Direction; readonly frame: number; readonly time: number; readonly offset: number }): At {
  return { dir: r.dir, frame: r.frame, time: r.time, offset: r.offset };
}

export function diagnosticRecord(id: SessionIdentity, code: DiagnosticCode, message: string, at: At, context?: Context): DiagnosticRecord {
  return buildDiagnosticRecord(id, at, diag(code, message, at, context));
}

/** Milliseconds between two capture times (seconds), rounded to the microsecond. */
export function msBetween(from: number, to: number): number {
  return Math.round((to - from) * 1e6) / 1e3;
}

export function round(n: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(n * f) / f;
}

export const opposite = (d: Direction): Direction => (d === 'c2s' ? 's2c' : 'c2s');

/**
 * What a tracker of one session (flow control, chunk layer, transactions) may ask of its session:
 * to report diagnostics (in the order they arise), and how far the session's order can be trusted.
 */
export interface SessionContext {
  emit(code: DiagnosticCode, message: string, at: At, context?: Context): void;
  /** Emit once per key (per session). */
  once(key: string, code: DiagnosticCode, message: string, at: At, context?: Context): void;
  /** The capture holds the session's start (its handshake was seen). */
  startSeen(): boolean;
  /** The capture lost bytes of this direction (order checks of it are lenient). */
  lossy(dir: Direction): boolean;
}

export const perDir = <T>(f: () => T): { c2s: T; s2c: T } => ({ c2s: f(), s2c: f() });
