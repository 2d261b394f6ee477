/**
 * The progress line: drawn only on a terminal, not for short runs, at most five times a second,
 * with share, rate and time left, and erased at the end.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startProgress } from '../../src/cli/progress.js';

function fakeTerminal(isTTY: boolean) {
  const writes: string[] = [];
  return { writes, out: { isTTY, write: (s: string) => (writes.push(s), true) } as unknown as NodeJS.WriteStream };
}

test('progress: share, rate, time left and captures on a terminal; erased at the end', () => {
  const t = fakeTerminal(true);
  let now = 0;
  const p = startProgress(100 * 1048576, 4, t.out, () => now);
  now = 100;
  p.update(1048576); // too early: nothing drawn for short runs
  assert.deepStrictEqual(t.writes, []);
  now = 1000;
  p.update(25 * 1048576, 1);
  now = 1100;
  p.update(26 * 1048576); // within 200 ms of the last line
  now = 2000;
  p.update(50 * 1048576, 2);
  assert.deepStrictEqual(t.writes, ['\r\x1b[K1/4 captures · 25% · 25 MiB of 100 MiB · 25 MiB/s · 3 s left', '\r\x1b[K2/4 captures · 50% · 50 MiB of 100 MiB · 25 MiB/s · 2 s left']);
  p.done();
  assert.equal(t.writes.at(-1), '\r\x1b[K');
});

test('progress: nothing when stderr is not a terminal', () => {
  const t = fakeTerminal(false);
  let now = 0;
  const p = startProgress(1000, 1, t.out, () => now);
  now = 5000;
  p.update(500);
  p.done();
  assert.deepStrictEqual(t.writes, []);
});
