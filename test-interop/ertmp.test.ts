/**
 * Enhanced RTMP against a real server: the E-RTMP sample FLVs (shared/data/e-rtmp-flv, from the
 * specification's own lab) are published tag by tag to nginx-rtmp inside a private namespace while
 * rtmpdump plays the stream back; the capture must decode every published tag as E-RTMP (AV1 video,
 * Opus audio) with no media problem, in both the publisher's and the player's connection.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Namespace, sleep } from './netns.js';
import { ROOT, requireTool, rtmpscopeNdjson } from './tools.js';
import { readFlvTags } from './flv-publish.js';

const SAMPLES = join(ROOT, '..', 'shared', 'data', 'e-rtmp-flv');

for (const sample of ['testsrc.flv', 'mptestsrc.flv']) {
  test(`E-RTMP ${sample} published through nginx-rtmp decodes tag for tag`, { timeout: 90_000 }, async () => {
    requireTool('nginx');
    requireTool('rtmpdump');
    const flvPath = join(SAMPLES, sample);
    assert.ok(existsSync(flvPath), `missing ${flvPath}: CI has shared/ beside the repo`);
    const tags = readFlvTags(new Uint8Array(readFileSync(flvPath)));
    const want = { video: tags.filter((t) => t.typeId === 9).length, audio: tags.filter((t) => t.typeId === 8).length };
    const ns = new Namespace('ertmp');
    try {
      await ns.startNginx([1935]);
      const pcap = join(ns.dir, 'ertmp.pcap');
      const cap = await ns.startCapture(pcap, ['tcp']);
      const player = ns.start('rtmpdump', ['-q', '-v', '-r', 'rtmp://127.0.0.1:1935/live/ertmp', '-o', '/dev/null', '-m', '20'], 'rtmpdump');
      await sleep(500);
      const pub = ns.exec(process.execPath, [join(ROOT, 'dist', 'test-interop', 'flv-publish.js'), flvPath, 'rtmp://127.0.0.1:1935/live/ertmp'], 60_000);
      assert.equal(pub.status, 0, `publisher failed: ${pub.stderr}`);
      await sleep(1500);
      player.kill('SIGINT');
      await cap.stop();

      const recs = rtmpscopeNdjson(pcap);
      const sessions = recs.filter((r) => r['type'] === 'session');
      assert.equal(sessions.length, 2, 'publisher and player sessions');
      const media = recs.filter((r) => r['type'] === 'message' && (r['typeId'] === 8 || r['typeId'] === 9));
      const problems = recs.filter((r) => r['type'] === 'diagnostic' && String(r['code']).startsWith('media.'));
      assert.deepEqual(
        problems.map((p) => p['code']),
        [],
        'no media problems',
      );
      const publisher = media.filter((m) => m['dir'] === 'c2s');
      const played = media.filter((m) => m['dir'] === 's2c');
      const count = (ms: Record<string, unknown>[], t: number) => ms.filter((m) => m['typeId'] === t).length;
      assert.equal(count(publisher, 9), want.video, 'every published video tag decoded');
      assert.equal(count(publisher, 8), want.audio, 'every published audio tag decoded');
      for (const m of publisher) {
        const h = m['media'] as { ex: boolean; codec: string };
        assert.equal(h.ex, true, `frame ${m['frame']}: E-RTMP ExHeader`);
        assert.equal(h.codec, m['typeId'] === 9 ? 'av1' : 'opus');
      }
      // nginx-rtmp relays E-RTMP tags to the player untouched (it does not know the codec).
      assert.ok(played.length > 0, 'the player received media');
      for (const m of played) assert.equal((m['media'] as { ex: boolean }).ex, true);
      const connect = recs.find((r) => r['type'] === 'message' && r['name'] === 'connect' && (r['command'] as { fourCcList?: unknown })?.fourCcList !== undefined);
      assert.ok(connect, 'connect with fourCcList');
    } finally {
      await ns.close();
    }
  });
}
