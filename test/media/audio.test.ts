/**
 * Audio tag header decoding: legacy sound formats and flags, AAC packet types, silence, E-RTMP v2
 * packet types, MultichannelConfig, ModEx, multitrack, Speex vs ExHeader, malformed input.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { channelMaskNames, decodeAudioHeader, type AudioHeader } from '../../src/media/audio.js';
import { MEDIA_PROBLEMS } from '../../src/media/problems.js';
import { ascii, concat, exAudio, hex, legacyAudio, nanoOffsetModEx } from '../builders/media-writer.js';

const BODY = hex('c0ffee');

function bodyOf(p: Uint8Array, h: { bodyOffset: number; bodyLength: number }): string {
  return Buffer.from(p.subarray(h.bodyOffset, h.bodyOffset + h.bodyLength)).toString('hex');
}

function roundTrips(h: AudioHeader): void {
  assert.deepEqual(JSON.parse(JSON.stringify(h)), h);
  for (const p of h.problems) assert.ok(p in MEDIA_PROBLEMS, p);
}

describe('legacy audio', () => {
  test('zero-length payload is silence', () => {
    const h = decodeAudioHeader(new Uint8Array(0));
    roundTrips(h);
    assert.deepEqual(h, { ex: false, codec: 'none', content: 'silence', bodyOffset: 0, bodyLength: 0, problems: [] });
  });

  const formats: [number, string, string][] = [
    [0, 'pcm-platform-endian', 'pcm'],
    [1, 'adpcm', 'adpcm'],
    [2, 'mp3', 'mp3'],
    [3, 'pcm-le', 'pcm'],
    [4, 'nellymoser-16k-mono', 'nellymoser'],
    [5, 'nellymoser-8k-mono', 'nellymoser'],
    [6, 'nellymoser', 'nellymoser'],
    [7, 'g711-alaw', 'g711-alaw'],
    [8, 'g711-mulaw', 'g711-mulaw'],
    [11, 'speex', 'speex'],
    [14, 'mp3-8k', 'mp3'],
    [15, 'device-specific', 'device-specific'],
  ];
  for (const [soundFormat, name, codec] of formats) {
    test(`sound format ${soundFormat} is ${name}`, () => {
      const p = legacyAudio({ soundFormat, soundRate: 1, soundSize: 0, soundType: 0, body: BODY });
      const h = decodeAudioHeader(p);
      roundTrips(h);
      assert.equal(h.ex, false);
      assert.equal(h.soundFormat, soundFormat);
      assert.equal(h.soundFormatName, name);
      assert.equal(h.codec, codec);
      assert.equal(h.content, 'frames');
      assert.equal(h.packetType, undefined);
      assert.equal(h.bodyOffset, 1);
      assert.equal(bodyOf(p, h), 'c0ffee');
      assert.deepEqual(h.problems, []);
    });
  }

  test('rate, size and type flags, all 16 combinations', () => {
    const rates = [5512.5, 11025, 22050, 44100];
    for (let low = 0; low < 16; low++) {
      const h = decodeAudioHeader(Uint8Array.of(0x20 | low, 0xff));
      const rate = low >> 2;
      assert.equal(h.soundRate, rate);
      assert.equal(h.soundRateHz, rates[rate]);
      assert.equal(h.soundSize, (low >> 1) & 1);
      assert.equal(h.soundSizeBits, (low & 2) !== 0 ? 16 : 8);
      assert.equal(h.soundType, low & 1);
      assert.equal(h.soundChannels, (low & 1) !== 0 ? 2 : 1);
      roundTrips(h);
    }
  });

  test('AAC packet types: AudioSpecificConfig and raw', () => {
    for (const [aacPacketType, name, content] of [
      [0, 'sequence-header', 'config'],
      [1, 'raw', 'frames'],
    ] as const) {
      const p = legacyAudio({ soundFormat: 10, aacPacketType, body: BODY });
      assert.equal(p[0], 0xaf);
      const h = decodeAudioHeader(p);
      roundTrips(h);
      assert.equal(h.codec, 'aac');
      assert.equal(h.packetType, aacPacketType);
      assert.equal(h.packetTypeName, name);
      assert.equal(h.content, content);
      assert.equal(h.soundRateHz, 44100);
      assert.equal(h.soundChannels, 2);
      assert.equal(h.bodyOffset, 2);
      assert.equal(bodyOf(p, h), 'c0ffee');
      assert.deepEqual(h.problems, []);
    }
  });

  test('AAC reserved packet type and missing packet type', () => {
    const r = decodeAudioHeader(Uint8Array.of(0xaf, 0x02, 0x00));
    assert.equal(r.content, 'unknown');
    assert.deepEqual(r.problems, ['media.audio.unknown-packet-type']);
    const t = decodeAudioHeader(Uint8Array.of(0xaf));
    assert.equal(t.packetType, undefined);
    assert.equal(t.bodyLength, 0);
    assert.deepEqual(t.problems, ['media.audio.truncated']);
  });

  test('reserved sound formats 12 and 13', () => {
    for (const f of [12, 13]) {
      const h = decodeAudioHeader(Uint8Array.of((f << 4) | 0x0f, 1));
      assert.equal(h.soundFormatName, 'reserved');
      assert.equal(h.codec, 'unknown');
      assert.equal(h.content, 'unknown');
      assert.deepEqual(h.problems, ['media.audio.reserved-sound-format']);
    }
  });

  test('Speex (0xB_) is legacy, ExHeader is 0x9_', () => {
    // Speex as FFmpeg/Flash send it: 16 kHz flagged as 11 kHz, 16-bit, mono = 0xB2
    const speex = decodeAudioHeader(Uint8Array.of(0xb2, 0x01, 0x02));
    assert.equal(speex.ex, false);
    assert.equal(speex.codec, 'speex');
    assert.equal(speex.bodyOffset, 1);
    // the same low nibble under format 9 is an E-RTMP packet type (2 = SequenceEnd)
    const ex = decodeAudioHeader(concat([0x92], ascii('Opus')));
    assert.equal(ex.ex, true);
    assert.equal(ex.codec, 'opus');
    assert.equal(ex.packetTypeName, 'sequence-end');
    assert.equal(ex.soundRate, undefined);
    // every Speex flag combination stays Speex
    for (let low = 0; low < 16; low++) {
      const h = decodeAudioHeader(Uint8Array.of(0xb0 | low, 0));
      assert.equal(h.ex, false);
      assert.equal(h.codec, 'speex');
    }
  });
});

describe('E-RTMP audio', () => {
  const fourCcs: [string, string][] = [
    ['mp4a', 'aac'],
    ['Opus', 'opus'],
    ['fLaC', 'flac'],
    ['ac-3', 'ac3'],
    ['ec-3', 'eac3'],
    ['.mp3', 'mp3'],
  ];
  for (const [fourCc, codec] of fourCcs) {
    test(`${fourCc}: SequenceStart, CodedFrames, SequenceEnd`, () => {
      for (const [packetType, name, content] of [
        [0, 'sequence-start', 'config'],
        [1, 'coded-frames', 'frames'],
        [2, 'sequence-end', 'end'],
      ] as const) {
        const p = exAudio({ packetType, fourCc, body: BODY });
        const h = decodeAudioHeader(p);
        roundTrips(h);
        assert.equal(h.ex, true);
        assert.equal(h.soundFormat, 9);
        assert.equal(h.soundFormatName, 'ex-header');
        assert.equal(h.codec, codec);
        assert.equal(h.fourCc, fourCc);
        assert.equal(h.packetType, packetType);
        assert.equal(h.packetTypeName, name);
        assert.equal(h.content, content);
        assert.equal(h.bodyOffset, 5);
        assert.equal(bodyOf(p, h), 'c0ffee');
        assert.equal(h.soundRate, undefined);
        assert.deepEqual(h.problems, []);
      }
    });
  }

  for (const packetType of [3, 6, 8, 9, 10, 11, 12, 13, 14, 15]) {
    test(`reserved packet type ${packetType}`, () => {
      const h = decodeAudioHeader(concat([0x90 | packetType], ascii('Opus'), BODY));
      roundTrips(h);
      assert.equal(h.packetTypeName, 'reserved');
      assert.equal(h.content, 'unknown');
      assert.equal(h.codec, 'opus');
      assert.deepEqual(h.problems, ['media.audio.unknown-packet-type']);
    });
  }

  test('unknown FourCC, and a non-printable byte never fakes ".mp3"', () => {
    const u = decodeAudioHeader(exAudio({ packetType: 1, fourCc: 'alac', body: BODY }));
    assert.equal(u.codec, 'alac');
    assert.equal(u.fourCcHex, '616c6163');
    assert.deepEqual(u.problems, ['media.audio.unknown-fourcc']);
    const fake = decodeAudioHeader(concat([0x91], [0x00, 0x6d, 0x70, 0x33], BODY));
    assert.equal(fake.fourCc, '.mp3');
    assert.equal(fake.codec, '.mp3');
    assert.equal(fake.fourCcHex, '006d7033');
    assert.deepEqual(fake.problems, ['media.audio.unknown-fourcc']);
    const real = decodeAudioHeader(concat([0x91], [0x2e, 0x6d, 0x70, 0x33], BODY));
    assert.equal(real.codec, 'mp3');
  });

  test("the sample files' Opus SequenceStart (OpusHead)", () => {
    const p = concat([0x90], ascii('Opus'), ascii('OpusHead'), hex('0101380180bb0000000000'));
    const h = decodeAudioHeader(p);
    assert.equal(h.content, 'config');
    assert.equal(h.bodyLength, 19);
  });

  test('truncated FourCC', () => {
    const h = decodeAudioHeader(hex('904f70'));
    assert.equal(h.packetType, 0);
    assert.equal(h.codec, 'unknown');
    assert.deepEqual(h.problems, ['media.audio.truncated']);
  });
});

describe('E-RTMP audio MultichannelConfig', () => {
  test('Unspecified order', () => {
    const p = exAudio({ packetType: 4, fourCc: 'Opus', multichannel: { order: 0, channelCount: 6 } });
    const h = decodeAudioHeader(p);
    roundTrips(h);
    assert.equal(h.content, 'multichannel-config');
    assert.deepEqual(h.multichannel, { channelOrder: 0, channelOrderName: 'unspecified', channelCount: 6 });
    assert.equal(h.bodyOffset, 7);
    assert.equal(h.bodyLength, 0);
    assert.deepEqual(h.problems, []);
  });

  test('Native order with channel flags (5.1)', () => {
    const flags = 0x3f; // FL FR FC LFE1 BL BR
    const p = exAudio({ packetType: 4, fourCc: 'ac-3', multichannel: { order: 1, channelCount: 6, flags } });
    const h = decodeAudioHeader(p);
    roundTrips(h);
    assert.deepEqual(h.multichannel, { channelOrder: 1, channelOrderName: 'native', channelCount: 6, channelFlags: flags });
    assert.deepEqual(channelMaskNames(flags), ['FrontLeft', 'FrontRight', 'FrontCenter', 'LowFrequency1', 'BackLeft', 'BackRight']);
    assert.equal(h.bodyOffset, 11);
    assert.deepEqual(h.problems, []);
  });

  test('Native order with the top mask bit set stays an unsigned number', () => {
    const h = decodeAudioHeader(exAudio({ packetType: 4, fourCc: 'Opus', multichannel: { order: 1, channelCount: 1, flags: 0x80000004 } }));
    assert.equal(h.multichannel?.channelFlags, 0x80000004);
  });

  test("the sample files' MultichannelConfig: Opus, native, 1 channel, FrontCenter", () => {
    const h = decodeAudioHeader(hex('944f707573010100000004'));
    assert.deepEqual(h.multichannel, { channelOrder: 1, channelOrderName: 'native', channelCount: 1, channelFlags: 4 });
    assert.deepEqual(channelMaskNames(4), ['FrontCenter']);
  });

  test('Custom order with a channel mapping', () => {
    const mapping = [0, 1, 2, 3, 0xfe, 0xff];
    const h = decodeAudioHeader(exAudio({ packetType: 4, fourCc: 'fLaC', multichannel: { order: 2, channelCount: 6, mapping } }));
    roundTrips(h);
    assert.deepEqual(h.multichannel, { channelOrder: 2, channelOrderName: 'custom', channelCount: 6, channelMapping: mapping });
    assert.equal(h.bodyLength, 0);
    assert.deepEqual(h.problems, []);
  });

  test('Custom mapping cut short, native flags cut short, fields missing', () => {
    const c = decodeAudioHeader(concat([0x94], ascii('Opus'), [2, 4, 0, 1]));
    assert.deepEqual(c.multichannel?.channelMapping, [0, 1]);
    assert.deepEqual(c.problems, ['media.audio.truncated']);
    const n = decodeAudioHeader(concat([0x94], ascii('Opus'), [1, 2, 0, 0]));
    assert.equal(n.multichannel?.channelFlags, undefined);
    assert.deepEqual(n.problems, ['media.audio.truncated']);
    const m = decodeAudioHeader(concat([0x94], ascii('Opus'), [1]));
    assert.equal(m.multichannel, undefined);
    assert.deepEqual(m.problems, ['media.audio.truncated']);
  });

  test('reserved channel order', () => {
    const h = decodeAudioHeader(concat([0x94], ascii('Opus'), [3, 2, 9, 9]));
    assert.equal(h.multichannel?.channelOrderName, 'reserved');
    assert.equal(h.bodyOffset, 7);
    assert.deepEqual(h.problems, ['media.audio.unknown-channel-order']);
  });
});

describe('E-RTMP audio ModEx', () => {
  test('TimestampOffsetNano, UI8 size form', () => {
    const p = exAudio({ packetType: 1, fourCc: 'Opus', modEx: [nanoOffsetModEx(250_000)], body: BODY });
    assert.equal(Buffer.from(p.subarray(0, 6)).toString('hex'), '970203d09001');
    const h = decodeAudioHeader(p);
    roundTrips(h);
    assert.deepEqual(h.modEx, [{ type: 0, typeName: 'timestamp-offset-nano', nanoOffset: 250_000, dataLength: 3, dataHex: '03d090' }]);
    assert.equal(h.packetTypeName, 'coded-frames');
    assert.equal(h.codec, 'opus');
    assert.equal(bodyOf(p, h), 'c0ffee');
    assert.deepEqual(h.problems, []);
  });

  test('TimestampOffsetNano, UI16 size form', () => {
    const p = exAudio({ packetType: 1, fourCc: 'mp4a', modEx: [nanoOffsetModEx(1, { wide: true })], body: BODY });
    assert.equal(Buffer.from(p.subarray(0, 8)).toString('hex'), '97ff000200000101');
    const h = decodeAudioHeader(p);
    assert.equal(h.modEx?.[0]?.nanoOffset, 1);
    assert.equal(bodyOf(p, h), 'c0ffee');
    assert.deepEqual(h.problems, []);
  });

  test('nano offset over 999,999 ns is flagged but reported', () => {
    const h = decodeAudioHeader(exAudio({ packetType: 1, fourCc: 'mp4a', modEx: [nanoOffsetModEx(1_000_000)] }));
    assert.equal(h.modEx?.[0]?.nanoOffset, 1_000_000);
    assert.deepEqual(h.problems, ['media.audio.bad-nano-offset']);
  });

  test('ModEx then MultichannelConfig', () => {
    const h = decodeAudioHeader(exAudio({ packetType: 4, fourCc: 'Opus', modEx: [nanoOffsetModEx(9)], multichannel: { order: 0, channelCount: 2 } }));
    assert.equal(h.modEx?.[0]?.nanoOffset, 9);
    assert.equal(h.multichannel?.channelCount, 2);
  });

  test('ModEx cut short', () => {
    const h = decodeAudioHeader(hex('970203d0'));
    assert.equal(h.packetTypeName, 'mod-ex');
    assert.deepEqual(h.problems, ['media.audio.truncated']);
  });
});

describe('E-RTMP audio multitrack', () => {
  test('OneTrack', () => {
    const p = exAudio({ packetType: 1, fourCc: 'Opus', multitrack: { type: 0, tracks: [{ trackId: 2, body: BODY }] } });
    assert.equal(Buffer.from(p).toString('hex'), '9501' + '4f707573' + '02' + 'c0ffee');
    const h = decodeAudioHeader(p);
    roundTrips(h);
    assert.equal(h.packetTypeName, 'coded-frames');
    assert.equal(h.codec, 'opus');
    assert.deepEqual(h.multitrack, {
      type: 0,
      typeName: 'one-track',
      tracks: [{ trackId: 2, codec: 'opus', fourCc: 'Opus', bodyOffset: 7, bodyLength: 3 }],
    });
    assert.deepEqual(h.problems, []);
  });

  test('ManyTracks (languages)', () => {
    const p = exAudio({
      packetType: 1,
      fourCc: 'mp4a',
      multitrack: {
        type: 1,
        tracks: [
          { trackId: 0, body: hex('01') },
          { trackId: 1, body: hex('0202') },
        ],
      },
    });
    const h = decodeAudioHeader(p);
    roundTrips(h);
    assert.equal(h.codec, 'aac');
    assert.deepEqual(
      (h.multitrack?.tracks ?? []).map((t) => [t.trackId, t.codec, bodyOf(p, t)]),
      [
        [0, 'aac', '01'],
        [1, 'aac', '0202'],
      ],
    );
    assert.deepEqual(h.problems, []);
  });

  test('ManyTracksManyCodecs', () => {
    const p = exAudio({
      packetType: 0,
      multitrack: {
        type: 2,
        tracks: [
          { trackId: 0, fourCc: 'Opus', body: hex('aa') },
          { trackId: 1, fourCc: 'mp4a', body: hex('1210') },
        ],
      },
    });
    const h = decodeAudioHeader(p);
    roundTrips(h);
    assert.equal(h.codec, 'multiple');
    assert.equal(h.content, 'config');
    assert.deepEqual(
      (h.multitrack?.tracks ?? []).map((t) => [t.trackId, t.codec, bodyOf(p, t)]),
      [
        [0, 'opus', 'aa'],
        [1, 'aac', '1210'],
      ],
    );
    assert.deepEqual(h.problems, []);
  });

  test('MultichannelConfig per track', () => {
    const p = exAudio({
      packetType: 4,
      fourCc: 'Opus',
      multitrack: {
        type: 1,
        tracks: [
          { trackId: 0, multichannel: { order: 1, channelCount: 2, flags: 3 } },
          { trackId: 1, multichannel: { order: 2, channelCount: 2, mapping: [1, 0] } },
        ],
      },
    });
    const h = decodeAudioHeader(p);
    roundTrips(h);
    assert.equal(h.content, 'multichannel-config');
    assert.equal(h.multichannel, undefined);
    assert.deepEqual(
      h.multitrack?.tracks.map((t) => t.multichannel),
      [
        { channelOrder: 1, channelOrderName: 'native', channelCount: 2, channelFlags: 3 },
        { channelOrder: 2, channelOrderName: 'custom', channelCount: 2, channelMapping: [1, 0] },
      ],
    );
    assert.deepEqual(h.problems, []);
  });

  test('ModEx, then Multitrack', () => {
    const h = decodeAudioHeader(exAudio({ packetType: 1, fourCc: 'Opus', modEx: [nanoOffsetModEx(3)], multitrack: { type: 1, tracks: [{ trackId: 0, body: BODY }] } }));
    assert.equal(h.modEx?.[0]?.nanoOffset, 3);
    assert.equal(h.multitrack?.tracks.length, 1);
    assert.deepEqual(h.problems, []);
  });

  test('overrun, nested multitrack, reserved multitrack type', () => {
    const o = decodeAudioHeader(exAudio({ packetType: 1, fourCc: 'Opus', multitrack: { type: 1, tracks: [{ trackId: 0, body: BODY, sizeOverride: 99 }] } }));
    assert.deepEqual(o.problems, ['media.audio.track-overrun']);
    assert.equal(o.multitrack?.tracks[0]?.bodyLength, 3);
    const n = decodeAudioHeader(concat([0x95, 0x15], ascii('Opus')));
    assert.deepEqual(n.problems, ['media.audio.bad-multitrack-packet-type']);
    const r = decodeAudioHeader(concat([0x95, 0xf1], ascii('Opus'), [0]));
    assert.equal(r.multitrack?.typeName, 'reserved');
    assert.deepEqual(r.problems, ['media.audio.unknown-multitrack-type']);
  });

  test('every prefix of a multitrack message decodes without throwing', () => {
    const p = exAudio({
      packetType: 4,
      modEx: [nanoOffsetModEx(77)],
      multitrack: {
        type: 2,
        tracks: [
          { trackId: 0, fourCc: 'Opus', multichannel: { order: 2, channelCount: 3, mapping: [0, 1, 2] } },
          { trackId: 1, fourCc: 'ac-3', multichannel: { order: 1, channelCount: 6, flags: 0x3f } },
        ],
      },
    });
    const full = decodeAudioHeader(p);
    assert.deepEqual(full.problems, []);
    const t0 = full.multitrack?.tracks[0];
    const boundary = t0 === undefined ? -1 : t0.bodyOffset + t0.bodyLength;
    for (let i = 1; i < p.length; i++) {
      const h = decodeAudioHeader(p.subarray(0, i));
      roundTrips(h);
      assert.equal(h.bodyOffset + h.bodyLength, i);
      if (i === boundary) continue;
      assert.ok(h.problems.includes('media.audio.truncated') || h.problems.includes('media.audio.track-overrun'), `prefix ${i}: ${JSON.stringify(h.problems)}`);
    }
  });
});
