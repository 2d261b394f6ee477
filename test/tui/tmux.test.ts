/**
 * The real program in a real terminal: tmux (a private server on its own socket) runs a shell,
 * the shell runs the TUI entry on a capture, and the test types keys and reads the screen with
 * `capture-pane`. It checks what a user sees at 160×45 and, after a live resize, at 80×24:
 * sessions, the first screen's session overview (resolution, bitrate), the connect/publish/play
 * commands, selection movement, the hex view (`x`), the detail tree, the help
 * overlay, and that `q` ends the process and gives the shell its screen back. A terminal 80
 * columns wide from the start shows the overview first too (the panes stacked). The proxy's UI
 * (`rtmpscope proxy … -o FILE`, a client publishing through it to a fake server) shows the hex of
 * the selected message with `x`, and its NDJSON file carries no excerpt. The records are
 * spooled to a temporary file in a private TMPDIR: while the UI runs the process holds it open
 * with its name already unlinked, and nothing is left there after it quits.
 *
 * Runs the real binary, `node dist/bin/rtmpscope.js` (ENTRY below): on a terminal
 * the CLI opens the TUI. Skipped, with a message, only when tmux is not installed.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readlinkSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { writeSyntheticCapture } from './fixtures.js';
import { readFileSync } from 'node:fs';
import { runClient, startFakeServer } from '../proxy/fake-rtmp.js';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const ENTRY = 'dist/bin/rtmpscope.js';
const COMMITTED = 'captures/ffmpeg-nginx-publish-play.pcap';

const hasTmux = spawnSync('tmux', ['-V']).status === 0;
const SKIP = hasTmux ? false : 'tmux is not installed: the real-terminal TUI test needs it (apt-get install tmux)';

const delay = (ms: number) => new Promise((r) => setTimeout(r, ms));

class Tmux {
  readonly socket = `rtmpscope-tui-test-${process.pid}-${Math.floor(Math.random() * 1e6)}`;
  readonly target = 'tui';

  run(...args: string[]): string {
    const r = spawnSync('tmux', ['-L', this.socket, ...args], { encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`tmux ${args.join(' ')}: ${r.stderr}`);
    return r.stdout;
  }

  start(cols: number, rows: number): void {
    this.run('-f', '/dev/null', 'new-session', '-d', '-s', this.target, '-x', String(cols), '-y', String(rows), '-c', ROOT, 'env PS1="tui-test$ " bash --norc --noprofile');
  }

  keys(...keys: string[]): void {
    this.run('send-keys', '-t', this.target, ...keys);
  }

  type(text: string): void {
    this.run('send-keys', '-t', this.target, '-l', text);
  }

  screen(): string {
    return this.run('capture-pane', '-p', '-t', this.target);
  }

  async waitFor(pred: (screen: string) => boolean, what: string, ms = 15000): Promise<string> {
    const end = Date.now() + ms;
    let s = '';
    while (Date.now() < end) {
      s = this.screen();
      if (pred(s)) return s;
      await delay(100);
    }
    throw new Error(`timed out waiting for ${what}; the screen:\n${s}`);
  }

  /**
   * Wait until one capture of the screen matches every pattern. Ink redraws a frame in several
   * writes, so a capture taken as the first line appears can hold half a frame: checking each
   * pattern on a screen that only matched the first would fail on a slow machine.
   */
  async waitForAll(what: string, ...res: RegExp[]): Promise<string> {
    try {
      return await this.waitFor((x) => res.every((re) => re.test(x)), what);
    } catch (e) {
      const s = this.screen();
      const missing = res.filter((re) => !re.test(s)).map(String);
      throw new Error(`${(e as Error).message}\nstill missing: ${missing.join(', ')}`, { cause: e });
    }
  }

  kill(): void {
    spawnSync('tmux', ['-L', this.socket, 'kill-server']);
  }

  /** Pids of the processes the pane's shell started (pgrep), or null without pgrep. */
  children(): number[] | null {
    const shell = Number(this.run('list-panes', '-t', this.target, '-F', '#{pane_pid}').trim());
    const r = spawnSync('pgrep', ['-P', String(shell)], { encoding: 'utf8' });
    if (r.error !== undefined) return null;
    return r.stdout
      .split('\n')
      .filter((x) => x !== '')
      .map(Number);
  }
}

/** Targets of a process's open descriptors under `dir`. */
function openUnder(pid: number, dir: string): string[] {
  const out: string[] = [];
  try {
    for (const fd of readdirSync(`/proc/${pid}/fd`)) {
      try {
        const target = readlinkSync(`/proc/${pid}/fd/${fd}`);
        if (target.startsWith(dir + '/')) out.push(target);
      } catch {
        /* closed meanwhile */
      }
    }
  } catch {
    /* no /proc, or the process is gone */
  }
  return out;
}

/** The line of the pane titled `title` that carries the selection marker. */
function selected(screen: string, title: string): string {
  const lines = screen.split('\n');
  const start = lines.findIndex((l) => l.includes(title));
  for (let i = start + 1; start >= 0 && i < lines.length; i++) {
    if (/^[─▌] \S/.test(lines[i]!)) break;
    if (lines[i]!.startsWith('▸')) return lines[i]!;
  }
  return '';
}

