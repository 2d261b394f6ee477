/**
 * `runProxy`: the listener, the shared outputs and clock, and the set of live sessions.
 *
 * Contract:
 * - Resolves once listening (the handle carries the bound address, so `--listen 127.0.0.1:0`
 *   works); rejects with a UserError when the address cannot be bound or an option file cannot
 *   be read or opened. Nothing is listening or open after a rejection.
 * - The pcap gets one synthesised TCP connection per accepted connection that reached the
 *   upstream, and its events go through the session pipeline `export` runs after TCP reassembly
 *   (src/session/pipeline.ts, fed by tap.ts): sessions are recognised, numbered (1.., in order of
 *   recognition) and decoded exactly as when the pcap is read back. Records go to the NDJSON
 *   output and to `onRecords`, in the order they are produced, through the pipeline's
 *   cross-session checks and capture-level diagnostic limiter, the proxy's own diagnostics too
 *   (those of a connection that is no session, or not yet, are capture-level: session null).
 *   Nothing is decoded when nobody consumes records (`--format none` without `onRecords`).
 * - Sessions cannot hold a slot for ever: one in which no byte moved either way for
 *   `idleTimeoutMs`, or in which bytes waited `stallTimeoutMs` for a peer that does not read
 *   them, is closed on both sides (`proxy.idle-timeout`, `proxy.stall-timeout`; see relay.ts).
 * - Memory is bounded: at most `maxSessions` sessions and `maxConnections` TCP connections
 *   (refused beyond: see `onSocket`), per-direction socket buffers bounded by
 *   backpressure, the record and pcap outputs capped by `maxOutputLag` / `maxPcapLag` (past the
 *   cap, decoding (per session) or pcap writing (globally) stops with a diagnostic).
 * - Forwarding never waits on decoding: a chunk is written to the other socket, its packets are
 *   synthesised (frame numbers and --pcap bytes in arrival order), and its segments are queued;
 *   the queue is decoded after the poll phase in which the chunk was read (setImmediate), so the
 *   bytes readable at once are forwarded first (up to SETTLE_BYTES queued: then decoded at once). Whatever else reaches a tap or an output (a
 *   FIN, a reset, a diagnostic, the end) settles the queue first: records come out in the order
 *   reading the --pcap back gives them.
 * - Time is bounded too: decoding shares the forwarding thread, so the time it takes is summed
 *   over all sessions with an exponential decay (time constant ANALYSIS_WINDOW_MS). When that sum
 *   says decoding took more than `maxAnalysisShare` of the time, the session with the largest
 *   share of it stops being decoded (`proxy.analysis.slow`), one at a time until the total is
 *   back under the share. Garbage (scanned byte by byte for a chunk header, ~50× the cost of
 *   RTMP) or floods of tiny messages from one peer thus cannot slow down anybody's forwarding,
 *   however many such peers there are.
 * - `close()` stops listening, closes both sides of every session with a FIN (destroying
 *   stragglers after a grace period), emits each open session's records and a final `capture`
 *   summary record, and flushes and closes the outputs. Idempotent.
 */
import { readFileSync } from 'node:fs';
import net from 'node:net';
import tls from 'node:tls';
import type { Writable } from 'node:stream';
import type { Direction } from '../core/diagnostics.js';
import { UserError } from '../io/input.js';
import { SessionPipeline } from '../session/pipeline.js';
import { withoutWire } from '../session/wire.js';
import { directoryExtractor, requireDirectory } from '../extract/record.js';
import type { CaptureSummaryRecord, OutputRecord } from '../records/index.js';
import { systemClock, systemStopwatch, type Clock } from './clock.js';
import { proxyDiag } from './diagnostics.js';
import { DEFAULT_HANDSHAKE_TIMEOUT_MS, DEFAULT_IDLE_TIMEOUT_MS, DEFAULT_STALL_TIMEOUT_MS, hostPortText, MAX_TIMEOUT_MS, type ProxyOptions } from './options.js';
import { TcpSynth, type SynthSegment } from './pcap-synth.js';
import { Relay, socketEndpoint, type RelayHost } from './relay.js';
import { adopt, SocketReads } from './reads.js';
import { BufferBudget } from '../rtmp/chunk-decoder.js';
import { DEFAULT_MAX_CONNECTIONS } from '../tcp/reassembly.js';

