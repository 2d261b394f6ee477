/** Random AMF0/AMF3 for the fuzzer: deep nesting, self references, trait references, huge counts and lengths. */
import { Rng, W, enc } from './fuzz-random.js';

// =============================================================================================
// Random AMF

const KEYS = [
  'app',
  'tcUrl',
  'flashVer',
  'objectEncoding',
  'code',
  'level',
  'description',
  'duration',
  'width',
  'height',
  'framerate',
  'videocodecid',
  'audiocodecid',
  'fourCcList',
  'videoFourCcInfoMap',
  'capsEx',
  '__proto__',
  'constructor',
  'toJSON',
  '',
  'a',
  '0',
  '1',
  '4294967295',
];
const STRINGS = [
  'connect',
  '_result',
  '_error',
  'createStream',
  'publish',
  'play',
  'releaseStream',
  'FCPublish',
  'FCUnpublish',
  'deleteStream',
  'onStatus',
  '@setDataFrame',
  'onMetaData',
  '|RtmpSampleAccess',
  'onBWDone',
  '_checkbw',
  'getStreamLength',
  'closeStream',
  'pause',
  'seek',
  'receiveAudio',
  'receiveVideo',
  'NetStream.Publish.Start',
  'NetConnection.Connect.Success',
  'live',
  'status',
  'error',
  'avc1',
  'hvc1',
  'av01',
  'mp4a',
];
const NUMBERS = [0, -0, 1, -1, 0.5, NaN, Infinity, -Infinity, 2 ** 53, -(2 ** 63), 5e-324, 1.7976931348623157e308, 4294967295, 1e21, 8.64e15, 8.64e15 + 1];
const EXTERNAL_CLASSES = ['flex.messaging.io.ArrayCollection', 'flex.messaging.io.ArrayList', 'flex.messaging.io.ObjectProxy', 'DSK', 'com.example.Private'];
export const HUGE_COUNTS = [0xffffffff, 0x7fffffff, 0x80000000, 0x10000000, 0xfffffff, 65536, 1_000_000];

type AmfCtx = { r: Rng; w: W; budget: number; objects3: number; strings3: number; traits3: number; complex0: number };

export function randomString(r: Rng): Uint8Array {
  switch (r.int(5)) {
    case 0:
      return enc.encode(r.pick(STRINGS));
    case 1:
      return enc.encode(r.pick(KEYS));
    case 2:
      return r.bytes(r.small(40)); // invalid UTF-8 often
    case 3:
      return enc.encode('é😀\u0000\u2028'.repeat(r.small(8)));
    default:
      return enc.encode('x'.repeat(r.small(300)));
  }
}

function amf0Key(c: AmfCtx): void {
  const k = randomString(c.r);
  c.w.u16(c.r.chance(0.03) ? c.r.pick([0xffff, k.length + 5]) : k.length);
  c.w.bytes(k);
}

function amf0Props(c: AmfCtx, depth: number): void {
  const n = c.r.small(6);
  for (let i = 0; i < n; i++) {
    amf0Key(c);
    amf0Value(c, depth + 1);
  }
  if (c.r.chance(0.9)) {
    c.w.u16(0);
    c.w.u8(9);
  }
}

/** One random AMF0 value (may be malformed). */
export function amf0Value(c: AmfCtx, depth: number): void {
  const { r, w } = c;
  c.budget--;
  const leaf = c.budget <= 0 || depth > 12;
  const m = leaf
    ? r.pick([0, 1, 2, 5, 6])
    : r.weighted<number>([
        [6, 0],
        [3, 1],
        [8, 2],
        [8, 3],
        [1, 4],
        [2, 5],
        [2, 6],
        [3, 7],
        [6, 8],
        [1, 9],
        [5, 10],
        [2, 11],
        [2, 12],
        [1, 13],
        [1, 14],
        [1, 15],
        [3, 16],
        [8, 17],
        [1, -1],
      ]);
  switch (m) {
    case 0:
      w.u8(0);
      w.f64(r.chance(0.5) ? r.pick(NUMBERS) : new DataView(r.bytes(8).buffer).getFloat64(0));
      return;
    case 1:
      w.u8(1);
      w.u8(r.chance(0.8) ? r.int(2) : r.int(256));
      return;
    case 2: {
      const s = randomString(r);
      w.u8(2);
      w.u16(r.chance(0.02) ? 0xffff : s.length);
      w.bytes(s);
      return;
    }
    case 3:
      c.complex0++;
      w.u8(3);
      amf0Props(c, depth);
      return;
    case 4:
    case 5:
    case 6:
    case 9:
    case 13:
    case 14:
      w.u8(m);
      return;
    case 7:
      w.u8(7);
      // Self and forward references (loops), valid ones and absurd ones.
      w.u16(r.pick([0, c.complex0, Math.max(0, c.complex0 - 1), c.complex0 + 1, 0xffff, r.int(c.complex0 + 2)]));
      return;
    case 8: {
      c.complex0++;
      w.u8(8);
      w.u32(r.chance(0.3) ? r.pick(HUGE_COUNTS) : r.small(8));
      amf0Props(c, depth);
      return;
    }
    case 10: {
      c.complex0++;
      const n = r.small(6);
      w.u8(10);
      w.u32(r.chance(0.2) ? r.pick(HUGE_COUNTS) : n);
      for (let i = 0; i < n; i++) amf0Value(c, depth + 1);
      return;
    }
    case 11:
      w.u8(11);
      w.f64(r.pick(NUMBERS));
      w.u16(r.int(65536));
      return;
    case 12:
    case 15: {
      const s = randomString(r);
      w.u8(m);
      w.u32(r.chance(0.1) ? r.pick(HUGE_COUNTS) : s.length);
      w.bytes(s);
      return;
    }
    case 16:
      c.complex0++;
      w.u8(16);
      amf0Key(c);
      amf0Props(c, depth);
      return;
    case 17:
      w.u8(0x11);
      amf3Value(c, depth + 1);
      return;
    default:
      w.u8(r.range(0x12, 0xff));
  }
}

