/**
 * The cut sweep on every committed capture (test/builders/cut-sweep.ts): cut at 20 points spread
 * over it, at every handshake boundary and inside the largest multi-frame messages, each cut is
 * compared with the intact capture's decode. Targets at every cut: precision ≥ 0.995, recall ≥ 0.98
 * of the recoverable messages. Captures that do not meet the recall target yet are held at their
 * measured floor (see README, "Detection") so that they cannot get worse unnoticed.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { sweep } from '../builders/cut-sweep.js';

const DIR = join(import.meta.dirname, '..', '..', '..', 'captures');
/** Known shortfalls: the recall floor measured (README). */
const FLOOR: Record<string, number> = {
  // Cut at frame 131: node-media-server relays the E-RTMP audio with type-2/3 headers (every
  // message the same length), so after the cut no chain can start on the audio chunk stream (its
  // length is in a header before the cut) until a type-1 header comes: 6 of 201 lost.
  'ertmp-audio-ex-nms.pcap': 0.94,
  // Short E-RTMP captures from FFmpeg 8.1 (under 100 messages after the cut): two messages lost
  // after a cut inside a multi-chunk video message already miss 0.98; measured floors.
  'ertmp-hevc-nginx.pcap': 0.97,
  'ertmp-mt-video-nms.pcap': 0.97,
  'ertmp-vp9-nms.pcap': 0.97,
  // After capture losses a message whose length exceeds the guessed chunk size and is cut by a
  // hole before its first continuation header cannot show the size: a message or two lost per cut.
  'ffmpeg-nginx-publish-play-lossy.pcap': 0.97,
  // Cut at frame 348: under a guessed chunk size a message longer than any read before it is only
  // decoded once the headers after it show how it is read; a 1,114-byte video message followed by
  // a hole (the next message's body) shows nothing, and is not decoded: 3 of 61 lost.
  'ffmpeg-nginx-rtmps13-lossy.pcap': 0.95,
  // Its RTMPT tunnels reach 0.98 at every cut (test/rtmpt/cut-sweep.test.ts); the gateway's plain
  // RTMP play leg does not: cut at frames 502-545 it carries only a 34-byte command (c2s) and a
  // User Control event (s2c), one header each way before its FIN, too little for a chain: 2 of 63 lost.
  'ffmpeg-rtmpdump-rtmpt.pcap': 0.96,
};

for (const f of readdirSync(DIR)
  .filter((n) => /\.(pcap|pcapng)$/.test(n))
  .sort()) {
  test(`cut sweep: ${f}`, () => {
    const rs = sweep(new Uint8Array(readFileSync(join(DIR, f))));
    // Short captures (the tunnel wrappings) have fewer than 20 frames before their last messages:
    // then every one of those frames is a cut point.
    const cuts = rs.map((r) => r.cut);
    const every = cuts.length > 0 && cuts.every((c, i) => i === 0 || c === cuts[i - 1]! + 1);
    assert.ok(rs.length >= 20 || every, `${rs.length} cuts`);
    const floor = FLOOR[f] ?? 0.98;
    for (const r of rs) {
      assert.ok(r.precision >= 0.995, `cut at frame ${r.cut}: precision ${r.precision}`);
      assert.ok(r.recall >= floor, `cut at frame ${r.cut}: recall ${r.recall} (${r.found} of ${r.recoverable})`);
    }
  });
}
