/**
 * Timeline labels of audio messages: AAC is labelled from its AudioSpecificConfig, never from the
 * FLV tag header's rate and channel bits (fixed values the spec says to ignore for AAC).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { summarize } from '../../src/tui/format.js';
import { decodeMessageBody } from '../../src/rtmp/messages.js';
import type { MessageRecord } from '../../src/records/index.js';

function audio(body: number[]): MessageRecord {
  const d = decodeMessageBody(8, Uint8Array.from(body), 0, false);
  return {
    type: 'message',
    session: 1,
    client: 'c',
    server: 's',
    dir: 'c2s',
    frame: 1,
    time: 0,
    offset: 0,
    firstFrame: 1,
    csid: 4,
    typeId: 8,
    typeName: d.typeName,
    streamId: 1,
    timestamp: 0,
    length: body.length,
    media: d.media,
    chunks: { count: 1, fmt: 0, extendedTimestamp: false, list: [] },
  };
}

test('AAC sequence header: 48 kHz stereo from the AudioSpecificConfig, though the tag header says 44100', () => {
  // 0xAF: AAC, rate 3 (44 kHz), 16-bit, stereo; ASC 0x11 0x90: AAC LC, index 3 (48000), 2 channels.
  assert.equal(summarize(audio([0xaf, 0x00, 0x11, 0x90])), 'aac sequence-header 48000 Hz stereo');
  // Mono 44.1 kHz ASC (0x12 0x08) under the same "stereo" tag header.
  assert.equal(summarize(audio([0xaf, 0x00, 0x12, 0x08])), 'aac sequence-header 44100 Hz mono');
});

test('AAC raw frames: no rate or channels (the tag header would be wrong); other codecs keep the tag header', () => {
  assert.equal(summarize(audio([0xaf, 0x01, 0x21, 0x00])), 'aac raw');
  assert.equal(summarize(audio([0x2e, 0xff, 0xfb])), 'mp3 44100 Hz mono');
});
