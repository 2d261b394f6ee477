import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createAmfReader, decodeAmf0Value, decodeAmf0Values, getProp, readAmf0Utf8, toPlain, type AmfValue } from '../../src/amf/index.js';
import { amf0, amf3, concat, fromHex } from '../builders/amf-writer.js';
import { assertJsonClean, bytes, ok, one, repeat, timed } from './util.js';

const dec = (b: Uint8Array) => decodeAmf0Values(b);

describe('AMF0 markers', () => {
  it('0x00 number, including values JSON cannot carry', () => {
    assert.deepEqual(one(dec(amf0.encode([3.5]))), { type: 'number', value: 3.5 });
    assert.deepEqual(one(dec(amf0.encode([-1e300]))), { type: 'number', value: -1e300 });
    assert.deepEqual(one(dec(amf0.encode([NaN]))), { type: 'number', value: null, special: 'NaN' });
    assert.deepEqual(one(dec(amf0.encode([Infinity]))), { type: 'number', value: null, special: 'Infinity' });
    assert.deepEqual(one(dec(amf0.encode([-Infinity]))), { type: 'number', value: null, special: '-Infinity' });
    assert.deepEqual(one(dec(amf0.encode([-0]))), { type: 'number', value: 0, special: '-0' });
    assert.deepEqual(one(dec(amf0.encode([0]))), { type: 'number', value: 0 });
    // A NaN with a payload is still NaN.
    assert.deepEqual(one(dec(fromHex('00 7f f8 00 00 00 00 00 01'))), { type: 'number', value: null, special: 'NaN' });
  });

  it('0x01 boolean (any non-zero byte is true)', () => {
    assert.deepEqual(ok(dec(fromHex('01 00 01 01 01 02'))), [
      { type: 'boolean', value: false },
      { type: 'boolean', value: true },
      { type: 'boolean', value: true },
    ]);
  });

  it('0x02 string: UTF-8, empty, invalid sequences replaced, BOM kept', () => {
    assert.deepEqual(one(dec(amf0.encode(['héllo ✓']))), { type: 'string', value: 'héllo ✓' });
    assert.deepEqual(one(dec(amf0.encode(['']))), { type: 'string', value: '' });
    assert.deepEqual(one(dec(fromHex('02 00 03 61 ff 62'))), { type: 'string', value: 'a\ufffdb' });
    assert.deepEqual(one(dec(fromHex('02 00 04 ef bb bf 61'))), { type: 'string', value: '\ufeffa' });
  });

  it('0x03 object: order, odd keys and duplicates kept as pairs', () => {
    const v = one(
      dec(
        amf0.encode([
          amf0.object([
            ['__proto__', 1],
            ['10', 'ten'],
            ['2', 'two'],
            ['constructor', null],
            ['a', 1],
            ['a', 2],
            ['', 'empty key'],
          ]),
        ]),
      ),
    );
    assert.deepEqual(v, {
      type: 'object',
      props: [
        { key: '__proto__', value: { type: 'number', value: 1 } },
        { key: '10', value: { type: 'string', value: 'ten' } },
        { key: '2', value: { type: 'string', value: 'two' } },
        { key: 'constructor', value: { type: 'null' } },
        { key: 'a', value: { type: 'number', value: 1 } },
        { key: 'a', value: { type: 'number', value: 2 } },
        { key: '', value: { type: 'string', value: 'empty key' } },
      ],
    });
    assert.deepEqual(getProp(v, 'a'), { type: 'number', value: 2 });
    assert.deepEqual(one(dec(amf0.encode([{}]))), { type: 'object', props: [] });
  });

  it('0x04 movieclip and 0x0E recordset are reserved: error, earlier values kept', () => {
    for (const m of [0x04, 0x0e]) {
      const r = dec(concat(amf0.encode(['before']), bytes(m, 0, 0)));
      assert.deepEqual(r.values, [{ type: 'string', value: 'before' }]);
      assert.equal(r.error?.code, 'amf.reserved-marker');
      assert.equal(r.error?.offset, 9);
    }
  });

  it('0x05 null, 0x06 undefined, 0x0D unsupported', () => {
    assert.deepEqual(ok(dec(fromHex('05 06 0d'))), [{ type: 'null' }, { type: 'undefined' }, { type: 'unsupported' }]);
  });

  it('0x07 reference: table of objects, typed objects, ECMA and strict arrays in start order', () => {
    const body = amf0.encode([
      { a: 1 }, // 0
      amf0.strict([amf0.ecma({ x: 2 })]), // 1 (strict), 2 (ecma)
      amf0.typed('com.example.Foo', { y: 3 }), // 3
      amf0.date(0), // dates are not in the table
      amf0.ref(0),
      amf0.ref(1),
      amf0.ref(2),
      amf0.ref(3),
    ]);
    const v = ok(dec(body));
    assert.deepEqual(v.slice(4), [
      { type: 'reference', amf: 0, index: 0, target: { type: 'object', cyclic: false } },
      { type: 'reference', amf: 0, index: 1, target: { type: 'strict-array', cyclic: false } },
      { type: 'reference', amf: 0, index: 2, target: { type: 'ecma-array', cyclic: false } },
      { type: 'reference', amf: 0, index: 3, target: { type: 'object', className: 'com.example.Foo', cyclic: false } },
    ]);
  });

  it('0x07 reference to an enclosing object is marked cyclic, not expanded', () => {
    const v = one(dec(amf0.encode([{ self: amf0.ref(0), child: { parent: amf0.ref(0), me: amf0.ref(1) } }])));
    assertJsonClean(v);
    const child = getProp(v, 'child');
    assert.deepEqual(getProp(v, 'self'), { type: 'reference', amf: 0, index: 0, target: { type: 'object', cyclic: true } });
    assert.deepEqual(getProp(child, 'me'), { type: 'reference', amf: 0, index: 1, target: { type: 'object', cyclic: true } });
  });

  it('0x07 reference out of range is amf.bad-reference', () => {
    const r = dec(amf0.encode([{ a: 1 }, amf0.ref(1)]));
    assert.equal(r.values.length, 1);
    assert.equal(r.error?.code, 'amf.bad-reference');
    assert.equal(dec(amf0.encode([amf0.ref(0)])).error?.code, 'amf.bad-reference');
  });

  it('0x08 ECMA array: the end marker decides, whatever the count says (SRS #852)', () => {
    for (const count of [0, 1, 2, 5, 0xffffffff]) {
      const v = one(dec(amf0.encode([amf0.ecma({ duration: 0, width: 1280 }, { count })])));
      assert.deepEqual(v, {
        type: 'ecma-array',
        declaredCount: count,
        props: [
          { key: 'duration', value: { type: 'number', value: 0 } },
          { key: 'width', value: { type: 'number', value: 1280 } },
        ],
      });
    }
    // The value after the array is found where the end marker says.
    const r = ok(dec(amf0.encode([amf0.ecma({}, { count: 0xffffffff }), 'next'])));
    assert.deepEqual(r[1], { type: 'string', value: 'next' });
  });

  it('0x08 ECMA array without its end marker: truncated, partial array kept', () => {
    const r = dec(amf0.encode(['onMetaData', amf0.ecma({ width: 1280 }, { end: false })]));
    assert.equal(r.error?.code, 'amf.truncated');
    assert.deepEqual(r.values[1], {
      type: 'ecma-array',
      declaredCount: 1,
      props: [{ key: 'width', value: { type: 'number', value: 1280 } }],
      incomplete: true,
    });
    assertJsonClean(r);
  });

  it('0x09 object-end where a value is expected is an error', () => {
    const r = dec(fromHex('05 00 00 09'));
    // 05 = null, then 00 = number needing 8 bytes: truncated. A bare 09 is the unexpected end.
    assert.equal(r.error?.code, 'amf.truncated');
    const r2 = dec(fromHex('05 09'));
    assert.deepEqual(r2.values, [{ type: 'null' }]);
    assert.equal(r2.error?.code, 'amf.unexpected-object-end');
    assert.equal(r2.error?.offset, 1);
  });

  it('0x0A strict array', () => {
    assert.deepEqual(one(dec(amf0.encode([[1, 'a', null]]))), {
      type: 'strict-array',
      declaredCount: 3,
      items: [{ type: 'number', value: 1 }, { type: 'string', value: 'a' }, { type: 'null' }],
    });
  });

  it('0x0A strict array with a huge count allocates nothing and stops at the data end', () => {
    const body = amf0.encode([amf0.strict([true, false], { count: 0xffffffff })]);
    let r!: ReturnType<typeof dec>;
    const ms = timed(() => (r = dec(body)));
    assert.ok(ms < 50, `${ms} ms`);
    assert.equal(r.error?.code, 'amf.truncated');
    assert.deepEqual(r.values, [
      {
        type: 'strict-array',
        declaredCount: 0xffffffff,
        items: [
          { type: 'boolean', value: true },
          { type: 'boolean', value: false },
        ],
        incomplete: true,
      },
    ]);
    assert.equal(dec(fromHex('0a ff ff ff ff')).error?.code, 'amf.truncated');
  });

  it('0x0B date with a time zone', () => {
    assert.deepEqual(one(dec(amf0.encode([amf0.date(1700000000123, -60)]))), {
      type: 'date',
      ms: 1700000000123,
      tzMinutes: -60,
    });
    assert.deepEqual(one(dec(amf0.encode([amf0.date(NaN)]))), { type: 'date', ms: null, special: 'NaN', tzMinutes: 0 });
  });

  it('0x0C long string', () => {
    const s = 'x'.repeat(70000);
    assert.deepEqual(one(dec(amf0.encode([s]))), { type: 'string', value: s.slice(0, 65536), fullBytes: 70000 });
    assert.deepEqual(one(decodeAmf0Values(amf0.encode([s]), { maxStringBytes: 1e6 })), { type: 'string', value: s });
    assert.deepEqual(one(dec(amf0.encode([amf0.longString('short')]))), { type: 'string', value: 'short' });
    // A length of 2^32-1 with nothing behind it: truncated, nothing allocated.
    const r = dec(fromHex('0c ff ff ff ff 61 62'));
    assert.equal(r.error?.code, 'amf.truncated');
    assert.equal(r.error?.offset, 5);
  });

  it('0x0F XML document', () => {
    assert.deepEqual(one(dec(amf0.encode([amf0.xml('<a b="c"/>')]))), {
      type: 'xml',
      variant: 'xml-document',
      value: '<a b="c"/>',
    });
  });

  it('0x10 typed object', () => {
    assert.deepEqual(one(dec(amf0.encode([amf0.typed('flex.Foo', [['x', 1]])]))), {
      type: 'object',
      className: 'flex.Foo',
      props: [{ key: 'x', value: { type: 'number', value: 1 } }],
    });
  });

  it('0x11 AVM+ switch: next value only is AMF3, tables shared across the message', () => {
    const body = amf0.encode([
      'cmd',
      amf0.avmplus({ app: 'live', flag: true }),
      'plain amf0',
      amf0.avmplus({ app: 'live' }), // second object: trait reference + string references
      amf0.avmplus(amf3.ref(0)),
    ]);
    const v = ok(dec(body));
    assert.deepEqual(v[0], { type: 'string', value: 'cmd' });
    assert.deepEqual(v[1], {
      type: 'object',
      traits: { sealed: 0, dynamic: true, externalizable: false },
      props: [
        { key: 'app', value: { type: 'string', value: 'live' } },
        { key: 'flag', value: { type: 'boolean', value: true } },
      ],
      avmplus: true,
    });
    assert.deepEqual(v[2], { type: 'string', value: 'plain amf0' });
    assert.deepEqual(v[3], {
      type: 'object',
      traits: { sealed: 0, dynamic: true, externalizable: false },
      props: [{ key: 'app', value: { type: 'string', value: 'live' } }],
      avmplus: true,
    });
    assert.deepEqual(v[4], { type: 'reference', amf: 3, index: 0, target: { type: 'object', cyclic: false }, avmplus: true });
    // The second object really used references (it is shorter than the first).
    assert.ok(body.length < 60, String(body.length));
    // AVM+ null does not corrupt the shared null singleton.
    const n = ok(dec(amf0.encode([amf0.avmplus(null), null])));
    assert.deepEqual(n, [{ type: 'null', avmplus: true }, { type: 'null' }]);
  });

  it('unknown markers 0x12..0xFF', () => {
    for (const m of [0x12, 0x7f, 0xff]) {
      const r = dec(concat(amf0.encode([1]), bytes(m)));
      assert.equal(r.values.length, 1);
      assert.deepEqual(r.error, { code: 'amf.unknown-marker', offset: 9, message: r.error?.message });
    }
  });
});

