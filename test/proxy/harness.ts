/**
 * Runs the proxy in-process for tests: outputs captured in memory (NDJSON text, pcap bytes, and
 * the records delivered to `onRecords`), a deterministic ISN, loopback only. Also: reading a
 * pcap back through the repo's own capture decoder and analyzer, the NDJSON schema check, the
 * setup every socket test repeats (a fake server and a proxy, one session run to its end, the
 * byte-for-byte comparison), well-behaved bystander sessions for the hostile-peer tests, and
 * memory sampling.
 */
import assert from 'node:assert/strict';
import net from 'node:net';
import v8 from 'node:v8';
import vm from 'node:vm';
import { once } from 'node:events';
import { Writable } from 'node:stream';
import { readFileSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createRequire } from 'node:module';
import type { ValidateFunction } from 'ajv';
import { createCaptureDecoder } from '../../src/capture/decoder.js';
import { Analyzer, type AnalyzerOptions } from '../../src/session/analyzer.js';
import type { OutputRecord } from '../../src/records/index.js';
import { runProxy, type ProxyHandle } from '../../src/proxy/proxy.js';
import type { ProxyOptions } from '../../src/proxy/options.js';
import { rec, recDigest, recorder, runClient, startFakeServer, type Recorder, type ClientOptions, type ClientSession, type FakeServer, type ServerConn, type ServerHooks } from './fake-rtmp.js';

export class MemoryWritable extends Writable {
  readonly chunks: Buffer[] = [];
  size = 0;
  constructor(
    private readonly delayMs = 0,
    highWaterMark = 16384,
  ) {
    super({ highWaterMark });
  }
  override _write(chunk: Buffer, _enc: BufferEncoding, cb: (e?: Error | null) => void): void {
    this.chunks.push(Buffer.from(chunk));
    this.size += chunk.length;
    if (this.delayMs > 0) setTimeout(cb, this.delayMs);
    else cb();
  }
  bytes(): Buffer {
    return Buffer.concat(this.chunks);
  }
  text(): string {
    return this.bytes().toString('utf8');
  }
}

/** Counts what is written and keeps nothing (outputs of floods). */
export class CountingWritable extends Writable {
  size = 0;
  override _write(chunk: Buffer, _enc: BufferEncoding, cb: (e?: Error | null) => void): void {
    this.size += chunk.length;
    cb();
  }
}

export type TestProxy = {
  readonly handle: ProxyHandle;
  readonly port: number;
  /** Records as delivered to onRecords. */
  readonly records: OutputRecord[];
  readonly ndjson: MemoryWritable;
  readonly pcap: MemoryWritable;
  lines(): Record<string, unknown>[];
  close(): Promise<void>;
};

/**
 * A proxy on an ephemeral port. The analysis time budget is off (`maxAnalysisShare: Infinity`)
 * unless `extra` sets it: it is measured in wall time, so on a loaded machine (test files run
 * side by side) it would stop decoding sessions whose records a test compares; the tests of the
 * budget itself set it.
 */
export async function startProxy(upstreamPort: number, extra: Partial<ProxyOptions> = {}, upstreamHost = '127.0.0.1'): Promise<TestProxy> {
  const ndjson = new MemoryWritable();
  const pcap = new MemoryWritable();
  const records: OutputRecord[] = [];
  let isn = 1000;
  const opts: ProxyOptions = {
    listen: { host: '127.0.0.1', port: 0 },
    upstream: { host: upstreamHost, port: upstreamPort, tls: false },
    insecure: false,
    format: 'ndjson',
    pcapLink: 'ethernet',
    connectTimeoutMs: 5000,
    maxSessions: 1000,
    outputStream: ndjson,
    pcapStream: pcap,
    isn: () => (isn += 0x10000000) >>> 0,
    onRecords: (r) => records.push(...r),
    graceMs: 2000,
    maxAnalysisShare: Infinity,
    ...extra,
  };
  const handle = await runProxy(opts);
  return {
    handle,
    port: handle.address.port,
    records,
    ndjson,
    pcap,
    lines: () =>
      ndjson
        .text()
        .split('\n')
        .filter((l) => l !== '')
        .map((l) => JSON.parse(l) as Record<string, unknown>),
    close: () => handle.close(),
  };
}

/** A pcap (or pcapng) read back with the repo's own decoders, as export would (with its options). */
export function analyzePcap(bytes: Uint8Array, opts: AnalyzerOptions = {}): OutputRecord[] {
  const dec = createCaptureDecoder();
  const an = new Analyzer(opts);
  const out: OutputRecord[] = [];
  for (const ev of dec.push(bytes)) {
    if (ev.kind === 'fatal') throw new Error(ev.message);
    out.push(...an.push(ev));
  }
  for (const ev of dec.finish()) out.push(...an.push(ev));
  out.push(...an.finish());
  return out;
}

