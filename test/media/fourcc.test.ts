/**
 * FourCC helpers: onMetaData carries E-RTMP FourCCs as UI32 numbers (videocodecid/audiocodecid).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { AUDIO_FOURCCS, VIDEO_FOURCCS, fourCcFromNumber, fourCcToNumber } from '../../src/media/index.js';

test('onMetaData codec ids as numbers (values from the E-RTMP lab sample files)', () => {
  assert.equal(fourCcFromNumber(1635135537)?.text, 'av01');
  assert.equal(fourCcFromNumber(1332770163)?.text, 'Opus');
  assert.equal(VIDEO_FOURCCS.get(fourCcFromNumber(1635135537)?.text ?? ''), 'av1');
  assert.equal(AUDIO_FOURCCS.get(fourCcFromNumber(1332770163)?.text ?? ''), 'opus');
  assert.equal(fourCcToNumber('hvc1'), 0x68766331);
  for (const f of [...VIDEO_FOURCCS.keys(), ...AUDIO_FOURCCS.keys()]) {
    assert.deepEqual(fourCcFromNumber(fourCcToNumber(f)), { text: f, hex: fourCcToNumber(f).toString(16).padStart(8, '0'), exact: true });
  }
});

test('legacy codec ids and junk are not FourCCs', () => {
  assert.equal(fourCcFromNumber(7)?.exact, false);
  assert.equal(fourCcFromNumber(7)?.hex, '00000007');
  assert.equal(fourCcFromNumber(-1), undefined);
  assert.equal(fourCcFromNumber(2 ** 32), undefined);
  assert.equal(fourCcFromNumber(1.5), undefined);
  assert.equal(fourCcFromNumber(Number.NaN), undefined);
});
