/**
 * Live pipes: a capture written into `rtmpscope export -` in pieces with pauses (as
 * `tcpdump -U -w -` does) gets its records printed before the input ends, each piece's records
 * within a bound of its arrival (output is flushed when the input stalls), and in the end exactly
 * the lines of the same capture read from a file.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
const cli = join(root, 'dist', 'bin', 'rtmpscope.js');
const capture = join(root, 'captures', 'ffmpeg-nginx-publish-play.pcap');
/** The flush happens 50 ms after records arrive; the rest is decoding and a loaded CI machine. */
const BOUND_MS = 1000;
const PAUSE_MS = 400;

/** Byte offsets just after frames `frames` (1-based) of a little-endian classic pcap. */
function frameEnds(buf: Buffer, frames: readonly number[]): number[] {
  const out: number[] = [];
  let at = 24;
  for (let f = 1; at < buf.length; f++) {
    at += 16 + buf.readUInt32LE(at + 8);
    if (frames.includes(f)) out.push(at);
  }
  return out;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

test('live pipe: records arrive while the input pauses, within a bound of each piece', async (t) => {
  const bytes = readFileSync(capture);
  const cuts = [0, ...frameEnds(bytes, [30, 200, 400, 700, 900, 1200]), bytes.length];
  const child = spawn(process.execPath, [cli, 'export', '-'], { stdio: ['pipe', 'pipe', 'pipe'] });
  let out = '';
  let stderr = '';
  let lines = 0;
  let onLine: (() => void) | null = null;
  child.stdout.setEncoding('utf8');
  child.stdout.on('data', (d: string) => {
    out += d;
    lines = out.split('\n').length - 1;
    onLine?.();
  });
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const exited = new Promise<number | null>((r) => child.on('close', (code) => r(code)));
  const latencies: number[] = [];
  const seen: number[] = [];
  for (let i = 0; i + 1 < cuts.length - 1; i++) {
    const before = lines;
    const sent = Date.now();
    const arrived = new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no record within ${5 * BOUND_MS} ms of piece ${i + 1}`)), 5 * BOUND_MS);
      onLine = () => {
        if (lines > before) {
          clearTimeout(timer);
          onLine = null;
          resolve();
        }
      };
    });
    child.stdin.write(bytes.subarray(cuts[i], cuts[i + 1]));
    await arrived;
    latencies.push(Date.now() - sent);
    await sleep(PAUSE_MS); // the input stalls; everything decodable so far must be out
    seen.push(lines);
  }
  child.stdin.end(bytes.subarray(cuts[cuts.length - 2]));
  assert.equal(await exited, 0, stderr);
  t.diagnostic(`first record after each piece: ${latencies.join(', ')} ms; lines seen during the pauses: ${seen.join(', ')}`);
  // The first piece also waits for the program to start.
  for (const l of latencies.slice(1)) assert.ok(l < BOUND_MS, `a piece's first record took ${l} ms`);
  // The records of each prefix were out during its pause, and more came with each piece.
  for (let i = 1; i < seen.length; i++) assert.ok((seen[i] as number) > (seen[i - 1] as number));
  const whole = spawnSync(process.execPath, [cli, 'export', capture], { encoding: 'utf8', maxBuffer: 1 << 28 });
  assert.equal(out, whole.stdout);
});
