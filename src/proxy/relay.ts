/**
 * One proxied session: the accepted client socket, its upstream socket, and the tap that decodes
 * a copy of the bytes.
 *
 * Invariants:
 * - RTMPE clients (C0 6, 8 or 9) are the exception to the next rule: their encryption is
 *   terminated (rtmpe-terminator.ts), so the upstream gets the same RTMP messages, not the same
 *   bytes; when their C0+C1 cannot be answered they are relayed like any other.
 * - Bytes are forwarded unchanged, in order, as they arrive; each chunk is written to the other
 *   socket *before* it is looked at. Plain TCP sockets are read into the proxy's own
 *   buffers (reads.ts: fewer, larger reads), TLS sockets through their 'data' events.
 *   Backpressure: when the writing side's `write()` returns false the reading side is paused
 *   until 'drain', so at most one read chunk (≤ 256 KiB) beyond the socket's high-water mark is
 *   buffered per direction.
 * - Analysis runs after forwarding, inside try/catch: segment synthesis right after the write,
 *   decoding and record output once the host settles its queue (`later`/`settle`: after the
 *   bytes readable now were forwarded, and before any other event reaches the tap or an output). A throw, or a record output that lags more than its cap, stops decoding of
 *   this session (with a diagnostic) and nothing else. The time decoding takes is reported to the
 *   host (`analysed`), which stops the decoding of the costliest session (`shed`) when decoding
 *   as a whole takes more than its share of the proxy's time.
 * - Half-close: a FIN from one side is passed on with `end()`; the other direction stays open
 *   until it ends too. A reset or socket error on one side ends the other side with a FIN after
 *   delivering what it was already sent. Whatever happens, both sockets are destroyed within
 *   `graceMs` of the session ending, and the proxy keeps serving others.
 * - The client socket is not read until the upstream is connected (C0/C1 wait in the kernel).
 * - Timeouts (one lazily re-armed timer per session, so forwarding a chunk costs one clock read):
 *   when no byte was forwarded (or drained to a slow reader) in either direction for
 *   `idleTimeoutMs`, counted from the client's arrival, so the upstream connect and TLS handshake
 *   count, the session ends with `proxy.idle-timeout`; when a direction has been paused by
 *   backpressure (its receiver has not drained) for `stallTimeoutMs`, whatever the other direction
 *   does, it ends with `proxy.stall-timeout` naming the peer that does not read (a due stall is
 *   reported rather than an idle timeout). Either way the peers that do not read are destroyed,
 *   the others get a FIN, both are gone within `graceMs`, and the session record is written with
 *   FINs synthesised for both directions, as at shutdown. 0 disables a timeout.
 * - Records: diagnostics for faults (naming the session once the pipeline recognised one, else
 *   capture-level with the client's address), then the decoder's flush and the session record
 *   when the synthesised TCP connection closes (both FINs, or an RST), at a timeout, or at
 *   shutdown — through the tap (tap.ts), as reading the --pcap back would produce them.
 */
import net from 'node:net';
import tls from 'node:tls';
import type { Direction } from '../core/diagnostics.js';
import { formatIPv4, formatIPv6 } from '../net/address.js';
import { formatEndpoint } from '../session/analyzer.js';
import type { OutputRecord } from '../records/index.js';
import type { Clock } from './clock.js';
import { proxyDiag, type ProxyDiagnosticCode } from './diagnostics.js';
import { hostPortText, type UpstreamTarget } from './options.js';
import { parseIpBytes, type SynthConn, type SynthEndpoint, type SynthSegment, type TcpSynth } from './pcap-synth.js';
import { SessionTap } from './tap.js';
import { RtmpeTerminator, TERMINATED_VERSIONS, type TerminatorOutput } from './rtmpe-terminator.js';
import { SocketReads } from './reads.js';
import type { SessionPipeline } from '../session/pipeline.js';

/** C0 + C1 + C2: what a client sends before its first chunk. */
const CLIENT_HANDSHAKE = 1 + 1536 + 1536;
import type { BufferBudget } from '../rtmp/chunk-decoder.js';

