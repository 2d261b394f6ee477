/**
 * `node dist/scripts/bench-proxy.js`: what the live proxy costs, on loopback, against a direct
 * connection and against a plain Node TCP relay (`net.Socket` pipe both ways).
 *
 * - Throughput: one client streams a realistic RTMP publish (handshake, then per "frame" a 24 KiB
 *   video message and two 300-byte audio messages, chunk size 4096) to a sink server that counts
 *   bytes; MB/s from the first byte written to the last byte counted.
 * - Latency: ping-pong of 64-byte RTMP messages (after a handshake) through each path to an echo
 *   server; round-trip p50/p99 in µs.
 * - Paths: direct; node pipe relay; rtmpscope proxy decoding into a no-op `onRecords` subscriber
 *   (what the TUI costs, minus rendering); rtmpscope proxy with NDJSON and pcap to /dev/null.
 * Each path runs RUNS times in alternation; medians are printed. Stays well under 30 s.
 *
 * Options: --mb N (stream size, default 256), --pings N (default 3000), --runs N (default 3).
 */
import net from 'node:net';
import { once } from 'node:events';
import { parseArgs } from 'node:util';
import { runProxy, type ProxyHandle } from '../src/proxy/proxy.js';
import type { ProxyOptions } from '../src/proxy/options.js';

const { values } = parseArgs({ options: { mb: { type: 'string', default: '256' }, pings: { type: 'string', default: '3000' }, runs: { type: 'string', default: '3' } } });
const TOTAL = Number(values.mb) * 1024 * 1024;
const PINGS = Number(values.pings);
const RUNS = Number(values.runs);

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

// ---- servers and paths ------------------------------------------------------------------------

type Path = { name: string; port: number; close(): Promise<void> };

async function listen(server: net.Server): Promise<number> {
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return (server.address() as net.AddressInfo).port;
}

async function pipeRelay(upstream: number): Promise<Path> {
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
  return { name: 'node pipe relay', port, close: () => new Promise((r) => server.close(() => r())) };
}

async function proxyPath(upstream: number, full: boolean): Promise<Path> {
  const opts: ProxyOptions = {
    listen: { host: '127.0.0.1', port: 0 },
    upstream: { host: '127.0.0.1', port: upstream, tls: false },
    insecure: false,
    format: full ? 'ndjson' : 'none',
    // Decoding only happens for a consumer: a no-op subscriber stands in for the TUI.
    ...(full ? { output: '/dev/null', pcap: '/dev/null' } : { onRecords: () => undefined }),
    pcapLink: 'ethernet',
    connectTimeoutMs: 5000,
    maxSessions: 100,
  };
  const h: ProxyHandle = await runProxy(opts);
  return { name: full ? 'rtmpscope proxy (+ndjson +pcap)' : 'rtmpscope proxy (decode)', port: h.address.port, close: () => h.close() };
}

// ---- measurements -----------------------------------------------------------------------------

async function throughput(port: number, sink: { expect(n: number): Promise<void> }, block: Buffer): Promise<number> {
  const hs = Buffer.from(handshake());
  const c = net.connect({ host: '127.0.0.1', port });
  await once(c, 'connect');
  c.setNoDelay(true);
  const total = hs.length + setChunkSize.length + Math.ceil(TOTAL / block.length) * block.length;
  const done = sink.expect(total);
  const t0 = process.hrtime.bigint();
  c.write(hs);
  c.write(setChunkSize);
  for (let sent = 0; sent < TOTAL; sent += block.length) {
    if (!c.write(block)) await once(c, 'drain');
  }
  await done;
  const secs = Number(process.hrtime.bigint() - t0) / 1e9;
  c.destroy();
  return total / secs / 1e6;
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

async function main(): Promise<void> {
  // Sink: counts bytes; resolves the current expectation.
  let sinkGot = 0;
  let sinkWant = Infinity;
  let sinkDone: (() => void) | null = null;
  const sinkServer = net.createServer((s) => {
    s.on('data', (b: Buffer) => {
      sinkGot += b.length;
      if (sinkGot >= sinkWant && sinkDone !== null) {
        const d = sinkDone;
        sinkDone = null;
        d();
      }
    });
    s.on('error', () => undefined);
  });
  const sinkPort = await listen(sinkServer);
  const sink = {
    expect: (n: number) =>
      new Promise<void>((resolve) => {
        sinkGot = 0;
        sinkWant = n;
        sinkDone = resolve;
      }),
  };
  const echoServer = net.createServer((s) => {
    s.setNoDelay(true);
    s.on('data', (b: Buffer) => s.write(b));
    s.on('error', () => undefined);
  });
  const echoPort = await listen(echoServer);

  const block = mediaBlock();
  type Row = { name: string; mbps: number[]; p50: number[]; p99: number[] };
  const makers: ((up: number) => Promise<Path>)[] = [
    async (up) => ({ name: 'direct (no relay)', port: up, close: async () => undefined }),
    (up) => pipeRelay(up),
    (up) => proxyPath(up, false),
    (up) => proxyPath(up, true),
  ];
  const rows: Row[] = [];
  const t0 = Date.now();
  for (let run = 0; run < RUNS; run++) {
    for (let i = 0; i < makers.length; i++) {
      const tp = await makers[i]!(sinkPort);
      const mbps = await throughput(tp.port, sink, block);
      await tp.close();
      const lp = await makers[i]!(echoPort);
      const lat = await latency(lp.port);
      await lp.close();
      const row = (rows[i] ??= { name: tp.name, mbps: [], p50: [], p99: [] });
      row.mbps.push(mbps);
      row.p50.push(lat.p50);
      row.p99.push(lat.p99);
    }
  }
  sinkServer.close();
  echoServer.close();

  const direct = rows[0]!;
  const relay = rows[1]!;
  const pad = (s: string, n: number) => s.padEnd(n);
  const num = (n: number, d = 0) => n.toFixed(d).padStart(9);
  process.stdout.write(`rtmpscope proxy benchmark: ${values.mb} MiB publish stream, ${PINGS} pings of 64 bytes, median of ${RUNS} runs (${((Date.now() - t0) / 1000).toFixed(1)} s)\n\n`);
  process.stdout.write(`${pad('path', 34)}${'MB/s'.padStart(9)}${'vs relay'.padStart(10)}${'RTT p50'.padStart(9)}${'RTT p99'.padStart(9)}${'added p50'.padStart(11)}\n`);
  for (const r of rows) {
    const mbps = median(r.mbps);
    const p50 = median(r.p50);
    const p99 = median(r.p99);
    process.stdout.write(
      `${pad(r.name, 34)}${num(mbps)}${(mbps / median(relay.mbps)).toFixed(2).padStart(9)}×${num(p50)}µs${num(p99).slice(2)}µs${num(p50 - median(direct.p50)).slice(0)}µs\n`,
    );
  }
  process.stdout.write('\n"added p50": median round trip minus the direct connection\'s (two extra loopback hops for any relay).\n');
  // Issue #19's target for the proxy (not a gate here: one process runs load, proxy and sink).
  const decoding = median(rows[2]!.mbps) / median(relay.mbps);
  process.stdout.write(`decoding proxy (no output) ${decoding.toFixed(2)}× the relay's MB/s (#19 target ≥ 0.85: ${decoding >= 0.85 ? 'met' : 'NOT MET'})\n`);
}

main().catch((e: unknown) => {
  process.stderr.write(`${(e as Error).stack ?? String(e)}\n`);
  process.exitCode = 1;
});
