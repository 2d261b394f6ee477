import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createAmfReader, decodeAmf3Value, decodeAmf3Values, getProp, toPlain, type AmfValue } from '../../src/amf/index.js';
import { amf3, concat, fromHex, toHex } from '../builders/amf-writer.js';
import { assertJsonClean, ok, one, repeat, timed } from './util.js';

const dec = (b: Uint8Array) => decodeAmf3Values(b);
const TRAITS_DYN = { sealed: 0, dynamic: true, externalizable: false };

describe('AMF3 U29 and integers', () => {
  const cases: [number, string][] = [
    [0, '00'],
    [0x7f, '7f'],
    [0x80, '81 00'],
    [0x3fff, 'ff 7f'],
    [0x4000, '81 80 00'],
    [0x1fffff, 'ff ff 7f'],
    [0x200000, '80 c0 80 00'],
    [0x0fffffff, 'bf ff ff ff'],
  ];
  for (const [n, hex] of cases) {
    it(`integer ${n} is ${hex}`, () => {
      const b = amf3.encode(n);
      assert.equal(toHex(b), '04' + hex.replace(/ /g, ''));
      assert.deepEqual(one(dec(b)), { type: 'integer', value: n });
    });
  }

  it('integers are signed 29-bit (4th byte uses all 8 bits)', () => {
    assert.deepEqual(one(dec(fromHex('04 ff ff ff ff'))), { type: 'integer', value: -1 });
    assert.deepEqual(one(dec(fromHex('04 c0 80 80 00'))), { type: 'integer', value: -(2 ** 28) });
    assert.deepEqual(one(dec(amf3.encode(-123456))), { type: 'integer', value: -123456 });
    // Out of 29-bit range: the writer falls back to a double.
    assert.deepEqual(one(dec(amf3.encode(2 ** 28))), { type: 'number', value: 2 ** 28 });
  });

  it('a U29 cut short is truncated', () => {
    for (const hex of ['04', '04 80', '04 80 80', '04 80 80 80']) {
      assert.equal(dec(fromHex(hex)).error?.code, 'amf.truncated', hex);
    }
  });
});

