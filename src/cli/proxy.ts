/**
 * `rtmpscope proxy …`: its options (parsed here — src/proxy is a library without argv) and how it
 * runs. On a terminal (standard input and output, and records not on standard output) the live UI
 * follows the sessions, titled with the address encoders connect to; with `-o FILE` the NDJSON is
 * written as well. Otherwise (`--no-ui`, piped, `-o -`) records go to the output and status lines
 * to stderr, error-level problems (upstream unreachable, TLS failures) among them. Either way the
 * proxy runs until SIGINT/SIGTERM (or the user quits the UI), then closes cleanly: both sides of
 * every session get a FIN, outputs are flushed. A second signal exits at once.
 */
import { isTarget, TARGETS } from '../targets/ingest.js';
import type { Writable } from 'node:stream';
import { UserError } from '../io/input.js';
import { clean } from '../core/text.js';
import type { DiagnosticRecord, OutputRecord } from '../records/index.js';
import { runProxy, type ProxyHandle } from '../proxy/proxy.js';
import { DEFAULT_HANDSHAKE_TIMEOUT_MS, hostPortText, MAX_TIMEOUT_MS, parseHostPort, parseUpstream, PROXY_DEFAULTS, type ProxyOptions } from '../proxy/options.js';
import { prepareUi } from './common.js';
import { parseCommandArgs } from './args.js';
import { UI_WIRE_EXCERPT } from '../session/wire.js';

export const PROXY_USAGE = `rtmpscope proxy --upstream HOST:PORT|URL [options]

Sits between an encoder and an RTMP server: forwards every byte unchanged in both directions and
decodes a copy as \`export\` decodes its --pcap (the same NDJSON records, session numbers included).

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
  -o, --output FILE           write records to FILE ('-': standard output); on a terminal the UI
                              runs too (error-level problems are printed to stderr when it closes)
      --no-ui                 no UI even on a terminal: records go to --output (default standard
                              output), status lines and error-level problems to stderr
      --pcap FILE             write the proxied traffic as a pcap (synthesised TCP, ns timestamps)
      --pcap-link ethernet|raw  pcap link type (default ethernet)
      --record DIR            write every published or played stream to DIR as (Enhanced) FLV,
                              live, as \`rtmpscope extract --dir\` names them (one line per file on stderr)
      --connect-timeout SEC   give up connecting to the upstream after SEC seconds (default 10)
      --max-sessions N        refuse connections beyond N concurrent sessions (default 1000)
      --max-connections N     refuse connections beyond N open at once (default 4096: what
                              reading the --pcap back follows at once with the same option)
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

On a terminal (standard input and output) the UI follows the sessions live, with the address
encoders connect to in its header; \`q\` asks before cutting sessions still open. Records:
client = the encoder's address, server = the upstream's address; frame numbers are
those of the --pcap file (counted the same without it). Ctrl-C closes both sides of every
session and flushes the outputs.`;

function usage(msg: string): never {
  throw new UserError(`proxy: ${msg}`, 2);
}

export type ProxyCommand = {
  /** Null when help was asked for. */
  readonly options: ProxyOptions | null;
  /** The UI may run (no --no-ui); it runs on a terminal unless records go to standard output. */
  readonly ui: boolean;
  readonly help: boolean;
};