/** What a session needs from the proxy that owns it. */
export interface RelayHost {
  readonly clock: Clock;
  readonly synth: TcpSynth;
  readonly upstream: UpstreamTarget;
  readonly upstreamTls: tls.ConnectionOptions;
  /** What follows TCP reassembly in `export`: every connection's tap feeds it (tap.ts). */
  readonly pipeline: SessionPipeline;
  readonly connectTimeoutMs: number;
  /** No byte moved either way for this long: close the session (ms; 0: never). */
  readonly idleTimeoutMs: number;
  /** The client's handshake (3073 bytes) not all sent this long after its arrival: close the session (ms; 0: never). */
  readonly handshakeTimeoutMs: number;
  /** A direction paused by backpressure for this long: close the session (ms; 0: never). */
  readonly stallTimeoutMs: number;
  readonly graceMs: number;
  /** Someone consumes records (NDJSON output or onRecords); otherwise nothing is decoded. */
  readonly decode: boolean;
  /** Deliver records to every output (after the records of whatever decoding is still queued). Never throws. */
  emit(records: readonly OutputRecord[]): void;
  /** Decode `segs` (of `plain`) for `r` once the bytes readable now are forwarded: in arrival order, all sessions. */
  later(r: Relay, dir: Direction, plain: Uint8Array, segs: readonly SynthSegment[]): void;
  /** Decode whatever `later` queued, now (before anything else reaches a tap or the outputs). Never throws. */
  settle(): void;
  /** Monotonic milliseconds, to time decoding. */
  now(): number;
  /** Decoding this session just took `ms`; the host may `shed` this or another session. */
  analysed(r: Relay, ms: number): void;
  /** The record output is behind by more than its cap. */
  outputBehind(): boolean;
  /** Move synthesised packets to the pcap output. Never throws. */
  packetsReady(): void;
  /** Both sockets are gone. */
  released(r: Relay): void;
}

type State = 'connecting' | 'open' | 'done';

/** Monotonic milliseconds for the idle and stall timeouts (never the injectable stopwatch, which tests stop). */
const monotonic = (): number => performance.now();

/** The peer that receives a direction's bytes. */
const receiver = (dir: Direction): 'client' | 'server' => (dir === 'c2s' ? 'server' : 'client');

/** An address as the decoders print it (IPv4-mapped IPv6 shown as IPv4), and as packet bytes. */
export function socketEndpoint(address: string | undefined, port: number | undefined): { text: string; synth: SynthEndpoint } | null {
  if (address === undefined || port === undefined) return null;
  let ip = parseIpBytes(address);
  if (ip === null) return null;
  if (ip.length === 16 && ip.subarray(0, 10).every((b) => b === 0) && ip[10] === 0xff && ip[11] === 0xff) ip = ip.slice(12);
  const text = ip.length === 4 ? formatIPv4(ip, 0) : formatIPv6(ip, 0);
  return { text: formatEndpoint({ ip: text, port }), synth: { ip, port } };
}

export class Relay {
  private state: State = 'connecting';
  private upstream: net.Socket | null = null;
  private conn: SynthConn | null = null;
  private tap: SessionTap | null = null;
  /** The proxy.rtmpe.terminated diagnostic, written once the session has its number. */
  private announce: (() => OutputRecord) | null = null;
  /** Decided at the client's first byte: an RTMPE client is terminated, anything else relayed. */
  private mode: 'undecided' | 'relay' | 'rtmpe' = 'undecided';
  private rtmpe: RtmpeTerminator | null = null;
  private readonly client: net.Socket;
  readonly clientText: string;
  private readonly clientEnd: SynthEndpoint | null;
  private serverText: string | undefined;
  private readonly paused: Record<Direction, boolean> = { c2s: false, s2c: false };
  private readonly ended: Record<Direction, boolean> = { c2s: false, s2c: false };
  private open = { client: true, upstream: false };
  private grace: NodeJS.Timeout | null = null;
  private graceDeadline = 0;
  private releasedOnce = false;
  /** Monotonic ms of the last byte forwarded or drained, either direction (arrival at first). */
  private lastActivity = monotonic();
  private readonly arrivedAt = this.lastActivity;
  /** Monotonic ms at which each direction was paused (meaningful while `paused[dir]`). */
  private readonly pausedSince: Record<Direction, number> = { c2s: 0, s2c: 0 };
  /** The idle/stall timer and when it fires (monotonic ms; Infinity: not armed). */
  private watchdog: NodeJS.Timeout | null = null;
  private watchdogAt = Infinity;
  /** Forwarded bytes per direction (independent of analysis). */
  readonly forwarded: Record<Direction, number> = { c2s: 0, s2c: 0 };
  /** The host's accounting of decoding time: a decaying sum (ms) as of `loadAt` (host's `now`). */
  load = 0;
  loadAt = 0;
  private readonly closedWaiters: (() => void)[] = [];
  /** Sockets read through reads.ts (plain TCP), by the direction they read; null: the socket's 'data' events. */
  private readonly reads: Record<Direction, SocketReads | null>;

