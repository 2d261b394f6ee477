/**
 * Issue #13's table: small hostile captures that used to exhaust memory. Each runs through the
 * built CLI in a child process (as a user runs it), whose peak RSS (process.resourceUsage().maxRSS,
 * reported at exit by a preloaded hook) must stay within 256 MiB, and whose CPU time must grow
 * linearly with the input: twice the input may cost at most 3× the CPU time of the smaller one,
 * over a tiny capture's (start-up) — a quadratic cost would make it 4×. CPU time, not wall time:
 * the machine may be shared. Sizes keep each test at a few seconds; scripts/fuzz.ts has the
 * full-size shapes.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chunkStreamFlood, midstreamFlood, openHugeMessages, synFlood, tsoTinyChunks } from '../builders/hostile.js';
import { CLI } from './helpers.js';

const tmp = mkdtempSync(join(tmpdir(), 'rtmpscope-bounded-'));
process.on('exit', () => rmSync(tmp, { recursive: true, force: true }));

const HOOK = `data:text/javascript,process.on('exit',()=>{const u=process.resourceUsage();process.stderr.write('BD-USAGE '+u.maxRSS+' '+(u.userCPUTime+u.systemCPUTime)+'\\n')})`;

type Usage = { status: number | null; stderr: string; out: string; maxRssKiB: number; cpuMs: number };

/** The CLI (with the bundle's own V8 flags) on `bytes`, writing NDJSON to a file. */
export function runCli(args: readonly string[], bytes: Uint8Array, name: string): Usage {
  const input = join(tmp, `${name}.pcap`);
  const output = join(tmp, `${name}.ndjson`);
  writeFileSync(input, bytes);
  const r = spawnSync(process.execPath, ['--max-semi-space-size=4', '--import', HOOK, CLI, ...args.map((a) => (a === '@in' ? input : a === '@out' ? output : a))], {
    encoding: 'utf8',
    timeout: 120_000,
  });
  const m = /BD-USAGE (\d+) (\d+)/.exec(r.stderr);
  assert.ok(m !== null, `no usage line: status ${r.status} signal ${r.signal}\n${r.stderr}`);
  let out: string;
  try {
    out = readFileSync(output, 'utf8');
  } catch {
    /* summary writes to stdout */
    out = r.stdout;
  }
  rmSync(input, { force: true });
  rmSync(output, { force: true });
  return { status: r.status, stderr: r.stderr.replace(/BD-USAGE.*\n/, ''), out, maxRssKiB: Number(m[1]), cpuMs: Number(m[2]) / 1000 };
}

let startup: number | null = null;
/** CPU time of the CLI on a trivial capture. */
function startupCpu(): number {
  startup ??= Math.min(...[0, 1].map(() => runCli(['export', '@in', '-o', '@out'], synFlood(1), 'startup').cpuMs));
  return startup;
}

function lines(out: string): { type: string; code?: string; end?: string; evictedConnections?: number; messageCount?: { c2s: number } }[] {
  return out
    .trimEnd()
    .split('\n')
    .map((l) => JSON.parse(l) as { type: string });
}

/**
 * Export `small` and `big` (about twice the input): both within `maxMiB`, and the CPU time of the
 * big one at most 3× that of the small one beyond start-up. Returns the big run.
 */
function boundedAndLinear(name: string, small: Uint8Array, big: Uint8Array, maxMiB = 256, args: readonly string[] = []): Usage {
  const base = startupCpu();
  const a = runCli(['export', '@in', '-o', '@out', ...args], small, `${name}-small`);
  const b = runCli(['export', '@in', '-o', '@out', ...args], big, `${name}-big`);
  for (const r of [a, b]) {
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.stderr, '');
    assert.ok(r.maxRssKiB <= maxMiB * 1024, `${name}: peak RSS ${(r.maxRssKiB / 1024).toFixed(0)} MiB > ${maxMiB} MiB`);
  }
  const ratio = (b.cpuMs - base) / Math.max(1, a.cpuMs - base);
  const sizes = big.length / small.length;
  assert.ok(ratio <= 1.5 * sizes, `${name}: ${sizes.toFixed(1)}× the input took ${ratio.toFixed(1)}× the CPU time (${a.cpuMs.toFixed(0)} → ${b.cpuMs.toFixed(0)} ms, start-up ${base.toFixed(0)} ms)`);
  return b;
}

test('SYN-only connection floods: 20,000 and 40,000 connections (beyond the default cap, 4096, evicted)', () => {
  const r = boundedAndLinear('syn', synFlood(20_000), synFlood(40_000));
  const cap = lines(r.out).at(-1);
  assert.equal(cap?.type, 'capture');
  assert.equal(cap?.evictedConnections, 40_000 - 4096);
  assert.ok(lines(r.out).some((l) => l.code === 'tcp.connection-cap'));
});

test('--max-connections: 10,000 SYN-only connections followed 1,000 at a time', () => {
  const r = runCli(['export', '@in', '-o', '@out', '--max-connections', '1000'], synFlood(10_000), 'syn-cap');
  assert.equal(r.status, 0, r.stderr);
  assert.equal(lines(r.out).at(-1)?.evictedConnections, 9_000);
});

test('one-byte mid-stream connections on port 1935: 12,000 and 24,000 (held undecided, never RTMP without evidence; evicted at the cap)', () => {
  const r = boundedAndLinear('mid', midstreamFlood(12_000), midstreamFlood(24_000));
  const recs = lines(r.out);
  // One byte is no evidence of RTMP, even on 1935 (a chain of chunk headers is needed): no session.
  assert.equal(recs.filter((l) => l.type === 'session').length, 0);
  assert.equal(recs.at(-1)?.evictedConnections, 24_000 - 4096);
});

test('a TSO super-segment of one-byte chunks (empty messages): 256 KB and 512 KB, records summarised, counts exact', () => {
  const r = boundedAndLinear('tso', tsoTinyChunks(256 * 1024), tsoTinyChunks(512 * 1024));
  const recs = lines(r.out);
  assert.ok(recs.length < 1100, `${recs.length} records`);
  assert.ok(recs.some((l) => l.code === 'rtmp.message.repeated'));
  assert.equal(recs.find((l) => l.type === 'session')?.messageCount?.c2s, 512 * 1024 + 1);
});

test('connections each opening 2,400 messages that claim 16 MiB: 50 and 100 connections', () => {
  const r = boundedAndLinear('open', openHugeMessages(50, 2400), openHugeMessages(100, 2400));
  assert.equal(lines(r.out).filter((l) => l.type === 'session').length, 100);
});

test('connections using every chunk stream id (65,597 of them, 4 bytes of a message each): 4 and 8 connections', () => {
  const r = boundedAndLinear('csid', chunkStreamFlood(4), chunkStreamFlood(8));
  const recs = lines(r.out);
  assert.equal(recs.filter((l) => l.type === 'session').length, 8);
  assert.ok(recs.some((l) => l.code === 'rtmp.chunk.stream-cap'));
});

test('summary of the connection flood stays within 256 MiB', () => {
  const r = runCli(['summary', '@in'], synFlood(40_000), 'syn-summary');
  assert.equal(r.status, 0, r.stderr);
  assert.ok(r.maxRssKiB <= 256 * 1024, `peak RSS ${(r.maxRssKiB / 1024).toFixed(0)} MiB`);
  assert.match(r.out, /35904 evicted/);
});