/** The proxy's options from the command line (see `parseProxyCommand`). */
export function parseProxyArgs(argv: string[]): ProxyOptions {
  const c = parseProxyCommand(argv);
  if (c.options === null) usage('--help given');
  return c.options;
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

/**
 * Command-line arguments after `proxy` → the proxy's options, whether the UI may run (`--no-ui`)
 * and whether help was asked for. Pure: throws UserError (exit 2, one line) on bad input.
 */
export function parseProxyCommand(argv: string[]): ProxyCommand {
  if (argv.includes('-h') || argv.includes('--help')) return { options: null, ui: false, help: true };
  let parsed;
  try {
    parsed = parseCommandArgs('proxy', {
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
        record: { type: 'string' },
        'pcap-link': { type: 'string', default: 'ethernet' },
        'connect-timeout': { type: 'string' },
        'max-sessions': { type: 'string' },
        'max-connections': { type: 'string' },
        'handshake-timeout': { type: 'string' },
        'memory-budget': { type: 'string' },
        target: { type: 'string' },
        'idle-timeout': { type: 'string' },
        'stall-timeout': { type: 'string' },
        'no-ui': { type: 'boolean', default: false },
        debug: { type: 'boolean', default: false },
        help: { type: 'boolean', short: 'h', default: false },
      },
    });
  } catch (e) {
    throw e instanceof UserError ? new UserError(`proxy: ${e.message}`, 2) : e;
  }
  const { values: v, positionals } = parsed;
  if (positionals.length > 0) usage(`unexpected argument '${positionals[0]}'`);
  if (v.upstream === undefined) usage('--upstream HOST:PORT or rtmp[s]://HOST[:PORT] is required');
  const upstream = parseUpstream(v.upstream);
  const listen = v.listen === undefined ? PROXY_DEFAULTS.listen : parseHostPort(v.listen, '--listen', null, true, true);
  if (v.format !== 'ndjson' && v.format !== 'none') {
    usage(`--format must be ndjson or none, not '${v.format}'${v.format === 'json' ? ' (a live proxy streams: use ndjson)' : ''}`);
  }
  if (v.format === 'none' && v.output !== undefined) usage('--output given with --format none');
  const link = v['pcap-link'];
  if (link !== 'ethernet' && link !== 'raw') usage(`--pcap-link must be ethernet or raw, not '${link}'`);
  if ((v['tls-cert'] === undefined) !== (v['tls-key'] === undefined)) usage('--tls-cert and --tls-key go together');
  if (!upstream.tls && (v.insecure || v.ca !== undefined)) usage(`${v.insecure ? '--insecure' : '--ca'} only applies to an rtmps:// upstream`);
  let connectTimeoutMs: number = PROXY_DEFAULTS.connectTimeoutMs;
  if (v['connect-timeout'] !== undefined) {
    const s = Number(v['connect-timeout']);
    if (!/^\d+(\.\d+)?$/.test(v['connect-timeout']) || !(s > 0) || s > 3600) usage(`--connect-timeout: '${v['connect-timeout']}' is not a number of seconds (0 < SEC <= 3600)`);
    connectTimeoutMs = Math.round(s * 1000);
  }
  const maxSessions = v['max-sessions'] === undefined ? PROXY_DEFAULTS.maxSessions : positiveInt(v['max-sessions'], '--max-sessions');
  const maxConnections = v['max-connections'] === undefined ? undefined : positiveInt(v['max-connections'], '--max-connections');
  if (maxConnections !== undefined && maxConnections > 10_000_000) usage(`--max-connections must be a whole number from 1 to 10000000, not '${v['max-connections']}'`);
  const memoryBudget = v['memory-budget'] === undefined ? undefined : positiveInt(v['memory-budget'], '--memory-budget');
  const target = v.target;
  if (target !== undefined && !isTarget(target)) usage(`--target must be one of ${TARGETS.join(', ')}, not '${target}'`);
  const idleTimeoutMs = timeoutSeconds(v['idle-timeout'], '--idle-timeout', PROXY_DEFAULTS.idleTimeoutMs);
  const handshakeTimeoutMs = timeoutSeconds(v['handshake-timeout'], '--handshake-timeout', DEFAULT_HANDSHAKE_TIMEOUT_MS);
  const stallTimeoutMs = timeoutSeconds(v['stall-timeout'], '--stall-timeout', PROXY_DEFAULTS.stallTimeoutMs);
  const options: ProxyOptions = {
    listen,
    upstream,
    insecure: v.insecure,
    ...(v.ca === undefined ? {} : { ca: v.ca }),
    ...(v['tls-cert'] === undefined ? {} : { tlsCert: v['tls-cert'] }),
    ...(v['tls-key'] === undefined ? {} : { tlsKey: v['tls-key'] }),
    format: v.format,
    ...(v.output === undefined ? {} : { output: v.output }),
    ...(v.pcap === undefined ? {} : { pcap: v.pcap }),
    ...(v.record === undefined ? {} : { record: v.record }),
    pcapLink: link,
    connectTimeoutMs,
    maxSessions,
    ...(maxConnections === undefined ? {} : { maxConnections }),
    ...(memoryBudget === undefined ? {} : { memoryBudget }),
    ...(target === undefined || !isTarget(target) ? {} : { target }),
    idleTimeoutMs,
    handshakeTimeoutMs,
    stallTimeoutMs,
  };
  return { options, ui: !v['no-ui'], help: false };
}

