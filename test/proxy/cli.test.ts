/**
 * `rtmpscope proxy` as a user runs it (the built entry `dist/src/proxy/cli.js` in a child
 * process): it prints where it listens, proxies a session, and on SIGINT closes, flushes the
 * NDJSON and pcap files and exits 0; `rtmpscope export` of that pcap gives the same lines as the
 * live NDJSON. Usage errors exit 2 with one line; --help exits 0.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { concatRec, runClient, startFakeServer } from './fake-rtmp.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
/** The rtmpscope executable users run (the bundle). */
const MAIN = join(root, 'bin', 'rtmpscope.js');

const parse = (text: string) =>
  text
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => JSON.parse(l) as Record<string, unknown>);

test('cli: runs, proxies, flushes NDJSON and pcap on SIGINT; export of the pcap equals the live NDJSON', async () => {
  const server = await startFakeServer();
  const dir = mkdtempSync(join(tmpdir(), 'rtmpscope-cli-'));
  const out = join(dir, 'live.ndjson');
  const pcap = join(dir, 'live.pcap');
  const child = spawn(process.execPath, [MAIN, 'proxy', '--listen', '127.0.0.1:0', '--upstream', `127.0.0.1:${server.port}`, '-o', out, '--pcap', pcap], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr.setEncoding('utf8');
  const port = await new Promise<number>((resolve, reject) => {
    const t = setTimeout(() => reject(new Error(`no listening line: ${stderr}`)), 10000);
    child.stderr.on('data', (s: string) => {
      stderr += s;
      const m = /listening on rtmp:\/\/127\.0\.0\.1:(\d+)/.exec(stderr);
      if (m) {
        clearTimeout(t);
        resolve(Number(m[1]));
      }
    });
  });
  try {
    const c = runClient(port, { seed: 300, media: 8 });
    await c.done;
    await c.closed;
    const sc = server.conns[0]!;
    await sc.closed;
    assert.ok(concatRec(c.sent).equals(concatRec(sc.received)));
    const exited = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
    child.kill('SIGINT');
    assert.equal(await exited, 0, stderr);
    assert.match(stderr, /SIGINT: closing/);
    const liveLines = parse(readFileSync(out, 'utf8'));
    assert.ok(liveLines.some((l) => l['type'] === 'message' && l['name'] === 'publish'));
    assert.equal(liveLines.at(-1)!['type'], 'capture');
    const exp = spawnSync(process.execPath, [MAIN, 'export', pcap], { encoding: 'utf8', maxBuffer: 1 << 28 });
    assert.equal(exp.status, 0, exp.stderr);
    assert.deepEqual(parse(exp.stdout), liveLines);
  } finally {
    child.kill('SIGKILL');
    await server.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

test('cli: --help exits 0; bad arguments exit 2 with one line; an address in use exits 1', async () => {
  const help = spawnSync(process.execPath, [MAIN, 'proxy', '--help'], { encoding: 'utf8' });
  assert.equal(help.status, 0);
  assert.match(help.stdout, /--upstream/);
  for (const opt of ['--listen', '--output', '--pcap', '--no-ui', '--memory-budget', '--handshake-timeout', '--idle-timeout', '--stall-timeout', '--max-sessions', '--tls-cert', '--ca', '--insecure']) {
    assert.ok(help.stdout.includes(opt), `--help lists ${opt}`);
  }
  const bad = spawnSync(process.execPath, [MAIN, 'proxy', '--upstream', 'http://x/'], { encoding: 'utf8' });
  assert.equal(bad.status, 2);
  assert.equal(bad.stderr.trim().split('\n').length, 1);
  const unknown = spawnSync(process.execPath, [MAIN, 'proxy', '--upstream', 'h', '--bogus'], { encoding: 'utf8' });
  assert.equal(unknown.status, 2);
  assert.equal(unknown.stderr, "rtmpscope: proxy: unknown option '--bogus' (see rtmpscope proxy --help)\n");
  const server = await startFakeServer();
  try {
    const busy = spawnSync(process.execPath, [MAIN, 'proxy', '--listen', `127.0.0.1:${server.port}`, '--upstream', '127.0.0.1:1'], { encoding: 'utf8' });
    assert.equal(busy.status, 1);
    assert.match(busy.stderr, /address already in use/);
    const noCa = spawnSync(process.execPath, [MAIN, 'proxy', '--listen', '127.0.0.1:0', '--upstream', 'rtmps://127.0.0.1', '--ca', '/nonexistent/ca.pem'], { encoding: 'utf8' });
    assert.equal(noCa.status, 1);
    assert.match(noCa.stderr, /--ca \/nonexistent\/ca.pem: cannot read/);
  } finally {
    await server.close();
  }
});

test('cli: with -o, error-level problems (the upstream unreachable) also go to stderr, one line each', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'rtmpscope-cli-'));
  const out = join(dir, 'live.ndjson');
  // A port nothing listens on: every connection's upstream is refused.
  const probe = await startFakeServer();
  const deadPort = probe.port;
  await probe.close();
  const child = spawn(process.execPath, [MAIN, 'proxy', '--listen', '127.0.0.1:0', '--upstream', `127.0.0.1:${deadPort}`, '-o', out], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.setEncoding('utf8');
  child.stderr.on('data', (s: string) => (stderr += s));
  try {
    const port = await new Promise<number>((resolve, reject) => {
      const t = setTimeout(() => reject(new Error(`no listening line: ${stderr}`)), 10000);
      const check = () => {
        const m = /listening on rtmp:\/\/127\.0\.0\.1:(\d+)/.exec(stderr);
        if (m) {
          clearTimeout(t);
          resolve(Number(m[1]));
        } else setTimeout(check, 20);
      };
      check();
    });
    const c = runClient(port, { seed: 301 });
    await c.closed;
    const deadline = Date.now() + 5000;
    while (!/proxy\.upstream\.unreachable/.test(stderr) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    const line = stderr.split('\n').find((l) => l.includes('proxy.upstream.unreachable'));
    assert.ok(line !== undefined, stderr);
    assert.match(line, /^rtmpscope proxy: error: client 127\.0\.0\.1:\d+: cannot connect to the upstream 127\.0\.0\.1:\d+: .*ECONNREFUSED.* \(proxy\.upstream\.unreachable\)$/);
    const exited = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
    child.kill('SIGINT');
    assert.equal(await exited, 0, stderr);
    assert.ok(
      parse(readFileSync(out, 'utf8')).some((l) => l['code'] === 'proxy.upstream.unreachable'),
      'and in the file',
    );
  } finally {
    child.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  }
});

const hasScript = spawnSync('script', ['--version']).status === 0;

test('cli on a terminal: the UI and -o together — the UI shows where encoders connect, the file gets the NDJSON; q asks while a session is open, q again quits', { skip: hasScript ? false : 'script(1) is not installed' }, async () => {
  const server = await startFakeServer();
  const dir = mkdtempSync(join(tmpdir(), 'rtmpscope-cli-'));
  const out = join(dir, 'live.ndjson');
  // script(1) gives the proxy a terminal (standard input and output); its keys come from our pipe.
  const cmd = `${process.execPath} ${MAIN} proxy --listen 127.0.0.1:0 --upstream 127.0.0.1:${server.port} -o ${out}`;
  const child = spawn('script', ['-q', '-e', '-c', cmd, '/dev/null'], { stdio: ['pipe', 'pipe', 'pipe'], env: { ...process.env, NO_COLOR: '1' } });
  const exited = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
  let screen = '';
  child.stdout.setEncoding('utf8');
  child.stdout.on('data', (s: string) => (screen += s));
  const waitScreen = async (re: RegExp, what: string): Promise<RegExpExecArray> => {
    const end = Date.now() + 15000;
    for (;;) {
      const m = re.exec(screen);
      if (m !== null) return m;
      if (Date.now() > end) throw new Error(`no ${what} on the screen: ${JSON.stringify(screen.slice(-2000))}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  };
  try {
    // (script's terminal is 80 columns wide: the listening address is what the header keeps.)
    const m = await waitScreen(/rtmpscope rtmp:\/\/127\.0\.0\.1:(\d+) →/, 'listening address in the header');
    const port = Number(m[1]);
    const c = runClient(port, { seed: 302, finish: 'none', stayOpenOnServerEnd: true });
    await c.done;
    await waitScreen(/publish/, 'the session');
    screen = '';
    child.stdin.write('q');
    await waitScreen(/live session is open: q again/, 'the question');
    child.stdin.write('q');
    const code = await Promise.race([exited, new Promise<string>((r) => setTimeout(() => r('still running'), 10000))]);
    assert.equal(code, 0, JSON.stringify(screen.slice(-1500)));
    await Promise.race([c.closed, new Promise((r) => setTimeout(r, 5000))]);
    c.socket.destroy();
    const lines = parse(readFileSync(out, 'utf8'));
    assert.ok(
      lines.some((l) => l['type'] === 'message' && l['name'] === 'publish'),
      'the NDJSON file has the session',
    );
    assert.equal(lines.filter((l) => l['type'] === 'session').length, 1, 'its session record written when the UI quit');
    assert.equal(lines.at(-1)!['type'], 'capture');
  } finally {
    child.kill('SIGKILL');
    await server.close();
    rmSync(dir, { recursive: true, force: true });
  }
});
