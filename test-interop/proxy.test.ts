/**
 * The live proxy between real peers: ffmpeg publishes (and a second ffmpeg plays) through
 * `rtmpscope proxy` to a real nginx-rtmp and to node-media-server, inside a private network
 * namespace this test creates and deletes (loopback only, MTU 1500). tcpdump captures both legs
 * (encoder ↔ proxy and proxy ↔ server). Checks:
 * - per session and direction, the TCP payload on the two legs is identical (tshark's view of
 *   the wire capture, retransmissions excluded): the proxy changes no byte;
 * - the proxy's NDJSON holds connect, publish, play and media messages in both directions;
 * - `rtmpscope export` of the proxy's --pcap gives the same lines as the live NDJSON (minus the
 *   proxy's own diagnostics), and its payloads equal the wire's;
 * - tshark reads the proxy's pcap as RTMP without malformed packets.
 * Needs root, ip, ffmpeg (libx264, aac), nginx + libnginx-mod-rtmp, tcpdump, tshark, node/npm.
 * Every process is started with a timeout; the namespace and temp dir are removed at the end.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CLI, ROOT, requireTool, tshark, avSourceArgs } from './tools.js';

const NGX_RTMP_MODULE = process.env['NGX_RTMP_MODULE'] ?? '/usr/lib/nginx/modules/ngx_rtmp_module.so';
const NMS_PREFIX = join(ROOT, '.cache', 'nms');
const NMS_VERSION = process.env['NMS_VERSION'] ?? '4.4.3';
const NS = `rtmpscope-proxy-${process.pid}`;
const SERVER_PORT = 1935;
const PROXY_PORT = 1936;

let tmp = '';
const children: ChildProcess[] = [];

function sh(cmd: string, args: string[], timeoutMs = 20000): string {
  const r = spawnSync(cmd, args, { encoding: 'utf8', timeout: timeoutMs, maxBuffer: 1 << 30 });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed (${r.status ?? r.signal}): ${r.stderr}`);
  return r.stdout;
}

function nsx(args: string[], timeoutMs = 20000): string {
  return sh('ip', ['netns', 'exec', NS, ...args], timeoutMs);
}

/** Start a process inside the namespace, output to TMP/logs/NAME.log. */
function bg(name: string, args: string[]): ChildProcess & { exited: Promise<number | null>; log: string } {
  const log = join(tmp, 'logs', `${name}.log`);
  const fd = openSync(log, 'w');
  const c = spawn('ip', ['netns', 'exec', NS, ...args], { stdio: ['ignore', fd, fd] });
  children.push(c);
  const exited = new Promise<number | null>((r) => c.on('exit', (code, sig) => r(code ?? (sig === null ? null : -1))));
  return Object.assign(c, { exited, log });
}