describe('AMF3 markers', () => {
  it('0x00 undefined, 0x01 null, 0x02 false, 0x03 true', () => {
    assert.deepEqual(ok(dec(fromHex('00 01 02 03'))), [{ type: 'undefined' }, { type: 'null' }, { type: 'boolean', value: false }, { type: 'boolean', value: true }]);
  });

  it('0x05 double, including NaN, ±Infinity, -0', () => {
    assert.deepEqual(ok(decodeAmf3Values(amf3.encodeValues([amf3.double(1.5), NaN, Infinity, -Infinity, -0]))), [
      { type: 'number', value: 1.5 },
      { type: 'number', value: null, special: 'NaN' },
      { type: 'number', value: null, special: 'Infinity' },
      { type: 'number', value: null, special: '-Infinity' },
      { type: 'number', value: 0, special: '-0' },
    ]);
  });

  it('0x06 string: inline, by reference, empty string never in the table', () => {
    // 'a' inline (table 0), '' (not added), 'b' inline (table 1), ref 1, ref 0.
    const b = fromHex('06 03 61  06 01  06 03 62  06 02  06 00');
    assert.deepEqual(
      ok(dec(b)).map((v) => (v as { value: string }).value),
      ['a', '', 'b', 'b', 'a'],
    );
    const w = amf3.encodeValues(['same', 'same', 'same']);
    assert.equal(toHex(w), '0609' + toHex(new TextEncoder().encode('same')) + '0600' + '0600');
    assert.equal(dec(fromHex('06 00')).error?.code, 'amf.bad-reference');
    assert.equal(dec(fromHex('06 03 61 06 02')).error?.code, 'amf.bad-reference');
  });

  it('0x07 XMLDocument and 0x0B XML (object table, not string table)', () => {
    const v = ok(dec(amf3.encodeValues([amf3.xmlDoc('<a/>'), amf3.xml('<b/>'), amf3.ref(1, 0x0b), 'x', amf3.stringRef(0)])));
    assert.deepEqual(v, [
      { type: 'xml', variant: 'xml-document', value: '<a/>' },
      { type: 'xml', variant: 'xml', value: '<b/>' },
      { type: 'reference', amf: 3, index: 1, target: { type: 'xml', cyclic: false } },
      { type: 'string', value: 'x' },
      { type: 'string', value: 'x' },
    ]);
  });

  it('0x08 date, inline and by reference', () => {
    assert.deepEqual(ok(dec(amf3.encodeValues([amf3.date(1700000000000), amf3.ref(0, 0x08)]))), [
      { type: 'date', ms: 1700000000000 },
      { type: 'reference', amf: 3, index: 0, target: { type: 'date', cyclic: false } },
    ]);
    assert.deepEqual(one(dec(amf3.encode(amf3.date(Infinity)))), { type: 'date', ms: null, special: 'Infinity' });
  });

  it('0x09 array: associative part then dense part', () => {
    const v = one(
      dec(
        amf3.encode(
          amf3.array(
            [1, 'two'],
            [
              ['k', true],
              ['__proto__', null],
            ],
          ),
        ),
      ),
    );
    assert.deepEqual(v, {
      type: 'array',
      declaredCount: 2,
      props: [
        { key: 'k', value: { type: 'boolean', value: true } },
        { key: '__proto__', value: { type: 'null' } },
      ],
      items: [
        { type: 'integer', value: 1 },
        { type: 'string', value: 'two' },
      ],
    });
    assert.deepEqual(one(dec(amf3.encode([]))), { type: 'array', declaredCount: 0, props: [], items: [] });
  });

  it('0x0A object: anonymous dynamic', () => {
    assert.deepEqual(one(dec(amf3.encode({ a: 1, b: 'x' }))), {
      type: 'object',
      traits: TRAITS_DYN,
      props: [
        { key: 'a', value: { type: 'integer', value: 1 } },
        { key: 'b', value: { type: 'string', value: 'x' } },
      ],
    });
  });

  it('0x0A object: typed, sealed + dynamic members, trait references', () => {
    const o = amf3.object({
      className: 'com.Foo',
      sealed: [
        ['x', 1],
        ['y', 2],
      ],
      dynamic: { z: 3 },
    });
    const o2 = amf3.object({
      className: 'com.Foo',
      sealed: [
        ['x', 4],
        ['y', 5],
      ],
      dynamic: {},
    });
    const b = amf3.encodeValues([o, o2]);
    const v = ok(dec(b));
    const traits = { sealed: 2, dynamic: true, externalizable: false };
    assert.deepEqual(v[0], {
      type: 'object',
      className: 'com.Foo',
      traits,
      props: [
        { key: 'x', value: { type: 'integer', value: 1 } },
        { key: 'y', value: { type: 'integer', value: 2 } },
        { key: 'z', value: { type: 'integer', value: 3 } },
      ],
    });
    assert.deepEqual(v[1], {
      type: 'object',
      className: 'com.Foo',
      traits,
      props: [
        { key: 'x', value: { type: 'integer', value: 4 } },
        { key: 'y', value: { type: 'integer', value: 5 } },
      ],
    });
    // The second object's header is a trait reference: 0x0a then U29 (0 << 2 | 1).
    assert.ok(toHex(b).includes('0a0104'), toHex(b));
    // Sealed, not dynamic.
    assert.deepEqual(one(dec(amf3.encode(amf3.object({ className: 'P', sealed: [['n', null]] })))), {
      type: 'object',
      className: 'P',
      traits: { sealed: 1, dynamic: false, externalizable: false },
      props: [{ key: 'n', value: { type: 'null' } }],
    });
    // Explicit trait reference, and a bad one.
    const t = amf3.encodeValues([amf3.object({ sealed: [['q', 1]] }), amf3.object({ traitRef: 0, sealed: [['', 2]] })]);
    assert.deepEqual(getProp(ok(dec(t))[1], 'q'), { type: 'integer', value: 2 });
    assert.equal(dec(amf3.encode(amf3.object({ traitRef: 3 }))).error?.code, 'amf.bad-reference');
  });

  it('0x0A externalizable: known flex collections decode their one wrapped value', () => {
    const v = one(dec(amf3.encode(amf3.external('flex.messaging.io.ArrayCollection', ['a', 'b']))));
    assert.deepEqual(v, {
      type: 'object',
      className: 'flex.messaging.io.ArrayCollection',
      traits: { sealed: 0, dynamic: false, externalizable: true },
      props: [],
      external: {
        type: 'array',
        declaredCount: 2,
        props: [],
        items: [
          { type: 'string', value: 'a' },
          { type: 'string', value: 'b' },
        ],
      },
    });
    assert.deepEqual(toPlain(v), ['a', 'b']);
    const p = one(dec(amf3.encode(amf3.external('flex.messaging.io.ObjectProxy', { code: 'ok' }))));
    assert.deepEqual(getProp(p, 'code'), { type: 'string', value: 'ok' });
    // By trait reference too.
    const two = ok(dec(amf3.encodeValues([amf3.external('mx.collections.ArrayCollection', [1]), amf3.external('mx.collections.ArrayCollection', [2])])));
    assert.deepEqual(toPlain(two[1]!), [2]);
  });

  it('0x0A externalizable of an unknown class stops with amf.externalizable, partial object kept', () => {
    const b = amf3.encodeValues(['first', amf3.externalRaw('DSK', fromHex('01 02 03')), 'never']);
    const r = dec(b);
    assert.equal(r.error?.code, 'amf.externalizable');
    assert.deepEqual(r.values, [
      { type: 'string', value: 'first' },
      {
        type: 'object',
        className: 'DSK',
        traits: { sealed: 0, dynamic: false, externalizable: true },
        props: [],
        incomplete: true,
      },
    ]);
  });

  it('0x0C ByteArray: length and a capped hex prefix', () => {
    const big = new Uint8Array(1000).map((_, i) => i & 0xff);
    assert.deepEqual(one(dec(amf3.encode(big))), { type: 'bytearray', length: 1000, prefixHex: toHex(big.subarray(0, 32)) });
    assert.deepEqual(one(decodeAmf3Values(amf3.encode(new Uint8Array([1, 2, 3])), { byteArrayPrefix: 2 })), {
      type: 'bytearray',
      length: 3,
      prefixHex: '0102',
    });
    assert.deepEqual(one(dec(amf3.encode(new Uint8Array(0)))), { type: 'bytearray', length: 0, prefixHex: '' });
    assert.equal(dec(fromHex('0c 09 01 02')).error?.code, 'amf.truncated');
  });

  it('0x0D/0x0E/0x0F vectors of int, uint, double with the fixed flag', () => {
    assert.deepEqual(ok(dec(amf3.encodeValues([amf3.vectorInt([-1, 2, -2147483648], true), amf3.vectorUint([0xffffffff, 0]), amf3.vectorDouble([0.5, NaN])]))), [
      { type: 'vector-int', fixed: true, declaredCount: 3, items: [-1, 2, -2147483648] },
      { type: 'vector-uint', fixed: false, declaredCount: 2, items: [0xffffffff, 0] },
      {
        type: 'vector-double',
        fixed: false,
        declaredCount: 2,
        items: [
          { type: 'number', value: 0.5 },
          { type: 'number', value: null, special: 'NaN' },
        ],
      },
    ]);
  });

  it('0x10 vector of objects with its type name', () => {
    assert.deepEqual(one(dec(amf3.encode(amf3.vectorObject('com.Foo', [{ a: 1 }, null], true)))), {
      type: 'vector-object',
      fixed: true,
      typeName: 'com.Foo',
      declaredCount: 2,
      items: [{ type: 'object', traits: TRAITS_DYN, props: [{ key: 'a', value: { type: 'integer', value: 1 } }] }, { type: 'null' }],
    });
  });

  it('0x11 dictionary with weak keys and non-string keys', () => {
    assert.deepEqual(
      one(
        dec(
          amf3.encode(
            amf3.dictionary(
              [
                ['k', 1],
                [{ o: true }, 'v'],
              ],
              true,
            ),
          ),
        ),
      ),
      {
        type: 'dictionary',
        weakKeys: true,
        declaredCount: 2,
        entries: [
          { key: { type: 'string', value: 'k' }, value: { type: 'integer', value: 1 } },
          {
            key: { type: 'object', traits: TRAITS_DYN, props: [{ key: 'o', value: { type: 'boolean', value: true } }] },
            value: { type: 'string', value: 'v' },
          },
        ],
      },
    );
  });

  it('unknown markers 0x12..0xFF', () => {
    for (const m of [0x12, 0x80, 0xff]) {
      const r = dec(new Uint8Array([0x01, m]));
      assert.deepEqual(r.values, [{ type: 'null' }]);
      assert.equal(r.error?.code, 'amf.unknown-marker');
      assert.equal(r.error?.offset, 1);
    }
  });
});

