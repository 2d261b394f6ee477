/**
 * Inputs the fuzzer (scripts/fuzz.ts) found, kept as regression tests, through the whole pipeline.
 *
 * 1. Non-finite AMF numbers in command fields (seed 1, inputs 831, 11355, 12977, 15022, 15083):
 *    `deleteStream(NaN)`, `seek(NaN)` and the like made `command.streamId` / `command.milliseconds`
 *    NaN, which the NDJSON line wrote as null (a number field turned null; the session facts took
 *    objectEncoding NaN the same way). Fixed in src/rtmp/commands.ts (`defined()` drops
 *    non-finite numbers): such a field is left out, as if the peer had not sent it.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { SessionRecord } from '../../src/records/index.js';
import { Rtmp } from '../analysis/script.js';
import { assertSoundOutput, runPipeline } from './helpers.js';

test('NaN and ±Infinity in command fields are left out, never written as null', async () => {
  const s = new Rtmp()
    .connect({ objectEncoding: Number.NaN, capsEx: Number.POSITIVE_INFINITY })
    .connectResult(1)
    .createStream(2)
    .cmd('s2c', '_result', 2, null, [Number.NaN])
    .cmd('c2s', 'play', 3, null, ['cam', Number.NaN, Number.NEGATIVE_INFINITY], { csid: 8, streamId: 1 })
    .cmd('c2s', 'seek', 4, null, [Number.NaN], { csid: 8, streamId: 1 })
    .cmd('c2s', 'pause', 5, null, [true, Number.POSITIVE_INFINITY], { csid: 8, streamId: 1 })
    .cmd('c2s', 'deleteStream', 6, null, [Number.NaN])
    .cmd('c2s', 'closeStream', 7, null, [-0]);
  const r = await runPipeline(s.pcap());
  assertSoundOutput(r);
  // A message whose typed fields are all left out carries no `command` at all.
  const cmd = (name: string, tx: number) => {
    const m = r.messages().find((x) => x.name === name && x.transactionId === tx);
    assert.ok(m !== undefined, `${name} #${tx}`);
    return m.command ?? {};
  };
  assert.equal('objectEncoding' in cmd('connect', 1), false);
  assert.equal('capsEx' in cmd('connect', 1), false);
  assert.equal(cmd('connect', 1).app, 'live');
  assert.deepEqual(cmd('_result', 2), {});
  assert.deepEqual(cmd('play', 3), { streamName: 'cam' });
  assert.deepEqual(cmd('seek', 4), {});
  assert.deepEqual(cmd('pause', 5), { flag: true });
  assert.deepEqual(cmd('deleteStream', 6), {});
  // -0 is a finite number: kept (JSON writes it as 0).
  assert.ok(Object.is(cmd('closeStream', 7).streamId, -0));
  // The arguments themselves keep what the peer sent, in toPlain's JSON-safe spelling.
  assert.deepEqual(r.messages().find((m) => m.name === 'seek')?.args, [null, 'NaN']);
  const session = r.records.find((x): x is SessionRecord => x.type === 'session');
  assert.equal(session?.objectEncoding ?? null, null);
});
