/**
 * `node dist/scripts/bench-proxy.js`: what the live proxy costs, on loopback, against a direct
 * connection and against a plain Node TCP relay (`net.Socket` pipe both ways), with the load
 * generator, the relay or proxy, and the sink each in a process of its own (as in production: the
 * proxy's event loop is not shared with the peers it serves).
 *
 * - Throughput: the load process streams a realistic RTMP publish (handshake, then per "frame" a
 *   24 KiB video message and two 300-byte audio messages, chunk size 4096) to the sink process,
 *   which counts bytes; MB/s from the first byte written to the last byte counted (wall clock of
 *   both processes, ms precision over runs of a second or more). The middle process reports the
 *   CPU time (user + sys) it spent meanwhile: CPU ms per forwarded MB.
 * - Latency: ping-pong of 64-byte RTMP messages (after a handshake) from this process through the
 *   middle process to an echo server in the sink process; round-trip p50/p99 in µs.
 * - Paths: direct; node pipe relay; rtmpscope proxy decoding into a no-op `onRecords` subscriber
 *   (what the TUI costs, minus rendering); rtmpscope proxy with NDJSON and pcap to /dev/null.
 * Each path has one middle process for the whole run, warmed up first with a stream of WARM MiB
 * (JIT compilation, socket buffer growth: what a proxy that runs for a while no longer pays),
 * then measured RUNS times, the paths in alternation and in reverse order every other run
 * (relay, decode, ... then ..., decode, relay), so that a change in machine load hits both alike.
 * Medians are printed.
 *
 * Issue #19's target: the decoding proxy's MB/s at least GATE (0.85) times the relay's: the
 * median over runs of each run's ratio (the decoding proxy's MB/s over the relay's measured next
 * to it), which follows the proxy's cost and not the load's drift between runs. Printed as met /
 * NOT MET; with `--gate` a miss also makes the exit code 1. Figures swing with machine load (MB/s
 * of three processes sharing the cores: when the cores are contended, a middle process that needs
 * more CPU per MB gets fewer MB/s); the CPU ms/MB of the middle process is the steadier measure of
 * what the proxy costs.
 *
 * Options: --mb N (stream size, default 256), --warm N (warm-up stream, MiB; default 32), --pings N
 * (default 3000), --runs N (default 3), --gate,
 * --cpu-prof DIR (profile every relay/proxy process with `node --cpu-prof` into DIR), --paths LIST
 * (of direct, relay, decode, full; default all: relay and decode are always measured).
 */
