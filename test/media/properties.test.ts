/**
 * Property tests for the media decoders: arbitrary bytes never throw, results are plain JSON with
 * in-range byte ranges and catalogued problem codes; E-RTMP messages built from random intent
 * decode back to that intent.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { decodeVideoHeader, VIDEO_HEADER_KEYS, VIDEO_TRACK_KEYS } from '../../src/media/video.js';
import { AUDIO_HEADER_KEYS, AUDIO_TRACK_KEYS, decodeAudioHeader } from '../../src/media/audio.js';
import { decodeAacConfig, decodeAv1Config, decodeAvcConfig, decodeFlacConfig, decodeH264Sps, decodeHevcConfig, decodeOpusConfig } from '../../src/media/config.js';
import { MEDIA_PROBLEMS } from '../../src/media/problems.js';
import { exAudio, exVideo, type ModExIntent } from '../builders/media-writer.js';

type Ranged = { readonly bodyOffset: number; readonly bodyLength: number };

function checkRange(r: Ranged, n: number): void {
  assert.ok(Number.isInteger(r.bodyOffset) && Number.isInteger(r.bodyLength));
  assert.ok(r.bodyOffset >= 0 && r.bodyLength >= 0 && r.bodyOffset + r.bodyLength <= n);
}

/** The object's own keys appear in the documented order. */
function checkKeyOrder(o: object, order: readonly string[]): void {
  const keys = Object.keys(o);
  const positions = keys.map((k) => order.indexOf(k));
  assert.ok(
    positions.every((p) => p >= 0),
    `unexpected key in ${keys.join(',')}`,
  );
  assert.deepEqual(
    positions,
    [...positions].sort((a, b) => a - b),
    keys.join(','),
  );
}

function checkResult(h: Ranged & { problems: readonly string[]; multitrack?: { tracks: readonly Ranged[] } }, n: number, keys: readonly string[], trackKeys: readonly string[]): void {
  assert.deepEqual(JSON.parse(JSON.stringify(h)), h);
  checkKeyOrder(h, keys);
  for (const t of h.multitrack?.tracks ?? []) checkKeyOrder(t, trackKeys);
  checkRange(h, n);
  assert.equal(h.bodyOffset + h.bodyLength, n);
  for (const t of h.multitrack?.tracks ?? []) checkRange(t, n);
  for (const p of h.problems) assert.ok(p in MEDIA_PROBLEMS, p);
  assert.equal(new Set(h.problems).size, h.problems.length);
}

// Bytes biased towards the interesting first-byte values (ExHeader, ModEx, Multitrack).
const payload = fc.oneof(
  fc.uint8Array({ maxLength: 64 }),
  fc.tuple(fc.constantFrom(0x17, 0x27, 0x57, 0x1c, 0x90, 0x91, 0x94, 0x95, 0x96, 0x97, 0xaf, 0xd4, 0xd1), fc.uint8Array({ maxLength: 64 })).map(([b, rest]) => Uint8Array.of(b, ...rest)),
);

test('video: arbitrary bytes never throw and give plain JSON', () => {
  fc.assert(
    fc.property(payload, (p) => {
      checkResult(decodeVideoHeader(p), p.length, VIDEO_HEADER_KEYS, VIDEO_TRACK_KEYS);
    }),
    { numRuns: 3000 },
  );
});

test('audio: arbitrary bytes never throw and give plain JSON', () => {
  fc.assert(
    fc.property(payload, (p) => {
      checkResult(decodeAudioHeader(p), p.length, AUDIO_HEADER_KEYS, AUDIO_TRACK_KEYS);
    }),
    { numRuns: 3000 },
  );
});

test('config decoders: arbitrary bytes never throw and give plain JSON', () => {
  const decoders = [decodeAvcConfig, decodeH264Sps, decodeHevcConfig, decodeAv1Config, decodeAacConfig, decodeOpusConfig, decodeFlacConfig];
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 96 }), fc.nat({ max: decoders.length - 1 }), (b, i) => {
      const r = decoders[i]?.(b);
      assert.ok(r !== undefined);
      assert.deepEqual(JSON.parse(JSON.stringify(r)), r);
      for (const p of r.problems) assert.ok(p in MEDIA_PROBLEMS, p);
    }),
    { numRuns: 3000 },
  );
});

