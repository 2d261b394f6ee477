/**
 * `npm run bench`: rtmpscope's CPU cost, speed and memory against tshark and two floors, on a
 * realistic capture made by real peers, and on larger ones to show that memory does not grow.
 *
 * - The capture (.bench/big.pcap, outside git, reused when present): ffmpeg publishes two minutes
 *   of 1280x720 30 fps H.264 at 4 Mbit/s + AAC to nginx-rtmp inside a private network namespace
 *   with a 1500-byte MTU, recorded by tcpdump. .bench/big10.pcap (and .bench/big16.pcap, for the
 *   UI) hold ten (sixteen) copies of it, each with the client on another port and later
 *   timestamps (sessions one after another).
 * - rtmpscope runs as a user runs it: the executable bin (no V8 flags: the young generation is
 *   capped at run time, so the memory gates below hold without any flag).
 * - What is compared is CPU time (user + sys of the child, all its threads: `times` in bash,
 *   getrusage of the children), not wall time, which swings with what else the machine runs.
 *   export, tshark, the pcap-parser loop (records read, nothing else) and a bare fs.readSync loop
 *   run RUNS times in alternation; medians are reported, with wall time and peak RSS (VmHWM).
 *   `rtmpscope --version` against `node -e 0` (5 × RUNS each, alternating) is the start-up;
 *   `summary` of a small committed capture (3 × RUNS, alternating with them) shows what loading
 *   the decoders costs on top.
 *   `summary` (tables) and the terminal UI (in a 160×45 tmux pane, timed from start until it shows
 *   "✓ done"; skipped without tmux) are timed too, to show what rendering costs.
 * - Warm throughput: the 10× capture's CPU minus the 1× capture's (nine sessions decoded by code
 *   already warm) over nine captures' bytes.
 * - Gates (exit 1 when missed; guards against regressions with headroom for a 2-core CI machine,
 *   not goals): export CPU ≤ 2.3× the pcap-parser loop's (measured 1.7-1.8 on a quiet machine in
 *   the fresh-clone CI check, 1.5-1.7 with 15-20 jobs queued, which slow the loop too; CPU counts
 *   the GC and compiler threads, which wall-clock ratios hid) and ≥ 3.5× below tshark's (measured
 *   4.2 quiet, 6.6-6.9 loaded); peak memory ≤ 100 MiB on the 1× and 10× captures and not
 *   growing (10× within 10 % of 1×); and issue #19's start-up target, met: `rtmpscope --version`
 *   ≤ 1.1× `node -e 0` (measured 1.08 under load 18).
 * - Issue #19's other targets are printed with "met"/"NOT MET" beside the measured value and do
 *   not fail the run (a target joins the gates once it is met): export ≤ 1.25× the floor's CPU,
 *   ≥ 0.8 GB per CPU-second warm, the UI ≤ 128 MiB at 16×, the decoding proxy ≥ 0.85× a plain
 *   relay's MB/s (bench-proxy.js, run here briefly).
 *
 * Options: --runs N (default 5), --no-targets (report only), --quick (skip the 10×/16× captures and
 * the proxy), --clean (remove .bench afterwards).
 */
import { spawn, spawnSync, execFileSync } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, renameSync, statSync, rmSync, writeFileSync, writeSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createCaptureDecoder } from '../src/capture/decoder.js';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const BENCH = join(ROOT, '.bench');
const BIG = join(BENCH, 'big.pcap');
const BIG10 = join(BENCH, 'big10.pcap');
const BIG16 = join(BENCH, 'big16.pcap');
const CLI = join(ROOT, 'dist', 'bin', 'rtmpscope.js');
const FLOOR = join(ROOT, 'dist', 'scripts', 'bench-floor.js');
const READ = join(ROOT, 'dist', 'scripts', 'bench-read.js');
const PROXY_BENCH = join(ROOT, 'dist', 'scripts', 'bench-proxy.js');

const args = process.argv.slice(2);
const RUNS = Number(args[args.indexOf('--runs') + 1] ?? 5) || 5;
const CHECK = !args.includes('--no-targets');
const QUICK = args.includes('--quick');