/** Default --memory-budget: what the decoders of all sessions may hold together. */
export const DEFAULT_MEMORY_BUDGET = 256 * 1024 * 1024;
import { NdjsonSink, openOutput, PcapSink } from './sinks.js';

export type ProxyStats = {
  /** Connections accepted (sessions are numbered by the session pipeline, in order of recognition, as in the --pcap). */
  readonly accepted: number;
  /** Sessions whose sockets are still open. */
  readonly active: number;
  /** Bytes forwarded per direction, all sessions. */
  readonly forwarded: { readonly c2s: number; readonly s2c: number };
  /** Bytes held in user space by all sessions' sockets right now. */
  readonly buffered: number;
  /** Sessions with a direction paused by backpressure right now. */
  readonly paused: number;
  /** Frames synthesised (the last frame number). */
  readonly frames: number;
  readonly outputLag: number;
  readonly pcapLag: number;
  /** Share of the recent time (0..1, decaying over ANALYSIS_WINDOW_MS) spent decoding. */
  readonly analysisShare: number;
};

export type ProxyHandle = {
  /** The bound listening address (port resolved when 0 was asked for). */
  readonly address: { readonly host: string; readonly port: number; readonly family: 'IPv4' | 'IPv6' };
  /** `rtmp://host:port` (or rtmps://) of the listener, for encoders. */
  readonly url: string;
  stats(): ProxyStats;
  /** Stop: see the file contract. Resolves when outputs are flushed and closed. */
  close(): Promise<void>;
};

const DEFAULT_OUTPUT_LAG = 32 << 20;
const DEFAULT_PCAP_LAG = 64 << 20;
const DEFAULT_GRACE_MS = 5000;
const CLOSE_GRACE_MS = 1000;
/** Time constant of the decaying sum of decoding time (see the file contract). */
const ANALYSIS_WINDOW_MS = 500;
const DEFAULT_ANALYSIS_SHARE = 0.6;
/** Bytes of forwarded chunks queued for decoding before they are decoded without waiting for the poll phase to end. */
const SETTLE_BYTES = 256 * 1024;

/** A programmatic timeout option (ms) → ms, 0 meaning never. */
function timeoutMs(value: number | undefined, fallback: number, what: string): number {
  const ms = value ?? fallback;
  if (ms === 0 || ms === Infinity) return 0;
  if (!(ms > 0 && ms <= MAX_TIMEOUT_MS)) throw new UserError(`proxy: ${what} must be 0 (never) or 0 < ms <= ${MAX_TIMEOUT_MS}, not ${ms}`, 2);
  return ms;
}

function readPem(path: string, what: string): Buffer {
  try {
    return readFileSync(path);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new UserError(`${what} ${path}: cannot read (${code === 'ENOENT' ? 'no such file' : (code ?? String(e))})`);
  }
}

