/**
 * `rtmpscope -` on a terminal with the capture arriving on stdin (a FIFO written in two pieces, as
 * a live `tcpdump -U -w -` would): the UI opens in follow mode while the input is still open, shows
 * the sessions decoded so far, takes keys from the terminal (/dev/tty — stdin is the capture), and
 * quits on `q`. Runs the real binary in a private tmux server; skipped when tmux is missing.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, readFileSync, rmSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const CAPTURE = join(ROOT, 'captures', 'ffmpeg-nginx-publish-play.pcap');
const hasTmux = spawnSync('tmux', ['-V']).status === 0;

const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));

test('live UI: rtmpscope - follows a capture on stdin and reads keys from the terminal', { skip: hasTmux ? false : 'tmux is not installed', timeout: 90_000 }, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'rtmpscope-live-ui-'));
  const fifo = join(dir, 'capture.fifo');
  const socket = `rtmpscope-live-ui-${process.pid}`;
  const tmux = (...args: string[]) => {
    const r = spawnSync('tmux', ['-L', socket, ...args], { encoding: 'utf8' });
    assert.equal(r.status, 0, `tmux ${args[0]}: ${r.stderr}`);
    return r.stdout;
  };
  const until = async (want: RegExp, what: string) => {
    let screen = '';
    for (const end = Date.now() + 30_000; Date.now() < end; await pause(250)) {
      screen = tmux('capture-pane', '-p', '-t', 'ui');
      if (want.test(screen)) return screen;
    }
    assert.fail(`${what}: not on the screen after 30 s:\n${screen}`);
  };
  spawnSync('mkfifo', [fifo]);
  try {
    tmux('-f', '/dev/null', 'new-session', '-d', '-s', 'ui', '-x', '120', '-y', '30', '-c', ROOT, `env PS1='live-ui$ ' bash --norc --noprofile`);
    tmux('send-keys', '-t', 'ui', '-l', `node dist/bin/rtmpscope.js - < ${fifo}; echo exit=$?`);
    tmux('send-keys', '-t', 'ui', 'Enter');
    const bytes = readFileSync(CAPTURE);
    const fd = openSync(fifo, 'w'); // blocks until the shell opens it for reading
    let at = 24;
    for (let f = 0; f < 600; f++) at += 16 + bytes.readUInt32LE(at + 8);
    writeSync(fd, bytes.subarray(0, at));
    // The input is still open: the UI shows what has arrived, live, following the newest message.
    let screen = await until(/live.*FOLLOW[\s\S]*live\/test\s+publish/, 'the live UI with the publish session');
    assert.match(screen, /rtmpscope -/);
    tmux('send-keys', '-t', 'ui', '?');
    screen = await until(/Press \? or Esc to close this help/, 'the help overlay (a key from the terminal)');
    tmux('send-keys', '-t', 'ui', 'Escape');
    await until(/Sessions \(3\)/, 'the sessions pane again');
    writeSync(fd, bytes.subarray(at));
    closeSync(fd);
    await until(/■ ended {2}572 records/, 'the whole capture, ended');
    tmux('send-keys', '-t', 'ui', 'q');
    screen = await until(/exit=0/, 'the shell after q');
  } finally {
    spawnSync('tmux', ['-L', socket, 'kill-server']);
    rmSync(dir, { recursive: true, force: true });
  }
});
