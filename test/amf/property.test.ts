import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { AMF_ERRORS, decodeAmf0Values, decodeAmf3Values, toPlain, type AmfDecodeResult, type PlainValue } from '../../src/amf/index.js';
import { amf0, amf3, concat, fromHex, type Amf0Intent, type Amf3Intent } from '../builders/amf-writer.js';
import { assertJsonClean } from './util.js';

const RUNS = 300;

/** Everything the decoders promise for any input. */
function checkResult(r: AmfDecodeResult, input: Uint8Array): void {
  assertJsonClean(r);
  if (r.error !== undefined) {
    assert.ok(r.error.code in AMF_ERRORS, r.error.code);
    assert.ok(r.error.offset >= 0 && r.error.offset <= input.length);
  }
  assert.ok(r.values.length <= input.length);
}

function decodeBoth(b: Uint8Array): void {
  checkResult(decodeAmf0Values(b), b);
  checkResult(decodeAmf3Values(b), b);
}

// A generator of values both encoders understand, with the plain JSON toPlain must produce.
type G = { t: 'num'; v: number } | { t: 'str'; v: string } | { t: 'bool'; v: boolean } | { t: 'null' } | { t: 'undef' } | { t: 'date'; ms: number } | { t: 'arr'; items: G[] } | { t: 'obj'; pairs: [string, G][] } | { t: 'ecma'; pairs: [string, G][] };

const key = fc.oneof(fc.constantFrom('__proto__', 'constructor', 'toString', '0', '10', '2', 'a', 'app', 'é✓'), fc.string({ unit: 'grapheme', minLength: 1, maxLength: 8 }));

const gen: fc.Arbitrary<G> = fc.letrec<{ g: G }>((tie) => ({
  g: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    fc.double().map((v): G => ({ t: 'num', v })),
    fc.constantFrom(-0, NaN, Infinity, -Infinity, 0).map((v): G => ({ t: 'num', v })),
    fc.integer({ min: -(2 ** 28), max: 2 ** 28 - 1 }).map((v): G => ({ t: 'num', v })),
    fc.string({ unit: 'grapheme', maxLength: 20 }).map((v): G => ({ t: 'str', v })),
    fc.boolean().map((v): G => ({ t: 'bool', v })),
    fc.constant<G>({ t: 'null' }),
    fc.constant<G>({ t: 'undef' }),
    fc.integer({ min: -8.64e15, max: 8.64e15 }).map((ms): G => ({ t: 'date', ms })),
    fc.array(tie('g'), { maxLength: 5 }).map((items): G => ({ t: 'arr', items })),
    fc.array(fc.tuple(key, tie('g')), { maxLength: 5 }).map((pairs): G => ({ t: 'obj', pairs })),
    fc.array(fc.tuple(key, tie('g')), { maxLength: 5 }).map((pairs): G => ({ t: 'ecma', pairs })),
  ),
})).g;

function to0(g: G): Amf0Intent {
  switch (g.t) {
    case 'num':
      return amf0.number(g.v);
    case 'str':
      return g.v;
    case 'bool':
      return g.v;
    case 'null':
      return null;
    case 'undef':
      return undefined;
    case 'date':
      return amf0.date(g.ms);
    case 'arr':
      return g.items.map(to0);
    case 'obj':
      return amf0.object(g.pairs.map(([k, v]) => [k, to0(v)] as const));
    case 'ecma':
      return amf0.ecma(g.pairs.map(([k, v]) => [k, to0(v)] as const));
  }
}

function to3(g: G): Amf3Intent {
  switch (g.t) {
    case 'num':
      return g.v;
    case 'str':
      return g.v;
    case 'bool':
      return g.v;
    case 'null':
      return null;
    case 'undef':
      return undefined;
    case 'date':
      return amf3.date(g.ms);
    case 'arr':
      return g.items.map(to3);
    case 'obj':
    case 'ecma':
      // An AMF3 dynamic member named '' would end the member list: the spec cannot express it.
      return amf3.object({ dynamic: g.pairs.filter(([k]) => k !== '').map(([k, v]) => [k, to3(v)] as const) });
  }
}

function plain(g: G, amf3Mode: boolean): PlainValue {
  switch (g.t) {
    case 'num':
      if (Number.isNaN(g.v)) return 'NaN';
      if (g.v === Infinity) return 'Infinity';
      if (g.v === -Infinity) return '-Infinity';
      return g.v === 0 ? 0 : g.v;
    case 'str':
    case 'bool':
      return g.v;
    case 'null':
    case 'undef':
      return null;
    case 'date':
      return new Date(g.ms).toISOString();
    case 'arr':
      return g.items.map((x) => plain(x, amf3Mode));
    case 'obj':
    case 'ecma': {
      const o: { [key: string]: PlainValue } = Object.create(null);
      for (const [k, v] of g.pairs) if (!(amf3Mode && k === '')) o[k] = plain(v, amf3Mode);
      return o;
    }
  }
}

