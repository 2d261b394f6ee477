/**
 * Diagnostic codes only the live proxy emits. They use the DiagnosticRecord shape of every other
 * diagnostic (records.ts) and the same dotted, never-renamed code style; this local table exists
 * until the codes move into the one catalogue in src/core/diagnostics.ts (which this folder must
 * not edit). Tests assert codes, never message text.
 *
 * Faults of the peers (unreachable upstream, resets, an upstream that closes first) and faults of
 * our own analysis (a decoder that threw, an output that fell behind) both become diagnostics;
 * neither ever stops the bytes from being forwarded.
 */
import type { Direction, Severity } from '../core/diagnostics.js';
import type { DiagnosticRecord } from '../session/records.js';

export const PROXY_CATALOGUE = {
  'proxy.upstream.unreachable': {
    severity: 'error',
    explain: 'The proxy could not open a TCP connection to the upstream server (refused, unreachable, name not resolved or timed out); the client connection was closed.',
  },
  'proxy.upstream.tls-failed': {
    severity: 'error',
    explain: 'The TLS handshake with the rtmps upstream failed (certificate not trusted, wrong name, protocol error); the client connection was closed. Use --ca FILE for a private CA, or --insecure for a self-signed test server.',
  },
  'proxy.upstream.closed': {
    severity: 'info',
    explain: 'The server ended its sending side (FIN) before the client did; the FIN was passed on to the client and the other direction kept open until the client ended it too.',
  },
  'proxy.upstream.reset': {
    severity: 'warn',
    explain: 'The connection to the server failed mid-session (reset or socket error); what the client had already been sent was delivered and its connection was then closed.',
  },
  'proxy.client.reset': {
    severity: 'warn',
    explain: 'The client connection failed mid-session (reset or socket error); what the server had already been sent was delivered and its connection was then closed.',
  },
  'proxy.client.tls-failed': {
    severity: 'warn',
    explain: 'A client connecting to the TLS listener failed its TLS handshake; nothing was forwarded.',
  },
  'proxy.session-limit': {
    severity: 'warn',
    explain: 'A connection was refused because the proxy already serves its maximum number of sessions (--max-sessions).',
  },
  'proxy.shutdown': {
    severity: 'info',
    explain: 'The proxy was stopped while this session was open; both sides were closed with a FIN.',
  },
  'proxy.analysis.failed': {
    severity: 'error',
    explain: 'The decoder threw on this session (a bug in rtmpscope: please report it with the pcap); decoding of this session stopped, forwarding continued unchanged.',
  },
  'proxy.analysis.behind': {
    severity: 'warn',
    explain: 'The record output (NDJSON file or pipe) fell too far behind the traffic; decoding of this session stopped so that memory stays bounded. Forwarding continued unchanged.',
  },
  'proxy.pcap.behind': {
    severity: 'warn',
    explain: 'The pcap output fell too far behind the traffic; pcap writing stopped for the rest of the run (the file holds every packet up to this point). Forwarding and decoding continued.',
  },
  'proxy.pcap.failed': {
    severity: 'error',
    explain: 'Synthesising or writing the pcap failed; pcap writing stopped for the rest of the run. Forwarding and decoding continued.',
  },
} as const satisfies Record<string, { severity: Severity; explain: string }>;

export type ProxyDiagnosticCode = keyof typeof PROXY_CATALOGUE;

export type ProxyDiagnosticAt = {
  readonly session: number | null;
  readonly client?: string;
  readonly server?: string;
  readonly dir?: Direction;
  readonly frame?: number;
  readonly time?: number;
  readonly offset?: number;
};

export function proxyDiag(
  code: ProxyDiagnosticCode,
  message: string,
  at: ProxyDiagnosticAt,
  context?: Readonly<Record<string, string | number | boolean>>,
): DiagnosticRecord {
  return {
    type: 'diagnostic',
    session: at.session,
    ...(at.client === undefined ? {} : { client: at.client }),
    ...(at.server === undefined ? {} : { server: at.server }),
    ...(at.dir === undefined ? {} : { dir: at.dir }),
    ...(at.frame === undefined ? {} : { frame: at.frame }),
    ...(at.time === undefined ? {} : { time: at.time }),
    ...(at.offset === undefined ? {} : { offset: at.offset }),
    severity: PROXY_CATALOGUE[code].severity,
    code,
    message,
    ...(context === undefined ? {} : { context }),
  };
}
