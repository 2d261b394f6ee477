/**
 * export selection (src/output/select.ts) on a real capture: each filter alone and combined, the
 * capture record, usage errors; and the summary's video name (never cut).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { pipeline } from '../analysis/script.js';
import { checkNamedCaptures, namesCapture, parseFrames, recordSelection, type SelectValues } from '../../src/output/select.js';
import { videoName } from '../../src/output/summary.js';
import type { OutputRecord, StreamRecord } from '../../src/records/index.js';
import { UserError } from '../../src/io/input.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
const records = pipeline(readFileSync(join(root, 'captures', 'ffmpeg-nginx-publish-play.pcap')));

function pick(v: SelectValues, recs: readonly OutputRecord[] = records): OutputRecord[] {
  const s = recordSelection(v);
  assert.ok(s !== null);
  // in batches, as analyzeStream hands them over
  const out: OutputRecord[] = [];
  for (let i = 0; i < recs.length; i += 100) out.push(...s.filter(recs.slice(i, i + 100)));
  return out;
}

test('select: no option, no selection', () => {
  assert.equal(recordSelection({}), null);
});

test('select: --session keeps that session (and the capture record)', () => {
  const out = pick({ session: ['2'] });
  assert.ok(out.length > 10);
  assert.deepEqual([...new Set(out.map((r) => (r.type === 'capture' ? 'capture' : r.session)))].sort(), [2, 'capture']);
  assert.equal(out.length, records.filter((r) => r.type === 'capture' || r.session === 2).length);
  assert.deepEqual([...new Set(pick({ session: ['1,3'] }).map((r) => (r.type === 'capture' ? 0 : r.session)))].sort(), [0, 1, 3]);
});

test('select: --type with record types and message kinds', () => {
  const cmds = pick({ type: ['command'] });
  assert.ok(cmds.length > 0 && cmds.every((r) => r.type === 'message' && (r.typeId === 20 || r.typeId === 17)));
  const streams = pick({ type: ['stream', 'session'] });
  assert.deepEqual([...new Set(streams.map((r) => r.type))].sort(), ['session', 'stream']);
  assert.equal(pick({ type: ['video'] }).filter((r) => r.type !== 'message' || r.typeId !== 9).length, 0);
});

test('select: --stream follows the publish/play of the name', () => {
  const out = pick({ stream: ['test'], type: ['stream'] });
  assert.equal(out.length, 3);
  assert.ok(out.every((r) => (r as StreamRecord).name === 'test'));
  const media = pick({ stream: ['test'], type: ['video'], session: ['1'] });
  assert.equal(media.length, records.filter((r) => r.type === 'message' && r.session === 1 && r.typeId === 9 && r.streamId === 1).length);
  assert.equal(pick({ stream: ['nobody'] }).filter((r) => r.type !== 'capture').length, 0);
});

test('select: --dir and --frames', () => {
  assert.ok(pick({ dir: 's2c', type: ['message'] }).every((r) => r.type === 'message' && r.dir === 's2c'));
  const f = pick({ frames: '10-20', type: ['message', 'handshake'] });
  assert.ok(f.length > 0 && f.every((r) => 'frame' in r && (r.frame ?? 0) >= 10 && (r.frame ?? 0) <= 20));
  assert.deepEqual(parseFrames('5'), [5, 5]);
  assert.deepEqual(parseFrames('5-'), [5, Number.MAX_SAFE_INTEGER]);
  assert.deepEqual(parseFrames('-9'), [1, 9]);
  for (const bad of ['', '-', '0-3', '9-3', 'a-b', '1-2-3']) assert.throws(() => parseFrames(bad), UserError, bad);
});

test('select: bad values are usage errors', () => {
  assert.throws(
    () => recordSelection({ type: ['frames'] }),
    (e: unknown) => e instanceof UserError && e.exitCode === 2,
  );
  assert.throws(() => recordSelection({ dir: 'up' }), UserError);
  assert.throws(() => recordSelection({ session: ['0'] }), UserError);
});

test('select: --session CAPTURE#N applies to the capture it names (name, file name or path), plain numbers to every capture', () => {
  const sessionsOf = (v: SelectValues, capture: string) => {
    const s = recordSelection(v, capture);
    assert.ok(s !== null);
    return [...new Set(s.filter(records).map((r) => (r.type === 'capture' ? 0 : r.session)))].sort();
  };
  const name = 'captures/ffmpeg-nginx-publish-play.pcap';
  assert.deepEqual(sessionsOf({ session: ['ffmpeg-nginx-publish-play.pcap#2'] }, name), [0, 2]);
  assert.deepEqual(sessionsOf({ session: [`${name}#3,1`] }, name), [0, 1, 3]);
  assert.deepEqual(sessionsOf({ session: ['other.pcap#2'] }, name), [0], 'another capture named: only the capture record');
  assert.deepEqual(sessionsOf({ session: ['other.pcap#2', '1'] }, name), [0, 1]);
  assert.ok(namesCapture('./captures/ffmpeg-nginx-publish-play.pcap', name));
  assert.ok(!namesCapture('publish-play.pcap', name));
  checkNamedCaptures({ session: ['ffmpeg-nginx-publish-play.pcap#1', '2'] }, [name, 'b.pcap']);
  assert.throws(
    () => checkNamedCaptures({ session: ['c.pcap#1'] }, [name, 'b.pcap']),
    (e: unknown) => e instanceof UserError && e.exitCode === 2,
  );
  for (const bad of ['#1', 'a.pcap#0', 'a.pcap#', 'a.pcap#x']) assert.throws(() => recordSelection({ session: [bad] }, name), UserError, bad);
});

test('summary: profile names abbreviated meaningfully, never cut', () => {
  const v = (profile: string, bitDepth = 8) => ({ codec: 'avc', profile, bitDepth }) as unknown as NonNullable<StreamRecord['video']>;
  assert.equal(videoName(v('High 4:4:4 Predictive')), 'avc High 4:4:4 Pred');
  assert.equal(videoName(v('High 4:4:4 Predictive', 10)), 'avc High 4:4:4 Pred 10-bit');
  assert.equal(videoName(v('High 10', 10)), 'avc High 10');
  assert.equal(videoName(v('Constrained Baseline')), 'avc Constr. Baseline');
});