describe('AMF3 reference tables', () => {
  it('the object table counts every complex value in start order', () => {
    // 0 outer array, 1 date, 2 object, 3 bytearray, 4 vector, 5 dictionary, 6 xml.
    const b = amf3.encode([amf3.date(0), { a: 1 }, new Uint8Array([9]), amf3.vectorInt([1]), amf3.dictionary([]), amf3.xml('<x/>'), amf3.ref(0, 0x09), amf3.ref(1, 0x08), amf3.ref(2), amf3.ref(3, 0x0c), amf3.ref(4, 0x0d), amf3.ref(5, 0x11), amf3.ref(6, 0x0b)]);
    const items = (one(dec(b)) as unknown as { items: AmfValue[] }).items.slice(6);
    assert.deepEqual(
      items.map((v) => (v.type === 'reference' ? [v.index, v.target.type, v.target.cyclic] : v.type)),
      [
        [0, 'array', true],
        [1, 'date', false],
        [2, 'object', false],
        [3, 'bytearray', false],
        [4, 'vector-int', false],
        [5, 'dictionary', false],
        [6, 'xml', false],
      ],
    );
    assert.equal(dec(amf3.encode(amf3.ref(0))).error?.code, 'amf.bad-reference');
  });

  it('cycles and reference loops become reference nodes, never expanded', () => {
    // a = {b: {a: a, self: b}}, then a top-level reference to each.
    const b = amf3.encodeValues([amf3.object({ className: 'A', dynamic: { b: amf3.object({ dynamic: { a: amf3.ref(0), self: amf3.ref(1) } }) } }), amf3.ref(0), amf3.ref(1)]);
    const v = ok(dec(b));
    const inner = getProp(v[0], 'b');
    assert.deepEqual(getProp(inner, 'a'), { type: 'reference', amf: 3, index: 0, target: { type: 'object', className: 'A', cyclic: true } });
    assert.deepEqual(getProp(inner, 'self'), { type: 'reference', amf: 3, index: 1, target: { type: 'object', cyclic: true } });
    assert.deepEqual(v[1], { type: 'reference', amf: 3, index: 0, target: { type: 'object', className: 'A', cyclic: false } });
    assert.deepEqual(v[2], { type: 'reference', amf: 3, index: 1, target: { type: 'object', cyclic: false } });
  });

  it('a diamond of 1 000 references stays linear in size', () => {
    // Each array refers twice to the previous one: expanding would be 2^1000 values.
    const parts: Uint8Array[] = [amf3.encode([])];
    for (let i = 1; i < 1000; i++) parts.push(fromHex('09 05 01'), fromHex('09'), amf3.u29((i - 1) << 1), fromHex('09'), amf3.u29((i - 1) << 1));
    const v = ok(dec(concat(...parts)));
    assert.equal(v.length, 1000);
    assert.ok(JSON.stringify(v).length < 300_000);
  });

  it('string references are expanded but charged against maxTotalStringChars', () => {
    const long = 'x'.repeat(60_000);
    const body = concat(amf3.encode(long), repeat(fromHex('06 00'), 100_000));
    let r!: ReturnType<typeof dec>;
    const ms = timed(() => (r = dec(body)));
    assert.ok(ms < 500, `${ms} ms`);
    assert.equal(r.error?.code, 'amf.length-cap');
    assert.ok(r.values.length < 300);
  });

  it('a clipped string keeps fullBytes when referenced', () => {
    const v = ok(decodeAmf3Values(amf3.encodeValues(['abcdef', 'abcdef']), { maxStringBytes: 2 }));
    assert.deepEqual(v, [
      { type: 'string', value: 'ab', fullBytes: 6 },
      { type: 'string', value: 'ab', fullBytes: 6 },
    ]);
  });

  it('tables are per reader: a fresh reader does not see earlier strings', () => {
    const r1 = createAmfReader(amf3.encodeValues(['s', 's']));
    assert.deepEqual(decodeAmf3Value(r1), { type: 'string', value: 's' });
    assert.deepEqual(decodeAmf3Value(r1), { type: 'string', value: 's' });
    assert.equal(dec(fromHex('06 00')).error?.code, 'amf.bad-reference');
  });
});