function amf3String(c: AmfCtx): void {
  const { r, w } = c;
  if (c.strings3 > 0 && r.chance(0.3)) {
    w.u29(r.pick([0, c.strings3 - 1, c.strings3, r.int(c.strings3 + 3)]) << 1);
    return;
  }
  if (r.chance(0.03)) {
    w.u29(0x1fffffff); // 2^28−1 bytes claimed
    return;
  }
  const s = randomString(r);
  w.u29((s.length << 1) | 1);
  w.bytes(s);
  if (s.length > 0) c.strings3++;
}

function amf3Count(c: AmfCtx, real: number): number {
  return c.r.chance(0.1) ? c.r.pick([0x0fffffff, 0x0ffffff, 1_000_000, real + 1]) : real;
}

/** One random AMF3 value (may be malformed). */
export function amf3Value(c: AmfCtx, depth: number): void {
  const { r, w } = c;
  c.budget--;
  const leaf = c.budget <= 0 || depth > 12;
  const m = leaf
    ? r.pick([0, 1, 2, 3, 4, 5, 6])
    : r.weighted<number>([
        [1, 0],
        [2, 1],
        [1, 2],
        [1, 3],
        [4, 4],
        [3, 5],
        [8, 6],
        [1, 7],
        [2, 8],
        [8, 9],
        [12, 10],
        [1, 11],
        [2, 12],
        [1, 13],
        [1, 14],
        [1, 15],
        [2, 16],
        [2, 17],
        [1, -1],
      ]);
  if (m < 0) {
    w.u8(r.range(0x12, 0xff));
    return;
  }
  w.u8(m);
  switch (m) {
    case 4:
      w.u29(r.u32());
      return;
    case 5:
      w.f64(r.pick(NUMBERS));
      return;
    case 6:
      amf3String(c);
      return;
    case 7:
    case 11:
    case 12: {
      if (c.objects3 > 0 && r.chance(0.2)) {
        w.u29(r.int(c.objects3 + 2) << 1);
        return;
      }
      const b = r.chance(0.05) ? new Uint8Array(0) : randomString(r);
      w.u29(r.chance(0.05) ? 0x1fffffff : (b.length << 1) | 1);
      w.bytes(b);
      c.objects3++;
      return;
    }
    case 8:
      if (c.objects3 > 0 && r.chance(0.2)) {
        w.u29(r.int(c.objects3 + 2) << 1);
        return;
      }
      w.u29(1);
      w.f64(r.pick(NUMBERS));
      c.objects3++;
      return;
    case 9: {
      if (c.objects3 > 0 && r.chance(0.2)) {
        w.u29(r.int(c.objects3 + 2) << 1);
        return;
      }
      const self = c.objects3++;
      const n = r.small(5);
      w.u29((amf3Count(c, n) << 1) | 1);
      const assoc = r.small(3);
      for (let i = 0; i < assoc; i++) {
        amf3String(c);
        amf3Value(c, depth + 1);
      }
      w.u8(1);
      for (let i = 0; i < n; i++) {
        if (r.chance(0.1)) {
          w.u8(9);
          w.u29(self << 1); // the array contains itself
        } else amf3Value(c, depth + 1);
      }
      return;
    }
    case 10: {
      const form = r.int(10);
      if (form === 0 && c.objects3 > 0) {
        w.u29(r.pick([0, c.objects3 - 1, c.objects3, c.objects3 + 7]) << 1); // object reference
        return;
      }
      const self = c.objects3++;
      let sealed: number;
      let dynamic = true;
      if (form === 1 && c.traits3 > 0) {
        w.u29((r.pick([0, c.traits3 - 1, c.traits3, c.traits3 + 3]) << 2) | 1); // trait reference
        sealed = r.small(3);
      } else if (form === 2) {
        w.u29(7); // externalizable
        const cls = enc.encode(r.pick(EXTERNAL_CLASSES));
        w.u29((cls.length << 1) | 1);
        w.bytes(cls);
        c.strings3++;
        c.traits3++;
        amf3Value(c, depth + 1);
        return;
      } else {
        sealed = r.small(4);
        dynamic = r.chance(0.7);
        w.u29((amf3Count(c, sealed) << 4) | (dynamic ? 8 : 0) | 3);
        amf3String(c); // class name
        for (let i = 0; i < sealed; i++) amf3String(c);
        c.traits3++;
      }
      for (let i = 0; i < sealed; i++) amf3Value(c, depth + 1);
      if (dynamic) {
        const n = r.small(4);
        for (let i = 0; i < n; i++) {
          amf3String(c);
          if (r.chance(0.15)) {
            w.u8(10);
            w.u29(self << 1); // the object contains itself
          } else amf3Value(c, depth + 1);
        }
        w.u8(1);
      }
      return;
    }
    case 13:
    case 14:
    case 15:
    case 16: {
      const n = r.small(6);
      w.u29((amf3Count(c, n) << 1) | 1);
      w.u8(r.int(2));
      if (m === 16) amf3String(c);
      c.objects3++;
      for (let i = 0; i < n; i++) {
        if (m === 13 || m === 14) w.u32(r.u32());
        else if (m === 15) w.f64(r.pick(NUMBERS));
        else amf3Value(c, depth + 1);
      }
      return;
    }
    case 17: {
      const n = r.small(4);
      w.u29((amf3Count(c, n) << 1) | 1);
      w.u8(r.int(2));
      c.objects3++;
      for (let i = 0; i < 2 * n; i++) amf3Value(c, depth + 1);
      return;
    }
    default:
      return; // 0..3: marker only
  }
}

