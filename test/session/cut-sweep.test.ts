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
  // Cut at frame 1111: on each of the two play connections the first message after the cut is
  // a 176-byte audio message followed directly by a capture hole (the next message's bytes were
  // lost on the wire). The chunk size was set before the cut, and the message holds the byte of
  // its chunk stream's type-3 header at offset 162: under a chunk size of 162 it would go on into
  // the hole, so where it ends is not decided by the bytes after the cut. 2 of 96 lost (0.979).
  'ffmpeg-nginx-publish-play-lossy.pcap': 0.975,
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