async function waitFor(cond: () => boolean, ms: number, what: string): Promise<void> {
  const t0 = Date.now();
  while (!cond()) {
    if (Date.now() - t0 > ms) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

const listening = (port: number) => nsx(['ss', '-Hltn', `sport = :${port}`]).trim() !== '';
const logHas = (file: string, re: RegExp) => existsSync(file) && re.test(readFileSync(file, 'utf8'));

async function stop(c: ChildProcess & { exited: Promise<number | null> }, signal: NodeJS.Signals, ms = 10000): Promise<number | null> {
  if (c.exitCode === null && c.signalCode === null) c.kill(signal);
  const t = setTimeout(() => c.kill('SIGKILL'), ms);
  const code = await c.exited;
  clearTimeout(t);
  return code;
}

const FFMPEG = ['ffmpeg', '-hide_banner', '-nostdin', '-loglevel', 'warning'];
function publishCmd(seconds: number, url: string): string[] {
  return ['timeout', '-k', '2', '30', ...FFMPEG, ...avSourceArgs({ seconds, videoKbps: 200 }), url];
}
function playCmd(seconds: number, url: string): string[] {
  return ['timeout', '-k', '2', '20', ...FFMPEG, '-analyzeduration', '1000000', '-i', url, '-t', String(seconds), '-f', 'null', '-'];
}

function startNginx(): ChildProcess & { exited: Promise<number | null>; log: string } {
  const dir = join(tmp, 'nginx');
  mkdirSync(dir, { recursive: true });
  writeFileSync(
    join(dir, 'nginx.conf'),
    `load_module ${NGX_RTMP_MODULE};
daemon off;
master_process off;
worker_processes 1;
pid ${dir}/nginx.pid;
error_log ${tmp}/logs/nginx-error.log info;
events { worker_connections 64; }
rtmp {
    server {
        listen ${SERVER_PORT};
        chunk_size 4096;
        application live { live on; record off; }
    }
}
`,
  );
  return bg('nginx', ['nginx', '-p', dir, '-e', join(tmp, 'logs', 'nginx-error.log'), '-c', join(dir, 'nginx.conf')]);
}

function ensureNms(): string {
  const pkg = join(NMS_PREFIX, 'node_modules', 'node-media-server', 'package.json');
  const ok = existsSync(pkg) && (JSON.parse(readFileSync(pkg, 'utf8')) as { version: string }).version === NMS_VERSION;
  if (!ok) {
    mkdirSync(NMS_PREFIX, { recursive: true });
    sh('npm', ['install', '--silent', '--no-audit', '--no-fund', '--prefix', NMS_PREFIX, `node-media-server@${NMS_VERSION}`], 180000);
  }
  return join(NMS_PREFIX, 'node_modules', 'node-media-server');
}

function startNms(): ChildProcess & { exited: Promise<number | null>; log: string } {
  const mod = ensureNms();
  const dir = join(tmp, 'nms');
  mkdirSync(dir, { recursive: true });
  const launcher = join(dir, 'start.cjs');
  writeFileSync(
    launcher,
    `const NodeMediaServer = require(${JSON.stringify(mod)});
const nms = new NodeMediaServer({ bind: "127.0.0.1", rtmp: { port: ${SERVER_PORT} }, webadmin: { enable: false },
  store: { path: ${JSON.stringify(join(dir, 'data'))} }, record: { auto: false, path: ${JSON.stringify(join(dir, 'record'))} } },
  ${JSON.stringify(join(dir, 'config.json'))});
nms.run();
const bye = () => { nms.stop().finally(() => process.exit(0)); };
process.on("SIGTERM", bye);
process.on("SIGINT", bye);
`,
  );
  return bg('nms', ['node', launcher]);
}

type Lines = Record<string, unknown>[];
const parse = (text: string): Lines =>
  text
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => JSON.parse(l) as Record<string, unknown>);

/** TCP payload per stream and direction from a capture, as tshark reassembles nothing: raw segments, retransmissions excluded. */
function payloads(file: string): Map<number, { client: string; server: string; c2s: Buffer; s2c: Buffer; first: number }> {
  const out = tshark([
    '-r',
    file,
    '-Y',
    'tcp',
    '-T',
    'fields',
    '-E',
    'separator=/t',
    '-e',
    'tcp.stream',
    '-e',
    'frame.number',
    '-e',
    'tcp.srcport',
    '-e',
    'tcp.dstport',
    '-e',
    'tcp.flags.syn',
    '-e',
    'tcp.flags.ack',
    '-e',
    'tcp.analysis.retransmission',
    '-e',
    'tcp.payload',
  ]);
  const streams = new Map<number, { client: string; server: string; c2s: Buffer[]; s2c: Buffer[]; first: number }>();
  for (const line of out.split('\n')) {
    if (line === '') continue;
    const [stream, frame, sport, dport, syn, ack, retrans, hex] = line.split('\t');
    const id = Number(stream);
    let s = streams.get(id);
    if (s === undefined) {
      s = { client: sport!, server: dport!, c2s: [], s2c: [], first: Number(frame) };
      streams.set(id, s);
    }
    if ((syn === '1' || syn === 'True') && !(ack === '1' || ack === 'True')) {
      s.client = sport!;
      s.server = dport!;
    }
    if (retrans !== '' || hex === undefined || hex === '') continue;
    (sport === s.client ? s.c2s : s.s2c).push(Buffer.from(hex.replace(/:/g, ''), 'hex'));
  }
  return new Map([...streams].map(([k, v]) => [k, { ...v, c2s: Buffer.concat(v.c2s), s2c: Buffer.concat(v.s2c) }]));
}

before(() => {
  if (process.getuid?.() !== 0) throw new Error('the proxy interop test needs root (ip netns)');
  for (const t of ['ip', 'ss', 'timeout', 'ffmpeg', 'nginx', 'tcpdump', 'tshark', 'npm']) requireTool(t);
  if (!existsSync(NGX_RTMP_MODULE)) throw new Error(`nginx RTMP module not found at ${NGX_RTMP_MODULE}`);
  tmp = mkdtempSync(join(tmpdir(), 'rtmpscope-proxy-interop-'));
  mkdirSync(join(tmp, 'logs'));
  sh('ip', ['netns', 'add', NS]);
  nsx(['ip', 'link', 'set', 'lo', 'up', 'mtu', '1500']);
});

after(() => {
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
  try {
    const pids = spawnSync('ip', ['netns', 'pids', NS], { encoding: 'utf8' })
      .stdout.split('\n')
      .filter((p) => p !== '');
    for (const p of pids) {
      try {
        process.kill(Number(p), 'SIGKILL');
      } catch {
        // already gone
      }
    }
  } finally {
    spawnSync('ip', ['netns', 'del', NS]);
    if (process.env['KEEP_TMP'] === undefined) rmSync(tmp, { recursive: true, force: true });
    else process.stderr.write(`# kept ${tmp}\n`);
  }
});

async function scenario(name: string, startServer: () => ChildProcess & { exited: Promise<number | null>; log: string }, serverSignal: NodeJS.Signals): Promise<void> {
  const dir = join(tmp, name);
  mkdirSync(dir);
  const live = join(dir, 'live.ndjson');
  const proxyPcap = join(dir, 'proxy.pcap');
  const wire = join(dir, 'wire.pcap');
  const server = startServer();
  await waitFor(() => listening(SERVER_PORT), 15000, `${name} listening`);
  const proxy = bg(`${name}-proxy`, [process.execPath, CLI, 'proxy', '--listen', `127.0.0.1:${PROXY_PORT}`, '--upstream', `127.0.0.1:${SERVER_PORT}`, '-o', live, '--pcap', proxyPcap]);
  await waitFor(() => logHas(proxy.log, /listening on/), 10000, 'proxy listening');
  const dump = bg(`${name}-tcpdump`, ['tcpdump', '-i', 'lo', '-n', '-s', '0', '-B', '65536', '-U', '--immediate-mode', '-Z', 'root', '-w', wire, 'tcp']);
  await waitFor(() => logHas(dump.log, /listening on/), 10000, 'tcpdump');
  await new Promise((r) => setTimeout(r, 200));

  const url = `rtmp://127.0.0.1:${PROXY_PORT}/live/x`;
  const pub = bg(`${name}-publish`, publishCmd(3, url));
  await new Promise((r) => setTimeout(r, 1200));
  const play = bg(`${name}-play`, playCmd(1.5, url));
  assert.equal(await play.exited, 0, `${name}: ffmpeg play failed, see ${play.log}`);
  assert.equal(await pub.exited, 0, `${name}: ffmpeg publish failed, see ${pub.log}`);
  await new Promise((r) => setTimeout(r, 500));
  await stop(dump, 'SIGINT');
  assert.equal(await stop(proxy, 'SIGINT'), 0, `${name}: proxy exit status, see ${proxy.log}`);
  await stop(server, serverSignal);

  // 1. The wire: both legs carry identical payloads per direction.
  const streams = [...payloads(wire).values()].sort((a, b) => a.first - b.first);
  const legA = streams.filter((s) => s.server === String(PROXY_PORT));
  const legB = streams.filter((s) => s.server === String(SERVER_PORT));
  assert.equal(legA.length, 2, `${name}: two sessions encoder→proxy`);
  assert.equal(legB.length, 2, `${name}: two sessions proxy→server`);
  for (let i = 0; i < 2; i++) {
    assert.ok(legA[i]!.c2s.length + legA[i]!.s2c.length > 10000, `${name}: session ${i + 1} carried media`);
    assert.ok(legA[i]!.c2s.equals(legB[i]!.c2s), `${name}: session ${i + 1} client→server bytes identical on both legs`);
    assert.ok(legA[i]!.s2c.equals(legB[i]!.s2c), `${name}: session ${i + 1} server→client bytes identical on both legs`);
  }

  // 2. The live NDJSON.
  const lines = parse(readFileSync(live, 'utf8'));
  const msgs = lines.filter((l) => l['type'] === 'message');
  const names = new Set(msgs.map((m) => m['name']));
  for (const n of ['connect', 'publish', 'play', 'createStream', '_result', 'onStatus']) assert.ok(names.has(n), `${name}: NDJSON has ${n}`);
  const media = (dir: string) => msgs.filter((m) => m['dir'] === dir && (m['typeId'] === 8 || m['typeId'] === 9)).length;
  assert.ok(media('c2s') > 40, `${name}: published media decoded (${media('c2s')})`);
  assert.ok(media('s2c') > 10, `${name}: played media decoded (${media('s2c')})`);
  const sessions = lines.filter((l) => l['type'] === 'session');
  assert.equal(sessions.length, 2);
  assert.equal(lines.at(-1)!['type'], 'capture');

  // 3. The proxy's pcap: export equals the live NDJSON; payloads equal the wire's.
  const exported = parse(sh(process.execPath, [CLI, 'export', proxyPcap, '--format', 'ndjson'], 60000));
  const withoutProxyDiags = lines.filter((l) => !(l['type'] === 'diagnostic' && String(l['code']).startsWith('proxy.')));
  assert.deepEqual(exported, withoutProxyDiags, `${name}: export of the proxy pcap equals the live NDJSON`);
  const synth = [...payloads(proxyPcap).values()].sort((a, b) => a.first - b.first);
  assert.equal(synth.length, 2);
  for (let i = 0; i < 2; i++) {
    assert.ok(synth[i]!.c2s.equals(legA[i]!.c2s) && synth[i]!.s2c.equals(legA[i]!.s2c), `${name}: proxy pcap payloads equal the wire's`);
  }

  // 4. tshark reads the proxy pcap as RTMP.
  const info = tshark(['-r', proxyPcap, '-d', `tcp.port==${SERVER_PORT},rtmpt`, '-Y', 'rtmpt', '-T', 'fields', '-e', '_ws.col.Info']);
  for (const want of ['connect(', "publish('x')", "play('x')", 'Video Data', 'Audio Data']) assert.ok(info.includes(want), `${name}: tshark sees ${want}`);
  assert.equal(tshark(['-r', proxyPcap, '-d', `tcp.port==${SERVER_PORT},rtmpt`, '-Y', '_ws.malformed']).trim(), '', `${name}: no malformed packets`);
}

test('interop proxy: ffmpeg publish + play through the proxy to nginx-rtmp', { timeout: 120000 }, async () => {
  await scenario('nginx', startNginx, 'SIGQUIT');
});

test('interop proxy: ffmpeg publish + play through the proxy to node-media-server', { timeout: 300000 }, async () => {
  await scenario('nms', startNms, 'SIGTERM');
});
