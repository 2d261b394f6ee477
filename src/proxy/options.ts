/**
 * The proxy's option set: what `runProxy` takes (`ProxyOptions`: what the command line sets —
 * parsed by src/cli/proxy.ts — plus injectable clock, output streams, record callback and limits
 * for tests and the TUI), and the parsers of its address values (`parseUpstream`,
 * `parseHostPort`), which throw `UserError` with exit code 2 and one readable line. Defaults: listen on loopback 127.0.0.1:1935, NDJSON on stdout, no pcap, sessions
 * closed after 120 s without traffic or 60 s with a peer that does not read.
 */
import type { IngestTarget } from '../targets/ingest.js';
import { isIP } from 'node:net';
import type { Writable } from 'node:stream';
import { UserError } from '../io/input.js';
import type { DiagnosticRecord, OutputRecord } from '../records/index.js';
import type { Clock, Stopwatch } from './clock.js';
import type { PcapLink } from './pcap-synth.js';

export type HostPort = { readonly host: string; readonly port: number };

export type UpstreamTarget = HostPort & {
  /** rtmps: TLS to the upstream, with SNI = host when host is a name. */
  readonly tls: boolean;
  /** rtmpe: the proxy speaks RTMPE to the upstream (it terminates an RTMPE client either way). */
  readonly rtmpe?: boolean;
  /** rtmpt / rtmpts: the peers speak RTMP tunnelled in HTTP (forwarded unchanged, decoded as RTMPT). */
  readonly rtmpt?: boolean;
};

export type ProxyOptions = {
  readonly listen: HostPort;
  readonly upstream: UpstreamTarget;
  /** Skip verification of the rtmps upstream's certificate. */
  readonly insecure: boolean;
  /** PEM file with CA certificate(s) to trust for the rtmps upstream. */
  readonly ca?: string;
  /** PEM certificate and key files: accept TLS (rtmps) on the listening side. */
  readonly tlsCert?: string;
  readonly tlsKey?: string;
  /** Record output format; 'none' writes no records (e.g. with --pcap only, or the TUI). */
  readonly format: 'ndjson' | 'none';
  /** Output file; undefined or '-' is standard output. */
  readonly output?: string;
  /** pcap file of the proxied traffic. */
  readonly pcap?: string;
  /** Directory where every forwarded stream is written as FLV, live (--record; src/extract). */
  readonly record?: string;
  /** Check published streams against this ingest service's documented requirements (--target). */
  readonly target?: IngestTarget;
  readonly pcapLink: PcapLink;
  readonly connectTimeoutMs: number;
  readonly maxSessions: number;
  /**
   * TCP connections open through the proxy at once (default DEFAULT_MAX_CONNECTIONS, 4096: what
   * reading the --pcap back follows at once, `--max-connections`); beyond, connections are refused
   * (`proxy.connection-limit`), so the pcap never holds more than the reader follows.
   */
  readonly maxConnections?: number;
  /** Bytes the decoders of all sessions may hold together (--memory-budget); beyond, the costliest session stops being decoded. */
  readonly memoryBudget?: number;
  /**
   * Close a session in which no byte moved in either direction for this long, counted from its
   * arrival, the upstream connection included (ms; default 120000; 0 or Infinity: never).
   */
  readonly idleTimeoutMs?: number;
  /**
   * Close a session whose client has not sent its whole handshake (C0, C1, C2: 3073 bytes) this
   * long after it arrived (ms; default 10000; 0 or Infinity: never).
   */
  readonly handshakeTimeoutMs?: number;
  /**
   * Close a session when bytes wait for a peer that has not drained them (its other side paused
   * by backpressure) for this long (ms; default 60000; 0 or Infinity: never).
   */
  readonly stallTimeoutMs?: number;

  // ---- programmatic only (not settable from the command line) ----
  /** Wall clock for record and packet times (default: system clock). */
  readonly clock?: Clock;
  /** Every batch of records, synchronously, as they are produced (the TUI subscribes here). */
  readonly onRecords?: (records: readonly OutputRecord[]) => void;
  /**
   * Wire excerpts of this many bytes on the handshake parts and messages given to `onRecords`
   * (the UI's hex view; src/session/wire.ts); never in the NDJSON output. Default 0: none.
   */
  readonly wireExcerpt?: number;
  /** Write records here instead of `output` (not ended by the proxy). */
  readonly outputStream?: Writable;
  /** Write the pcap here instead of `pcap` (not ended by the proxy). */
  readonly pcapStream?: Writable;
  /** Every error-level diagnostic of the proxy itself (`proxy.*`: upstream unreachable, TLS failed…) as it is emitted. */
  readonly onProblem?: (record: DiagnosticRecord) => void;
  /** Problems with the outputs themselves (a closed pipe, a full disk), one line each. */
  readonly onWarning?: (message: string) => void;
  /** Initial TCP sequence numbers in the pcap (default random). */
  readonly isn?: () => number;
  /** Bytes the record output may lag behind before sessions stop being decoded (default 32 MiB). */
  readonly maxOutputLag?: number;
  /** Bytes the pcap output may lag behind before pcap writing stops (default 64 MiB). */
  readonly maxPcapLag?: number;
  /** After a fault or at close: how long the other side may take to close before it is destroyed (ms, default 5000; 1000 at close). */
  readonly graceMs?: number;
  /**
   * The share of the proxy's time (0..1, averaged over about half a second) that decoding may
   * take; past it, decoding of the costliest session stops (`proxy.analysis.slow`) so that
   * forwarding is never slowed down by analysis. Default 0.6; Infinity: never.
   */
  readonly maxAnalysisShare?: number;
  /** Monotonic time for the analysis budget (default performance.now). */
  readonly stopwatch?: Stopwatch;
};