describe('AMF0 caps', () => {
  for (const [name, head, unit] of [
    ['objects', '', '03 00 01 61'],
    ['ECMA arrays', '', '08 00 00 00 01 00 01 61'],
    ['strict arrays', '', '0a 00 00 00 01'],
    ['typed objects', '', '10 00 01 43 00 01 61'],
    ['AVM+ AMF3 arrays', '11', '09 03 01'],
    ['AVM+ AMF3 objects', '11', '0a 0b 01 03 61'],
  ] as const) {
    it(`nesting 100 000 ${name} deep stops at the depth cap quickly`, () => {
      const body = concat(fromHex(head), repeat(fromHex(unit), 100_000, fromHex('05')));
      let r!: ReturnType<typeof dec>;
      const ms = timed(() => (r = dec(body)));
      assert.ok(ms < 200, `${ms} ms`);
      assert.equal(r.error?.code, 'amf.depth-cap');
      assert.equal(r.values.length, 1);
      // The partial tree is there, 64 containers deep, each marked incomplete.
      let depth = 0;
      let v: AmfValue | undefined = r.values[0];
      while (v !== undefined) {
        assert.equal((v as { incomplete?: true }).incomplete, true);
        depth++;
        v = v.type === 'strict-array' || v.type === 'array' ? v.items[0] : v.type === 'object' || v.type === 'ecma-array' ? v.props[0]?.value : undefined;
      }
      assert.equal(depth, 64);
      assertJsonClean(r);
    });
  }

  it('maxDepth is configurable; exactly maxDepth levels decode', () => {
    const nest = (n: number): unknown => (n === 0 ? 1 : { a: nest(n - 1) });
    const body = amf0.encode([nest(3) as never]);
    assert.equal(decodeAmf0Values(body, { maxDepth: 3 }).error, undefined);
    assert.equal(decodeAmf0Values(body, { maxDepth: 2 }).error?.code, 'amf.depth-cap');
  });

  it('maxItems stops a body of too many values', () => {
    const r = decodeAmf0Values(amf0.encode([[1, 2, 3, 4, 5]]), { maxItems: 4 });
    assert.equal(r.error?.code, 'amf.length-cap');
    assert.equal((r.values[0] as unknown as { items: unknown[] }).items.length, 3);
  });

  it('strings are clipped at maxStringBytes and counted against maxTotalStringChars', () => {
    const v = one(decodeAmf0Values(amf0.encode(['abcdef']), { maxStringBytes: 4 }));
    assert.deepEqual(v, { type: 'string', value: 'abcd', fullBytes: 6 });
    const x = one(decodeAmf0Values(amf0.encode([amf0.xml('<abcdef/>')]), { maxStringBytes: 3 }));
    assert.deepEqual(x, { type: 'xml', variant: 'xml-document', value: '<ab', fullBytes: 9 });
    const r = decodeAmf0Values(amf0.encode(['aaaa', 'bbbb', 'cccc']), { maxTotalStringChars: 10 });
    assert.equal(r.values.length, 2);
    assert.equal(r.error?.code, 'amf.length-cap');
  });
});

