/**
 * Video tag header decoding: legacy FLV codecs and frame types, AVC packet types and composition
 * time, E-RTMP v2 packet types, ModEx, multitrack, command frames, malformed input.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { decodeVideoHeader, type VideoHeader } from '../../src/media/video.js';
import { MEDIA_PROBLEMS } from '../../src/media/problems.js';
import { ascii, concat, exVideo, hex, legacyVideo, nanoOffsetModEx } from '../builders/media-writer.js';

const BODY = hex('deadbeef');

function bodyOf(p: Uint8Array, h: { bodyOffset: number; bodyLength: number }): string {
  return Buffer.from(p.subarray(h.bodyOffset, h.bodyOffset + h.bodyLength)).toString('hex');
}

function roundTrips(h: VideoHeader): void {
  assert.deepEqual(JSON.parse(JSON.stringify(h)), h);
  for (const p of h.problems) assert.ok(p in MEDIA_PROBLEMS, p);
}

describe('legacy video', () => {
  const codecs: [number, string][] = [
    [2, 'h263'],
    [3, 'screen'],
    [4, 'vp6'],
    [5, 'vp6a'],
    [6, 'screen2'],
  ];
  for (const [codecId, codec] of codecs) {
    test(`codec id ${codecId} is ${codec}, body right after byte 0`, () => {
      const p = legacyVideo({ frameType: 2, codecId, body: BODY });
      const h = decodeVideoHeader(p);
      roundTrips(h);
      assert.equal(h.ex, false);
      assert.equal(h.codec, codec);
      assert.equal(h.codecId, codecId);
      assert.equal(h.content, 'frames');
      assert.equal(h.packetType, undefined);
      assert.equal(h.compositionTime, undefined);
      assert.equal(bodyOf(p, h), 'deadbeef');
      assert.deepEqual(h.problems, []);
    });
  }

  const frameTypes: [number, string][] = [
    [1, 'key'],
    [2, 'inter'],
    [3, 'disposable-inter'],
    [4, 'generated-key'],
  ];
  for (const [frameType, name] of frameTypes) {
    test(`frame type ${frameType} is ${name}`, () => {
      const h = decodeVideoHeader(legacyVideo({ frameType, codecId: 7, packetType: 1, body: BODY }));
      assert.equal(h.frameType, frameType);
      assert.equal(h.frameTypeName, name);
      assert.deepEqual(h.problems, []);
    });
  }

  for (const frameType of [0, 6, 7]) {
    test(`frame type ${frameType} is reserved`, () => {
      const h = decodeVideoHeader(legacyVideo({ frameType, codecId: 2, body: BODY }));
      assert.equal(h.frameTypeName, 'reserved');
      assert.deepEqual(h.problems, ['media.video.reserved-frame-type']);
    });
  }

  test('command frames: start seek, end seek, reserved command', () => {
    for (const [command, name, problems] of [
      [0, 'start-seek', []],
      [1, 'end-seek', []],
      [9, 'reserved', ['media.video.unknown-command']],
    ] as const) {
      const p = legacyVideo({ frameType: 5, codecId: 7, command });
      const h = decodeVideoHeader(p);
      roundTrips(h);
      assert.equal(h.frameTypeName, 'command');
      assert.equal(h.content, 'command');
      assert.equal(h.command, command);
      assert.equal(h.commandName, name);
      assert.equal(h.packetType, undefined);
      assert.equal(h.bodyOffset, 2);
      assert.equal(h.bodyLength, 0);
      assert.deepEqual(h.problems, problems);
    }
  });

  test('AVC command frame in the FLV 10.1 layout (packet type and SI24 before the command)', () => {
    const p = hex('570000000001');
    const h = decodeVideoHeader(p);
    roundTrips(h);
    assert.equal(h.content, 'command');
    assert.equal(h.command, 1);
    assert.equal(h.commandName, 'end-seek');
    assert.equal(h.packetType, 0);
    assert.equal(h.compositionTime, 0);
    assert.equal(h.bodyOffset, 6);
    assert.deepEqual(h.problems, []);
    // non-AVC codecs keep the short form whatever the length
    const vp6 = decodeVideoHeader(hex('540100000000'));
    assert.equal(vp6.command, 1);
    assert.equal(vp6.bodyOffset, 2);
  });

  test('command frame without its command byte is truncated', () => {
    const h = decodeVideoHeader(Uint8Array.of(0x57));
    assert.equal(h.content, 'command');
    assert.equal(h.command, undefined);
    assert.deepEqual(h.problems, ['media.video.truncated']);
  });

  test('AVC packet types: sequence header, NALU, end of sequence', () => {
    const cases = [
      [0, 'sequence-header', 'config'],
      [1, 'nalu', 'frames'],
      [2, 'end-of-sequence', 'end'],
    ] as const;
    for (const [packetType, name, content] of cases) {
      const p = legacyVideo({ codecId: 7, packetType, body: BODY });
      const h = decodeVideoHeader(p);
      roundTrips(h);
      assert.equal(h.codec, 'avc');
      assert.equal(h.packetType, packetType);
      assert.equal(h.packetTypeName, name);
      assert.equal(h.content, content);
      assert.equal(h.compositionTime, 0);
      assert.equal(h.bodyOffset, 5);
      assert.equal(bodyOf(p, h), 'deadbeef');
      assert.deepEqual(h.problems, []);
    }
  });

  test('AVC composition time is SI24: positive, negative, extremes', () => {
    for (const cts of [0, 1, 67, 133, -1, -33, -66, 0x7fffff, -0x800000]) {
      const h = decodeVideoHeader(legacyVideo({ frameType: 2, codecId: 7, packetType: 1, compositionTime: cts, body: BODY }));
      assert.equal(h.compositionTime, cts, `cts ${cts}`);
      assert.ok(!Object.is(h.compositionTime, -0));
    }
    // bytes on the wire: ff ff df = -33
    assert.equal(decodeVideoHeader(hex('2701ffffdf00')).compositionTime, -33);
  });

  test('AVC reserved packet type', () => {
    const h = decodeVideoHeader(legacyVideo({ codecId: 7, packetType: 3, body: BODY }));
    assert.equal(h.packetTypeName, 'reserved');
    assert.equal(h.content, 'unknown');
    assert.deepEqual(h.problems, ['media.video.unknown-packet-type']);
  });

  test('non-standard codec id 12 (HEVC) uses the AVC layout and is flagged', () => {
    const p = legacyVideo({ codecId: 12, packetType: 1, compositionTime: -40, body: BODY });
    const h = decodeVideoHeader(p);
    roundTrips(h);
    assert.equal(h.codec, 'hevc');
    assert.equal(h.nonStandard, true);
    assert.equal(h.packetTypeName, 'nalu');
    assert.equal(h.compositionTime, -40);
    assert.equal(bodyOf(p, h), 'deadbeef');
    assert.deepEqual(h.problems, ['media.video.non-standard-codec']);
  });

  test('non-standard codec id 13 (AV1, Tencent Cloud FLV extension)', () => {
    const seq = decodeVideoHeader(legacyVideo({ codecId: 13, packetType: 0, body: hex('81000c00') }));
    assert.equal(seq.codec, 'av1');
    assert.equal(seq.content, 'config');
    const obu = decodeVideoHeader(legacyVideo({ codecId: 13, packetType: 1, body: BODY }));
    assert.equal(obu.packetTypeName, 'obu');
    assert.equal(obu.nonStandard, true);
  });

  test('AVC (7) is standard: no nonStandard key at all', () => {
    const h = decodeVideoHeader(legacyVideo({ codecId: 7, packetType: 1 }));
    assert.equal('nonStandard' in h, false);
  });

  for (const codecId of [0, 1, 8, 9, 10, 11, 14, 15]) {
    test(`unknown legacy codec id ${codecId}`, () => {
      const h = decodeVideoHeader(Uint8Array.of(0x10 | codecId, 1, 2));
      assert.equal(h.codec, 'unknown');
      assert.equal(h.codecId, codecId);
      assert.equal(h.content, 'unknown');
      assert.equal(h.bodyOffset, 1);
      assert.deepEqual(h.problems, ['media.video.unknown-codec']);
    });
  }

  test('truncated AVC headers', () => {
    const a = decodeVideoHeader(Uint8Array.of(0x17));
    assert.equal(a.codec, 'avc');
    assert.equal(a.packetType, undefined);
    assert.deepEqual(a.problems, ['media.video.truncated']);
    assert.equal(a.bodyOffset + a.bodyLength, 1);
    const b = decodeVideoHeader(Uint8Array.of(0x17, 0x01, 0x00));
    assert.equal(b.packetType, 1);
    assert.equal(b.compositionTime, undefined);
    assert.deepEqual(b.problems, ['media.video.truncated']);
    assert.equal(b.bodyLength, 0);
    const c = decodeVideoHeader(Uint8Array.of(0x17, 0x01, 0x00, 0x00, 0x00));
    assert.deepEqual(c.problems, []);
    assert.equal(c.bodyOffset, 5);
    assert.equal(c.bodyLength, 0);
  });

  test('empty payload', () => {
    const h = decodeVideoHeader(new Uint8Array(0));
    roundTrips(h);
    assert.equal(h.frameType, undefined);
    assert.equal(h.content, 'unknown');
    assert.deepEqual(h.problems, ['media.video.empty']);
  });

  test('body range points into the payload without copying', () => {
    const backing = concat([0xaa, 0xbb], legacyVideo({ codecId: 7, packetType: 1, body: BODY }));
    const view = backing.subarray(2);
    const h = decodeVideoHeader(view);
    assert.equal(bodyOf(view, h), 'deadbeef');
  });
});

describe('E-RTMP video', () => {
  const fourCcs: [string, string, boolean][] = [
    ['avc1', 'avc', true],
    ['hvc1', 'hevc', true],
    ['vvc1', 'vvc', true],
    ['av01', 'av1', false],
    ['vp08', 'vp8', false],
    ['vp09', 'vp9', false],
  ];

  for (const [fourCc, codec, hasCts] of fourCcs) {
    test(`${fourCc}: every packet type`, () => {
      const cases = [
        [0, 'sequence-start', 'config'],
        [1, 'coded-frames', 'frames'],
        [2, 'sequence-end', 'end'],
        [3, 'coded-frames-x', 'frames'],
        [4, 'metadata', 'metadata'],
        [5, 'mpeg2ts-sequence-start', 'config'],
      ] as const;
      for (const [packetType, name, content] of cases) {
        const p = exVideo({ frameType: 1, packetType, fourCc, compositionTime: 42, body: BODY });
        const h = decodeVideoHeader(p);
        roundTrips(h);
        assert.equal(h.ex, true);
        assert.equal(h.codec, codec);
        assert.equal(h.fourCc, fourCc);
        assert.equal('fourCcHex' in h, false);
        assert.equal(h.codecId, undefined);
        assert.equal(h.packetType, packetType);
        assert.equal(h.packetTypeName, name);
        assert.equal(h.content, content);
        const ctsHere = hasCts && packetType === 1;
        assert.equal(h.compositionTime, ctsHere ? 42 : undefined, `${fourCc} ${name}`);
        assert.equal(h.bodyOffset, ctsHere ? 8 : 5);
        assert.equal(bodyOf(p, h), 'deadbeef');
        assert.deepEqual(h.problems, []);
      }
    });
  }

  test('hvc1 CodedFrames with negative composition time', () => {
    const h = decodeVideoHeader(exVideo({ frameType: 2, packetType: 1, fourCc: 'hvc1', compositionTime: -67, body: BODY }));
    assert.equal(h.compositionTime, -67);
    assert.equal(h.frameTypeName, 'inter');
  });

  test("the sample files' first video tag: av01 SequenceStart with an empty body", () => {
    const h = decodeVideoHeader(hex('9061763031'));
    assert.equal(h.codec, 'av1');
    assert.equal(h.content, 'config');
    assert.equal(h.bodyOffset, 5);
    assert.equal(h.bodyLength, 0);
    assert.deepEqual(h.problems, []);
  });

  test('Metadata ignores the frame type (0xD4 is not a command frame)', () => {
    const amf = concat([0x02, 0x00, 0x09], ascii('colorInfo'), [0x03, 0x00, 0x00, 0x09]);
    const p = exVideo({ frameType: 5, packetType: 4, fourCc: 'av01', body: amf });
    assert.equal(p[0], 0xd4);
    const h = decodeVideoHeader(p);
    roundTrips(h);
    assert.equal(h.content, 'metadata');
    assert.equal(h.command, undefined);
    assert.equal(h.bodyOffset, 5);
    assert.equal(h.bodyLength, amf.length);
    assert.deepEqual(h.problems, []);
    // and a reserved frame type on Metadata is not a problem either
    const r = decodeVideoHeader(exVideo({ frameType: 0, packetType: 4, fourCc: 'av01', body: amf }));
    assert.deepEqual(r.problems, []);
  });

  test('command frame: UI8 command and no FourCC', () => {
    for (const command of [0, 1]) {
      const p = exVideo({ frameType: 5, packetType: 1, command });
      assert.equal(p.length, 2);
      const h = decodeVideoHeader(p);
      roundTrips(h);
      assert.equal(h.content, 'command');
      assert.equal(h.command, command);
      assert.equal(h.commandName, command === 0 ? 'start-seek' : 'end-seek');
      assert.equal(h.fourCc, undefined);
      assert.equal(h.codec, 'none');
      assert.equal(h.packetType, 1);
      assert.deepEqual(h.problems, []);
    }
    const bad = decodeVideoHeader(exVideo({ frameType: 5, packetType: 0, command: 2 }));
    assert.deepEqual(bad.problems, ['media.video.unknown-command']);
    const cut = decodeVideoHeader(Uint8Array.of(0xd1));
    assert.deepEqual(cut.problems, ['media.video.truncated']);
  });

  for (let packetType = 8; packetType <= 15; packetType++) {
    test(`reserved packet type ${packetType}`, () => {
      const p = concat([0x90 | packetType], ascii('avc1'), BODY);
      const h = decodeVideoHeader(p);
      roundTrips(h);
      assert.equal(h.packetTypeName, 'reserved');
      assert.equal(h.content, 'unknown');
      assert.equal(h.codec, 'avc');
      assert.equal(h.bodyOffset, 5);
      assert.deepEqual(h.problems, ['media.video.unknown-packet-type']);
    });
  }

  test('unknown FourCC kept as text and hex', () => {
    const h = decodeVideoHeader(exVideo({ packetType: 1, fourCc: 'xyz9', body: BODY }));
    assert.equal(h.codec, 'xyz9');
    assert.equal(h.fourCc, 'xyz9');
    assert.equal(h.fourCcHex, '78797a39');
    assert.deepEqual(h.problems, ['media.video.unknown-fourcc']);
    const np = decodeVideoHeader(concat([0x91], [0x00, 0x76, 0x63, 0x31], BODY));
    assert.equal(np.fourCc, '.vc1');
    assert.equal(np.fourCcHex, '00766331');
    roundTrips(np);
  });

  test('truncated FourCC and composition time', () => {
    const a = decodeVideoHeader(hex('916176'));
    assert.equal(a.packetType, 1);
    assert.equal(a.fourCc, undefined);
    assert.deepEqual(a.problems, ['media.video.truncated']);
    const b = decodeVideoHeader(hex('91617663310000'));
    assert.equal(b.codec, 'avc');
    assert.equal(b.compositionTime, undefined);
    assert.deepEqual(b.problems, ['media.video.truncated']);
    assert.equal(b.bodyLength, 0);
  });
});

describe('E-RTMP video ModEx', () => {
  test('TimestampOffsetNano, UI8 size form', () => {
    const p = exVideo({ packetType: 1, fourCc: 'avc1', modEx: [nanoOffsetModEx(123_456)], compositionTime: 5, body: BODY });
    // 0x97, size-1 = 2, 3 data bytes, type 0 << 4 | CodedFrames
    assert.equal(Buffer.from(p.subarray(0, 6)).toString('hex'), '970201e24001');
    const h = decodeVideoHeader(p);
    roundTrips(h);
    assert.deepEqual(h.modEx, [{ type: 0, typeName: 'timestamp-offset-nano', nanoOffset: 123_456, dataLength: 3, dataHex: '01e240' }]);
    assert.equal(h.packetType, 1);
    assert.equal(h.packetTypeName, 'coded-frames');
    assert.equal(h.codec, 'avc');
    assert.equal(h.compositionTime, 5);
    assert.equal(bodyOf(p, h), 'deadbeef');
    assert.deepEqual(h.problems, []);
  });

  test('TimestampOffsetNano, UI16 size form (UI8 255 then UI16)', () => {
    const p = exVideo({ packetType: 3, fourCc: 'hvc1', modEx: [nanoOffsetModEx(999_999, { wide: true })], body: BODY });
    assert.equal(Buffer.from(p.subarray(0, 8)).toString('hex'), '97ff00020f423f03');
    const h = decodeVideoHeader(p);
    assert.equal(h.modEx?.[0]?.nanoOffset, 999_999);
    assert.equal(h.modEx?.[0]?.dataLength, 3);
    assert.equal(h.packetTypeName, 'coded-frames-x');
    assert.equal(bodyOf(p, h), 'deadbeef');
    assert.deepEqual(h.problems, []);
  });

  test('large ModEx data (UI16 form, 300 bytes) is kept as capped hex', () => {
    const data = new Uint8Array(300).fill(0xab);
    const p = exVideo({ packetType: 1, fourCc: 'av01', modEx: [{ type: 0, data }], body: BODY });
    const h = decodeVideoHeader(p);
    const m = h.modEx?.[0];
    assert.equal(m?.dataLength, 300);
    assert.equal(m?.dataHex, 'ab'.repeat(32));
    assert.equal(m?.nanoOffset, 0xababab);
    assert.deepEqual(h.problems, ['media.video.bad-nano-offset']);
    assert.equal(bodyOf(p, h), 'deadbeef');
  });

  test('chained ModEx entries, reserved ModEx type, short nano offset', () => {
    const p = exVideo({
      packetType: 0,
      fourCc: 'avc1',
      modEx: [nanoOffsetModEx(1), { type: 5, data: hex('0102') }, nanoOffsetModEx(0, { dataLength: 2 })],
      body: BODY,
    });
    const h = decodeVideoHeader(p);
    roundTrips(h);
    assert.deepEqual(
      h.modEx?.map((m) => [m.type, m.typeName, m.nanoOffset]),
      [
        [0, 'timestamp-offset-nano', 1],
        [5, 'reserved', undefined],
        [0, 'timestamp-offset-nano', undefined],
      ],
    );
    assert.equal(h.content, 'config');
    assert.deepEqual(h.problems, ['media.video.unknown-modex-type', 'media.video.bad-nano-offset']);
  });

  test('ModEx entries beyond the cap are parsed but not listed', () => {
    const modEx = Array.from({ length: 20 }, (_, i) => nanoOffsetModEx(i));
    const p = exVideo({ packetType: 1, fourCc: 'vp09', modEx, body: BODY });
    const h = decodeVideoHeader(p);
    assert.equal(h.modEx?.length, 16);
    assert.equal(bodyOf(p, h), 'deadbeef');
    assert.deepEqual(h.problems, ['media.video.too-many-modex']);
  });

  test('ModEx cut short', () => {
    for (const cut of ['97', '9702', '970201e2', '970201e240', '97ff00']) {
      const h = decodeVideoHeader(hex(cut));
      assert.equal(h.packetType, 7, cut);
      assert.equal(h.packetTypeName, 'mod-ex');
      assert.deepEqual(h.problems, ['media.video.truncated'], cut);
    }
  });

  test('ModEx then command frame', () => {
    const h = decodeVideoHeader(exVideo({ frameType: 5, packetType: 1, modEx: [nanoOffsetModEx(7)], command: 1 }));
    assert.equal(h.command, 1);
    assert.equal(h.modEx?.[0]?.nanoOffset, 7);
  });

  test('ModEx then Multitrack', () => {
    const p = exVideo({
      packetType: 1,
      fourCc: 'avc1',
      modEx: [nanoOffsetModEx(500)],
      multitrack: { type: 1, tracks: [{ trackId: 0, compositionTime: 1, body: BODY }] },
    });
    const h = decodeVideoHeader(p);
    roundTrips(h);
    assert.equal(h.modEx?.[0]?.nanoOffset, 500);
    assert.equal(h.multitrack?.typeName, 'many-tracks');
    assert.equal(h.multitrack?.tracks[0]?.compositionTime, 1);
    assert.deepEqual(h.problems, []);
  });
});

describe('E-RTMP video multitrack', () => {
  test('OneTrack', () => {
    const p = exVideo({ packetType: 1, fourCc: 'hvc1', multitrack: { type: 0, tracks: [{ trackId: 3, compositionTime: -2, body: BODY }] } });
    // 0x96, OneTrack<<4 | CodedFrames, 'hvc1', trackId, cts, body
    assert.equal(Buffer.from(p).toString('hex'), '960168766331' + '03' + 'fffffe' + 'deadbeef');
    const h = decodeVideoHeader(p);
    roundTrips(h);
    assert.equal(h.packetType, 1);
    assert.equal(h.packetTypeName, 'coded-frames');
    assert.equal(h.content, 'frames');
    assert.equal(h.codec, 'hevc');
    assert.equal(h.fourCc, 'hvc1');
    assert.equal(h.compositionTime, undefined);
    assert.deepEqual(h.multitrack, {
      type: 0,
      typeName: 'one-track',
      tracks: [{ trackId: 3, codec: 'hevc', fourCc: 'hvc1', compositionTime: -2, bodyOffset: 10, bodyLength: 4 }],
    });
    assert.equal(h.bodyOffset, 6);
    assert.deepEqual(h.problems, []);
  });

  test('ManyTracks', () => {
    const p = exVideo({
      packetType: 1,
      fourCc: 'avc1',
      multitrack: {
        type: 1,
        tracks: [
          { trackId: 0, compositionTime: 10, body: hex('0101') },
          { trackId: 1, compositionTime: 20, body: hex('020202') },
          { trackId: 2, compositionTime: 30, body: new Uint8Array(0) },
        ],
      },
    });
    const h = decodeVideoHeader(p);
    roundTrips(h);
    assert.equal(h.codec, 'avc');
    const tracks = h.multitrack?.tracks ?? [];
    assert.deepEqual(
      tracks.map((t) => [t.trackId, t.codec, t.compositionTime, bodyOf(p, t)]),
      [
        [0, 'avc', 10, '0101'],
        [1, 'avc', 20, '020202'],
        [2, 'avc', 30, ''],
      ],
    );
    assert.deepEqual(h.problems, []);
  });

  test('ManyTracksManyCodecs, with and without composition times', () => {
    const p = exVideo({
      packetType: 1,
      multitrack: {
        type: 2,
        tracks: [
          { trackId: 0, fourCc: 'av01', body: hex('aa') },
          { trackId: 1, fourCc: 'avc1', compositionTime: 33, body: hex('bb') },
          { trackId: 2, fourCc: 'vp09', body: hex('cc') },
        ],
      },
    });
    const h = decodeVideoHeader(p);
    roundTrips(h);
    assert.equal(h.codec, 'multiple');
    assert.equal(h.fourCc, undefined);
    assert.equal(h.multitrack?.typeName, 'many-tracks-many-codecs');
    assert.deepEqual(
      (h.multitrack?.tracks ?? []).map((t) => [t.trackId, t.codec, t.fourCc, t.compositionTime, bodyOf(p, t)]),
      [
        [0, 'av1', 'av01', undefined, 'aa'],
        [1, 'avc', 'avc1', 33, 'bb'],
        [2, 'vp9', 'vp09', undefined, 'cc'],
      ],
    );
    assert.deepEqual(h.problems, []);
  });

  test('ManyTracksManyCodecs whose tracks agree reports the codec', () => {
    const h = decodeVideoHeader(
      exVideo({
        packetType: 0,
        multitrack: {
          type: 2,
          tracks: [
            { trackId: 0, fourCc: 'av01' },
            { trackId: 1, fourCc: 'av01' },
          ],
        },
      }),
    );
    assert.equal(h.codec, 'av1');
    assert.equal(h.fourCc, 'av01');
    assert.equal(h.content, 'config');
  });

  test('Multitrack Metadata and SequenceStart per track', () => {
    const h = decodeVideoHeader(
      exVideo({
        packetType: 4,
        fourCc: 'hvc1',
        multitrack: {
          type: 1,
          tracks: [
            { trackId: 0, body: BODY },
            { trackId: 1, body: BODY },
          ],
        },
      }),
    );
    assert.equal(h.content, 'metadata');
    assert.equal(h.multitrack?.tracks.length, 2);
    assert.equal(h.multitrack?.tracks[1]?.bodyLength, 4);
  });

  test('track size past the end is cut and flagged', () => {
    const p = exVideo({
      packetType: 3,
      fourCc: 'av01',
      multitrack: {
        type: 1,
        tracks: [
          { trackId: 0, body: BODY },
          { trackId: 1, body: BODY, sizeOverride: 1000 },
        ],
      },
    });
    const h = decodeVideoHeader(p);
    assert.equal(h.multitrack?.tracks[1]?.bodyLength, 4);
    assert.deepEqual(h.problems, ['media.video.track-overrun']);
  });

  test('track header cut short', () => {
    const p = exVideo({ packetType: 3, fourCc: 'av01', multitrack: { type: 1, tracks: [{ trackId: 0, body: BODY }] } });
    const h = decodeVideoHeader(concat(p, [0x01, 0x00]));
    assert.equal(h.multitrack?.tracks.length, 1);
    assert.deepEqual(h.problems, ['media.video.truncated']);
    const mtmc = exVideo({ packetType: 3, multitrack: { type: 2, tracks: [{ trackId: 0, fourCc: 'av01', body: BODY }] } });
    for (const extra of [[0x61], [0x61, 0x76, 0x30, 0x31], [0x61, 0x76, 0x30, 0x31, 0x01, 0x00]]) {
      const g = decodeVideoHeader(concat(mtmc, extra));
      assert.equal(g.multitrack?.tracks.length, 1);
      assert.deepEqual(g.problems, ['media.video.truncated'], JSON.stringify(extra));
    }
  });

  test('multitrack without any track', () => {
    const h = decodeVideoHeader(hex('961161763031'));
    assert.equal(h.multitrack?.tracks.length, 0);
    assert.equal(h.content, 'unknown');
    assert.deepEqual(h.problems, ['media.video.truncated']);
  });

  test('more tracks than the cap are parsed but not listed', () => {
    const tracks = Array.from({ length: 300 }, (_, i) => ({ trackId: i & 0xff }));
    const p = exVideo({ packetType: 3, fourCc: 'av01', multitrack: { type: 1, tracks } });
    const h = decodeVideoHeader(p);
    assert.equal(h.multitrack?.tracks.length, 256);
    assert.deepEqual(h.problems, ['media.video.duplicate-track-id', 'media.video.too-many-tracks']);
  });

  test('duplicate track ids are flagged', () => {
    const h = decodeVideoHeader(exVideo({ packetType: 3, fourCc: 'av01', multitrack: { type: 1, tracks: [{ trackId: 4 }, { trackId: 4 }] } }));
    assert.deepEqual(h.problems, ['media.video.duplicate-track-id']);
  });

  test('nested Multitrack or ModEx inside Multitrack', () => {
    for (const inner of [6, 7]) {
      const h = decodeVideoHeader(concat([0x96, 0x10 | inner], ascii('avc1'), [0, 0, 0, 0]));
      assert.equal(h.packetType, inner);
      assert.deepEqual(h.problems, ['media.video.bad-multitrack-packet-type']);
      assert.deepEqual(h.multitrack?.tracks, []);
    }
  });

  test('reserved multitrack type', () => {
    const h = decodeVideoHeader(concat([0x96, 0x31], ascii('avc1'), [0, 0, 0, 1, 0xff]));
    assert.equal(h.multitrack?.type, 3);
    assert.equal(h.multitrack?.typeName, 'reserved');
    assert.equal(h.codec, 'avc');
    assert.equal(h.bodyOffset, 6);
    assert.deepEqual(h.problems, ['media.video.unknown-multitrack-type']);
  });

  test('unknown FourCC in a ManyTracksManyCodecs track', () => {
    const h = decodeVideoHeader(exVideo({ packetType: 1, multitrack: { type: 2, tracks: [{ trackId: 0, fourCc: 'qqq1', body: BODY }] } }));
    assert.equal(h.multitrack?.tracks[0]?.fourCcHex, '71717131');
    assert.equal(h.codec, 'qqq1');
    assert.equal(h.fourCcHex, '71717131');
    assert.deepEqual(h.problems, ['media.video.unknown-fourcc']);
  });

  test('avc1 CodedFrames track too short for its composition time', () => {
    const p = exVideo({ packetType: 1, fourCc: 'avc1', multitrack: { type: 1, tracks: [{ trackId: 0, body: BODY, sizeOverride: 2 }] } });
    const h = decodeVideoHeader(p.subarray(0, p.length));
    const t = h.multitrack?.tracks[0];
    assert.equal(t?.compositionTime, undefined);
    assert.ok(h.problems.includes('media.video.truncated'));
  });

  test('every prefix of a multitrack message decodes without throwing', () => {
    const p = exVideo({
      packetType: 1,
      modEx: [nanoOffsetModEx(1000, { wide: true })],
      multitrack: {
        type: 2,
        tracks: [
          { trackId: 0, fourCc: 'avc1', compositionTime: 1, body: BODY },
          { trackId: 1, fourCc: 'av01', body: BODY },
        ],
      },
    });
    const full = decodeVideoHeader(p);
    assert.deepEqual(full.problems, []);
    const t0 = full.multitrack?.tracks[0];
    // Cutting exactly after the first track leaves a valid one-track message.
    const boundary = t0 === undefined ? -1 : t0.bodyOffset + t0.bodyLength;
    for (let i = 0; i < p.length; i++) {
      if (i === boundary) continue;
      const h = decodeVideoHeader(p.subarray(0, i));
      roundTrips(h);
      assert.ok(h.bodyOffset + h.bodyLength === i);
      // a cut anywhere is visible: either a field ran out or a track size overran the end
      assert.ok(i === 0 || h.problems.includes('media.video.truncated') || h.problems.includes('media.video.track-overrun'), `prefix ${i}: ${JSON.stringify(h.problems)}`);
    }
  });
});