export function amfCtx(r: Rng, w: W): AmfCtx {
  return { r, w, budget: r.chance(0.05) ? 2000 : 60, objects3: 0, strings3: 0, traits3: 0, complex0: 0 };
}

/** Nesting `depth` levels deep, in one of several container forms. */
function deepAmf(w: W, depth: number, form: number): void {
  switch (form % 5) {
    case 0: // AMF0 objects: { a: { a: ... } }
      for (let i = 0; i < depth; i++) {
        w.u8(3);
        w.u16(1);
        w.u8(0x61);
      }
      w.u8(5);
      return;
    case 1: // AMF0 strict arrays
      for (let i = 0; i < depth; i++) {
        w.u8(10);
        w.u32(1);
      }
      w.u8(5);
      return;
    case 2: // AMF0 ECMA arrays
      for (let i = 0; i < depth; i++) {
        w.u8(8);
        w.u32(1);
        w.u16(1);
        w.u8(0x61);
      }
      w.u8(5);
      return;
    case 3: // AVM+ switch, then AMF3 dense arrays
      w.u8(0x11);
      for (let i = 0; i < depth; i++) {
        w.u8(9);
        w.u8(3);
        w.u8(1);
      }
      w.u8(1);
      return;
    default: // AVM+ switch, then AMF3 dynamic anonymous objects (trait reference after the first)
      w.u8(0x11);
      for (let i = 0; i < depth; i++) {
        w.u8(10);
        if (i === 0) {
          w.u8(0x0b);
          w.u8(1);
        } else w.u8(1);
        w.u8(3);
        w.u8(0x61);
      }
      w.u8(1);
  }
}

/** A random command/data body: a name, a transaction id, then values. */
export function amfBody(r: Rng, typeId: number): Uint8Array {
  const w = new W();
  if (typeId === 15 || typeId === 17) w.u8(r.chance(0.9) ? 0 : r.int(256));
  const c = amfCtx(r, w);
  if (r.chance(0.9)) {
    const name = enc.encode(r.pick(STRINGS));
    w.u8(2);
    w.u16(name.length);
    w.bytes(name);
  }
  if (typeId === 17 || typeId === 20) {
    w.u8(0);
    w.f64(r.chance(0.8) ? r.int(10) : r.pick(NUMBERS));
  }
  if (r.chance(0.03)) {
    deepAmf(w, r.chance(0.05) ? 100_000 : r.pick([63, 64, 65, 1000]), r.int(5));
    return w.done();
  }
  const n = r.small(6);
  for (let i = 0; i < n; i++) amf0Value(c, 0);
  return w.done();
}