/** Issue #19's targets: printed with met / NOT MET; those met (start-up, UI memory, proxy) are also gated, with headroom (GATE). */
const TARGET = { floorCpu: 1.25, warmGBps: 0.8, startup: 1.1, uiMiB: 128, proxy: 0.85 };
/** Gates: exit 1 beyond them (headroom over what a loaded 2-core CI machine measures, or a #19 target that is met). */
// The start-up gate keeps headroom over #19's 1.1× target (measured 1.04–1.08× under load): a CI machine's
// scheduling noise must not turn a met target into a red run; the target's own line says met / NOT MET.
// UI memory and the proxy were met in the session-6 CI run (117 MiB; 0.94×) but swing with load (the proxy
// measured 0.39–0.96× on a loaded machine): their gates catch regressions, not noise.
const GATE = { floorCpu: 2.3, tsharkCpu: 3.5, startup: 1.25, peakMiB: 100, growth: 1.1, uiMiB: 140, proxy: 0.6 };
/** A small committed capture: `summary` of it is start-up plus loading and warming the decoders. */
const SMALL = join(ROOT, 'captures', 'ffmpeg-nginx-publish.pcapng');

/** CPU time (user + sys of the child and its threads), wall time, peak RSS. */
type Sample = { cpu: number; seconds: number; peakKiB: number };

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
    sh('ip', [
      'netns',
      'exec',
      ns,
      'ffmpeg',
      '-loglevel',
      'error',
      '-f',
      'lavfi',
      '-i',
      'testsrc2=size=1280x720:rate=30',
      '-f',
      'lavfi',
      '-i',
      'sine=frequency=440:sample_rate=48000',
      '-t',
      '120',
      '-c:v',
      'libx264',
      '-preset',
      'ultrafast',
      '-b:v',
      '4M',
      '-maxrate',
      '4M',
      '-bufsize',
      '8M',
      '-g',
      '60',
      '-c:a',
      'aac',
      '-b:a',
      '128k',
      '-f',
      'flv',
      'rtmp://127.0.0.1/live/bench',
    ]);
    await sleep(1500);
    dump.kill('SIGINT');
    await new Promise((r) => dump.once('exit', r));
    spawnSync('mv', [tmp, BIG]);
  } finally {
    for (const p of procs) if (p.exitCode === null) p.kill('SIGKILL');
    spawnSync('ip', ['netns', 'del', ns]);
  }
}

/**
 * `copies` sessions back to back: copy k moves the client port by k and the clock by k × 130 s.
 * Written copy by copy (synchronously), so building it holds one copy, not the whole file.
 */
function makeCopies(copies: number, path: string): void {
  process.stderr.write(`bench: building the ${copies}× capture…\n`);
  const src = readFileSync(BIG);
  const linkType = src.readUInt32LE(20);
  if (linkType !== 1) throw new Error('expected an Ethernet capture');
  const tmp = `${path}.tmp`;
  const fd = openSync(tmp, 'w');
  try {
    writeSync(fd, src.subarray(0, 24));
    for (let k = 0; k < copies; k++) {
      const dec = createCaptureDecoder();
      let clientPort = -1;
      const recs: Buffer[] = [];
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
        recs.push(rec);
      }
      const b = Buffer.concat(recs);
      for (let at = 0; at < b.length;) at += writeSync(fd, b, at);
    }
  } finally {
    closeSync(fd);
  }
  renameSync(tmp, path);
}

/** The pids of a process's children (throws once the process is gone). */
function childPids(pid: number): number[] {
  return readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8')
    .trim()
    .split(/\s+/)
    .filter((x) => x !== '')
    .map(Number);
}

/** Peak RSS (VmHWM, KiB) over a process and its descendants. */
function treePeakKiB(root: number): number {
  let peak = 0;
  const queue = [root];
  for (let pid = queue.shift(); pid !== undefined; pid = queue.shift()) {
    try {
      const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
      if (m) peak = Math.max(peak, Number(m[1]));
      queue.push(...childPids(pid));
    } catch {
      /* exited */
    }
  }
  return peak;
}

/**
 * Run a command (stdout discarded) under bash, whose `times` reports the CPU time of its
 * children (getrusage: user + sys of every thread, to the millisecond); wall time and peak RSS
 * (polled) besides.
 */