/** One stderr line for an error-level problem of the proxy (wire text sanitised). */
export function problemLine(d: DiagnosticRecord): string {
  const who = d.session !== null ? `session ${d.session}` : d.client !== undefined ? `client ${d.client}` : 'proxy';
  return `rtmpscope proxy: error: ${who}: ${clean(d.message)} (${d.code})\n`;
}

/** `rtmpscope proxy …` (the COMMANDS table's entry). */
export async function run(argv: string[]): Promise<void> {
  const cmd = parseProxyCommand(argv);
  if (cmd.options === null) {
    process.stdout.write(PROXY_USAGE + '\n');
    return;
  }
  const opts = cmd.options;
  const terminal = process.stdout.isTTY === true && process.stdin.isTTY === true;
  if (cmd.ui && terminal && opts.output !== '-') return runWithUi(opts);
  return runHeadless(opts, process.stderr);
}

/** Records to the output, status lines and error-level problems to `stderr`, until a signal. */
export async function runHeadless(base: ProxyOptions, stderr: Writable, started?: (h: ProxyHandle) => void): Promise<void> {
  const opts: ProxyOptions = {
    ...base,
    onWarning: (m) => stderr.write(`rtmpscope proxy: ${clean(m)}\n`),
    onProblem: (d) => stderr.write(problemLine(d)),
  };
  const handle = await runProxy(opts);
  stderr.write(`rtmpscope proxy: listening on ${handle.url}, forwarding to ${upstreamUrl(opts)} (Ctrl-C to stop)\n`);
  started?.(handle);
  await untilSignal(stderr);
  await handle.close();
  const s = handle.stats();
  stderr.write(`rtmpscope proxy: stopped after ${s.accepted} connection(s), ${s.forwarded.c2s} bytes client→server, ${s.forwarded.s2c} bytes server→client\n`);
}

function upstreamUrl(opts: ProxyOptions): string {
  const u = opts.upstream;
  const scheme = `${u.rtmpt === true ? 'rtmpt' : u.rtmpe === true ? 'rtmpe' : 'rtmp'}${u.tls ? 's' : ''}`;
  return `${scheme}://${hostPortText(u)}`;
}

function untilSignal(stderr: Writable): Promise<void> {
  return new Promise<void>((resolve) => {
    let signalled = false;
    const onSignal = (sig: NodeJS.Signals) => {
      if (signalled) {
        stderr.write(`rtmpscope proxy: ${sig} again, exiting without flushing\n`);
        process.exit(130);
      }
      signalled = true;
      stderr.write(`rtmpscope proxy: ${sig}: closing sessions and flushing outputs\n`);
      resolve();
    };
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
  });
}

/**
 * The live UI: the proxy starts first (its listening address is the UI's title), records go to
 * the UI's store as they are produced, and to `-o FILE` as well when given. Warnings and
 * error-level problems are printed when the UI has closed (the screen is the UI's until then).
 */
async function runWithUi(base: ProxyOptions): Promise<void> {
  prepareUi();
  const { RecordStore, runTui } = await import('../tui/index.js');
  const store = new RecordStore();
  const later: string[] = [];
  let open = true;
  const handle = await runProxy({
    ...base,
    // No -o: the UI is the only consumer; -o FILE: NDJSON there too.
    format: base.output === undefined ? 'none' : base.format,
    onWarning: (m) => later.push(`rtmpscope proxy: ${clean(m)}\n`),
    onProblem: (d) => later.push(problemLine(d)),
    onRecords: (recs: readonly OutputRecord[]) => {
      if (open) store.push(recs);
    },
    // The hex view (`x`): each item's first bytes from the wire (kept out of the -o file).
    wireExcerpt: UI_WIRE_EXCERPT,
  });
  try {
    await runTui({
      title: proxyTitle(handle.url, upstreamUrl(base)),
      follow: true,
      live: true,
      quitCutsSessions: true,
      store,
      // The proxy runs until the user quits the UI.
      load: () => new Promise<void>(() => {}),
    });
  } finally {
    open = false;
    await handle.close();
    for (const l of later) process.stderr.write(l);
  }
}

/**
 * The UI's title: where encoders connect first (the header gives the title a third of its width,
 * so at 80 columns the listening URL is what stays), then where the proxy forwards.
 */
export function proxyTitle(listening: string, upstream: string): string {
  return `${listening} → ${upstream}`;
}