  constructor(
    private readonly host: RelayHost,
    /** 1-based order of acceptance (the session number, if the connection becomes one, is the pipeline's). */
    readonly accepted: number,
    client: net.Socket,
    /** What `client` reads into, when reads.ts adopted it. */
    clientReads: SocketReads | null = null,
  ) {
    this.client = client;
    this.reads = { c2s: clientReads, s2c: null };
    const ep = socketEndpoint(client.remoteAddress, client.remotePort);
    this.clientEnd = ep?.synth ?? null;
    this.clientText = ep?.text ?? `${client.remoteAddress ?? '?'}:${client.remotePort ?? 0}`;
    const upIp = parseIpBytes(host.upstream.host);
    if (upIp !== null) this.serverText = socketEndpoint(host.upstream.host, host.upstream.port)?.text;
  }

  /** Bytes held in user space by this session's sockets (both directions). */
  get buffered(): number {
    const s = (x: net.Socket | null) => (x === null ? 0 : x.writableLength + x.readableLength);
    return s(this.client) + s(this.upstream);
  }

  get isPaused(): Record<Direction, boolean> {
    return { ...this.paused };
  }

  /** This session is being decoded. */
  get decoding(): boolean {
    return this.tap !== null && this.tap.decoding;
  }

  /**
   * Decoding takes too much of the proxy's time and this session costs the most: stop decoding
   * it for good (flushed at the end, so the session record keeps what was decoded).
   */
  shed(share: number): void {
    if (this.tap === null || !this.tap.decoding) return;
    this.tap.stop('behind');
    const pct = Math.round(share * 100);
    this.emit([
      this.diag(
        'proxy.analysis.slow',
        `decoding took ${pct}% of the proxy's time; decoding of this session, the costliest, stopped; forwarding continues`,
        {},
        {
          share: Math.round(share * 1000) / 1000,
        },
      ),
    ]);
  }

  /** Bytes this session's decoders hold against the --memory-budget. */
  get held(): number {
    return this.tap?.held ?? 0;
  }

  /** Does `b` belong to this session's decoders? */
  owns(b: BufferBudget): boolean {
    return this.tap?.owns(b) === true;
  }

  /** Set while this session's decoder is running: memory shedding waits until it returns. */
  private shedPending = false;

  /**
   * The sessions together fill --memory-budget and this one holds the most: stop decoding it and
   * give back what its decoders hold; forwarding continues. During its own decoding, once that returns.
   */
  shedMemory(now: boolean): void {
    if (this.tap === null || !this.tap.decoding) return;
    if (!now) {
      this.shedPending = true;
      return;
    }
    const held = this.tap.held;
    this.tap.shedMemory();
    this.emit([this.diag('proxy.memory-budget', `the sessions' decoders together filled --memory-budget; this session held the most (${held} bytes): its decoding stopped, forwarding continues`, {}, { heldBytes: held })]);
  }