describe('AMF0 realistic bodies', () => {
  const connect = amf0.connectBody();

  it('decodes a realistic connect', () => {
    const v = ok(dec(connect));
    assert.equal(v.length, 3);
    const plain = toPlain(v[2]!) as Record<string, unknown>;
    assert.equal(plain['app'], 'live');
    assert.equal(plain['tcUrl'], 'rtmp://127.0.0.1:1935/live');
    assert.deepEqual(plain['fourCcList'], ['av01', 'vp09', 'hvc1']);
  });

  it('truncated at every offset: never throws, full prefix or partial result with amf.truncated', () => {
    const full = ok(dec(connect));
    for (let i = 0; i < connect.length; i++) {
      const r = dec(connect.subarray(0, i));
      assertJsonClean(r);
      if (r.error === undefined) {
        // Cut on a value boundary: a prefix of the full result.
        assert.deepEqual(r.values, full.slice(0, r.values.length), `offset ${i}`);
      } else {
        assert.equal(r.error.code, 'amf.truncated', `offset ${i}`);
        assert.ok(r.error.offset <= i);
        const n = r.values.length;
        assert.deepEqual(r.values.slice(0, Math.max(0, n - 1)), full.slice(0, Math.max(0, n - 1)));
        const last = r.values[n - 1];
        if (last !== undefined && last.type === 'object') {
          assert.equal(last.incomplete, true, `offset ${i}`);
          // Every complete property decoded so far matches the full command object.
          const fullProps = (full[2] as unknown as { props: unknown[] }).props;
          const props = last.props.filter((p) => !(p.value as { incomplete?: true }).incomplete);
          assert.deepEqual(props, fullProps.slice(0, props.length), `offset ${i}`);
        }
      }
    }
  });

  it('truncated at every offset of a body with AVM+ values', () => {
    const body = amf0.encode(['call', 0, null, amf0.avmplus({ list: [1, 'two', { three: 3 }], when: amf3.date(1e12) }), amf0.avmplus(amf3.external('flex.messaging.io.ArrayCollection', ['a', 'b']))]);
    ok(dec(body));
    for (let i = 0; i < body.length; i++) {
      const r = dec(body.subarray(0, i));
      assertJsonClean(r);
      if (r.error !== undefined) assert.equal(r.error.code, 'amf.truncated', `offset ${i}`);
    }
  });

  it('low-level reader: shared-object style framing with marker-less names', () => {
    const b = concat(amf0.utf8('so-name'), amf0.encode([42, 'x']));
    const r = createAmfReader(b);
    assert.equal(readAmf0Utf8(r), 'so-name');
    assert.deepEqual(decodeAmf0Value(r), { type: 'number', value: 42 });
    assert.deepEqual(decodeAmf0Value(r), { type: 'string', value: 'x' });
    assert.equal(r.remaining, 0);
    assert.equal(decodeAmf0Value(r), undefined);
    assert.equal(r.error?.code, 'amf.truncated');
    // Errors are sticky.
    assert.equal(readAmf0Utf8(r), undefined);
  });
});