describe('AMF property tests', () => {
  it('arbitrary bytes never throw and give JSON-clean results', () => {
    fc.assert(fc.property(fc.uint8Array({ maxLength: 600 }), decodeBoth), { numRuns: 2000 });
  });

  it('marker-dense bytes never throw and give JSON-clean results', () => {
    const byte = fc.oneof(fc.integer({ min: 0, max: 0x12 }), fc.constantFrom(0x00, 0x01, 0x03, 0x80, 0xff), fc.integer({ min: 0, max: 255 }));
    fc.assert(
      fc.property(fc.array(byte, { maxLength: 600 }), (a) => decodeBoth(new Uint8Array(a))),
      { numRuns: 2000 },
    );
  });

  it('mutated and truncated valid bodies never throw', () => {
    fc.assert(
      fc.property(fc.array(gen, { minLength: 1, maxLength: 4 }), fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { maxLength: 4 }), fc.nat(), (values, flips, cut) => {
        const body = amf0.encode([...values.map(to0), amf0.avmplus(to3(values[0]!))]);
        const b = body.slice();
        for (const [at, x] of flips) b[at % b.length] = x;
        decodeBoth(b);
        decodeBoth(b.subarray(0, cut % (b.length + 1)));
      }),
      { numRuns: RUNS },
    );
  });

  it('writer → AMF0 decoder → toPlain round trip', () => {
    fc.assert(
      fc.property(fc.array(gen, { maxLength: 4 }), (values) => {
        const r = decodeAmf0Values(amf0.encode(values.map(to0)));
        assert.equal(r.error, undefined);
        assertJsonClean(r);
        assert.deepStrictEqual(
          r.values.map(toPlain),
          values.map((g) => plain(g, false)),
        );
      }),
      { numRuns: RUNS },
    );
  });

  it('writer → AMF3 (behind AVM+ and bare) → toPlain round trip, with string and trait references', () => {
    fc.assert(
      fc.property(fc.array(gen, { maxLength: 4 }), fc.boolean(), (values, refs) => {
        const opts = { stringRefs: refs, traitRefs: refs };
        const viaAvm = decodeAmf0Values(
          amf0.encode(
            values.map((g) => amf0.avmplus(to3(g))),
            opts,
          ),
        );
        assert.equal(viaAvm.error, undefined);
        assertJsonClean(viaAvm);
        assert.deepStrictEqual(
          viaAvm.values.map(toPlain),
          values.map((g) => plain(g, true)),
        );
        const bare = decodeAmf3Values(amf3.encodeValues(values.map(to3), opts));
        assert.equal(bare.error, undefined);
        assert.deepStrictEqual(
          bare.values.map(toPlain),
          values.map((g) => plain(g, true)),
        );
      }),
      { numRuns: RUNS },
    );
  });

  it('adversarial fragments up to 256 KiB decode in bounded time', () => {
    const fragments = [
      '03 00 01 61', // AMF0 object opener
      '0a 00 00 00 ff', // strict array, big count
      '08 ff ff ff ff', // ECMA array, wrong count
      '07 00 00', // AMF0 reference 0
      '11 09 ff ff ff ff 01', // AVM+ array, huge dense count
      '11 06 00', // AVM+ string reference 0
      '11 0a 01', // AVM+ object, trait reference 0
      '11 0a 00', // AVM+ object reference 0
      '09 03 01', // AMF3 array opener
      '06 00', // AMF3 string reference 0
      '0c ff ff ff 7f', // long string / AMF3 byte array with a huge length
      '02 ff ff', // string longer than the rest
      '00 00 09',
    ].map(fromHex);
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: fragments.length - 1 }), { minLength: 1, maxLength: 30 }), fc.integer({ min: 1, max: 4000 }), (picks, times) => {
        const unit = concat(...picks.map((i) => fragments[i]!));
        const parts: Uint8Array[] = [amf0.encode([amf0.avmplus('x'.repeat(1000)), { a: 1 }])];
        for (let i = 0; i < times && unit.length * i < 256 * 1024; i++) parts.push(unit);
        const b = concat(...parts);
        // CPU time, not wall time: other test files run beside this one (and the machine may be shared).
        const t = process.cpuUsage();
        decodeBoth(b);
        const used = process.cpuUsage(t);
        const ms = (used.user + used.system) / 1000;
        assert.ok(ms < 500, `${ms} ms of CPU time for ${b.length} bytes`);
      }),
      { numRuns: 60 },
    );
  });
});
