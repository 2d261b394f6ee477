/**
 * Diagnostics only the live proxy emits (codes `proxy.*` in the one catalogue,
 * src/core/diagnostics.ts), as DiagnosticRecords like every other diagnostic. Tests assert codes,
 * never message text.
 *
 * Faults of the peers (unreachable upstream, resets, an upstream that closes first) and faults of
 * our own analysis (a decoder that threw, an output that fell behind) both become diagnostics;
 * neither ever stops the bytes from being forwarded.
 */
import { CATALOGUE, type DiagnosticCode } from '../core/diagnostics.js';
import { buildDiagnosticRecord, type DiagnosticAt, type DiagnosticOwner, type DiagnosticRecord } from '../records/index.js';

/** The proxy's entries of the catalogue. */
export const PROXY_CATALOGUE: Readonly<Record<ProxyDiagnosticCode, (typeof CATALOGUE)[ProxyDiagnosticCode]>> = Object.fromEntries(Object.entries(CATALOGUE).filter(([code]) => code.startsWith('proxy.'))) as Record<
  ProxyDiagnosticCode,
  (typeof CATALOGUE)[ProxyDiagnosticCode]
>;

export type ProxyDiagnosticCode = Extract<DiagnosticCode, `proxy.${string}`>;

export type ProxyDiagnosticAt = DiagnosticOwner & DiagnosticAt;

export function proxyDiag(code: ProxyDiagnosticCode, message: string, at: ProxyDiagnosticAt, context?: Readonly<Record<string, string | number | boolean>>): DiagnosticRecord {
  return buildDiagnosticRecord(at, at, { severity: CATALOGUE[code].severity, code, message: message.replace(/\s*\n\s*/g, ' ').trim(), context });
}