export async function runProxy(opts: ProxyOptions): Promise<ProxyHandle> {
  const clock: Clock = opts.clock ?? systemClock();
  const warn = opts.onWarning ?? (() => undefined);
  const idleTimeoutMs = timeoutMs(opts.idleTimeoutMs, DEFAULT_IDLE_TIMEOUT_MS, 'idleTimeoutMs');
  const handshakeTimeoutMs = timeoutMs(opts.handshakeTimeoutMs, DEFAULT_HANDSHAKE_TIMEOUT_MS, 'handshakeTimeoutMs');
  const stallTimeoutMs = timeoutMs(opts.stallTimeoutMs, DEFAULT_STALL_TIMEOUT_MS, 'stallTimeoutMs');

  // TLS material first: nothing is opened if a file is missing.
  let serverTls: tls.TlsOptions | null = null;
  if (opts.tlsCert !== undefined || opts.tlsKey !== undefined) {
    if (opts.tlsCert === undefined || opts.tlsKey === undefined) throw new UserError('proxy: --tls-cert and --tls-key go together', 2);
    serverTls = { cert: readPem(opts.tlsCert, '--tls-cert'), key: readPem(opts.tlsKey, '--tls-key') };
    try {
      tls.createSecureContext(serverTls);
    } catch (e) {
      throw new UserError(`--tls-cert/--tls-key: not a usable PEM certificate and key (${(e as Error).message})`);
    }
  }
  const upstreamTls: tls.ConnectionOptions = {
    rejectUnauthorized: !opts.insecure,
    ...(opts.ca === undefined ? {} : { ca: readPem(opts.ca, '--ca') }),
    ...(net.isIP(opts.upstream.host) === 0 ? { servername: opts.upstream.host } : {}),
  };

  // Outputs.
  if (opts.record !== undefined) requireDirectory(opts.record, '--record');
  const recorder = opts.record === undefined ? null : directoryExtractor(opts.record, warn);
  let ndjson: NdjsonSink | null = null;
  let pcap: PcapSink | null = null;
  const owned: Writable[] = [];
  /** Sinks are created before the record path; their failures are emitted once it exists. */
  let emitLater: (recs: readonly OutputRecord[]) => void = () => {};
  const synth = new TcpSynth({ link: opts.pcapLink, encode: false, ...(opts.isn === undefined ? {} : { isn: opts.isn }) });
  try {
    if (opts.format === 'ndjson') {
      const own = opts.outputStream === undefined;
      const s = opts.outputStream ?? openOutput(opts.output ?? '-', '--output');
      if (own) owned.push(s);
      ndjson = new NdjsonSink(s, own, (e) => warn(`record output failed (${(e as NodeJS.ErrnoException).code ?? e.message}); no more records are written`));
    }
    if (opts.pcap !== undefined || opts.pcapStream !== undefined) {
      const own = opts.pcapStream === undefined;
      const s = opts.pcapStream ?? openOutput(opts.pcap!, '--pcap');
      if (own) owned.push(s);
      pcap = new PcapSink(s, own, (e) => {
        synth.encode = false;
        const why = (e as NodeJS.ErrnoException).code ?? e.message;
        warn(`pcap output failed (${why}); no more packets are written`);
        emitLater([proxyDiag('proxy.pcap.failed', `pcap writing stopped: ${why}`, { session: null })]);
      });
      synth.encode = true;
      pcap.push([synth.fileHeader()]);
    }
  } catch (e) {
    for (const s of owned) s.destroy();
    throw e;
  }

  const maxOutputLag = opts.maxOutputLag ?? DEFAULT_OUTPUT_LAG;
  const maxPcapLag = opts.maxPcapLag ?? DEFAULT_PCAP_LAG;
  let onRecords = opts.onRecords ?? null;
  const onProblem = opts.onProblem ?? null;
  const relays = new Set<Relay>();
  let accepted = 0;
  let forwardedClosed = { c2s: 0, s2c: 0 };
  let closing: Promise<void> | null = null;

  // The decoders of all sessions share one budget: when it is full, the session holding the most
  // stops being decoded (at once, or after its own decoding returns if it is the one asking).
  const budget = new BufferBudget(opts.memoryBudget ?? DEFAULT_MEMORY_BUDGET);
  // What follows TCP reassembly in `export`, fed with the synthesised connections (tap.ts).
  const wireExcerpt = onRecords === null ? 0 : (opts.wireExcerpt ?? 0);
  const pipeline = new SessionPipeline({ shared: budget, ...(recorder === null ? {} : { payloads: recorder }), ...(opts.target === undefined ? {} : { target: opts.target }), ...(wireExcerpt > 0 ? { wireExcerpt } : {}) });
  /** The cross-session checks threw once: records go out unchecked from then on. */
  let checks = true;
  emitLater = (recs) => emit(recs);
  // Decoding after forwarding: the segments of every chunk forwarded are queued here and decoded
  // together once the bytes readable now have been forwarded (setImmediate: after the poll phase
  // in which they were read), in arrival order across sessions. Anything else that reaches a tap
  // or an output settles the queue first, so records come out in exactly the order in which the
  // synthesised packets (and the --pcap read back) have them.
  type Queued = { readonly r: Relay; readonly dir: Direction; readonly plain: Uint8Array; readonly segs: readonly SynthSegment[] };
  let queued: Queued[] = [];
  /** Bytes queued; at SETTLE_BYTES the queue is decoded at once (bounded memory, bytes still in cache). */
  let queuedBytes = 0;
  let settling = false;
  let settleScheduled = false;
  const settle = (): void => {
    if (settling || queued.length === 0) return;
    settling = true;
    const q = queued;
    queued = [];
    queuedBytes = 0;
    try {
      for (let i = 0; i < q.length; i++) {
        const x = q[i]!;
        x.r.decode(x.dir, x.plain, x.segs);
      }
    } finally {
      settling = false;
    }
  };
  const later = (r: Relay, dir: Direction, plain: Uint8Array, segs: readonly SynthSegment[]): void => {
    queued.push({ r, dir, plain, segs });
    queuedBytes += plain.length;
    if (queuedBytes >= SETTLE_BYTES) settle();
    if (settleScheduled || queued.length === 0) return;
    settleScheduled = true;
    setImmediate(() => {
      settleScheduled = false;
      settle();
    });
  };

  /** Every record passes the pipeline's checks (`admitted`: already did, as the checks' own last records). */
  const emit = (input: readonly OutputRecord[], admitted = false): void => {
    if (input.length === 0) return;
    settle();
    let recs = input;
    if (checks && !admitted) {
      try {
        recs = pipeline.admit([...input]);
      } catch (e) {
        checks = false;
        warn(`internal error in the cross-session checks (disabled): ${(e as Error).message}`);
      }
    }
    if (recs.length === 0) return;
    if (onProblem !== null) for (const r of recs) if (r.type === 'diagnostic' && r.severity === 'error' && r.code.startsWith('proxy.')) onProblem(r);
    try {
      // The excerpts are for onRecords (the UI) only: the file stays as without them.
      ndjson?.push(wireExcerpt > 0 ? withoutWire(recs) : recs);
    } catch (e) {
      warn(`internal error writing records: ${(e as Error).message}`);
    }
    if (onRecords !== null) {
      try {
        onRecords(recs);
      } catch (e) {
        onRecords = null;
        const d = proxyDiag('proxy.analysis.failed', `the onRecords subscriber threw and was dropped: ${(e as Error).message}`, { session: null }, { where: 'onRecords' });
        ndjson?.push([d]);
      }
    }
  };

  // The analysis budget: decaying sums of decoding time, in total and per session (Relay.load).
  const now = opts.stopwatch ?? systemStopwatch;
  const maxShare = opts.maxAnalysisShare ?? DEFAULT_ANALYSIS_SHARE;
  let load = 0;
  let loadAt = now();
  const decayed = (v: number, at: number, t: number): number => (t <= at || v === 0 ? v : v * Math.exp((at - t) / ANALYSIS_WINDOW_MS));
  const analysed = (r: Relay, ms: number): void => {
    const t = now();
    load = decayed(load, loadAt, t) + ms;
    loadAt = t;
    r.load = decayed(r.load, r.loadAt, t) + ms;
    r.loadAt = t;
    if (!(load > maxShare * ANALYSIS_WINDOW_MS)) return;
    let top: Relay | null = null;
    let topLoad = 0;
    for (const x of relays) {
      if (!x.decoding) continue;
      const l = decayed(x.load, x.loadAt, t);
      if (l > topLoad) {
        top = x;
        topLoad = l;
      }
    }
    if (top === null) return;
    top.shed(load / ANALYSIS_WINDOW_MS);
    load = Math.max(0, load - topLoad);
    top.load = 0;
    top.loadAt = t;
  };

  const maxConnections = opts.maxConnections ?? DEFAULT_MAX_CONNECTIONS;
  /** Connections refused at --max-sessions or --max-connections, and clients whose TLS handshake failed: in the totals. */
  let refused = 0;
  let tlsFailed = 0;
  budget.shedder = (requester) => {
    let top: Relay | null = null;
    for (const r of relays) if (r.decoding && r.held > 0 && (top === null || r.held > top.held)) top = r;
    if (top === null) return false;
    const own = top.owns(requester);
    top.shedMemory(!own);
    return !own;
  };

  const host: RelayHost = {
    clock,
    now,
    analysed,
    synth,
    upstream: opts.upstream,
    upstreamTls,
    pipeline,
    connectTimeoutMs: opts.connectTimeoutMs,
    idleTimeoutMs,
    handshakeTimeoutMs,
    stallTimeoutMs,
    graceMs: opts.graceMs ?? DEFAULT_GRACE_MS,
    decode: ndjson !== null || onRecords !== null || recorder !== null,
    emit,
    later,
    settle,
    outputBehind: () => ndjson !== null && ndjson.lag > maxOutputLag,
    packetsReady: () => {
      if (!synth.encode || pcap === null) {
        if (synth.pendingSize > 0) synth.take();
        return;
      }
      try {
        pcap.push(synth.take());
        if (pcap.lag > maxPcapLag) {
          synth.encode = false;
          const t = clock();
          emit([proxyDiag('proxy.pcap.behind', 'the pcap output fell behind; pcap writing stopped (the file is complete up to here)', { session: null, frame: synth.frames, time: t.sec + t.nsec / 1e9 })]);
        }
      } catch (e) {
        synth.encode = false;
        synth.take();
        emit([proxyDiag('proxy.pcap.failed', `pcap writing stopped: ${(e as Error).message}`, { session: null })]);
      }
    },
    released: (r) => {
      relays.delete(r);
      const t = now();
      load = Math.max(0, decayed(load, loadAt, t) - decayed(r.load, r.loadAt, t));
      loadAt = t;
      forwardedClosed = { c2s: forwardedClosed.c2s + r.forwarded.c2s, s2c: forwardedClosed.s2c + r.forwarded.s2c };
    },
  };

  const onSocket = (sock: net.Socket): void => {
    if (closing !== null) {
      sock.destroy();
      return;
    }
    // Every relay counts until both its sockets are gone, so the connections the pcap holds open
    // at once (and the reader follows) never exceed either limit.
    const sessionsFull = relays.size >= opts.maxSessions;
    if (sessionsFull || relays.size >= maxConnections) {
      refused++;
      const ep = socketEndpoint(sock.remoteAddress, sock.remotePort);
      const at = { session: null, ...(ep === null ? {} : { client: ep.text }) };
      emit([
        sessionsFull
          ? proxyDiag('proxy.session-limit', `connection refused: already serving ${opts.maxSessions} sessions`, at)
          : proxyDiag('proxy.connection-limit', `connection refused: ${maxConnections} TCP connections already open, the most a reader of the --pcap follows at once (--max-connections)`, at, { maxConnections }),
      ]);
      sock.on('error', () => undefined);
      sock.destroy();
      return;
    }
    // Plain TCP clients are read into the proxy's own buffers (reads.ts); TLS ones as streams.
    const reads = serverTls === null ? new SocketReads() : null;
    const adopted = reads === null ? null : adopt(sock, reads, true);
    const r = adopted === null ? new Relay(host, ++accepted, sock) : new Relay(host, ++accepted, adopted, reads);
    relays.add(r);
    r.start();
  };

  const server: net.Server =
    serverTls === null
      ? net.createServer({ allowHalfOpen: true, pauseOnConnect: true }, onSocket)
      : // A client's TLS handshake comes before its session exists: --idle-timeout bounds it too
        // (Node's own limit, 120 s, when that is longer or off).
        tls.createServer({ ...serverTls, allowHalfOpen: true, handshakeTimeout: idleTimeoutMs > 0 ? Math.min(idleTimeoutMs, 120_000) : 120_000 }, (s) => {
          s.pause();
          onSocket(s);
        });
  if (serverTls !== null) {
    server.on('tlsClientError', (e: NodeJS.ErrnoException, s: tls.TLSSocket) => {
      const ep = socketEndpoint(s.remoteAddress, s.remotePort);
      s.destroy(); // Node leaves a timed-out handshake's socket open
      tlsFailed++;
      emit([proxyDiag('proxy.client.tls-failed', `TLS handshake with a client failed (${e.code ?? e.message})`, { session: null, ...(ep === null ? {} : { client: ep.text }) }, { error: e.code ?? 'ERR' })]);
    });
  }

  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen({ host: opts.listen.host, port: opts.listen.port }, () => {
        server.off('error', reject);
        resolve();
      });
    });
  } catch (e) {
    for (const s of owned) s.destroy();
    const code = (e as NodeJS.ErrnoException).code;
    const where = hostPortText(opts.listen);
    const why = code === 'EADDRINUSE' ? 'address already in use' : code === 'EACCES' ? 'permission denied (ports below 1024 need privileges)' : code === 'EADDRNOTAVAIL' ? 'no such local address' : code === 'ENOTFOUND' ? 'unknown host' : (code ?? String(e));
    throw new UserError(`proxy: cannot listen on ${where}: ${why}`);
  }
  server.on('error', (e) => warn(`listener error: ${e.message}`));

  const bound = server.address() as net.AddressInfo;
  const family: 'IPv4' | 'IPv6' = bound.family === 'IPv6' || (bound.family as unknown) === 6 ? 'IPv6' : 'IPv4';
  const address = { host: bound.address, port: bound.port, family };
  const scheme = opts.upstream.rtmpt === true ? 'rtmpt' : 'rtmp';
  const url = `${serverTls === null ? scheme : `${scheme}s`}://${hostPortText(address)}`;

  const stats = (): ProxyStats => {
    let buffered = 0;
    let paused = 0;
    const fwd = { ...forwardedClosed };
    for (const r of relays) {
      buffered += r.buffered;
      const p = r.isPaused;
      if (p.c2s || p.s2c) paused++;
      for (const d of ['c2s', 's2c'] as Direction[]) fwd[d] += r.forwarded[d];
    }
    return {
      accepted,
      active: relays.size,
      forwarded: fwd,
      buffered,
      paused,
      frames: synth.frames,
      outputLag: ndjson?.lag ?? 0,
      pcapLag: pcap?.lag ?? 0,
      analysisShare: decayed(load, loadAt, now()) / ANALYSIS_WINDOW_MS,
    };
  };

  const close = (): Promise<void> => {
    if (closing !== null) return closing;
    closing = (async () => {
      const listenerClosed = new Promise<void>((resolve) => server.close(() => resolve()));
      await Promise.all([...relays].map((r) => r.shutdown(opts.graceMs === undefined ? CLOSE_GRACE_MS : Math.min(opts.graceMs, CLOSE_GRACE_MS))));
      await listenerClosed;
      settle();
      try {
        pipeline.finishTunnels();
        emit(pipeline.take());
        if (checks) emit(pipeline.finishChecks(), true);
      } catch (e) {
        warn(`internal error at the end of decoding: ${(e as Error).message}`);
      }
      recorder?.finish();
      const summary: CaptureSummaryRecord = {
        type: 'capture',
        format: pcap === null ? null : 'pcap-ns',
        frames: synth.frames,
        linkTypes: [synth.linkType],
        tcpConnections: synth.connections,
        rtmpSessions: pipeline.sessions,
        ...(pipeline.tlsConnections > 0 ? { tlsConnections: pipeline.tlsConnections } : {}),
        skipped: {},
        ...(refused > 0 ? { refusedConnections: refused } : {}),
        ...(tlsFailed > 0 ? { failedTlsHandshakes: tlsFailed } : {}),
      };
      emit([summary]);
      await Promise.all([ndjson?.end(), pcap?.end()]);
    })();
    return closing;
  };

  return { address, url, stats, close };
}
