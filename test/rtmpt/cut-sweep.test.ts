/**
 * The RTMPT cut sweep (issue #12) on the committed RTMPT captures (captures/*rtmpt*): each is cut
 * at the cut-sweep builders' points (≥ 20 spread over it, every handshake boundary, inside the
 * largest messages) — so inside POST bodies, inside reply bodies and between heads and bodies —
 * and the tunnel's messages in each cut's decode are compared with the intact decode. Nothing
 * may be invented (precision 1.0 at every cut); recall of the recoverable messages (all bytes
 * after the cut) is held at its measured floor and mean. tshark 4.0 decodes a few of the same
 * cuts for comparison (skipped without tshark); the full table is in the README (RTMPT).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { hasTshark, summary, sweepRtmpt, sweepTable } from './sweep.js';

const CAPTURES = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..', 'captures');
/** The tunnel's port in each capture. */
const PORT: Record<string, number> = { 'ffmpeg-rtmpdump-rtmpt.pcap': 8080 };
/**
 * Measured floors. ffmpeg-rtmpdump-rtmpt.pcap: every cut ≥ 0.98. The lowest, 0.9804 (frames 419,
 * 446, 474): a 129-byte audio message of ffmpeg's under a chunk size still guessed (128 or
 * more) with nothing after it in its body to show how it is read; 0.982 at frame 168: rtmpdump's
 * play and SetBufferLength are the only client->server messages after the cut, too few headers
 * for a chain.
 */
const FLOOR: Record<string, { min: number; mean: number }> = { 'ffmpeg-rtmpdump-rtmpt.pcap': { min: 0.98, mean: 0.998 } };

const files = readdirSync(CAPTURES)
  .filter((n) => /rtmpt.*\.(pcap|pcapng)$/.test(n))
  .sort();

test('RTMPT cut sweep: the committed RTMPT captures are all known here', () => {
  assert.ok(files.length > 0);
  for (const f of files) assert.ok(PORT[f] !== undefined && FLOOR[f] !== undefined, `${f}: add its tunnel port and floor`);
});

for (const f of files) {
  test(`RTMPT cut sweep: ${f} (precision 1.0 at every cut; recall at its floor)`, () => {
    const { intact, cuts } = sweepRtmpt(new Uint8Array(readFileSync(join(CAPTURES, f))), PORT[f]!, false);
    assert.ok(intact > 100, `${intact} tunnel messages intact`);
    assert.ok(cuts.length >= 20, `${cuts.length} cuts`);
    const table = sweepTable(cuts);
    for (const c of cuts) {
      assert.equal(c.precision, 1, `cut at frame ${c.cut}: precision ${c.precision}\n${table}`);
      assert.ok(c.recall >= FLOOR[f]!.min, `cut at frame ${c.cut}: recall ${c.recall} (${c.found} of ${c.recoverable})\n${table}`);
    }
    assert.ok(summary(cuts, (c) => c.recall).mean >= FLOOR[f]!.mean, table);
  });
}

test('RTMPT cut sweep: tshark on six of the same cuts decodes less of the tunnel, and rtmpscope invents nothing', { skip: !hasTshark && 'tshark or editcap not installed' }, () => {
  const f = 'ffmpeg-rtmpdump-rtmpt.pcap';
  const file = join(CAPTURES, f);
  const { cuts: all } = sweepRtmpt(new Uint8Array(readFileSync(file)), PORT[f]!, false);
  // Six cuts spread over the sweep (tshark takes seconds per file on a loaded machine).
  const picks = [0, 1, 2, 3, 4, 5].map((i) => all[Math.floor((i * (all.length - 1)) / 5)]!.cut);
  const { cuts } = sweepRtmpt(new Uint8Array(readFileSync(file)), PORT[f]!, true, file, picks);
  assert.equal(cuts.length, 6);
  console.log(`${f}\n  ${sweepTable(cuts).split('\n').join('\n  ')}`);
  for (const c of cuts) {
    assert.ok(c.tshark !== null);
    assert.equal(c.precision, 1);
    assert.ok(c.recall >= c.tshark.recall, `cut at frame ${c.cut}: rtmpscope ${c.recall} < tshark ${c.tshark.recall}`);
  }
  // Once the connection start is cut away, tshark no longer follows the tunnel.
  assert.ok(summary(cuts.slice(1), (c) => c.tshark!.recall).mean < 0.5);
});