  start(): void {
    const c = this.client;
    c.pause();
    c.setNoDelay(true);
    c.on('error', (e: NodeJS.ErrnoException) => this.onError('client', e));
    c.on('close', () => this.onClose('client'));
    const up = this.host.upstream;
    let sock: net.Socket;
    if (up.tls) sock = tls.connect({ ...this.host.upstreamTls, host: up.host, port: up.port, allowHalfOpen: true } as tls.ConnectionOptions);
    else {
      const reads = (this.reads.s2c = new SocketReads());
      sock = net.connect({ host: up.host, port: up.port, allowHalfOpen: true, onread: reads.onread });
    }
    this.upstream = sock;
    this.open.upstream = true;
    sock.setNoDelay(true);
    sock.setTimeout(this.host.connectTimeoutMs, () => {
      if (this.state === 'connecting') {
        const e = new Error(`no connection after ${this.host.connectTimeoutMs / 1000} s`) as NodeJS.ErrnoException;
        e.code = 'ETIMEDOUT';
        sock.destroy(e);
      }
    });
    let tcpUp = false;
    sock.once('connect', () => {
      tcpUp = true;
      if (!up.tls) this.onUpstreamReady(sock);
    });
    if (up.tls) sock.once('secureConnect', () => this.onUpstreamReady(sock));
    sock.on('error', (e: NodeJS.ErrnoException) => this.onError('upstream', e, tcpUp));
    sock.on('close', () => this.onClose('upstream'));
    this.arm();
  }

  /** Close both sides with a FIN (proxy shutdown); resolves when both sockets are gone. */
  shutdown(graceMs: number): Promise<void> {
    const done = new Promise<void>((resolve) => {
      if (!this.open.client && !this.open.upstream) resolve();
      else this.closedWaiters.push(resolve);
    });
    if (this.state === 'connecting') {
      this.state = 'done';
      this.upstream?.destroy();
      this.endSocket(this.client);
    } else if (this.state === 'open') {
      this.state = 'done';
      if (this.conn !== null && !this.conn.closed) {
        this.emit([this.diag('proxy.shutdown', 'the proxy was stopped while the session was open', {})]);
        this.analyse(() => {
          const t = this.host.clock();
          for (const d of ['c2s', 's2c'] as const) if (this.conn !== null) this.host.synth.fin(this.conn, d, t);
          this.host.packetsReady();
        });
        this.finishSession();
      }
      this.endSocket(this.client);
      if (this.upstream !== null) this.endSocket(this.upstream);
    }
    this.armGrace(graceMs);
    return done;
  }

  private onUpstreamReady(sock: net.Socket): void {
    if (this.state !== 'connecting') return;
    sock.setTimeout(0);
    this.state = 'open';
    const server = socketEndpoint(sock.remoteAddress, sock.remotePort);
    this.serverText = server?.text ?? hostPortText(this.host.upstream);
    const client = this.clientEnd;
    this.analyse(() => {
      if (client === null || server === null) return;
      this.conn = this.host.synth.open(client, server.synth, this.host.clock());
      this.host.packetsReady();
      this.tap = new SessionTap(this.host.pipeline, this.conn);
      if (!this.host.decode) this.tap.stop('unused');
    });
    this.wire(this.client, sock, 'c2s');
    this.wire(sock, this.client, 's2c');
    this.client.resume();
  }

  private wire(from: net.Socket, to: net.Socket, dir: Direction): void {
    const reads = this.reads[dir];
    if (reads !== null) reads.deliver((chunk) => this.onData(dir, from, to, chunk));
    else from.on('data', (chunk: Buffer) => this.onData(dir, from, to, chunk));
    from.on('end', () => this.onEnd(dir, to));
  }

  private onData(dir: Direction, from: net.Socket, to: net.Socket, chunk: Buffer): void {
    if (this.state !== 'open' || to.writableEnded || to.destroyed) return;
    if (this.mode === 'undecided' && chunk.length > 0) this.decide(dir, chunk[0] as number);
    if (this.mode === 'rtmpe') {
      this.onTerminated(dir, from, chunk);
      return;
    }
    this.forwarded[dir] += chunk.length;
    this.lastActivity = monotonic();
    if (!to.write(chunk)) this.holdBack(dir, from, to);
    this.observe(dir, chunk);
  }

  /** `to` did not take a write: stop reading `from` until it drains (backpressure). */
  private holdBack(dir: Direction, from: net.Socket, to: net.Socket): void {
    if (this.paused[dir]) return;
    this.paused[dir] = true;
    this.pausedSince[dir] = this.lastActivity;
    from.pause();
    to.once('drain', () => {
      this.paused[dir] = false;
      this.lastActivity = monotonic();
      if (!from.destroyed) from.resume();
    });
    this.arm();
  }

