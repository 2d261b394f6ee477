/**
 * A live pipe from real tcpdump: `tcpdump -U -w - | rtmpscope export -` while ffmpeg publishes to
 * nginx-rtmp in a private namespace. The records must arrive while the publish is still running
 * — connect and publish long before ffmpeg ends, and each media message within a bound of its
 * packet's capture time — and the stream ends with the session and capture records once tcpdump
 * stops. About 10 s. tcpdump runs with --immediate-mode: without it libpcap hands packets over in
 * blocks up to a second late (measured here: median lag 555 ms, worst 1020 ms, against 51/218 ms
 * with it), which would measure tcpdump rather than rtmpscope.
 *
 * Needs root, ip, ffmpeg (libx264, aac), nginx + libnginx-mod-rtmp, tcpdump.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { Namespace, sleep } from './netns.js';
import { CLI, requireTool, avSourceArgs } from './tools.js';

const PUBLISH_S = 6;
/** Capture time of a packet → its record on rtmpscope's stdout (tcpdump -U, the 50 ms flush, a loaded CI machine). */
const BOUND_MS = 1000;

test('interop live pipe: tcpdump -U -w - | rtmpscope export - prints records while ffmpeg publishes', { timeout: 60_000 }, async (t) => {
  for (const tool of ['ip', 'ffmpeg', 'nginx', 'tcpdump']) requireTool(tool);
  const ns = new Namespace('multi-live');
  try {
    await ns.startNginx([1935]);
    const tcpdump = spawn('ip', ['netns', 'exec', ns.name, 'tcpdump', '-i', 'lo', '-s', '0', '-U', '--immediate-mode', '-w', '-', 'tcp', 'port', '1935'], { stdio: ['ignore', 'pipe', 'ignore'] });
    const scope = spawn(process.execPath, [CLI, 'export', '-'], { stdio: [tcpdump.stdout, 'pipe', 'pipe'] });
    const arrivals: { at: number; rec: { type: string; name?: string; time?: number; typeName?: string } }[] = [];
    let partial = '';
    let stderr = '';
    scope.stdout.setEncoding('utf8');
    scope.stdout.on('data', (d: string) => {
      const at = Date.now();
      const lines = (partial + d).split('\n');
      partial = lines.pop() ?? '';
      for (const l of lines) arrivals.push({ at, rec: JSON.parse(l) as { type: string } });
    });
    scope.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const scopeDone = new Promise<number | null>((r) => scope.on('close', (code) => r(code)));
    await sleep(1000); // tcpdump attached
    const started = Date.now();
    const ffmpeg = ns.start('ffmpeg', ['-hide_banner', '-nostdin', '-loglevel', 'error', ...avSourceArgs({ seconds: PUBLISH_S }), 'rtmp://127.0.0.1:1935/live/pipe'], 'ffmpeg');
    const ffmpegExit = await new Promise<number | null>((r) => ffmpeg.on('exit', (code) => r(code)));
    const ended = Date.now();
    assert.equal(ffmpegExit, 0, 'ffmpeg failed (see its log in the namespace directory)');
    await sleep(1000);
    tcpdump.kill('SIGINT');
    assert.equal(await scopeDone, 0, stderr);

    const first = (pred: (r: (typeof arrivals)[number]['rec']) => boolean) => arrivals.find((a) => pred(a.rec));
    const connect = first((r) => r.type === 'message' && r.name === 'connect');
    const publish = first((r) => r.type === 'message' && r.name === 'publish');
    assert.ok(connect !== undefined && publish !== undefined, 'connect and publish decoded');
    assert.ok(publish.at < ended - 2000, `publish printed ${publish.at - started} ms after ffmpeg started, ${ended - publish.at} ms before it ended`);
    // Media messages printed during the publish, each soon after its packet was captured.
    const media = arrivals.filter((a) => a.rec.type === 'message' && (a.rec.typeName === 'Video Data' || a.rec.typeName === 'Audio Data') && a.at < ended);
    assert.ok(media.length > PUBLISH_S * 15, `only ${media.length} media messages printed while ffmpeg ran`);
    const lags = media.map((a) => a.at - (a.rec.time as number) * 1000).sort((x, y) => x - y);
    const median = lags[Math.floor(lags.length / 2)] as number;
    const worst = lags[lags.length - 1] as number;
    t.diagnostic(`${media.length} media messages printed during the publish; capture → stdout lag median ${median.toFixed(0)} ms, worst ${worst.toFixed(0)} ms`);
    assert.ok(worst < BOUND_MS, `a media message printed ${worst} ms after its packet was captured`);
    assert.equal(arrivals.at(-1)?.rec.type, 'capture');
    assert.ok(arrivals.some((a) => a.rec.type === 'session'));
  } finally {
    await ns.close();
  }
});