export const DEFAULT_IDLE_TIMEOUT_MS = 120_000;
export const DEFAULT_HANDSHAKE_TIMEOUT_MS = 10_000;
export const DEFAULT_STALL_TIMEOUT_MS = 60_000;

export const PROXY_DEFAULTS = {
  listen: { host: '127.0.0.1', port: 1935 },
  connectTimeoutMs: 10_000,
  maxSessions: 1000,
  idleTimeoutMs: DEFAULT_IDLE_TIMEOUT_MS,
  stallTimeoutMs: DEFAULT_STALL_TIMEOUT_MS,
} as const;

/** The longest --idle-timeout / --stall-timeout accepted (a day; setTimeout's limit is ~24.8 days). */
export const MAX_TIMEOUT_MS = 86_400_000;

function usage(msg: string): never {
  throw new UserError(`proxy: ${msg}`, 2);
}

function parsePort(text: string, what: string, allowZero: boolean): number {
  if (!/^\d{1,5}$/.test(text)) usage(`${what}: '${text}' is not a port number`);
  const n = Number(text);
  if (n > 65535 || (n === 0 && !allowZero)) usage(`${what}: port ${n} is out of range`);
  return n;
}

/** `host:port`, `[v6]:port`, `host` (default port), or `port` alone when `portAlone` is set. */
export function parseHostPort(text: string, what: string, defaultPort: number | null, allowZeroPort: boolean, portAlone = false): HostPort {
  const t = text.trim();
  if (t === '') usage(`${what}: empty address`);
  if (portAlone && /^\d+$/.test(t)) return { host: PROXY_DEFAULTS.listen.host, port: parsePort(t, what, allowZeroPort) };
  let host: string;
  let port: string | null = null;
  if (t.startsWith('[')) {
    const close = t.indexOf(']');
    if (close < 0) usage(`${what}: '${t}' has no closing ']'`);
    host = t.slice(1, close);
    const rest = t.slice(close + 1);
    if (rest !== '') {
      if (!rest.startsWith(':')) usage(`${what}: unexpected '${rest}' after the IPv6 address`);
      port = rest.slice(1);
    }
    if (isIP(host) !== 6) usage(`${what}: '${host}' is not an IPv6 address`);
  } else {
    const colons = (t.match(/:/g) ?? []).length;
    if (colons > 1) {
      if (isIP(t) === 6) usage(`${what}: write an IPv6 address in brackets with its port, e.g. [${t}]:1935`);
      usage(`${what}: '${t}' is not HOST:PORT`);
    }
    const i = t.lastIndexOf(':');
    host = i < 0 ? t : t.slice(0, i);
    if (i >= 0) port = t.slice(i + 1);
    if (host === '' || /[\s/@?#]/.test(host)) usage(`${what}: '${t}' is not HOST:PORT`);
  }
  if (port === null) {
    if (defaultPort === null) usage(`${what}: '${t}' has no port`);
    return { host, port: defaultPort };
  }
  return { host, port: parsePort(port, what, allowZeroPort) };
}

/** The upstream: HOST:PORT (plain RTMP) or an rtmp:// / rtmps:// URL (path ignored). */
export function parseUpstream(text: string): UpstreamTarget {
  const m = /^([a-z][a-z0-9+.-]*):\/\/([^/?#]*)(.*)$/i.exec(text.trim());
  if (m === null) return { ...parseHostPort(text, '--upstream', 1935, false), tls: false };
  const scheme = m[1]!.toLowerCase();
  const authority = m[2]!;
  if (scheme !== 'rtmp' && scheme !== 'rtmps' && scheme !== 'rtmpe' && scheme !== 'rtmpt' && scheme !== 'rtmpts') {
    const hint = scheme === 'rtmpte' ? ' (RTMPTE is not proxied)' : '';
    usage(`--upstream: unsupported scheme '${scheme}://'${hint}; use rtmp://, rtmps://, rtmpe://, rtmpt://, rtmpts:// or HOST:PORT`);
  }
  if (authority.includes('@')) usage('--upstream: user names in the URL are not supported');
  if (authority === '') usage(`--upstream: '${text}' has no host`);
  const tls = scheme === 'rtmps' || scheme === 'rtmpts';
  if (scheme === 'rtmpt' || scheme === 'rtmpts') return { ...parseHostPort(authority, '--upstream', tls ? 443 : 80, false), tls, rtmpt: true };
  return { ...parseHostPort(authority, '--upstream', tls ? 443 : 1935, false), tls, ...(scheme === 'rtmpe' ? { rtmpe: true } : {}) };
}

/** `host:port` text of an address (IPv6 in brackets). */
export function hostPortText(a: HostPort): string {
  return a.host.includes(':') ? `[${a.host}]:${a.port}` : `${a.host}:${a.port}`;
}