  /** The client's first byte asks for RTMPE: terminate it (anything else is relayed as it is). */
  private decide(dir: Direction, first: number): void {
    if (dir !== 'c2s' || this.host.upstream.rtmpt === true || !TERMINATED_VERSIONS.includes(first)) {
      this.mode = 'relay';
      return;
    }
    this.mode = 'rtmpe';
    const upstream = this.host.upstream.rtmpe === true ? 'rtmpe' : 'rtmp';
    const t = (this.rtmpe = new RtmpeTerminator(upstream));
    this.tap?.terminate(upstream, () => t.upstreamBytes);
    this.announce = () =>
      this.diag(
        'proxy.rtmpe.terminated',
        `the client asked for RTMPE (C0 ${first}): the proxy answers its handshake and decrypts; the upstream gets ${upstream === 'rtmp' ? 'plain RTMP' : "RTMPE under the proxy's own keys"}`,
        { dir },
        {
          version: first,
          upstream,
        },
      );
  }

  /** Bytes of a terminated RTMPE session: through the terminator, which answers either side. */
  private onTerminated(dir: Direction, from: net.Socket, chunk: Buffer): void {
    const up = this.upstream as net.Socket;
    this.lastActivity = monotonic();
    let out: TerminatorOutput;
    try {
      const t = this.rtmpe as RtmpeTerminator;
      out = dir === 'c2s' ? t.fromClient(chunk) : t.fromUpstream(chunk);
    } catch (e) {
      out = { toClient: [], toUpstream: [], tap: [], failure: `internal error: ${(e as Error)?.message ?? String(e)}` };
    }
    let blocked: net.Socket | null = null;
    for (const b of out.toUpstream) {
      this.forwarded.c2s += b.length;
      if (!up.destroyed && !up.write(b)) blocked = up;
    }
    for (const b of out.toClient) {
      this.forwarded.s2c += b.length;
      if (!this.client.destroyed && !this.client.write(b)) blocked = this.client;
    }
    if (blocked !== null) this.holdBack(dir, from, blocked);
    for (const x of out.tap) this.observe(x.dir, x.wire, x.plain);
    if (this.announce !== null && out.tap.length > 0) {
      this.emit([this.announce()]);
      this.announce = null;
    }
    if (out.failure === undefined) return;
    if (out.passthrough !== undefined) {
      // Nothing was sent to either side yet: relay this session unchanged, as any other.
      this.emit([this.diag('proxy.rtmpe.failed', `cannot terminate RTMPE: ${out.failure}; the session is relayed unchanged`, { dir }, { relayed: true })]);
      this.mode = 'relay';
      this.rtmpe = null;
      this.announce = null;
      this.host.settle();
      this.tap?.relay();
      this.onData('c2s', this.client, up, Buffer.from(out.passthrough));
      return;
    }
    this.emit([this.diag('proxy.rtmpe.failed', `cannot terminate RTMPE: ${out.failure}; the session was closed`, { dir }, { relayed: false })]);
    this.client.destroy();
    up.destroy();
  }

  /**
   * Synthesise segments for the chunk (frame numbers and pcap packets in arrival order) and queue
   * them for decoding (`decode`, run by the host once what is readable now has been forwarded):
   * never throws, never blocks. `plain` is what the decoder gets (the decrypted bytes of a
   * terminated RTMPE session; same length).
   */
  private observe(dir: Direction, chunk: Uint8Array, plain: Uint8Array = chunk): void {
    const conn = this.conn;
    const tap = this.tap;
    if (conn === null || tap === null || conn.closed) return;
    let segs;
    try {
      segs = this.host.synth.data(conn, dir, chunk, this.host.clock());
      this.host.packetsReady();
    } catch (e) {
      this.analysisFailed(e, 'pcap-synthesis');
      return;
    }
    if (tap.decoding && segs.length > 0) this.host.later(this, dir, plain, segs);
  }

