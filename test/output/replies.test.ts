/**
 * The summary's server-replies note on the rejected-publish capture: the BadName answer is named
 * with its session and meaning; an accepted-only capture has no note.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { pipeline } from '../analysis/script.js';
import { rejectedStatuses, repliesNote } from '../../src/output/replies.js';
import type { SessionRecord } from '../../src/records/index.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
const sessions = (f: string) => pipeline(readFileSync(join(root, 'captures', f))).filter((r): r is SessionRecord => r.type === 'session');

test('replies: NetStream.Publish.BadName of session 2, explained', () => {
  const s = sessions('ffmpeg-nginx-publish-rejected.pcap');
  assert.deepEqual([...rejectedStatuses(s)], [['NetStream.Publish.BadName', [2]]]);
  const note = repliesNote(s, 100) ?? '';
  const lines = note.split('\n');
  assert.match(lines[1] ?? '', /^ {2}NetStream\.Publish\.BadName \(session 2\): The stream name cannot be published/);
  assert.ok(lines.every((l) => l.length <= 100));
});

test('replies: nothing rejected, no note', () => {
  assert.equal(repliesNote(sessions('ffmpeg-nginx-publish-ns.pcap')), null);
});
