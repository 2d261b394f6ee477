/**
 * The proxy's option set: what `rtmpscope proxy ...` accepts on the command line
 * (`parseProxyArgs`) and what `runProxy` takes programmatically (`ProxyOptions`, a superset:
 * injectable clock, output streams, record callback and limits for tests and the TUI).
 *
 * Contract: `parseProxyArgs` is pure (no file or network access; files named by options are
 * opened by `runProxy`) and throws `UserError` with exit code 2 and one readable line for every
 * bad argument. Defaults: listen on loopback 127.0.0.1:1935, NDJSON on stdout, no pcap, sessions
 * closed after 120 s without traffic or 60 s with a peer that does not read.
 */
import { isTarget, TARGETS, type IngestTarget } from '../targets/ingest.js';
import { isIP } from 'node:net';
import { parseArgs } from 'node:util';
import type { Writable } from 'node:stream';
import { UserError } from '../io/input.js';
import type { OutputRecord } from '../session/records.js';
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
  readonly pcapLink: PcapLink;
  readonly connectTimeoutMs: number;
  readonly maxSessions: number;
  /** Bytes the decoders of all sessions may hold together (--memory-budget); beyond, the costliest session stops being decoded. */
  readonly memoryBudget?: number;
  /** Check published streams against this ingest service's documented requirements (--target). */
  readonly target?: IngestTarget;
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
  /** Write records here instead of `output` (not ended by the proxy). */
  readonly outputStream?: Writable;
  /** Write the pcap here instead of `pcap` (not ended by the proxy). */
  readonly pcapStream?: Writable;
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

export const PROXY_USAGE = `rtmpscope proxy --upstream HOST:PORT|URL [options]

Sits between an encoder and an RTMP server: forwards every byte unchanged in both directions and
decodes a copy with the same decoders as \`export\` (same NDJSON records).

      --upstream TARGET       the real server: HOST:PORT, [IPv6]:PORT, rtmp://HOST[:PORT][/app...]
                              (port 1935), rtmps://HOST[:PORT][/app...] (TLS, SNI, port 443),
                              rtmpt://HOST[:PORT] (RTMP tunnelled in HTTP, port 80; clients connect
                              with rtmpt://), rtmpts://HOST[:PORT] (the same over TLS, port 443) or
                              rtmpe://HOST[:PORT] (the proxy speaks RTMPE to it). An RTMPE client
                              is always terminated: the proxy answers its handshake and decrypts
      --listen [HOST:]PORT    where encoders connect (default 127.0.0.1:1935; port 0: any free port)
      --tls-cert FILE         accept rtmps on the listening side with this PEM certificate...
      --tls-key FILE          ...and this PEM private key (both or neither)
      --ca FILE               trust this PEM CA for the rtmps upstream
      --insecure              do not verify the rtmps upstream's certificate (self-signed test servers)
      --format ndjson|none    record output (default ndjson; none: only --pcap)
  -o, --output FILE           write records to FILE (default, or '-': standard output)
      --pcap FILE             write the proxied traffic as a pcap (synthesised TCP, ns timestamps)
      --pcap-link ethernet|raw  pcap link type (default ethernet)
      --connect-timeout SEC   give up connecting to the upstream after SEC seconds (default 10)
      --max-sessions N        refuse connections beyond N concurrent sessions (default 1000)
      --memory-budget BYTES   what the decoders of all sessions may hold together; beyond it
                              the costliest session stops being decoded, never forwarded
                              (default 268435456)
      --target youtube|twitch|facebook|generic
                              check published streams against the service's documented
                              ingest requirements (docs/ingest-targets.md)
      --handshake-timeout SEC close a session whose client has not sent its whole handshake
                              SEC seconds after connecting (default 10; 0: never)
      --idle-timeout SEC      close a session when no byte moved either way for SEC seconds
                              (default 120; 0: never)
      --stall-timeout SEC     close a session when a peer has not read the data waiting for it
                              for SEC seconds (default 60; 0: never)

Records: client = the encoder's address, server = the upstream's address; frame numbers are
those of the --pcap file (counted the same without it). Ctrl-C closes both sides of every
session and flushes the outputs.`;

export const DEFAULT_IDLE_TIMEOUT_MS = 120_000;
export const DEFAULT_HANDSHAKE_TIMEOUT_MS = 10_000;
export const DEFAULT_STALL_TIMEOUT_MS = 60_000;