  /** Decode segments queued by `observe` (called by the host's `settle`): never throws. */
  decode(dir: Direction, plain: Uint8Array, segs: readonly SynthSegment[]): void {
    const tap = this.tap;
    if (tap === null || !tap.decoding) return;
    if (this.host.outputBehind()) {
      tap.stop('behind');
      const last = segs[segs.length - 1];
      this.emit([
        this.diag('proxy.analysis.behind', 'the record output fell behind; decoding of this session stopped, forwarding continues', {
          dir,
          ...(last === undefined ? {} : { frame: last.frame, offset: last.offset }),
        }),
      ]);
      return;
    }
    const t0 = this.host.now();
    try {
      const recs = tap.segments(dir, plain, segs);
      if (recs.length > 0) this.host.emit(recs);
    } catch (e) {
      this.analysisFailed(e, 'decoder');
    }
    if (this.shedPending) {
      this.shedPending = false;
      this.shedMemory(true);
    }
    this.host.analysed(this, this.host.now() - t0);
  }

  private analysisFailed(e: unknown, where: string): void {
    this.tap?.stop('broken');
    const err = e as Error;
    this.emit([
      this.diag(
        'proxy.analysis.failed',
        `internal error in the ${where} (decoding of this session stopped; forwarding continues): ${err?.message ?? String(e)}`,
        {},
        {
          where,
          error: String(err?.message ?? e).slice(0, 200),
        },
      ),
    ]);
  }

  private onEnd(dir: Direction, to: net.Socket): void {
    this.host.settle();
    this.ended[dir] = true;
    if (this.state === 'open') {
      if (dir === 's2c' && !this.ended.c2s) {
        this.emit([this.diag('proxy.upstream.closed', 'the server ended its side first; passed on to the client', { dir })]);
      }
      this.analyse(() => {
        if (this.conn === null) return;
        this.host.synth.fin(this.conn, dir, this.host.clock());
        this.host.packetsReady();
      });
      if (this.conn?.closed === true) this.finishSession();
      if (this.ended.c2s && this.ended.s2c) this.state = 'done';
    }
    this.endSocket(to);
  }

  private onError(side: 'client' | 'upstream', e: NodeJS.ErrnoException, tcpUp = false): void {
    this.host.settle();
    const code = e.code ?? 'ERR';
    if (this.state === 'connecting') {
      this.state = 'done';
      if (side === 'upstream') {
        const tlsFailed = this.host.upstream.tls && tcpUp;
        const target = hostPortText(this.host.upstream);
        const addr = (e as { address?: string }).address;
        const port = (e as { port?: number }).port;
        if (this.serverText === undefined && addr !== undefined && port !== undefined) this.serverText = socketEndpoint(addr, port)?.text;
        this.emit([
          tlsFailed
            ? this.diag('proxy.upstream.tls-failed', `TLS handshake with ${target} failed: ${e.message}`, {}, { error: code, upstream: target })
            : this.diag('proxy.upstream.unreachable', `cannot connect to the upstream ${target}: ${e.message}`, {}, { error: code, upstream: target }),
        ]);
        this.endSocket(this.client);
      } else {
        this.emit([this.diag('proxy.client.reset', `the client went away before the upstream connection was up: ${e.message}`, {}, { error: code })]);
        this.upstream?.destroy();
      }
      this.armGrace(this.host.graceMs);
      return;
    }
    const dir: Direction = side === 'client' ? 'c2s' : 's2c';
    if (this.state === 'open' || (this.conn !== null && !this.conn.closed)) {
      this.state = 'done';
      let tcpReset: OutputRecord[] = [];
      this.analyse(() => {
        if (this.conn === null) return;
        this.host.synth.rst(this.conn, dir, this.host.clock());
        this.host.packetsReady();
        if (this.tap !== null) tcpReset = this.tap.reset(dir, this.conn.lastFrame);
      });
      this.emit([this.diag(side === 'client' ? 'proxy.client.reset' : 'proxy.upstream.reset', `the ${side === 'client' ? 'client' : 'server'} connection failed: ${e.message}`, { dir }, { error: code }), ...tcpReset]);
      this.finishSession();
    }
    // The failed socket is destroyed by Node; the other side gets a FIN after its pending bytes.
    const other = side === 'client' ? this.upstream : this.client;
    if (other !== null) this.endSocket(other);
    this.armGrace(this.host.graceMs);
  }