function measure(cmd: string, a: string[]): Promise<Sample> {
  return new Promise((resolve, reject) => {
    const t0 = process.hrtime.bigint();
    const p = spawn('bash', ['-c', '"$@" >/dev/null || exit $?; times', 'bench', cmd, ...a], { stdio: ['ignore', 'pipe', 'pipe'] });
    let peak = 0;
    let out = '';
    let err = '';
    p.stdout.on('data', (d: Buffer) => (out += d.toString()));
    p.stderr.on('data', (d: Buffer) => {
      if (err.length < 4000) err += d.toString();
    });
    const poll = setInterval(() => (peak = Math.max(peak, treePeakKiB(p.pid as number))), 10);
    p.on('close', (code) => {
      clearInterval(poll);
      const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
      // `times`: the shell's own user/sys, then its children's ("0m0.512s 0m0.045s").
      const m = /(\d+)m([\d.]+)s (\d+)m([\d.]+)s\s*$/.exec(out.trim());
      if (code !== 0 || m === null) reject(new Error(`${cmd} ${a.join(' ')} exited ${code}: ${err}`));
      else resolve({ cpu: Number(m[1]) * 60 + Number(m[2]) + Number(m[3]) * 60 + Number(m[4]), seconds, peakKiB: peak });
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
      queue.push(...childPids(pid));
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
        // utime and stime (fields 14 and 15, in USER_HZ = 1/100 s ticks) of the still-running UI.
        const stat =
          pid === null
            ? []
            : readFileSync(`/proc/${pid}/stat`, 'utf8')
                .replace(/^.*\) /, '')
                .split(' ');
        const cpu = (Number(stat[11] ?? 0) + Number(stat[12] ?? 0)) / 100;
        return { cpu, seconds, peakKiB: m === null ? 0 : Number(m[1]) };
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

const mib = (kib: number) => `${(kib / 1024).toFixed(0)} MiB`;
const met = (ok: boolean) => (ok ? 'met' : 'NOT MET');

/** The decoding proxy's MB/s over a plain relay's, from a short bench-proxy run. */
function proxyRatio(): number | null {
  const r = spawnSync(process.execPath, [PROXY_BENCH, '--mb', '128', '--pings', '500', '--runs', '3'], { encoding: 'utf8', timeout: 120_000 });
  const m = /decoding proxy \(no output\) ([\d.]+)× the relay/.exec(r.stdout ?? '');
  return m === null ? null : Number(m[1]);
}

async function main(): Promise<void> {
  if (!existsSync(BIG)) await makeCapture();
  if (!QUICK && !existsSync(BIG10)) makeCopies(10, BIG10);
  const tui = hasTool('tmux');
  if (!QUICK && tui && !existsSync(BIG16)) makeCopies(16, BIG16);
  await sleep(500);
  const size = statSync(BIG).size;
  const EXPORT = 'rtmpscope export';
  const TSHARK = 'tshark';
  const FLOOR_NAME = 'pcap-parser loop (floor)';
  const READ_NAME = 'fs.readSync loop';
  const tools: Record<string, [string, string[]]> = {
    [EXPORT]: [CLI, ['export', BIG, '--format', 'ndjson', '-o', '/dev/null']],
    [TSHARK]: ['tshark', ['-n', '-r', BIG, '-o', 'rtmpt.max_packet_size:16777215', '-Y', 'rtmpt', '-T', 'fields', '-e', 'frame.number', '-e', 'rtmpt.header.typeid', '-e', 'rtmpt.header.timestamp', '-e', 'rtmpt.header.bodysize', '-e', 'amf.string']],
    [FLOOR_NAME]: [process.execPath, [FLOOR, BIG]],
    [READ_NAME]: [process.execPath, [READ, BIG]],
  };
  const samples: Record<string, Sample[]> = Object.fromEntries(Object.keys(tools).map((k) => [k, []]));
  // Warm the page cache, then alternate.
  await measure(...tools[READ_NAME]!);
  for (let i = 0; i < RUNS; i++) {
    for (const [name, [cmd, a]] of Object.entries(tools)) samples[name]!.push(await measure(cmd, a));
  }
  // Start-up: the executable's shortest run against node's.
  const startup: Record<'ours' | 'node' | 'small', number[]> = { ours: [], node: [], small: [] };
  for (let i = 0; i < 5 * RUNS; i++) {
    startup.ours.push((await measure(CLI, ['--version'])).cpu);
    startup.node.push((await measure(process.execPath, ['-e', '0'])).cpu);
    if (i % 5 < 3) startup.small.push((await measure(CLI, ['summary', SMALL])).cpu);
  }
  const summaries: Sample[] = [];
  for (let i = 0; i < Math.min(RUNS, 3); i++) summaries.push(await measure(CLI, ['summary', BIG]));
  const tuis: Sample[] = [];
  if (tui) for (let i = 0; i < Math.min(RUNS, 3); i++) tuis.push(await measureTui(BIG));
  const { messages, frames } = countMessages(BIG);

  const cpu = (k: string) => median(samples[k]!.map((s) => s.cpu));
  const wall = (k: string) => median(samples[k]!.map((s) => s.seconds));
  const peak = (k: string) => Math.max(...samples[k]!.map((s) => s.peakKiB));
  const row = (name: string, xs: Sample[], bytes: number) => {
    const c = median(xs.map((x) => x.cpu));
    const w = median(xs.map((x) => x.seconds));
    return [name, `${c.toFixed(3)} s`, `${w.toFixed(3)} s`, `${(bytes / 1e6 / c).toFixed(0)} MB/s`, mib(Math.max(...xs.map((x) => x.peakKiB)))];
  };
  const rows: string[][] = Object.keys(tools).map((k) => row(k, samples[k]!, size));
  rows.push(row('rtmpscope summary (tables)', summaries, size));
  if (tuis.length > 0) rows.push(row('rtmpscope UI, start to "✓ done" (160×45)', tuis, size));
  let big10: Sample | null = null;
  let ui16: Sample | null = null;
  let proxy: number | null = null;
  if (!QUICK) {
    big10 = await measure(CLI, ['export', BIG10, '--format', 'ndjson', '-o', '/dev/null']);
    rows.push(row('rtmpscope export, 10× capture', [big10], size * 10));
    if (tui) {
      ui16 = await measureTui(BIG16);
      rows.push(row('rtmpscope UI, 16× capture', [ui16], size * 16));
    }
    proxy = proxyRatio();
  }

  const ours = cpu(EXPORT);
  const vsFloor = ours / cpu(FLOOR_NAME);
  const vsRead = ours / cpu(READ_NAME);
  const vsTshark = cpu(TSHARK) / ours;
  const start = median(startup.ours) / median(startup.node);
  // Nine sessions decoded by warm code: the 10× capture's CPU beyond the 1× capture's.
  const warm = big10 === null ? null : (9 * size) / 1e9 / Math.max(1e-3, big10.cpu - ours);
  const lines = [
    `capture: ${(size / 1e6).toFixed(1)} MB, ${frames} packets, ${messages} RTMP messages (2 min 720p H.264 4 Mbit/s + AAC, ffmpeg → nginx-rtmp); medians of ${RUNS} alternating runs; CPU = user + sys of the process (all threads)`,
    '',
    '| tool | CPU time | wall time | MB per CPU-second | peak RSS |',
    '|---|---|---|---|---|',
    ...rows.map((r) => `| ${r.join(' | ')} |`),
    '',
    `rtmpscope export: ${(messages / ours / 1000).toFixed(1)}k RTMP messages and ${(frames / ours / 1000).toFixed(0)}k packets per CPU-second; CPU ${vsFloor.toFixed(2)}× the pcap-parser loop, ${vsRead.toFixed(2)}× the readSync loop, ${vsTshark.toFixed(1)}× less than tshark; wall ${(wall(EXPORT) / wall(FLOOR_NAME)).toFixed(2)}× the pcap-parser loop`,
    `start-up: rtmpscope --version ${(median(startup.ours) * 1000).toFixed(0)} ms CPU, node -e 0 ${(median(startup.node) * 1000).toFixed(0)} ms (${start.toFixed(2)}×; medians of ${5 * RUNS}); rtmpscope summary of a ${(statSync(SMALL).size / 1e3).toFixed(0)} KB capture ${(median(startup.small) * 1000).toFixed(0)} ms (${(median(startup.small) / median(startup.node)).toFixed(2)}×; median of ${startup.small.length})`,
    warm === null ? 'warm throughput: not measured (--quick)' : `warm throughput (10× capture's CPU beyond the 1×): ${warm.toFixed(2)} GB per CPU-second; the whole 10× capture ${((10 * size) / 1e9 / big10!.cpu).toFixed(2)} GB per CPU-second`,
    '',
    `gates (exit 1 when missed): export CPU ≤ ${GATE.floorCpu}× the floor (${vsFloor.toFixed(2)}), ≥ ${GATE.tsharkCpu}× less than tshark (${vsTshark.toFixed(1)}), start-up ≤ ${GATE.startup}× node (${start.toFixed(2)}), UI ≤ ${GATE.uiMiB} MiB at 16×, proxy ≥ ${GATE.proxy}× the relay, peak ≤ ${GATE.peakMiB} MiB (${mib(peak(EXPORT))}${big10 ? `, ${mib(big10.peakKiB)} on the 10× capture` : ''}), not growing (10× within ${Math.round((GATE.growth - 1) * 100)} % of 1×)`,
    `issue #19 targets:`,
    `- export CPU ≤ ${TARGET.floorCpu}× the pcap-parser loop: ${vsFloor.toFixed(2)}× — ${met(vsFloor <= TARGET.floorCpu)}`,
    `- ≥ ${TARGET.warmGBps} GB per CPU-second warm on the 10× capture: ${warm === null ? 'not measured' : `${warm.toFixed(2)} — ${met(warm >= TARGET.warmGBps)}`}`,
    `- start-up ≤ ${TARGET.startup}× node -e 0: ${start.toFixed(2)}× — ${met(start <= TARGET.startup)} (gate ${GATE.startup}×)`,
    `- UI ≤ ${TARGET.uiMiB} MiB at 16×: ${ui16 === null ? 'not measured' : `${mib(ui16.peakKiB)} — ${met(ui16.peakKiB / 1024 <= TARGET.uiMiB)} (gate ${GATE.uiMiB} MiB)`}`,
    `- decoding proxy ≥ ${TARGET.proxy}× a plain relay's MB/s: ${proxy === null ? 'not measured' : `${proxy.toFixed(2)}× (bench-proxy.js: load generator, proxy and sink as separate processes) — ${met(proxy >= TARGET.proxy)} (gate ${GATE.proxy}×)`}`,
  ];
  process.stdout.write(lines.join('\n') + '\n');
  const missed: string[] = [];
  if (vsFloor > GATE.floorCpu) missed.push(`export CPU ${vsFloor.toFixed(2)}× the floor`);
  if (vsTshark < GATE.tsharkCpu) missed.push(`only ${vsTshark.toFixed(2)}× less CPU than tshark`);
  if (start > GATE.startup) missed.push(`start-up ${start.toFixed(2)}× node -e 0`);
  if (ui16 !== null && ui16.peakKiB / 1024 > GATE.uiMiB) missed.push(`UI peak ${mib(ui16.peakKiB)} at 16×`);
  if (proxy !== null && proxy < GATE.proxy) missed.push(`decoding proxy ${proxy.toFixed(2)}× the relay`);
  if (peak(EXPORT) / 1024 > GATE.peakMiB) missed.push(`peak ${mib(peak(EXPORT))}`);
  if (big10 && big10.peakKiB / 1024 > GATE.peakMiB) missed.push(`peak ${mib(big10.peakKiB)} on the 10× capture`);
  if (big10 && big10.peakKiB > GATE.growth * peak(EXPORT)) missed.push(`memory grows: ${mib(big10.peakKiB)} on the 10× capture vs ${mib(peak(EXPORT))}`);
  if (missed.length > 0) {
    process.stdout.write(`gates missed: ${missed.join('; ')}\n`);
    if (CHECK) process.exitCode = 1;
  } else {
    process.stdout.write('all gates met\n');
  }
  if (args.includes('--clean')) rmSync(BENCH, { recursive: true, force: true });
}

main().catch((e: unknown) => {
  process.stderr.write(`bench: ${(e as Error).message}\n`);
  process.exitCode = 1;
});
