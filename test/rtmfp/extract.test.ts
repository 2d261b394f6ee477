/**
 * Extraction of RTMP streams carried by RTMFP (RFC 7425 TC flows) from the shared real captures
 * (zenomt/rtmfp-cpp's tcpublish → tcserver; ../shared/data/rtmfp, not committed), with their key
 * logs: the published stream becomes one FLV whose tags are the flow messages' bodies, whole, at
 * their timestamps — as many coded video frames as the capture has video messages after the
 * sequence header. Without keys nothing can be read, so nothing is extracted. Skipped, saying
 * why, when the captures are absent (the interop suite reads the files with ffprobe).
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { openInput } from '../../src/io/input.js';
import { analyzeStream } from '../../src/session/run.js';
import { Extractor, type StreamInfo } from '../../src/extract/extractor.js';
import type { MessageRecord, OutputRecord } from '../../src/records/index.js';
import { tagKind } from '../../src/extract/writer.js';
import { MemoryOut, readFlv } from '../builders/flv-reader.js';
import { rtmfpDataDir } from './shared.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
const data = rtmfpDataDir(root);
const skip = data === null ? 'shared RTMFP captures not found (../shared/data/rtmfp beside the repo, or set RTMFP_DATA)' : false;

async function extract(name: string, keys: boolean): Promise<{ files: { info: StreamInfo; out: MemoryOut }[]; messages: MessageRecord[]; notes: string[] }> {
  const file = join(data!, `${name}.pcap`);
  const files: { info: StreamInfo; out: MemoryOut }[] = [];
  const notes: string[] = [];
  const messages: MessageRecord[] = [];
  const x = new Extractor({
    open: (info) => {
      const out = new MemoryOut();
      files.push({ info, out });
      return out;
    },
    note: (l) => notes.push(l),
  });
  const keylogs = keys ? [readFileSync(join(data!, `${name}.keylog.txt`), 'utf8')] : [];
  const collect = (recs: readonly OutputRecord[]) => {
    for (const r of recs) if (r.type === 'message') messages.push(r);
  };
  await analyzeStream(file, await openInput(file), async () => {}, { keylogs, payloads: x, observe: collect });
  x.finish();
  return { files, messages, notes };
}

describe('RTMFP extraction (shared captures)', { skip }, () => {
  for (const name of ['rtmfp-tc-publish', 'rtmfp-tc-publish-orderly-close']) {
    it(`${name} with keys: the published stream, every tag whole at its timestamp`, async () => {
      const { files, messages, notes } = await extract(name, true);
      assert.equal(files.length, 1, notes.join('\n'));
      const { info, out } = files[0]!;
      assert.deepEqual([info.session, info.dir, info.role, info.app, info.name], [1, 'c2s', 'publish', 'live', 'teststream']);
      assert.ok(out.closed);
      const tags = readFlv(out.bytes()).tags;
      const media = messages.filter((m) => m.dir === 'c2s' && (m.typeId === 8 || m.typeId === 9));
      const written = tags.filter((t) => t.type === 8 || t.type === 9);
      assert.deepEqual(
        written.map((t) => [t.type, t.timestamp, t.data.length]),
        media.map((m) => [m.typeId, m.timestamp, m.length]),
        'one tag per audio/video message, whole, at its timestamp',
      );
      const frames = written.filter((t) => t.type === 9 && tagKind(9, t.data) !== 'other');
      assert.equal(frames.length, 20, 'the 20 coded video frames tcpublish sent');
      assert.equal(tagKind(9, frames[0]!.data), 'video-key');
      assert.equal(tags[0]!.type, 18, 'onMetaData first');
      assert.deepEqual(notes, [], 'no gap');
    });
  }

  it('without keys nothing is readable, so nothing is extracted', async () => {
    const { files } = await extract('rtmfp-tc-publish', false);
    assert.equal(files.length, 0);
  });
});