  private onClose(side: 'client' | 'upstream'): void {
    this.open[side] = false;
    if (this.state === 'connecting' && side === 'client') {
      // The client vanished while we were still connecting.
      this.state = 'done';
      this.upstream?.destroy();
    }
    if (this.open.client || this.open.upstream) {
      // One socket is gone: make sure the other follows within the grace period.
      if (this.state !== 'connecting') this.armGrace(this.host.graceMs);
      return;
    }
    if (this.grace !== null) clearTimeout(this.grace);
    this.grace = null;
    if (this.watchdog !== null) clearTimeout(this.watchdog);
    this.watchdog = null;
    // Both sockets closed without FIN or error seen on both sides (e.g. destroyed).
    this.closeSynthesised();
    this.finishSession();
    this.state = 'done';
    if (!this.releasedOnce) {
      this.releasedOnce = true;
      this.host.released(this);
    }
    for (const w of this.closedWaiters.splice(0)) w();
  }

  /** End a socket's writing side (FIN after pending writes); drain and drop what it still sends. */
  private endSocket(s: net.Socket): void {
    if (s.destroyed) return;
    if (!s.writableEnded) s.end();
    if (this.state === 'done') {
      s.removeAllListeners('data');
      s.on('data', () => undefined);
      s.resume();
    }
  }

  /**
   * (Re)arm the timeout timer for the earliest idle or stall deadline. Lazy: activity only moves
   * the idle deadline later, so the timer is left as it is and re-armed when it fires early.
   */
  private arm(): void {
    const idle = this.host.idleTimeoutMs;
    const stall = this.host.stallTimeoutMs;
    let at = idle > 0 ? this.lastActivity + idle : Infinity;
    const hs = this.host.handshakeTimeoutMs;
    if (hs > 0 && this.forwarded.c2s < CLIENT_HANDSHAKE) at = Math.min(at, this.arrivedAt + hs);
    if (stall > 0) for (const d of ['c2s', 's2c'] as const) if (this.paused[d]) at = Math.min(at, this.pausedSince[d] + stall);
    if (at === Infinity || at >= this.watchdogAt) return;
    if (this.watchdog !== null) clearTimeout(this.watchdog);
    this.watchdogAt = at;
    this.watchdog = setTimeout(() => this.checkTimeouts(), Math.max(1, Math.ceil(at - monotonic())));
    this.watchdog.unref();
  }

  private checkTimeouts(): void {
    this.watchdog = null;
    this.watchdogAt = Infinity;
    if (!this.open.client && !this.open.upstream) return;
    // Already ending with a grace period: both sockets are destroyed when it runs out.
    if (this.state === 'done' && this.grace !== null) return;
    const t = monotonic();
    const stall = this.host.stallTimeoutMs;
    if (stall > 0) {
      // The direction stalled longest (both are closed either way).
      let due: Direction | null = null;
      for (const d of ['c2s', 's2c'] as const) {
        if (this.paused[d] && t - this.pausedSince[d] >= stall && (due === null || this.pausedSince[d] < this.pausedSince[due])) due = d;
      }
      if (due !== null) {
        this.expire(due);
        return;
      }
    }
    const idle = this.host.idleTimeoutMs;
    if (idle > 0 && t - this.lastActivity >= idle) {
      this.expire(null);
      return;
    }
    const hs = this.host.handshakeTimeoutMs;
    if (hs > 0 && this.forwarded.c2s < CLIENT_HANDSHAKE && t - this.arrivedAt >= hs) {
      this.expire('handshake');
      return;
    }
    this.arm();
  }