describe('AMF3 caps', () => {
  for (const [name, unit] of [
    ['arrays', '09 03 01'],
    ['anonymous objects', '0a 0b 01 03 61'],
    ['object vectors', '10 03 00 01'],
    ['dictionaries', '11 03 00 01'],
  ] as const) {
    it(`nesting 100 000 ${name} deep stops at the depth cap quickly`, () => {
      const body = repeat(fromHex(unit), 100_000, fromHex('01'));
      let r!: ReturnType<typeof dec>;
      const ms = timed(() => (r = dec(body)));
      assert.ok(ms < 200, `${ms} ms`);
      assert.equal(r.error?.code, 'amf.depth-cap');
      assert.equal(r.values.length, 1);
      assert.equal((r.values[0] as { incomplete?: true }).incomplete, true);
      assertJsonClean(r);
    });
  }

  it('huge declared counts allocate nothing and end in truncation', () => {
    for (const hex of ['09 ff ff ff ff 01', '0d ff ff ff ff 00', '0f ff ff ff ff 01', '10 ff ff ff ff 00 01', '11 ff ff ff ff 00', '0c ff ff ff ff']) {
      let r!: ReturnType<typeof dec>;
      const ms = timed(() => (r = dec(fromHex(hex))));
      assert.ok(ms < 50, `${hex}: ${ms} ms`);
      assert.equal(r.error?.code, 'amf.truncated', hex);
      assertJsonClean(r);
    }
  });

  it('a traits header with 2^25 sealed names stops at the data end', () => {
    const r = dec(fromHex('0a ff ff ff f3 01 03 61'));
    assert.equal(r.error?.code, 'amf.truncated');
  });

  it('maxItems bounds vector items', () => {
    const r = decodeAmf3Values(amf3.encode(amf3.vectorInt([1, 2, 3, 4])), { maxItems: 3 });
    assert.equal(r.error?.code, 'amf.length-cap');
    assert.deepEqual((r.values[0] as unknown as { items: number[] }).items, [1, 2]);
  });

  it('truncated at every offset never throws and keeps partial trees', () => {
    const b = amf3.encodeValues([
      amf3.object({
        className: 'com.Msg',
        sealed: [
          ['id', 7],
          ['body', amf3.array(['x', 1.5], { k: amf3.vectorDouble([1, 2]) })],
        ],
        dynamic: { when: amf3.date(5), dict: amf3.dictionary([[1, 'one']]), bytes: new Uint8Array([1, 2, 3]) },
      }),
      amf3.ref(0),
    ]);
    const full = ok(dec(b));
    for (let i = 0; i < b.length; i++) {
      const r = dec(b.subarray(0, i));
      assertJsonClean(r);
      if (r.error === undefined) assert.deepEqual(r.values, full.slice(0, r.values.length));
      else assert.equal(r.error.code, 'amf.truncated', `offset ${i}`);
    }
  });
});
