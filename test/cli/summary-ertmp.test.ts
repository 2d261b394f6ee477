/**
 * The summary tables for Enhanced RTMP captures (FFmpeg 8.1, captures/ertmp-*.pcap): one row per
 * non-default track under its stream, and the negotiation table (what each client declared in
 * connect, what the server's _result said, which FourCCs were sent each way).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
const cli = join(root, 'dist', 'bin', 'rtmpscope.js');

function summary(capture: string): string {
  const r = spawnSync(process.execPath, [cli, 'summary', join(root, 'captures', capture)], { encoding: 'utf8', env: { ...process.env, NO_COLOR: '1' } });
  assert.equal(r.status, 0, r.stderr);
  return r.stdout;
}

test('summary: multitrack video shows track 1 (HEVC) under the AVC stream, at 25 fps each', () => {
  const out = summary('ertmp-mt-video-nms.pcap');
  const publish = out.split('\n').findIndex((l) => /publish s/.test(l));
  assert.ok(publish >= 0, out);
  const rows = out
    .split('\n')
    .slice(publish, publish + 3)
    .join('\n');
  assert.match(rows, /publish s\s+│ avc .*│ 160x96 │ 25 /);
  assert.match(rows, /└ video track 1 │ hevc .*│ 160x96 │ 25 /);
});

test("summary: the negotiation table shows the player's fourCcList, the server reply and what was sent", () => {
  const out = summary('ertmp-hevc-nginx.pcap');
  assert.match(out, /E-RTMP: client declares/);
  assert.match(out, /│ 1 │ \[hvc1 av01 vp09 Opus/);
  assert.match(out, /│ 2 │ nothing\s+│ no E-RTMP\s+│ hvc1 /);
  assert.doesNotMatch(summary('ffmpeg-nginx-publish-play.pcap'), /E-RTMP: client declares/);
});