/** JSON round trip: what a reader of the NDJSON sees. */
export function plain<T>(x: T): unknown {
  return JSON.parse(JSON.stringify(x)) as unknown;
}

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
let validator: ValidateFunction | null = null;
/**
 * Schema check of one line. Record types the schema does not define yet (the session analysis
 * adds some) are left to the golden schema test.
 */
export function validateLine(line: unknown): string | null {
  const type = (line as { type?: unknown }).type;
  if (!['handshake', 'message', 'diagnostic', 'session', 'capture'].includes(type as string)) return null;
  if (validator === null) {
    const require = createRequire(import.meta.url);
    const Ajv = require('ajv') as new (o: object) => { compile(s: object): ValidateFunction };
    const schema = JSON.parse(readFileSync(join(root, 'docs', 'ndjson.schema.json'), 'utf8')) as object;
    validator = new Ajv({ allErrors: false, strict: false }).compile(schema);
  }
  return validator(line) ? null : JSON.stringify(validator.errors?.slice(0, 3));
}

/**
 * Diagnostics that would mean something was damaged or lost on the way: the proxy's own, and
 * those of the capture, network, TCP, chunk/handshake and AMF layers. (Session-analysis findings
 * about the fake peers' behaviour are not the proxy's business.)
 */
export function damage(lines: readonly Record<string, unknown>[]): Record<string, unknown>[] {
  return lines.filter((l) => l['type'] === 'diagnostic' && /^(proxy|capture|net|tcp|rtmp|amf)\./.test(String(l['code'])));
}

export const byType = (recs: readonly OutputRecord[] | readonly Record<string, unknown>[], type: string) => (recs as readonly Record<string, unknown>[]).filter((r) => r['type'] === type);

// ---------------------------------------------------------------------------------------------
// setup shared by the socket tests

/** Listen on an ephemeral loopback port; resolves with the port. */
export async function listenLoopback(server: net.Server): Promise<number> {
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return (server.address() as net.AddressInfo).port;
}

export const closeServer = (server: net.Server): Promise<void> => new Promise<void>((r) => server.close(() => r()));

/**
 * A fake server (with `hooks`) and a proxy in front of it for `body`; both closed afterwards,
 * whatever happens.
 */
export async function withProxy(hooks: ServerHooks, extra: Partial<ProxyOptions>, body: (proxy: TestProxy, server: FakeServer) => Promise<void>): Promise<void> {
  const server = await startFakeServer(hooks);
  try {
    const proxy = await startProxy(server.port, extra);
    try {
      await body(proxy, server);
    } finally {
      await proxy.close();
    }
  } finally {
    await server.close();
  }
}

export type FinishedSession = { c: ClientSession; sc: ServerConn; end: { ended: boolean; error: string | null } };

/** One client session through the proxy, run to its end: the client closed, then its server side. */
export async function runSession(proxy: TestProxy, server: FakeServer, opts: ClientOptions): Promise<FinishedSession> {
  const sconn = server.nextConn();
  const c = runClient(proxy.port, opts);
  await c.done;
  const end = await c.closed;
  const sc = await sconn;
  await sc.closed;
  return { c, sc, end };
}

/** Each peer received exactly what the other sent (compared by length and sha256, so kept or not). */
export function assertForwarded(c: ClientSession, sc: ServerConn, what = ''): void {
  assert.equal(sc.received.bytes, c.sent.bytes, `${what}server received as many bytes as the client sent`);
  assert.equal(recDigest(sc.received), recDigest(c.sent), `${what}server received exactly what the client sent`);
  assert.equal(c.received.bytes, sc.sent.bytes, `${what}client received as many bytes as the server sent`);
  assert.equal(recDigest(c.received), recDigest(sc.sent), `${what}client received exactly what the server sent`);
}

/**
 * A session whose upstream side fails before it is up (unreachable, TLS): the client gets a FIN,
 * not a reset, and the proxy reports exactly `code` with `context.error` = `error`.
 */
export async function expectUpstreamFailure(proxy: TestProxy, seed: number, code: string, error: string): Promise<void> {
  const c = runClient(proxy.port, { seed });
  assert.deepEqual(await c.closed, { ended: true, error: null }, 'the client got a FIN, not a reset');
  await proxy.close();
  const d = byType(proxy.lines(), 'diagnostic');
  assert.deepEqual(
    d.map((x) => x['code']),
    [code],
  );
  assert.equal((d[0]!['context'] as Record<string, unknown>)['error'], error);
}