const DEFAULTS = {
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
  if (portAlone && /^\d+$/.test(t)) return { host: DEFAULTS.listen.host, port: parsePort(t, what, allowZeroPort) };
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

/** Seconds (decimals allowed) → ms; 0 disables; `what` names the option in the error. */
function timeoutSeconds(text: string | undefined, what: string, defaultMs: number): number {
  if (text === undefined) return defaultMs;
  const s = Number(text);
  const ms = Math.round(s * 1000);
  if (!/^\d+(\.\d+)?$/.test(text) || !(ms <= MAX_TIMEOUT_MS) || (s > 0 && ms === 0)) {
    usage(`${what}: '${text}' is not a number of seconds (0: never, else 0.001 to ${MAX_TIMEOUT_MS / 1000})`);
  }
  return ms;
}

function positiveInt(text: string, what: string): number {
  if (!/^\d+$/.test(text) || Number(text) < 1) usage(`${what}: '${text}' is not a positive whole number`);
  return Number(text);
}

/** Command-line arguments after `proxy` → options. Throws UserError (exit 2) on bad input. */
export function parseProxyArgs(argv: string[]): ProxyOptions {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      strict: true,
      options: {
        upstream: { type: 'string' },
        listen: { type: 'string' },
        'tls-cert': { type: 'string' },
        'tls-key': { type: 'string' },
        ca: { type: 'string' },
        insecure: { type: 'boolean', default: false },
        format: { type: 'string', default: 'ndjson' },
        output: { type: 'string', short: 'o' },
        pcap: { type: 'string' },
        'pcap-link': { type: 'string', default: 'ethernet' },
        'connect-timeout': { type: 'string' },
        'max-sessions': { type: 'string' },
        'handshake-timeout': { type: 'string' },
        'memory-budget': { type: 'string' },
        target: { type: 'string' },
        'idle-timeout': { type: 'string' },
        'stall-timeout': { type: 'string' },
        debug: { type: 'boolean', default: false },
        help: { type: 'boolean', short: 'h', default: false },
      },
    });
  } catch (e) {
    // One line: some of parseArgs's messages have several.
    usage(`${(e as Error).message.replace(/\s*\n\s*/g, ' ')} (see rtmpscope proxy --help)`);
  }
  const { values: v, positionals } = parsed;
  if (positionals.length > 0) usage(`unexpected argument '${positionals[0]}'`);
  if (v.upstream === undefined) usage('--upstream HOST:PORT or rtmp[s]://HOST[:PORT] is required');
  const upstream = parseUpstream(v.upstream);
  const listen = v.listen === undefined ? DEFAULTS.listen : parseHostPort(v.listen, '--listen', null, true, true);
  if (v.format !== 'ndjson' && v.format !== 'none') {
    usage(`--format must be ndjson or none, not '${v.format}'${v.format === 'json' ? ' (a live proxy streams: use ndjson)' : ''}`);
  }
  if (v.format === 'none' && v.output !== undefined) usage('--output given with --format none');
  const link = v['pcap-link'];
  if (link !== 'ethernet' && link !== 'raw') usage(`--pcap-link must be ethernet or raw, not '${link}'`);
  if ((v['tls-cert'] === undefined) !== (v['tls-key'] === undefined)) usage('--tls-cert and --tls-key go together');
  if (!upstream.tls && (v.insecure || v.ca !== undefined)) usage(`${v.insecure ? '--insecure' : '--ca'} only applies to an rtmps:// upstream`);
  let connectTimeoutMs: number = DEFAULTS.connectTimeoutMs;
  if (v['connect-timeout'] !== undefined) {
    const s = Number(v['connect-timeout']);
    if (!/^\d+(\.\d+)?$/.test(v['connect-timeout']) || !(s > 0) || s > 3600) usage(`--connect-timeout: '${v['connect-timeout']}' is not a number of seconds (0 < SEC <= 3600)`);
    connectTimeoutMs = Math.round(s * 1000);
  }
  const maxSessions = v['max-sessions'] === undefined ? DEFAULTS.maxSessions : positiveInt(v['max-sessions'], '--max-sessions');
  const memoryBudget = v['memory-budget'] === undefined ? undefined : positiveInt(v['memory-budget'], '--memory-budget');
  if (v.target !== undefined && !isTarget(v.target)) usage(`--target must be one of ${TARGETS.join(', ')}, not '${v.target}'`);
  const idleTimeoutMs = timeoutSeconds(v['idle-timeout'], '--idle-timeout', DEFAULTS.idleTimeoutMs);
  const handshakeTimeoutMs = timeoutSeconds(v['handshake-timeout'], '--handshake-timeout', DEFAULT_HANDSHAKE_TIMEOUT_MS);
  const stallTimeoutMs = timeoutSeconds(v['stall-timeout'], '--stall-timeout', DEFAULTS.stallTimeoutMs);
  return {
    listen,
    upstream,
    insecure: v.insecure,
    ...(v.ca === undefined ? {} : { ca: v.ca }),
    ...(v['tls-cert'] === undefined ? {} : { tlsCert: v['tls-cert'] }),
    ...(v['tls-key'] === undefined ? {} : { tlsKey: v['tls-key'] }),
    format: v.format,
    ...(v.output === undefined ? {} : { output: v.output }),
    ...(v.pcap === undefined ? {} : { pcap: v.pcap }),
    pcapLink: link,
    connectTimeoutMs,
    maxSessions,
    ...(memoryBudget === undefined ? {} : { memoryBudget }),
    ...(v.target === undefined || !isTarget(v.target) ? {} : { target: v.target }),
    idleTimeoutMs,
    handshakeTimeoutMs,
    stallTimeoutMs,
  };
}

/** `host:port` text of an address (IPv6 in brackets). */
export function hostPortText(a: HostPort): string {
  return a.host.includes(':') ? `[${a.host}]:${a.port}` : `${a.host}:${a.port}`;
}
