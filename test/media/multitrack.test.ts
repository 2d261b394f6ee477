/**
 * The shared E-RTMP Multitrack parser (src/media/multitrack.ts) driven directly with a made-up
 * MultitrackCodec, so that its parameter surface is pinned apart from audio and video: the media
 * kind names the problem codes, the multitrack packet type may not nest, the packet type tables
 * and FourCC table are the caller's, readTrackFields sees each track body's [start, end) and
 * decides where the media bytes start, and tracks come out in the caller's key order.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { MediaContent, MultitrackTypeName } from '../../src/media/ex-header.js';
import { decodeMultitrack, setFourCc, type MultitrackCodec } from '../../src/media/multitrack.js';
import type { FourCcRead } from '../../src/media/fourcc.js';
import type { MediaProblemCode } from '../../src/media/problems.js';
import { ascii, concat, hex } from '../builders/media-writer.js';

type TestTrack = {
  readonly trackId: number;
  readonly codec: string;
  readonly fourCc: string;
  readonly fourCcHex?: string;
  readonly tag?: number;
  readonly bodyOffset: number;
  readonly bodyLength: number;
};

type Target = {
  packetType?: number;
  packetTypeName?: string;
  content: MediaContent;
  codec: string;
  fourCc?: string;
  fourCcHex?: string;
  multitrack?: { readonly type: number; readonly typeName: MultitrackTypeName; readonly tracks: readonly TestTrack[] };
  bodyOffset: number;
};

const calls: [number, number, number][] = [];

/** Packet type 1 carries one "tag" byte before each track body; 3 is the nesting type. */
const CODEC: MultitrackCodec<TestTrack, 'zero' | 'one' | 'reserved'> = {
  media: 'video',
  multitrackPacketType: 3,
  packetTypeNames: ['zero', 'one'],
  packetContent: ['config', 'frames'],
  fourCcs: new Map([['abcd', 'alpha']]),
  trackKeys: ['trackId', 'codec', 'fourCc', 'fourCcHex', 'tag', 'bodyOffset', 'bodyLength'],
  readTrackFields(p, t, packetType, start, end) {
    calls.push([packetType, start, end]);
    if (packetType !== 1 || start >= end) return start;
    t.tag = p[start];
    return start + 1;
  },
};

function run(p: Uint8Array, pos = 0): { h: Target; problems: MediaProblemCode[] } {
  const h: Target = { content: 'unknown', codec: 'unknown', bodyOffset: pos };
  const problems: MediaProblemCode[] = [];
  calls.length = 0;
  decodeMultitrack(p, pos, h, CODEC, problems);
  return { h, problems };
}

describe('shared multitrack parser', () => {
  test('many tracks: readTrackFields sees each body range and sets where the media starts', () => {
    // header: many-tracks (1), packet type 1; shared FourCC; track 4 (size 3), track 9 (size 2)
    const p = concat(hex('11'), ascii('abcd'), hex('04 000003 aa0102'), hex('09 000002 bb03'));
    const { h, problems } = run(p);
    assert.deepEqual(problems, []);
    assert.deepEqual(calls, [
      [1, 9, 12],
      [1, 16, 18],
    ]);
    assert.deepEqual(h, {
      content: 'frames',
      codec: 'alpha',
      bodyOffset: 5,
      packetType: 1,
      packetTypeName: 'one',
      fourCc: 'abcd',
      multitrack: {
        type: 1,
        typeName: 'many-tracks',
        tracks: [
          { trackId: 4, codec: 'alpha', fourCc: 'abcd', tag: 0xaa, bodyOffset: 10, bodyLength: 2 },
          { trackId: 9, codec: 'alpha', fourCc: 'abcd', tag: 0xbb, bodyOffset: 17, bodyLength: 1 },
        ],
      },
    });
    // Tracks come out in the codec's key order.
    assert.deepEqual(Object.keys(h.multitrack?.tracks[0] ?? {}), ['trackId', 'codec', 'fourCc', 'tag', 'bodyOffset', 'bodyLength']);
  });

  test("many codecs: the FourCC table is the caller's, problems are named by the media kind", () => {
    // header: many-tracks-many-codecs (2), packet type 0; tracks with their own FourCCs
    const p = concat(hex('20'), ascii('abcd'), hex('01 000001 00'), ascii('wxyz'), hex('02 000001 00'));
    const { h, problems } = run(p);
    assert.deepEqual(problems, ['media.video.unknown-fourcc']);
    assert.equal(h.codec, 'multiple');
    assert.equal(h.fourCc, undefined);
    assert.deepEqual(
      h.multitrack?.tracks.map((t) => [t.trackId, t.codec, t.fourCcHex]),
      [
        [1, 'alpha', undefined],
        [2, 'wxyz', '7778797a'],
      ],
    );
    assert.equal(h.content, 'config');
  });

  test('the multitrack packet type and ModEx may not nest; reserved packet types have no content', () => {
    const nested = run(hex('13'));
    assert.deepEqual(nested.problems, ['media.video.bad-multitrack-packet-type']);
    assert.deepEqual(nested.h.multitrack, { type: 1, typeName: 'many-tracks', tracks: [] });
    assert.equal(run(hex('17')).problems[0], 'media.video.bad-multitrack-packet-type');

    const reserved = run(concat(hex('05'), ascii('abcd'), hex('01 00')));
    assert.deepEqual(reserved.problems, ['media.video.unknown-packet-type']);
    assert.equal(reserved.h.packetTypeName, 'reserved');
    assert.equal(reserved.h.content, 'unknown');
    assert.equal(reserved.h.multitrack?.tracks.length, 1);
    assert.deepEqual(calls, [[5, 6, 7]]);
  });

  test('shortfalls: empty, cut FourCC, reserved multitrack type, no track', () => {
    assert.deepEqual(run(hex('00'), 1).problems, ['media.video.truncated']);
    const cut = run(concat(hex('01'), ascii('ab')));
    assert.deepEqual(cut.problems, ['media.video.truncated']);
    assert.equal(cut.h.bodyOffset, 3);
    const reservedType = run(concat(hex('31'), ascii('abcd'), hex('00 000000')));
    assert.deepEqual(reservedType.problems, ['media.video.unknown-multitrack-type']);
    assert.equal(reservedType.h.multitrack?.typeName, 'reserved');
    assert.equal(reservedType.h.bodyOffset, 5);
    const none = run(concat(hex('11'), ascii('abcd')));
    assert.deepEqual(none.problems, ['media.video.truncated']);
    assert.equal(none.h.content, 'unknown');
    assert.deepEqual(calls, []);
  });
});

describe('setFourCc', () => {
  test('known, unknown and inexact FourCCs', () => {
    const table = new Map([['mp4a', 'aac']]);
    const problems: MediaProblemCode[] = [];
    const known: { codec: string; fourCc?: string; fourCcHex?: string } = { codec: 'unknown' };
    setFourCc(known, { text: 'mp4a', hex: '6d703461', exact: true }, table, 'audio', problems);
    assert.deepEqual(known, { codec: 'aac', fourCc: 'mp4a' });
    assert.deepEqual(problems, []);
    const inexact: FourCcRead = { text: 'mp4a', hex: '6d7034e1', exact: false };
    const t: { codec: string; fourCc?: string; fourCcHex?: string } = { codec: 'unknown' };
    setFourCc(t, inexact, table, 'audio', problems);
    assert.deepEqual(t, { codec: 'mp4a', fourCc: 'mp4a', fourCcHex: '6d7034e1' });
    assert.deepEqual(problems, ['media.audio.unknown-fourcc']);
  });
});