// ---------------------------------------------------------------------------------------------
// bystanders: well-behaved sessions running while a hostile peer is at work

export type Bystanders = {
  /** Sessions finished so far. */
  readonly finished: number;
  /** How long each finished round took, ms. */
  readonly roundsMs: readonly number[];
  /** Start no more rounds; resolves when the running round is over, with every client run. */
  stop(): Promise<ClientSession[]>;
};

/**
 * Rounds of `sessions` concurrent publishing clients (seeds seedBase, seedBase+1, ...), one round
 * after the other until stopped. They keep no bytes (only counts and hashes), so that memory
 * measured meanwhile is the proxy's, not theirs.
 */
export function startBystanders(proxy: TestProxy, opts: { sessions: number; seedBase: number; media?: number; mediaSize?: number }): Bystanders {
  const all: ClientSession[] = [];
  const roundsMs: number[] = [];
  let stopping = false;
  let finished = 0;
  let seed = opts.seedBase;
  const loop = (async () => {
    while (!stopping) {
      const round = Array.from({ length: opts.sessions }, () => runClient(proxy.port, { seed: seed++, media: opts.media ?? 10, mediaSize: opts.mediaSize ?? 5000, keepBytes: false }));
      const t0 = Date.now();
      all.push(...round);
      await Promise.all(round.map((c) => c.closed));
      roundsMs.push(Date.now() - t0);
      finished += round.length;
    }
  })();
  return {
    get finished() {
      return finished;
    },
    roundsMs,
    stop: async () => {
      stopping = true;
      await loop;
      return all;
    },
  };
}

/**
 * Every bystander's bytes arrived byte for byte in both directions, and its session decoded in
 * full: handshake, connect, publish, all its media (`media` frames + 2 sequence headers), a FIN
 * at the end, and no sign of damage. Call after the proxy is closed. Returns the bytes the
 * bystanders had forwarded (both directions).
 */
export async function checkBystanders(clients: readonly ClientSession[], server: FakeServer, lines: readonly Record<string, unknown>[], media = 10): Promise<number> {
  let bytes = 0;
  const sessionOf = new Map<string, unknown>();
  for (const m of byType(lines, 'message')) if (m['name'] === 'publish') sessionOf.set(String((m['args'] as unknown[])[1]), m['session']);
  for (const c of clients) {
    const what = `bystander ${c.seed}: `;
    assert.deepEqual(await c.closed, { ended: true, error: null }, `${what}closed cleanly`);
    const sc = server.conns.find((x) => x.seed === c.seed);
    assert.ok(sc !== undefined, `${what}reached the server`);
    await sc.closed;
    assertForwarded(c, sc, what);
    bytes += c.sent.bytes + c.received.bytes;
    const session = sessionOf.get(`stream${c.seed}`);
    assert.ok(session !== undefined, `${what}publish decoded`);
    const mine = lines.filter((l) => l['session'] === session);
    const msgs = byType(mine, 'message');
    assert.ok(
      msgs.some((m) => m['name'] === 'connect'),
      `${what}connect decoded`,
    );
    assert.equal(msgs.filter((m) => m['dir'] === 'c2s' && (m['typeId'] === 8 || m['typeId'] === 9)).length, media + 2, `${what}media decoded`);
    assert.equal(byType(mine, 'handshake').length, 6, `${what}handshake decoded`);
    assert.deepEqual(damage(mine), [], `${what}no damage`);
    const rec = byType(mine, 'session');
    assert.equal(rec.length, 1);
    assert.equal(rec[0]!['end'], 'fin');
    assert.deepEqual(rec[0]!['bytes'], { c2s: c.sent.bytes, s2c: c.received.bytes });
  }
  return bytes;
}

// ---------------------------------------------------------------------------------------------
// memory

v8.setFlagsFromString('--expose-gc');
const collect = vm.runInNewContext('gc') as () => void;

/** Full garbage collection (twice: weak callbacks free external memory on the second). */
export function gc(): void {
  collect();
  collect();
}

const MiB = 1 << 20;
export const mib = (n: number): string => `${(n / MiB).toFixed(1)} MiB`;

export type MemoryReport = {
  /** Peak growth over the baseline while sampling (no collection forced), bytes. */
  readonly peak: { readonly rss: number; readonly heapUsed: number; readonly arrayBuffers: number };
  /** Peak growth of what is really held (heapUsed + arrayBuffers right after a full collection), bytes. */
  readonly live: number;
  /** Growth that survived a full collection at the end, bytes (heapUsed + arrayBuffers). */
  readonly retained: number;
  /** Maxima of the proxy's own counters while sampling. */
  readonly proxy: { readonly buffered: number; readonly outputLag: number; readonly pcapLag: number; readonly paused: number };
  text(): string;
};

