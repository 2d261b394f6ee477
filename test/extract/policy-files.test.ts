/**
 * The gap policy on its own (what is dropped across a loss, what resumes, what counts as a gap)
 * and the file names extraction derives from wire text.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { GapPolicy, type GapEpisode, type TagKind } from '../../src/extract/policy.js';
import { baseName, sanitize } from '../../src/extract/files.js';
import type { StreamInfo } from '../../src/extract/extractor.js';

function run(steps: readonly (TagKind | `loss${'' | '-quiet'}`)[]): { kept: string[]; episodes: GapEpisode[]; policy: GapPolicy } {
  const episodes: GapEpisode[] = [];
  const policy = new GapPolicy((e) => episodes.push(e));
  const kept: string[] = [];
  steps.forEach((s, ts) => {
    if (s === 'loss' || s === 'loss-quiet') policy.loss(s, s === 'loss-quiet');
    else if (policy.admit(s, ts)) kept.push(`${s}@${ts}`);
  });
  policy.finish();
  return { kept, episodes, policy };
}

test('video: inter frames after a loss are dropped until a keyframe; configuration and data are always kept', () => {
  const r = run(['video-key', 'video-frame', 'loss', 'video-frame', 'other', 'audio-frame', 'video-frame', 'video-key', 'video-frame']);
  assert.deepEqual(r.kept, ['video-key@0', 'video-frame@1', 'other@4', 'video-key@7', 'video-frame@8']);
  assert.deepEqual(r.episodes, [{ reasons: ['loss'], after: 1, resumedAt: 7, droppedVideo: 2, droppedAudio: 1 }]);
  assert.equal(r.policy.gaps, 1);
  assert.equal(r.policy.dropped, 3);
});

test('audio-only: the next audio frame resumes; losses while dropping are one episode', () => {
  const r = run(['audio-frame', 'loss', 'loss', 'audio-frame', 'audio-frame']);
  assert.deepEqual(r.kept, ['audio-frame@0', 'audio-frame@3', 'audio-frame@4']);
  assert.deepEqual(r.episodes, [{ reasons: ['loss', 'loss'], after: 0, resumedAt: 3, droppedVideo: 0, droppedAudio: 0 }]);
  assert.equal(r.policy.gaps, 1);
});

test('a quiet loss (the stream start not captured) is a gap only when it costs a tag; a stream that ends while dropping reports it', () => {
  const clean = run(['loss-quiet', 'video-key', 'video-frame']);
  assert.deepEqual(clean.episodes, []);
  assert.equal(clean.policy.gaps, 0);
  const costly = run(['loss-quiet', 'video-frame', 'video-key']);
  assert.equal(costly.policy.gaps, 1);
  assert.equal(costly.episodes[0]?.after, null);
  const open = run(['video-key', 'loss', 'video-frame']);
  assert.deepEqual(open.episodes, [{ reasons: ['loss'], after: 0, resumedAt: null, droppedVideo: 1, droppedAudio: 0 }]);
});

test('audio before any video resumes an audio-only stream, but video that follows still waits for its keyframe', () => {
  const r = run(['loss-quiet', 'audio-frame', 'video-frame', 'audio-frame', 'video-key', 'audio-frame']);
  assert.deepEqual(r.kept, ['audio-frame@1', 'audio-frame@3', 'video-key@4', 'audio-frame@5']);
  assert.equal(r.policy.dropped, 1);
  assert.equal(r.policy.gaps, 1);
  assert.deepEqual(r.episodes, [{ reasons: ['video before a keyframe since the last loss'], after: 1, resumedAt: 4, droppedVideo: 1, droppedAudio: 0 }]);
});

const info = (over: Partial<StreamInfo>): StreamInfo => ({ session: 3, client: 'c', server: 's', dir: 'c2s', streamId: 1, role: 'publish', app: 'live', name: 'test', ...over });

test('file names: wire text is sanitised — no separators, no dot-dot, no control characters, no query string (stream keys)', () => {
  assert.equal(baseName(info({})), 's3-live-test-publish');
  assert.equal(baseName(info({ name: '../../etc/passwd', app: '..' })), 's3-etc_passwd-publish');
  assert.equal(baseName(info({ name: 'key?secret=abc', role: 'play', dir: 's2c' })), 's3-live-key-play');
  assert.equal(baseName(info({ name: 'a\u0000b\u001b[31m\u202ec', app: null })), 's3-a_b_31m_c-publish');
  assert.equal(baseName(info({ name: null, app: null, streamId: 7 })), 's3-stream7-publish');
  assert.equal(baseName(info({ name: '////', app: '' })), 's3-stream1-publish');
  for (const s of ['..', '.', '/', '\\', 'a/../b', '\u0085x', 'x'.repeat(300), '.hidden', 'C:\\x']) {
    const n = sanitize(s);
    assert.match(n, /^([A-Za-z0-9_-][A-Za-z0-9._-]*)?$/, s);
    assert.ok(!n.includes('..') && n.length <= 48, s);
  }
});
