/** Realistic media and command bodies for the fuzzer (templates built once, mutated per input). */
import { amf0 } from './amf-writer.js';
import { concat } from './bytes.js';
import { aacRaw, aacSequenceHeader, ascii, avcNalu, exAudio, exVideo, legacyAudio, legacyVideo, nanoOffsetModEx } from './media-writer.js';
import { AAC_LC_ASC, AV1C_AOM, HVCC_320, X264_1080_SEQUENCE_HEADER, X264_320_SEQUENCE_HEADER } from '../analysis/fixtures.js';

import { Rng, W } from './fuzz-random.js';
import { HUGE_COUNTS, amf0Value, amfBody, amfCtx, randomString } from './fuzz-amf.js';

// =============================================================================================
// Media and realistic commands (templates built once, mutated per input)

function buildTemplates(): { video: Uint8Array[]; audio: Uint8Array[]; commands: Uint8Array[]; data: Uint8Array[] } {
  const frame = (n: number) => Uint8Array.from({ length: n }, (_, i) => (i * 37 + 11) & 0xff);
  const video = [
    X264_320_SEQUENCE_HEADER,
    X264_1080_SEQUENCE_HEADER,
    avcNalu(frame(200), { key: true }),
    avcNalu(frame(60), { key: false, compositionTime: 66 }),
    legacyVideo({ codecId: 7, packetType: 2 }),
    legacyVideo({ codecId: 2, body: frame(40) }),
    legacyVideo({ codecId: 4, body: frame(40) }),
    legacyVideo({ frameType: 5, codecId: 7, command: 0 }),
    legacyVideo({ codecId: 12, packetType: 0, body: HVCC_320 }),
    legacyVideo({ codecId: 13, packetType: 0, body: AV1C_AOM }),
    exVideo({ packetType: 0, fourCc: 'hvc1', body: HVCC_320 }),
    exVideo({ packetType: 0, fourCc: 'av01', body: AV1C_AOM }),
    exVideo({ packetType: 1, fourCc: 'hvc1', compositionTime: 33, body: frame(50) }),
    exVideo({ packetType: 3, fourCc: 'av01', body: frame(50) }),
    exVideo({ packetType: 4, fourCc: 'av01', body: amf0.encode(['colorInfo', { colorConfig: { bitDepth: 10, colorPrimaries: 9 } }]) }),
    exVideo({ packetType: 1, fourCc: 'avc1', modEx: [nanoOffsetModEx(500_000)], body: frame(30) }),
    exVideo({
      packetType: 1,
      fourCc: 'avc1',
      multitrack: {
        type: 1,
        tracks: [
          { trackId: 0, body: frame(20) },
          { trackId: 1, body: frame(20) },
        ],
      },
    }),
    exVideo({
      packetType: 0,
      multitrack: {
        type: 2,
        tracks: [
          { trackId: 0, fourCc: 'hvc1', body: HVCC_320 },
          { trackId: 1, fourCc: 'av01', body: AV1C_AOM, sizeOverride: 0xffffff },
        ],
      },
    }),
    exVideo({ packetType: 5, fourCc: 'avc1' }),
    exVideo({ frameType: 5, packetType: 1, command: 1 }),
  ];
  const audio = [
    aacSequenceHeader(AAC_LC_ASC),
    aacRaw(frame(100)),
    legacyAudio({ soundFormat: 2, body: frame(100) }),
    legacyAudio({ soundFormat: 11, body: frame(30) }),
    legacyAudio({ soundFormat: 10, aacPacketType: 0, body: new Uint8Array([0xf8, 0xff, 0xff]) }),
    exAudio({ packetType: 0, fourCc: 'Opus', body: ascii('OpusHead\u0001\u0002\u0038\u0001\u0080\u00bb\u0000\u0000\u0000\u0000\u0000') }),
    exAudio({ packetType: 0, fourCc: 'mp4a', body: AAC_LC_ASC }),
    exAudio({ packetType: 1, fourCc: 'fLaC', body: frame(40) }),
    exAudio({ packetType: 4, fourCc: 'Opus', multichannel: { order: 2, channelCount: 6, mapping: [0, 1, 2, 3, 4, 5] } }),
    exAudio({ packetType: 4, fourCc: 'mp4a', multichannel: { order: 1, channelCount: 2, flags: 3 } }),
    exAudio({
      packetType: 1,
      multitrack: {
        type: 2,
        tracks: [
          { trackId: 0, fourCc: 'mp4a', body: frame(10) },
          { trackId: 2, fourCc: 'Opus', body: frame(10), sizeOverride: 0x7fffff },
        ],
      },
    }),
    exAudio({ packetType: 1, fourCc: 'ac-3', modEx: [nanoOffsetModEx(1, { dataLength: 300 })], body: frame(10) }),
  ];
  const commands = [
    amf0.connectBody(),
    amf0.connectBody({ objectEncoding: 3 }),
    amf0.command('_result', 1, { fmsVer: 'FMS/3,0,1,123', capabilities: 31, fourCcList: ['hvc1'] }, { level: 'status', code: 'NetConnection.Connect.Success', objectEncoding: 0 }),
    amf0.command('releaseStream', 2, null, 'cam'),
    amf0.command('FCPublish', 3, null, 'cam'),
    amf0.command('createStream', 4, null),
    amf0.command('_result', 4, null, 1),
    amf0.command('publish', 5, null, 'cam', 'live'),
    amf0.command('play', 5, null, 'cam', -2000, -1, true),
    amf0.command('onStatus', 0, null, { level: 'status', code: 'NetStream.Publish.Start', description: 'ok' }),
    amf0.command('onStatus', 0, null, { level: 'error', code: 'NetStream.Publish.BadName', description: 'taken' }),
    amf0.command('_error', 1, null, { level: 'error', code: 'NetConnection.Connect.Rejected', description: '[ AccessManager.Reject ] : [ authmod=adobe ] : ?reason=needauth&user=u&salt=s&challenge=c' }),
    amf0.command('deleteStream', 6, null, 1),
    amf0.command('getStreamLength', 6, null, 'cam'),
  ];
  const data = [
    amf0.encode(['@setDataFrame', 'onMetaData', amf0.ecma({ duration: 0, width: 1280, height: 720, framerate: 30, videocodecid: 7, audiocodecid: 10, videodatarate: 2500, audiosamplerate: 44100 })]),
    amf0.encode(['onMetaData', { width: 320, height: 240, videocodecid: 'avc1' }]),
    amf0.encode(['|RtmpSampleAccess', false, false]),
  ];
  return { video, audio, commands, data };
}