const modExArb: fc.Arbitrary<ModExIntent[]> = fc.array(
  fc.record({
    type: fc.constant(0),
    data: fc.integer({ min: 0, max: 999_999 }).map((ns) => Uint8Array.of(ns >> 16, (ns >> 8) & 0xff, ns & 0xff)),
    wide: fc.boolean(),
  }),
  { maxLength: 3 },
);

const VIDEO_FOURCCS = ['avc1', 'hvc1', 'av01', 'vp08', 'vp09', 'vvc1'] as const;
const VIDEO_CODEC: Record<string, string> = { avc1: 'avc', hvc1: 'hevc', av01: 'av1', vp08: 'vp8', vp09: 'vp9', vvc1: 'vvc' };
const CTS = new Set(['avc1', 'hvc1', 'vvc1']);

test('video: E-RTMP messages built from random intent decode back to it', () => {
  const track = fc.record({
    trackId: fc.integer({ min: 0, max: 255 }),
    fourCc: fc.constantFrom(...VIDEO_FOURCCS),
    compositionTime: fc.integer({ min: -0x800000, max: 0x7fffff }),
    body: fc.uint8Array({ maxLength: 12 }),
  });
  const intent = fc.record({
    frameType: fc.integer({ min: 1, max: 4 }),
    packetType: fc.integer({ min: 0, max: 5 }),
    fourCc: fc.constantFrom(...VIDEO_FOURCCS),
    compositionTime: fc.integer({ min: -0x800000, max: 0x7fffff }),
    modEx: modExArb,
    body: fc.uint8Array({ maxLength: 12 }),
    multitrack: fc.option(
      fc.record({
        type: fc.integer({ min: 0, max: 2 }),
        tracks: fc.uniqueArray(track, { minLength: 1, maxLength: 4, selector: (t) => t.trackId }),
      }),
      { nil: undefined },
    ),
  });
  fc.assert(
    fc.property(intent, (v) => {
      const mt = v.multitrack === undefined ? undefined : { type: v.multitrack.type, tracks: v.multitrack.type === 0 ? v.multitrack.tracks.slice(0, 1) : v.multitrack.tracks };
      const p = exVideo({ ...v, multitrack: mt });
      const h = decodeVideoHeader(p);
      checkResult(h, p.length, VIDEO_HEADER_KEYS, VIDEO_TRACK_KEYS);
      assert.deepEqual(h.problems, []);
      assert.equal(h.ex, true);
      assert.equal(h.frameType, v.frameType);
      assert.equal(h.packetType, v.packetType);
      assert.deepEqual(
        (h.modEx ?? []).map((m) => m.nanoOffset),
        v.modEx.map((m) => ((m.data[0] ?? 0) << 16) | ((m.data[1] ?? 0) << 8) | (m.data[2] ?? 0)),
      );
      if (mt === undefined) {
        assert.equal(h.codec, VIDEO_CODEC[v.fourCc]);
        assert.equal(h.compositionTime, v.packetType === 1 && CTS.has(v.fourCc) ? v.compositionTime : undefined);
        assert.deepEqual(p.subarray(h.bodyOffset, h.bodyOffset + h.bodyLength), v.body);
      } else {
        assert.equal(h.multitrack?.type, mt.type);
        const got = h.multitrack?.tracks ?? [];
        assert.equal(got.length, mt.tracks.length);
        mt.tracks.forEach((t, i) => {
          const g = got[i];
          assert.ok(g !== undefined);
          const f = mt.type === 2 ? t.fourCc : v.fourCc;
          assert.equal(g.trackId, t.trackId);
          assert.equal(g.codec, VIDEO_CODEC[f]);
          assert.equal(g.compositionTime, v.packetType === 1 && CTS.has(f) ? t.compositionTime : undefined);
          assert.deepEqual(p.subarray(g.bodyOffset, g.bodyOffset + g.bodyLength), t.body);
        });
      }
    }),
    { numRuns: 1500 },
  );
});

