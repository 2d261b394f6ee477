/**
 * The real RTMPT peers of the interop suite: ffmpeg publishing rtmpt:// (small testsrc + sine, to
 * keep captures small) and rtmpdump playing rtmpt:// until SIGINT (it then sends deleteStream and
 * POSTs /close). Both run inside the test's network namespace.
 */
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { sleep, type Namespace } from './netns.js';
import { CLI, avSourceArgs } from './tools.js';

const GATEWAY = join(CLI, '..', '..', 'test-interop', 'rtmpt-gateway.js');

/** nginx-rtmp on 1935 and the suite's RTMPT gateway on `port` (8080) in front of it; TCP segments of at most 1448 bytes, as on Ethernet (and in the committed capture). */
export async function startGateway(ns: Namespace, port = 8080): Promise<void> {
  ns.exec('ip', ['link', 'set', 'lo', 'gso_max_size', '1500', 'gso_max_segs', '1']);
  await ns.startNginx([1935]);
  ns.start(process.execPath, [GATEWAY, String(port), '127.0.0.1:1935'], 'gateway');
  await ns.waitForPort(port);
}

/** ffmpeg publishing `url` for `seconds` (160x120 @ 10 fps H.264 at `videoKbps`, mono 22.05 kHz AAC). */
export function publishRtmpt(ns: Namespace, url: string, seconds: number, videoKbps: number): { proc: ChildProcess; done: Promise<number | null> } {
  const proc = ns.start('timeout', ['-k', '2', '20', 'ffmpeg', '-hide_banner', '-nostdin', '-loglevel', 'warning', ...avSourceArgs({ seconds, size: '160x120', fps: 10, audioRate: 22050, gop: 10, videoKbps, audioKbps: 24 }), url], 'ffmpeg');
  return { proc, done: new Promise<number | null>((r) => proc.on('exit', (c) => r(c))) };
}

/** rtmpdump playing `url`, stopped with SIGINT after `seconds`; its exit code (0 or 2 are fine). */
export function playRtmpt(ns: Namespace, url: string, seconds: number): Promise<number | null> {
  const play = spawn('ip', ['netns', 'exec', ns.name, 'timeout', '--preserve-status', '-s', 'INT', '-k', '2', String(seconds), 'rtmpdump', '-r', url, '-v', '-m', '10', '-o', '/dev/null'], { stdio: 'ignore' });
  return new Promise<number | null>((r) => play.on('exit', (c) => r(c)));
}

/**
 * ffmpeg publishes `publishUrl` for `seconds` at `videoKbps`; 0.8 s in, rtmpdump plays
 * `playUrl` for `playSeconds`; both must end well.
 */
export async function publishAndPlay(ns: Namespace, publishUrl: string, seconds: number, videoKbps: number, playUrl: string, playSeconds: number): Promise<void> {
  const pub = publishRtmpt(ns, publishUrl, seconds, videoKbps);
  await sleep(800);
  const playCode = await playRtmpt(ns, playUrl, playSeconds);
  assert.ok(playCode === 0 || playCode === 2, `rtmpdump exit ${playCode}`);
  assert.equal(await pub.done, 0, 'ffmpeg published');
  await sleep(300);
}
