/**
 * Diagnostics a real peer provokes: nginx-rtmp against a chunk size over its 10 MiB limit, and a
 * second publisher of a stream name already being published. Each runs in a private namespace;
 * the capture must carry the diagnostic that explains what the server did.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { Namespace, sleep } from './netns.js';
import { ROOT, requireTool, rtmpscopeNdjson } from './tools.js';

const FLV = join(ROOT, '..', 'shared', 'data', 'e-rtmp-flv', 'testsrc.flv');
const codes = (recs: Record<string, unknown>[]) => new Set(recs.filter((r) => r['type'] === 'diagnostic').map((r) => r['code'] as string));

test('nginx-rtmp and a Set Chunk Size of 16 MiB: rtmp.chunk.size-huge', { timeout: 60_000 }, async () => {
  requireTool('nginx');
  assert.ok(existsSync(FLV), `missing ${FLV}`);
  const ns = new Namespace('diag-chunk');
  try {
    await ns.startNginx([1935]);
    const pcap = join(ns.dir, 'huge.pcap');
    const cap = await ns.startCapture(pcap, ['tcp']);
    // nginx-rtmp closes the connection on the oversized chunk size, so the publisher fails.
    ns.exec(process.execPath, [join(ROOT, 'dist', 'test-interop', 'flv-publish.js'), FLV, 'rtmp://127.0.0.1:1935/live/huge', String(16 * 1024 * 1024)], 20_000);
    await sleep(500);
    await cap.stop();
    const recs = rtmpscopeNdjson(pcap);
    assert.ok(codes(recs).has('rtmp.chunk.size-huge'), [...codes(recs)].join(', '));
    const session = recs.find((r) => r['type'] === 'session') as { messageCount: { c2s: number } } | undefined;
    assert.ok(session, 'the session is reported');
  } finally {
    await ns.close();
  }
});

test('nginx-rtmp and a second publisher of the same name: the rejection is explained', { timeout: 60_000 }, async () => {
  requireTool('nginx');
  requireTool('ffmpeg');
  const ns = new Namespace('diag-dup');
  try {
    await ns.startNginx([1935]);
    const pcap = join(ns.dir, 'dup.pcap');
    const cap = await ns.startCapture(pcap, ['tcp']);
    const src = ['-loglevel', 'error', '-re', '-f', 'lavfi', '-i', 'testsrc=size=160x120:rate=10', '-c:v', 'libx264', '-preset', 'ultrafast', '-g', '10', '-f', 'flv'];
    const first = ns.start('ffmpeg', [...src.slice(0, 7), '-t', '4', ...src.slice(7), 'rtmp://127.0.0.1:1935/live/dup'], 'ffmpeg-first');
    await sleep(1500);
    ns.exec('ffmpeg', [...src.slice(0, 7), '-t', '2', ...src.slice(7), 'rtmp://127.0.0.1:1935/live/dup'], 20_000);
    await new Promise((r) => (first.exitCode !== null ? r(null) : first.once('exit', r)));
    await cap.stop();
    const recs = rtmpscopeNdjson(pcap);
    const c = codes(recs);
    assert.ok(c.has('session.publish.bad-name') || c.has('session.publish.duplicate') || c.has('session.publish.rejected'), [...c].join(', '));
  } finally {
    await ns.close();
  }
});
