/**
 * The extractor's bookkeeping: which messages make a stream (publish/play on a stream id, media on
 * stream id 0 joining the direction's one stream), when a stream's file is closed (deleteStream,
 * a new publish on its id, the session's end), and the cap on streams per session.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Extractor, MAX_SESSION_STREAMS, type StreamInfo } from '../../src/extract/extractor.js';
import type { RtmpMessage } from '../../src/rtmp/chunk-decoder.js';
import { amf0 } from '../builders/amf-writer.js';
import { avcNalu, hex } from '../builders/media-writer.js';
import { MemoryOut, readFlv } from '../builders/flv-reader.js';
import { wholeMessage } from '../builders/rtmp-message.js';

const id = { session: 1, client: '10.0.0.1:5000', server: '10.0.0.2:1935' };

function msg(typeId: number, streamId: number, timestamp: number, body: Uint8Array): RtmpMessage {
  return wholeMessage(typeId, body, { streamId, timestamp });
}

function harness() {
  const opened: { info: StreamInfo; out: MemoryOut }[] = [];
  const notes: string[] = [];
  const x = new Extractor({
    open: (info) => {
      const out = new MemoryOut(`f${opened.length}.flv`);
      opened.push({ info, out });
      return out;
    },
    note: (l) => notes.push(l),
  });
  return { x, opened, notes };
}

const key = avcNalu(hex('65'), { key: true });

test('publish and play make streams; deleteStream and the end close them; node-media-server media on stream id 0 joins the played stream', () => {
  const { x, opened } = harness();
  x.message(id, 'c2s', msg(20, 0, 0, amf0.command('connect', 1, { app: 'live' })));
  x.message(id, 'c2s', msg(20, 1, 0, amf0.command('publish', 0, null, 'cam?key=s', 'live')));
  x.message(id, 'c2s', msg(9, 1, 0, key));
  x.message(id, 'c2s', msg(20, 0, 0, amf0.command('deleteStream', 0, null, 1)));
  assert.equal(opened[0]?.out.closed, true, 'deleteStream closed it');
  x.message(id, 'c2s', msg(20, 2, 0, amf0.command('play', 0, null, 'other')));
  x.message(id, 's2c', msg(9, 0, 40, key));
  x.message(id, 's2c', msg(18, 0, 40, amf0.encode(['@setDataFrame', 'onMetaData', { width: 1 }])));
  x.end(id);
  assert.deepEqual(
    opened.map((o) => [o.info.role, o.info.app, o.info.name, o.info.streamId, o.out.closed]),
    [
      ['publish', 'live', 'cam?key=s', 1, true],
      ['play', 'live', 'other', 2, true],
    ],
  );
  const played = readFlv(opened[1]!.out.bytes());
  assert.deepEqual(
    played.tags.map((t) => t.type),
    [18, 9, 18],
  );
  assert.equal(x.written.length, 2);
});

test('streams per session are capped: the oldest is closed to make room', () => {
  const { x, opened } = harness();
  for (let sid = 1; sid <= MAX_SESSION_STREAMS + 10; sid++) {
    x.message(id, 'c2s', msg(20, sid, 0, amf0.command('publish', 0, null, `s${sid}`)));
    x.message(id, 'c2s', msg(9, sid, 0, key));
  }
  assert.equal(opened.filter((o) => !o.out.closed).length, MAX_SESSION_STREAMS);
  assert.equal(x.written.length, 10);
  x.finish();
  assert.equal(x.written.length, MAX_SESSION_STREAMS + 10);
});