const AUDIO_FOURCCS = ['mp4a', 'Opus', 'fLaC', 'ac-3', 'ec-3', '.mp3'] as const;
const AUDIO_CODEC: Record<string, string> = { mp4a: 'aac', Opus: 'opus', fLaC: 'flac', 'ac-3': 'ac3', 'ec-3': 'eac3', '.mp3': 'mp3' };

test('audio: E-RTMP messages built from random intent decode back to it', () => {
  const multichannel = fc.oneof(
    fc.record({ order: fc.constant(0), channelCount: fc.integer({ min: 0, max: 255 }) }),
    fc.record({ order: fc.constant(1), channelCount: fc.integer({ min: 0, max: 255 }), flags: fc.integer({ min: 0, max: 0xffffffff }) }),
    fc.array(fc.integer({ min: 0, max: 255 }), { maxLength: 8 }).map((mapping) => ({ order: 2, channelCount: mapping.length, mapping })),
  );
  const track = fc.record({
    trackId: fc.integer({ min: 0, max: 255 }),
    fourCc: fc.constantFrom(...AUDIO_FOURCCS),
    multichannel,
    body: fc.uint8Array({ maxLength: 12 }),
  });
  const intent = fc.record({
    packetType: fc.constantFrom(0, 1, 2, 4),
    fourCc: fc.constantFrom(...AUDIO_FOURCCS),
    multichannel,
    modEx: modExArb,
    body: fc.uint8Array({ maxLength: 12 }),
    multitrack: fc.option(
      fc.record({
        type: fc.integer({ min: 0, max: 2 }),
        tracks: fc.uniqueArray(track, { minLength: 1, maxLength: 4, selector: (t) => t.trackId }),
      }),
      { nil: undefined },
    ),
  });
  fc.assert(
    fc.property(intent, (a) => {
      const isMc = a.packetType === 4;
      const mt =
        a.multitrack === undefined
          ? undefined
          : {
              type: a.multitrack.type,
              tracks: (a.multitrack.type === 0 ? a.multitrack.tracks.slice(0, 1) : a.multitrack.tracks).map((t) => (isMc ? t : { ...t, multichannel: undefined })),
            };
      const p = exAudio({ ...a, multichannel: isMc ? a.multichannel : undefined, multitrack: mt });
      const h = decodeAudioHeader(p);
      checkResult(h, p.length, AUDIO_HEADER_KEYS, AUDIO_TRACK_KEYS);
      assert.deepEqual(h.problems, []);
      assert.equal(h.packetType, a.packetType);
      assert.equal(h.modEx?.length ?? 0, a.modEx.length);
      const mcOut = (m: typeof a.multichannel): unknown => ({
        channelOrder: m.order,
        channelOrderName: ['unspecified', 'native', 'custom'][m.order],
        channelCount: m.channelCount,
        ...('flags' in m ? { channelFlags: m.flags } : {}),
        ...('mapping' in m ? { channelMapping: m.mapping } : {}),
      });
      if (mt === undefined) {
        assert.equal(h.codec, AUDIO_CODEC[a.fourCc]);
        if (isMc) assert.deepEqual(h.multichannel, mcOut(a.multichannel));
        assert.deepEqual(p.subarray(h.bodyOffset, h.bodyOffset + h.bodyLength), a.body);
      } else {
        const got = h.multitrack?.tracks ?? [];
        assert.equal(got.length, mt.tracks.length);
        mt.tracks.forEach((t, i) => {
          const g = got[i];
          assert.ok(g !== undefined);
          assert.equal(g.trackId, t.trackId);
          assert.equal(g.codec, AUDIO_CODEC[mt.type === 2 ? t.fourCc : a.fourCc]);
          if (t.multichannel !== undefined) assert.deepEqual(g.multichannel, mcOut(t.multichannel));
          assert.deepEqual(p.subarray(g.bodyOffset, g.bodyOffset + g.bodyLength), t.body);
        });
      }
    }),
    { numRuns: 1500 },
  );
});
