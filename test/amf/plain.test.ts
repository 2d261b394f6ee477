import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { asBoolean, asNumber, asString, decodeAmf0Values, decodeAmf3Values, getProp, propNumber, propString, toPlain } from '../../src/amf/index.js';
import { amf0, amf3 } from '../builders/amf-writer.js';
import { one } from './util.js';

/** A null-prototype object, as toPlain builds them. */
function obj(entries: [string, unknown][]): Record<string, unknown> {
  const o: Record<string, unknown> = Object.create(null);
  for (const [k, v] of entries) o[k] = v;
  return o;
}

describe('toPlain', () => {
  it('maps an AMF0 command to compact JSON with null-prototype objects', () => {
    const v = decodeAmf0Values(
      amf0.encode([
        '_result',
        1,
        amf0.object([
          ['__proto__', 'p'],
          ['a', 1],
          ['a', 2],
        ]),
        [NaN, Infinity, -Infinity, -0, null, undefined, amf0.unsupported()],
        amf0.ecma({ x: true }, { count: 99 }),
        amf0.date(0, 120),
        amf0.xml('<x/>'),
        amf0.ref(0),
      ]),
    ).values;
    const p = v.map(toPlain);
    assert.deepEqual(p.slice(0, 2), ['_result', 1]);
    assert.deepStrictEqual(
      p[2],
      obj([
        ['__proto__', 'p'],
        ['a', 2],
      ]),
    );
    assert.equal(Object.getPrototypeOf(p[2]), null);
    assert.deepStrictEqual(p[3], ['NaN', 'Infinity', '-Infinity', 0, null, null, null]);
    assert.deepStrictEqual(p[4], obj([['x', true]]));
    assert.equal(p[5], '1970-01-01T00:00:00.000Z');
    assert.equal(p[6], '<x/>');
    assert.deepStrictEqual(p[7], obj([['$ref', 0]]));
    assert.equal(JSON.stringify(p[2]), '{"__proto__":"p","a":2}');
  });

  it('maps AMF3 values', () => {
    const v = decodeAmf3Values(
      amf3.encodeValues([amf3.array([1, 2], { k: 'v' }), amf3.vectorInt([-1]), amf3.vectorDouble([NaN, 2]), amf3.vectorObject('*', ['s']), amf3.dictionary([[{ o: 1 }, 'x']]), new Uint8Array([0xab, 0xcd]), amf3.date(NaN), amf3.date(8.64e15 + 1)]),
    ).values;
    const p = v.map(toPlain);
    assert.deepStrictEqual(
      p[0],
      obj([
        ['0', 1],
        ['1', 2],
        ['k', 'v'],
      ]),
    );
    assert.deepStrictEqual(p[1], [-1]);
    assert.deepStrictEqual(p[2], ['NaN', 2]);
    assert.deepStrictEqual(p[3], ['s']);
    assert.deepStrictEqual(p[4], [[obj([['o', 1]]), 'x']]);
    assert.deepStrictEqual(
      p[5],
      obj([
        ['$bytes', 2],
        ['$hex', 'abcd'],
      ]),
    );
    assert.equal(p[6], null);
    assert.equal(p[7], null);
  });
});

describe('getProp and friends', () => {
  const cmd = one(
    decodeAmf0Values(
      amf0.encode([
        {
          app: 'live',
          objectEncoding: 3,
          fpad: false,
          nested: amf0.avmplus(amf3.object({ dynamic: { n: 5 } })),
        },
      ]),
    ),
  );

  it('finds properties of objects, ECMA arrays and AMF3 arrays', () => {
    assert.equal(propString(cmd, 'app'), 'live');
    assert.equal(propNumber(cmd, 'objectEncoding'), 3);
    assert.equal(asBoolean(getProp(cmd, 'fpad')), false);
    assert.equal(propNumber(getProp(cmd, 'nested'), 'n'), 5);
    assert.equal(getProp(cmd, 'missing'), undefined);
    assert.equal(getProp(undefined, 'x'), undefined);
    assert.equal(getProp({ type: 'null' }, 'x'), undefined);
    assert.equal(propString(cmd, 'objectEncoding'), undefined);
    const e = one(decodeAmf0Values(amf0.encode([amf0.ecma({ duration: 12.5 })])));
    assert.equal(propNumber(e, 'duration'), 12.5);
    const a = one(decodeAmf3Values(amf3.encode(amf3.array([], { k: 'v' }))));
    assert.equal(propString(a, 'k'), 'v');
  });

  it('asNumber restores the special doubles', () => {
    assert.ok(Number.isNaN(asNumber({ type: 'number', value: null, special: 'NaN' })));
    assert.equal(asNumber({ type: 'number', value: null, special: '-Infinity' }), -Infinity);
    assert.ok(Object.is(asNumber({ type: 'number', value: 0, special: '-0' }), -0));
    assert.equal(asNumber({ type: 'integer', value: -3 }), -3);
    assert.equal(asNumber({ type: 'string', value: '3' }), undefined);
    assert.equal(asString({ type: 'string', value: 's' }), 's');
  });
});