let templates: ReturnType<typeof buildTemplates> | null = null;
export function tpl(): ReturnType<typeof buildTemplates> {
  return (templates ??= buildTemplates());
}

/** Flip, overwrite, cut or extend a copy of `b` (or return it unchanged). */
function mutateSmall(r: Rng, b: Uint8Array): Uint8Array {
  if (r.chance(0.4)) return b;
  let out = b.slice();
  const n = 1 + r.small(4);
  for (let i = 0; i < n; i++) {
    const op = r.int(5);
    if (op === 0 && out.length > 0) out[r.int(out.length)]! ^= 1 << r.int(8);
    else if (op === 1 && out.length > 0) out[r.int(out.length)] = r.pick([0, 0xff, 0x7f, 0x80, r.int(256)]);
    else if (op === 2) out = out.subarray(0, r.int(out.length + 1));
    else if (op === 3) {
      const x = new Uint8Array(out.length + 4);
      x.set(out);
      x.set(r.bytes(4), out.length);
      out = x;
    } else if (out.length >= 4) {
      const at = r.int(out.length - 3);
      new DataView(out.buffer, out.byteOffset).setUint32(at, r.pick([0xffffffff, 0x7fffffff, 0x00ffffff, 0]));
    }
  }
  return out;
}

/** A message body for `typeId`. */
export function messageBody(r: Rng, typeId: number): Uint8Array {
  const t = tpl();
  switch (typeId) {
    case 1: {
      const w = new W();
      w.u32(r.pick([1, 0, 0x7fffffff, 0x80000000, 0xffffffff, 128, 4096, 60000, 65537, 0x1000000, r.u32()]));
      return w.done();
    }
    case 2:
    case 3:
    case 5: {
      const w = new W();
      w.u32(r.chance(0.5) ? r.pick([0, 2, 3, 4, 64, 65599, 0xffffffff]) : r.u32());
      return r.chance(0.1) ? r.bytes(r.small(8)) : w.done();
    }
    case 4: {
      const w = new W();
      w.u16(r.chance(0.8) ? r.int(0x20) : r.int(65536));
      w.bytes(r.bytes(r.pick([0, 4, 8, 10, r.small(16)])));
      return w.done();
    }
    case 6: {
      const w = new W();
      w.u32(r.u32());
      w.u8(r.int(4));
      return r.chance(0.1) ? r.bytes(r.small(8)) : w.done();
    }
    case 8:
      return r.chance(0.8) ? mutateSmall(r, r.pick(t.audio)) : r.bytes(r.small(64));
    case 9:
      return r.chance(0.8) ? mutateSmall(r, r.pick(t.video)) : r.bytes(r.small(64));
    case 17:
    case 20:
      return r.chance(0.4) ? mutateSmall(r, typeId === 17 ? concat(...[Uint8Array.of(0), r.pick(t.commands)]) : r.pick(t.commands)) : amfBody(r, typeId);
    case 15:
    case 18:
      return r.chance(0.3) ? mutateSmall(r, typeId === 15 ? concat(...[Uint8Array.of(0), r.pick(t.data)]) : r.pick(t.data)) : amfBody(r, typeId);
    case 16:
    case 19: {
      const w = new W();
      if (typeId === 16) w.u8(0);
      const name = randomString(r);
      w.u16(name.length);
      w.bytes(name);
      w.u32(r.u32());
      w.u32(r.pick([0, 1, 2, r.u32()]));
      w.u32(0);
      const n = r.small(5);
      for (let i = 0; i < n; i++) {
        const ev = new W();
        const c = amfCtx(r, ev);
        const k = randomString(r);
        ev.u16(k.length);
        ev.bytes(k);
        const vals = r.small(3);
        for (let j = 0; j < vals; j++) amf0Value(c, 0);
        const b = ev.done();
        w.u8(r.chance(0.8) ? r.range(1, 11) : r.int(256));
        w.u32(r.chance(0.1) ? r.pick(HUGE_COUNTS) : b.length);
        w.bytes(b);
      }
      return w.done();
    }
    case 22: {
      const w = new W();
      const n = r.small(6);
      for (let i = 0; i < n; i++) {
        const tt = r.chance(0.8) ? r.pick([8, 9, 18]) : r.int(32);
        const b = tt === 8 || tt === 9 ? messageBody(r, tt) : r.bytes(r.small(40));
        w.u8(tt);
        w.u24(r.chance(0.1) ? 0xffffff : b.length);
        w.u24(r.u32());
        w.u8(r.int(256));
        w.u24(0);
        w.bytes(b);
        w.u32(r.chance(0.9) ? b.length + 11 : r.u32());
      }
      return r.chance(0.1) ? w.done().subarray(0, r.int(w.length + 1)) : w.done();
    }
    default:
      return r.bytes(r.small(100));
  }
}