import net from 'node:net';
import { fork, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { runProxy } from '../src/proxy/proxy.js';
import type { ProxyOptions } from '../src/proxy/options.js';

const { values } = parseArgs({
  options: {
    mb: { type: 'string', default: '256' },
    warm: { type: 'string', default: '32' },
    pings: { type: 'string', default: '3000' },
    runs: { type: 'string', default: '3' },
    gate: { type: 'boolean', default: false },
    'cpu-prof': { type: 'string' },
    paths: { type: 'string', default: 'direct,relay,decode,full' },
    role: { type: 'string' },
    kind: { type: 'string' },
    port: { type: 'string' },
    echo: { type: 'string' },
  },
});
const TOTAL = Number(values.mb) * 1024 * 1024;
const PINGS = Number(values.pings);
const RUNS = Number(values.runs);
/** Issue #19: the decoding proxy moves at least this share of a plain relay's MB/s. */
export const GATE = 0.85;
const SELF = fileURLToPath(import.meta.url);

// ---- RTMP bytes -------------------------------------------------------------------------------

function chunked(csid: number, typeId: number, ts: number, body: Uint8Array, chunkSize: number): Uint8Array {
  const head = [csid, (ts >> 16) & 0xff, (ts >> 8) & 0xff, ts & 0xff, (body.length >> 16) & 0xff, (body.length >> 8) & 0xff, body.length & 0xff, typeId, 1, 0, 0, 0];
  const out = new Uint8Array(12 + body.length + Math.floor((body.length - 1) / chunkSize));
  out.set(head, 0);
  let p = 12;
  for (let off = 0; off < body.length; off += chunkSize) {
    if (off > 0) out[p++] = 0xc0 | csid;
    const piece = body.subarray(off, off + chunkSize);
    out.set(piece, p);
    p += piece.length;
  }
  return out;
}

function handshake(): Uint8Array {
  const b = new Uint8Array(1 + 1536 * 2);
  b[0] = 3;
  for (let i = 9; i < b.length; i++) b[i] = (i * 31) & 0xff;
  return b;
}

/** ~4 MiB of publish traffic: frames of one video and two audio messages. */
function mediaBlock(): Buffer {
  const parts: Uint8Array[] = [];
  const video = new Uint8Array(24 * 1024).map((_, i) => (i * 7) & 0xff);
  video[0] = 0x27;
  video[1] = 1;
  const audio = new Uint8Array(300).map((_, i) => (i * 3) & 0xff);
  audio[0] = 0xaf;
  audio[1] = 1;
  for (let f = 0; f < 160; f++) {
    parts.push(chunked(6, 9, f * 33, video, 4096));
    parts.push(chunked(7, 8, f * 33, audio, 4096));
    parts.push(chunked(7, 8, f * 33 + 16, audio, 4096));
  }
  return Buffer.concat(parts);
}

const setChunkSize = Buffer.from([2, 0, 0, 0, 0, 0, 4, 1, 0, 0, 0, 0, 0, 0, 0x10, 0x00]);

// ---- processes ---------------------------------------------------------------------------------

type Msg = Record<string, number | string | undefined>;

/** Wall-clock milliseconds with sub-millisecond resolution, comparable across processes. */
const wall = (): number => performance.timeOrigin + performance.now();

const send = (m: Msg): void => {
  process.send?.(m);
};

function child(role: string, args: string[]): ChildProcess {
  const prof = role === 'middle' && values['cpu-prof'] !== undefined ? ['--cpu-prof', '--cpu-prof-dir', values['cpu-prof']] : [];
  return fork(SELF, ['--role', role, ...args], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'], execArgv: prof });
}

/** The next message of a child that has `key`. */
function reply(c: ChildProcess, key: string): Promise<Msg> {
  return new Promise((resolve, reject) => {
    const onMsg = (m: Msg) => {
      if (m[key] === undefined) return;
      c.off('message', onMsg);
      c.off('exit', onExit);
      resolve(m);
    };
    const onExit = (code: number | null) => reject(new Error(`bench child exited (${code}) before answering '${key}'`));
    c.on('message', onMsg);
    c.once('exit', onExit);
  });
}

async function listen(server: net.Server): Promise<number> {
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return (server.address() as net.AddressInfo).port;
}

/** Sink process: counts bytes on one port (answers `done` once `expect` bytes came), echoes on another. */
async function sinkRole(): Promise<void> {
  let got = 0;
  let want = Infinity;
  const sink = net.createServer((s) => {
    s.on('data', (b: Buffer) => {
      got += b.length;
      if (got >= want) {
        want = Infinity;
        send({ done: wall() });
      }
    });
    s.on('error', () => undefined);
  });
  const echo = net.createServer((s) => {
    s.setNoDelay(true);
    s.on('data', (b: Buffer) => s.write(b));
    s.on('error', () => undefined);
  });
  const port = await listen(sink);
  const echoPort = await listen(echo);
  process.on('message', (m: Msg) => {
    if (typeof m.expect === 'number') {
      got = 0;
      want = m.expect;
      send({ expecting: m.expect });
    }
  });
  process.on('disconnect', () => process.exit(0));
  send({ port, echo: echoPort });
}

/** Middle process: a relay or a proxy to the sink and one to the echo server; CPU time on request. */
async function middleRole(kind: string, sinkPort: number, echoPort: number): Promise<void> {
  const closers: (() => Promise<void>)[] = [];
  const start = async (upstream: number): Promise<number> => {
    if (kind === 'relay') {
      const server = net.createServer((c) => {
        const u = net.connect({ host: '127.0.0.1', port: upstream });
        c.setNoDelay(true);
        u.setNoDelay(true);
        c.pipe(u);
        u.pipe(c);
        c.on('error', () => u.destroy());
        u.on('error', () => c.destroy());
      });
      const port = await listen(server);
      closers.push(() => new Promise((r) => server.close(() => r())));
      return port;
    }
    const full = kind === 'full';
    const opts: ProxyOptions = {
      listen: { host: '127.0.0.1', port: 0 },
      upstream: { host: '127.0.0.1', port: upstream, tls: false },
      insecure: false,
      format: full ? 'ndjson' : 'none',
      // Decoding only happens for a consumer: a no-op subscriber stands in for the TUI.
      ...(full ? { output: '/dev/null', pcap: '/dev/null' } : { onRecords: () => undefined }),
      // Decoding stays on for the whole stream: with the default time budget the proxy would stop
      // decoding a session whose decoding takes over 60 % of its time (proxy.analysis.slow), and
      // the run would then measure forwarding alone. (Not seen in runs so far: every message of
      // every run was decoded; this keeps it so on slower machines.)
      maxAnalysisShare: Infinity,
      pcapLink: 'ethernet',
      connectTimeoutMs: 5000,
      maxSessions: 100,
    };
    const h = await runProxy(opts);
    closers.push(() => h.close());
    return h.address.port;
  };
  const port = await start(sinkPort);
  const echo = await start(echoPort);
  let cpu0 = process.cpuUsage();
  process.on('message', (m: Msg) => {
    if (m.cpu === 'start') {
      cpu0 = process.cpuUsage();
      send({ started: 1 });
    } else if (m.cpu === 'stop') {
      const d = process.cpuUsage(cpu0);
      send({ cpuMs: (d.user + d.system) / 1000 });
    }
  });
  process.on('disconnect', () => {
    void Promise.all(closers.map((c) => c())).then(() => process.exit(0));
  });
  send({ port, echo });
}

/** Load process: connects, then on `go` writes the stream (handshake + media) and reports when it started. */
async function loadRole(port: number): Promise<void> {
  const block = mediaBlock();
  const hs = Buffer.from(handshake());
  const c = net.connect({ host: '127.0.0.1', port });
  await once(c, 'connect');
  c.setNoDelay(true);
  c.on('error', () => undefined);
  const total = hs.length + setChunkSize.length + Math.ceil(TOTAL / block.length) * block.length;
  process.once('message', () => {
    void (async () => {
      const t0 = wall();
      send({ t0 });
      c.write(hs);
      c.write(setChunkSize);
      for (let sent = 0; sent < TOTAL; sent += block.length) {
        if (!c.write(block)) await once(c, 'drain');
      }
    })();
  });
  process.on('disconnect', () => {
    c.destroy();
    process.exit(0);
  });
  send({ ready: total });
}

// ---- measurements -----------------------------------------------------------------------------

type Sample = { mbps: number; cpuMs: number | null; p50: number; p99: number };

async function throughput(port: number, sink: ChildProcess, middle: ChildProcess | null, mb = String(values.mb)): Promise<{ mbps: number; cpuMs: number | null }> {
  const load = child('load', ['--port', String(port), '--mb', mb]);
  const total = Number((await reply(load, 'ready')).ready);
  sink.send({ expect: total });
  await reply(sink, 'expecting');
  if (middle !== null) {
    middle.send({ cpu: 'start' });
    await reply(middle, 'started');
  }
  const done = reply(sink, 'done');
  const started = reply(load, 't0');
  load.send({ go: 1 });
  const t0 = Number((await started).t0);
  const t1 = Number((await done).done);
  let cpuMs: number | null = null;
  if (middle !== null) {
    middle.send({ cpu: 'stop' });
    cpuMs = Number((await reply(middle, 'cpuMs')).cpuMs);
  }
  load.disconnect();
  await once(load, 'exit');
  return { mbps: total / ((t1 - t0) / 1000) / 1e6, cpuMs: (cpuMs ?? NaN) / (total / 1e6) };
}

async function latency(port: number): Promise<{ p50: number; p99: number }> {
  const c = net.connect({ host: '127.0.0.1', port });
  await once(c, 'connect');
  c.setNoDelay(true);
  const hs = Buffer.from(handshake());
  let want = 0;
  let got = 0;
  let wake: (() => void) | null = null;
  c.on('data', (b: Buffer) => {
    got += b.length;
    if (got >= want && wake !== null) {
      const w = wake;
      wake = null;
      w();
    }
  });
  const roundTrip = (buf: Buffer) =>
    new Promise<void>((resolve) => {
      want += buf.length;
      wake = resolve;
      c.write(buf);
    });
  await roundTrip(hs);
  const ping = Buffer.from(chunked(3, 18, 0, new Uint8Array(52).fill(0x05), 128));
  const rtts: number[] = [];
  for (let i = 0; i < PINGS; i++) {
    const t0 = process.hrtime.bigint();
    await roundTrip(ping);
    rtts.push(Number(process.hrtime.bigint() - t0) / 1e3);
  }
  c.destroy();
  rtts.sort((a, b) => a - b);
  return { p50: rtts[Math.floor(rtts.length * 0.5)]!, p99: rtts[Math.floor(rtts.length * 0.99)]! };
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

/** A path's middle process (none for the direct path), started once and warmed up. */
type Middle = { proc: ChildProcess | null; port: number; echo: number };

async function startMiddle(kind: string, sink: ChildProcess, sinkPort: number, echoPort: number): Promise<Middle> {
  if (kind === 'direct') return { proc: null, port: sinkPort, echo: echoPort };
  const proc = child('middle', ['--kind', kind, '--port', String(sinkPort), '--echo', String(echoPort)]);
  const m = await reply(proc, 'port');
  const middle = { proc, port: Number(m.port), echo: Number(m.echo) };
  if (Number(values.warm) > 0) await throughput(middle.port, sink, proc, String(values.warm));
  return middle;
}

async function measure(m: Middle, sink: ChildProcess): Promise<Sample> {
  const tp = await throughput(m.port, sink, m.proc);
  return { ...tp, ...(await latency(m.echo)) };
}

async function main(): Promise<void> {
  const sink = child('sink', []);
  const ports = await reply(sink, 'port');
  const sinkPort = Number(ports.port);
  const echoPort = Number(ports.echo);
  const wanted = new Set([...String(values.paths).split(','), 'relay', 'decode']);
  const paths = (
    [
      ['direct', 'direct (no relay)'],
      ['relay', 'node pipe relay'],
      ['decode', 'rtmpscope proxy (decode)'],
      ['full', 'rtmpscope proxy (+ndjson +pcap)'],
    ] as [string, string][]
  ).filter(([k]) => wanted.has(k));
  const at = (k: string) => paths.findIndex(([x]) => x === k);
  const samples: Sample[][] = paths.map(() => []);
  const t0 = Date.now();
  const middles: Middle[] = [];
  for (const [kind] of paths) middles.push(await startMiddle(kind, sink, sinkPort, echoPort));
  for (let run = 0; run < RUNS; run++) {
    const order = paths.map((_, i) => i);
    if (run % 2 === 1) order.reverse();
    for (const i of order) samples[i]!.push(await measure(middles[i]!, sink));
  }
  for (const m of middles) {
    if (m.proc === null) continue;
    m.proc.disconnect();
    await once(m.proc, 'exit');
  }
  sink.disconnect();

  const med = (i: number, k: keyof Sample) => median(samples[i]!.map((s) => s[k] as number));
  const relayMbps = med(at('relay'), 'mbps');
  const relayCpu = med(at('relay'), 'cpuMs');
  const directP50 = at('direct') < 0 ? NaN : med(at('direct'), 'p50');
  const pad = (s: string, n: number) => s.padEnd(n);
  const num = (n: number, d = 0) => n.toFixed(d).padStart(9);
  const out: string[] = [];
  out.push(
    `rtmpscope proxy benchmark: ${values.mb} MiB publish stream, ${PINGS} pings of 64 bytes, median of ${RUNS} alternating runs after a ${values.warm} MiB warm-up; load generator, relay/proxy and sink in separate processes (${((Date.now() - t0) / 1000).toFixed(1)} s)`,
    '',
  );
  out.push(`${pad('path', 34)}${'MB/s'.padStart(9)}${'vs relay'.padStart(10)}${'CPU ms/MB'.padStart(11)}${'vs relay'.padStart(10)}${'RTT p50'.padStart(9)}${'RTT p99'.padStart(9)}${'added p50'.padStart(11)}`);
  for (let i = 0; i < paths.length; i++) {
    const mbps = med(i, 'mbps');
    const cpu = med(i, 'cpuMs');
    const p50 = med(i, 'p50');
    const p99 = med(i, 'p99');
    const cpuText = Number.isNaN(cpu) ? '-'.padStart(11) + ''.padStart(10) : `${num(cpu, 2).padStart(11)}${(cpu / relayCpu).toFixed(2).padStart(9)}×`;
    out.push(`${pad(paths[i]![1], 34)}${num(mbps)}${(mbps / relayMbps).toFixed(2).padStart(9)}×${cpuText}${num(p50)}µs${num(p99).slice(2)}µs${num(p50 - directP50)}µs`);
  }
  out.push('', '"CPU ms/MB": user + sys CPU time of the relay/proxy process per forwarded MB (the direct path has none).');
  out.push('"added p50": median round trip minus the direct connection\'s (two extra loopback hops for any relay).');
  // Each run's ratio (measured side by side), then their median.
  const decoding = median(samples[at('decode')]!.map((s, r) => s.mbps / samples[at('relay')]![r]!.mbps));
  const gated = values.gate;
  const runRatios = samples[at('decode')]!.map((s, r) => (s.mbps / samples[at('relay')]![r]!.mbps).toFixed(2)).join(' ');
  out.push(`decoding proxy (no output) ${decoding.toFixed(2)}× the relay's MB/s (median of the runs' ratios: ${runRatios}; #19 target ≥ ${GATE}: ${decoding >= GATE ? 'met' : 'NOT MET'}${gated ? '' : ', not gated'})`);
  process.stdout.write(out.join('\n') + '\n');
  if (gated && decoding < GATE) process.exitCode = 1;
}

const fail = (e: unknown): void => {
  process.stderr.write(`${(e as Error).stack ?? String(e)}\n`);
  process.exitCode = 1;
};

if (values.role === 'sink') sinkRole().catch(fail);
else if (values.role === 'middle') middleRole(String(values.kind), Number(values.port), Number(values.echo)).catch(fail);
else if (values.role === 'load') loadRole(Number(values.port)).catch(fail);
else main().catch(fail);