async function drive(capture: string, expect: { sessions: RegExp[]; commands: RegExp[] }): Promise<void> {
  const t = new Tmux();
  const spoolDir = mkdtempSync(join(tmpdir(), 'rtmpscope-tui-spool-'));
  try {
    t.start(160, 45);
    await t.waitFor((s) => s.includes('tui-test$'), 'the shell prompt');
    t.type(`export TMPDIR=${spoolDir}`);
    t.keys('Enter');
    await t.waitFor((s) => s.split('tui-test$').length > 2, 'the prompt after export');
    // CI=true: ink stays blank when it detects CI; the CLI must undo that on a terminal.
    t.type(`CI=true node ${ENTRY} ${capture}; echo TUI-EXITED $?`);
    t.keys('Enter');
    // The whole first screen: the load done, the sessions, their commands and the overview.
    let s = await t.waitForAll('the first screen', /✓ done/, /rtmpscope/, ...expect.sessions, ...expect.commands, /Overview #1/, /video: \w+ .* \d+×\d+ /, /\d+ kb\/s/, /Chunk size: c→s/);
    // The records are in an unlinked temporary file that only the process holds.
    assert.deepEqual(readdirSync(spoolDir), [], 'nothing named in TMPDIR while the UI runs');
    const pids = t.children();
    if (pids !== null && existsSync('/proc/self/fd')) {
      const held = pids.flatMap((pid) => openUnder(pid, spoolDir));
      assert.equal(held.length, 1, `one spool file open: ${held.join(', ')}`);
      assert.match(held[0]!, / \(deleted\)$/);
    }
    assert.ok(s.split('\n').every((l) => [...l].length <= 160));
    assert.match(selected(s, 'Sessions'), /^▸ +1 /);

    // Focus the timeline and move the selection.
    t.keys('Tab');
    const first = selected(await t.waitFor((x) => /▌ Timeline/.test(x), 'timeline focus'), 'Timeline');
    assert.match(first, /Handshake C0/);
    t.keys('j', 'j', 'j', 'Down', 'Down', 'Down');
    s = await t.waitFor((x) => /AMF0 Cmd +connect/.test(selected(x, 'Timeline')) && /7 of \d+/.test(x) && /Detail frame \d+ AMF0 Cmd connect/.test(x), 'connect to be selected');
    assert.notEqual(selected(s, 'Timeline'), first);

    // x: its bytes from the wire, the chunk header marked; x again: its fields.
    t.keys('x');
    s = await t.waitForAll('the hex view', /Hex frame \d+ AMF0 Cmd connect/, /[0-9a-f]{6} ▸03 00 /, /chunk 1: fmt 0, 12 B hdr/, /bytes on the wire/);
    t.keys('x');
    await t.waitFor((x) => /Detail frame \d+ AMF0 Cmd connect/.test(x), 'the fields again');

    // Open the detail and fold its first node.
    t.keys('Enter');
    await t.waitForAll('detail focus', /▌ Detail/, /▾ Message: AMF0 Command/, /▾ Command: connect/, /app: "live"/);
    t.keys('Enter');
    s = await t.waitFor((x) => /▸ Message: AMF0 Command/.test(x), 'the node to fold');

    // Help overlay.
    t.keys('?');
    s = await t.waitFor((x) => /next \/ previous diagnostic/.test(x), 'the help');
    t.keys('Escape');
    await t.waitFor((x) => /Sessions \(/.test(x), 'help to close');

    // Filter to the commands named publish or play.
    t.keys('Tab'); // leave the detail (diagnostics), then back to the timeline
    t.keys('2');
    t.type('/name:p');
    t.keys('Enter');
    await t.waitForAll('the filter', /filter: name:p/, /publish/);

    // Resize to 80×24: the UI redraws to the new size.
    t.run('resize-window', '-t', t.target, '-x', '80', '-y', '24');
    s = await t.waitFor((x) => x.split('\n').length <= 25 && /Sessions \(/.test(x) && /q quit|filter: name:p/.test(x) && /client → server/.test(x) && /Timeline #1/.test(x), 'the 80×24 redraw');
    assert.ok(
      s.split('\n').every((l) => [...l].length <= 80),
      s,
    );
    assert.match(s, /client → server/);
    assert.match(s, /Timeline #1/);

    // q quits; the shell gets its screen back.
    t.keys('q');
    // The shell prints its prompt a moment after the exit status: wait for both.
    s = await t.waitFor((x) => /TUI-EXITED 0\ntui-test\$/.test(x), 'the process to end and the prompt');
    assert.doesNotMatch(s, /Sessions \(/, 'the alternate screen is gone');
    assert.match(s, /echo TUI-EXITED \$\?\nTUI-EXITED 0\ntui-test\$/, 'the shell screen as it was, the exit status 0, and the prompt');
    assert.deepEqual(readdirSync(spoolDir), [], 'nothing left in TMPDIR');
  } finally {
    t.kill();
    rmSync(spoolDir, { recursive: true, force: true });
  }
}

test('tmux: the real TUI on a synthetic capture (160×45, resized to 80×24)', { skip: SKIP, timeout: 60_000 }, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'rtmpscope-tui-'));
  try {
    const cap = join(dir, 'synthetic.pcap');
    writeSyntheticCapture(cap);
    await drive(cap, {
      sessions: [/10\.0\.0\.1:50000 → 10\.0\.0\.2:1935 +live\/cam1 +publish/, /10\.0\.0\.3:50001 → 10\.0\.0\.2:1935 +vod\/movie +play/],
      commands: [/connect #1 app=live/, /publish #5 cam1 \(live\)/, /createStream/],
    });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('tmux: the real TUI on the committed ffmpeg → nginx publish + play capture', { skip: SKIP || (existsSync(join(ROOT, COMMITTED)) ? false : `${COMMITTED} is not there`), timeout: 60_000 }, async () => {
  await drive(COMMITTED, {
    sessions: [/Sessions \(3\)/, /live\/test +publish/, /live\/test +play/],
    commands: [/connect #1 app=live/, /publish #5 test \(live\)/, /onStatus NetStream\.Publish\.Start/],
  });
});

/** Start the UI in a fresh shell in a `cols`×`rows` pane; returns the pane, with the command run. */
async function shellWith(t: Tmux, cols: number, rows: number, command: string): Promise<void> {
  t.start(cols, rows);
  await t.waitFor((s) => s.includes('tui-test$'), 'the shell prompt');
  t.type(`${command}; echo TUI-EXITED $?`);
  t.keys('Enter');
}

test('tmux: 80×24 from the start — the overview first (what it is, its size and bitrate, its problems), Tab: the timeline', { skip: SKIP, timeout: 60_000 }, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'rtmpscope-tui-'));
  const t = new Tmux();
  try {
    const cap = join(dir, 'synthetic.pcap');
    writeSyntheticCapture(cap);
    await shellWith(t, 80, 24, `node ${ENTRY} ${cap}`);
    const s = await t.waitForAll('the overview', /✓ done/, /Overview #1/, /Session #1: publish {2}live\/cam1/, /video: \w+ .* \d+×\d+ .*fps/, /^ +\d+ kb\/s/m, /Problems: \d+/, /more lines? in a taller terminal/);
    assert.ok(
      s.split('\n').every((l) => [...l].length <= 80),
      s,
    );
    assert.doesNotMatch(s, /Timeline #1/);
    t.keys('j');
    await t.waitForAll('the second session', /Overview #2/, /Session #2: play {2}vod\/movie/);
    t.keys('Tab');
    // The timeline replaces the overview (waited for as a whole: a half-drawn frame may hold both).
    await t.waitFor((x) => /Timeline #2/.test(x) && !/Overview #2/.test(x), 'the timeline in place of the overview');
    t.keys('q');
    await t.waitFor((x) => /TUI-EXITED 0\ntui-test\$/.test(x), 'the process to end');
  } finally {
    t.kill();
    rmSync(dir, { recursive: true, force: true });
  }
});

test('tmux: the proxy UI — x shows the hex of the selected message; the -o file carries no excerpt', { skip: SKIP, timeout: 60_000 }, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'rtmpscope-tui-'));
  const server = await startFakeServer();
  const t = new Tmux();
  try {
    const out = join(dir, 'proxy.ndjson');
    await shellWith(t, 160, 45, `node ${ENTRY} proxy --upstream 127.0.0.1:${server.port} --listen 127.0.0.1:0 -o ${out}`);
    const s = await t.waitFor((x) => /rtmpscope rtmp:\/\/127\.0\.0\.1:\d+ →/.test(x), 'the proxy UI');
    const port = Number(/rtmpscope rtmp:\/\/127\.0\.0\.1:(\d+) →/.exec(s)![1]);
    const c = runClient(port, { seed: 8811 });
    await c.done;
    await t.waitFor((x) => /live\/stream8811 +publish/.test(x), 'the session');
    t.keys('Tab');
    t.type('/name:connect');
    t.keys('Enter');
    await t.waitFor((x) => /Detail frame \d+ AMF0 Cmd connect/.test(x), 'connect selected');
    t.keys('x');
    await t.waitForAll('the hex view', /Hex frame \d+ AMF0 Cmd connect/, /[0-9a-f]{6} ▸03 00 /, /chunk 1: fmt 0, 12 B hdr/, /bytes on the wire/);
    await t.waitFor((x) => /closed/.test(x), 'the session to close');
    t.keys('q');
    await t.waitFor((x) => /TUI-EXITED 0\ntui-test\$/.test(x), 'the proxy to end');
    const lines = readFileSync(out, 'utf8')
      .split('\n')
      .filter((l) => l !== '');
    assert.ok(
      lines.some((l) => l.includes('"name":"connect"')),
      'the NDJSON file has the session',
    );
    assert.ok(
      lines.every((l) => !('wire' in (JSON.parse(l) as object))),
      'no wire excerpt in the file',
    );
  } finally {
    t.kill();
    await server.close();
    rmSync(dir, { recursive: true, force: true });
  }
});