/**
 * Sample the process's memory and the proxy's buffers every `everyMs` until `stop()`; every
 * `gcEveryMs`, collect first (what is held, not what awaits collection).
 */
export function sampleMemory(proxy: TestProxy, everyMs = 10, gcEveryMs = 100): { stop(): MemoryReport } {
  gc();
  const base = process.memoryUsage();
  const peak = { rss: 0, heapUsed: 0, arrayBuffers: 0 };
  let live = 0;
  let lastGc = Date.now();
  const px = { buffered: 0, outputLag: 0, pcapLag: 0, paused: 0 };
  const sample = () => {
    let m = process.memoryUsage();
    if (Date.now() - lastGc >= gcEveryMs) {
      gc();
      lastGc = Date.now();
      const after = process.memoryUsage();
      live = Math.max(live, after.heapUsed - base.heapUsed + (after.arrayBuffers - base.arrayBuffers));
      m = after;
    }
    peak.rss = Math.max(peak.rss, m.rss - base.rss);
    peak.heapUsed = Math.max(peak.heapUsed, m.heapUsed - base.heapUsed);
    peak.arrayBuffers = Math.max(peak.arrayBuffers, m.arrayBuffers - base.arrayBuffers);
    const s = proxy.handle.stats();
    px.buffered = Math.max(px.buffered, s.buffered);
    px.outputLag = Math.max(px.outputLag, s.outputLag);
    px.pcapLag = Math.max(px.pcapLag, s.pcapLag);
    px.paused = Math.max(px.paused, s.paused);
  };
  const timer = setInterval(sample, everyMs);
  timer.unref();
  return {
    stop: () => {
      sample();
      clearInterval(timer);
      gc();
      const m = process.memoryUsage();
      const retained = m.heapUsed - base.heapUsed + (m.arrayBuffers - base.arrayBuffers);
      live = Math.max(live, retained);
      return {
        peak,
        live,
        retained,
        proxy: px,
        text: () =>
          `memory growth: peak live ${mib(live)} (after collections), peak rss ${mib(peak.rss)}, heap ${mib(peak.heapUsed)}, arrayBuffers ${mib(peak.arrayBuffers)} (uncollected), retained ${mib(retained)}; proxy buffered max ${px.buffered} B, output lag max ${px.outputLag} B, pcap lag max ${px.pcapLag} B`,
      };
    },
  };
}

/** A client on a raw socket: records what it sends (hash only unless `keepSent`) and receives; answers a FIN with a FIN. */
export type RawClient = {
  readonly socket: net.Socket;
  readonly sent: Recorder;
  readonly received: Recorder;
  /** `ip:port` as the records name it (set once connected). */
  endpoint: string;
  /** When the TCP connection was up (Date.now()). */
  connectedAt: number;
  readonly connected: Promise<void>;
  readonly closed: Promise<{ ended: boolean; error: string | null; at: number }>;
  send(b: Uint8Array): boolean;
};

export function rawClient(port: number, opts: { onData?: (c: RawClient) => void; keepSent?: boolean } = {}): RawClient {
  const socket = net.connect({ host: '127.0.0.1', port, allowHalfOpen: true });
  const sent = recorder(opts.keepSent ?? true);
  const received = recorder();
  let ended = false;
  let error: string | null = null;
  const c: RawClient = {
    socket,
    sent,
    received,
    endpoint: '',
    connectedAt: 0,
    connected: once(socket, 'connect').then(() => {
      c.connectedAt = Date.now();
      c.endpoint = `127.0.0.1:${socket.localPort}`;
    }),
    closed: new Promise((resolve) => socket.on('close', () => resolve({ ended, error, at: Date.now() }))),
    send(b: Uint8Array): boolean {
      rec(sent, b);
      return socket.write(b);
    },
  };
  socket.on('error', (e: NodeJS.ErrnoException) => (error = e.code ?? e.message));
  socket.on('data', (b: Buffer) => {
    rec(received, b);
    opts.onData?.(c);
  });
  socket.on('end', () => {
    ended = true;
    if (!socket.writableEnded) socket.end();
  });
  return c;
}

/** The records of the session whose client is `endpoint`. */
export function sessionOf(lines: readonly Record<string, unknown>[], endpoint: string): { session: unknown; lines: Record<string, unknown>[]; record: Record<string, unknown> } {
  const record = byType(lines, 'session').find((s) => s['client'] === endpoint);
  assert.ok(record !== undefined, `a session record for ${endpoint}`);
  const session = record['session'];
  return { session, lines: lines.filter((l) => l['session'] === session), record };
}