  /**
   * A timeout: `stalled` is the direction whose receiver stopped reading (stall), null for idle.
   * Report it, write the session record (FINs synthesised both ways, as at shutdown), destroy the
   * peers that do not read, give the others a FIN, and destroy whatever is left after `graceMs`.
   */
  private expire(stalled: Direction | null | 'handshake'): void {
    const was = this.state;
    this.state = 'done';
    const fwd = `${this.forwarded.c2s} bytes client→server and ${this.forwarded.s2c} server→client so far`;
    if (stalled === 'handshake') {
      const secs = this.host.handshakeTimeoutMs / 1000;
      this.emit([this.diag('proxy.handshake-timeout', `the client had sent ${this.forwarded.c2s} of the ${CLIENT_HANDSHAKE} bytes of its handshake ${secs} s after connecting; both sides closed (${fwd})`, {}, { seconds: secs, sent: this.forwarded.c2s })]);
    } else if (stalled !== null) {
      const peer = receiver(stalled);
      const to = stalled === 'c2s' ? this.upstream : this.client;
      const waiting = to?.writableLength ?? 0;
      const secs = this.host.stallTimeoutMs / 1000;
      const other = this.paused[stalled === 'c2s' ? 's2c' : 'c2s'] ? ` (the ${receiver(stalled === 'c2s' ? 's2c' : 'c2s')} was not reading either)` : '';
      this.emit([
        this.diag(
          'proxy.stall-timeout',
          `the ${peer} stopped reading: data waited for it for ${secs} s (${waiting} bytes in the proxy, more in the kernel's buffers) while the proxy held the ${peer === 'client' ? 'server' : 'client'} back${other}; both sides closed (${fwd})`,
          { dir: stalled },
          {
            peer,
            waiting,
            seconds: secs,
          },
        ),
      ]);
    } else {
      const secs = this.host.idleTimeoutMs / 1000;
      const message =
        was === 'connecting'
          ? `no byte moved for ${secs} s while connecting to the upstream ${hostPortText(this.host.upstream)} (${this.host.upstream.tls ? 'TCP or TLS handshake' : 'TCP'} not complete); the client connection was closed`
          : `no byte moved in either direction for ${secs} s; both sides closed (${fwd})`;
      this.emit([this.diag('proxy.idle-timeout', message, {}, { seconds: secs, connected: was !== 'connecting' })]);
    }
    this.closeSynthesised();
    this.finishSession();
    if (was === 'connecting') this.upstream?.destroy();
    // A socket whose writes wait for a reader that is gone would only end after them: destroy it.
    if (this.paused.s2c) this.client.destroy();
    else this.endSocket(this.client);
    if (this.upstream !== null) {
      if (this.paused.c2s) this.upstream.destroy();
      else this.endSocket(this.upstream);
    }
    this.armGrace(this.host.graceMs);
  }

  private armGrace(ms: number): void {
    const deadline = Date.now() + ms;
    if (this.grace !== null) {
      if (deadline >= this.graceDeadline) return;
      clearTimeout(this.grace);
    }
    this.graceDeadline = deadline;
    this.grace = setTimeout(() => {
      this.client.destroy();
      this.upstream?.destroy();
    }, ms);
    this.grace.unref();
  }

  /** The synthesised TCP connection (pcap and analysis) ends with a FIN each way, if still open. */
  private closeSynthesised(): void {
    if (this.conn === null || this.conn.closed) return;
    this.analyse(() => {
      if (this.conn === null) return;
      const t = this.host.clock();
      for (const d of ['c2s', 's2c'] as const) this.host.synth.fin(this.conn, d, t);
      this.host.packetsReady();
    });
  }

  private finishSession(): void {
    const tap = this.tap;
    if (tap === null) return;
    this.host.settle();
    try {
      const recs = tap.finish();
      if (recs.length > 0) this.host.emit(recs);
    } catch (e) {
      this.analysisFailed(e, 'session summary');
    }
  }

  private analyse(f: () => void): void {
    try {
      f();
    } catch (e) {
      this.analysisFailed(e, 'pcap-synthesis');
    }
  }

  private emit(recs: readonly OutputRecord[]): void {
    this.host.emit(recs);
  }

  private diag(code: ProxyDiagnosticCode, message: string, at: { dir?: Direction; frame?: number; offset?: number }, context?: Readonly<Record<string, string | number | boolean>>) {
    const t = this.host.clock();
    const frame = at.frame ?? (this.conn !== null && this.conn.lastFrame > 0 ? this.conn.lastFrame : undefined);
    return proxyDiag(
      code,
      message,
      {
        session: this.tap?.session ?? null,
        client: this.clientText,
        ...(this.serverText === undefined ? {} : { server: this.serverText }),
        ...(at.dir === undefined ? {} : { dir: at.dir }),
        ...(frame === undefined ? {} : { frame }),
        time: t.sec + t.nsec / 1e9,
        ...(at.offset === undefined ? {} : { offset: at.offset }),
      },
      context,
    );
  }
}
