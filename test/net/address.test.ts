/**
 * Address text: dotted quads and RFC 5952 IPv6 (checked against cases from the RFC and against
 * the WHATWG URL serializer, which follows the same compression rules), and the memo caches.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { formatIPv4, formatIPv6 } from '../../src/net/address.js';
import { parseIPv6 } from '../builders/packets.js';

const v6 = (text: string): string => formatIPv6(parseIPv6(text), 0);

describe('IPv6 text (RFC 5952)', () => {
  const cases: [string, string][] = [
    ['0:0:0:0:0:0:0:1', '::1'],
    ['0:0:0:0:0:0:0:0', '::'],
    ['fe80:0:0:0:0:0:0:1', 'fe80::1'],
    ['1:0:0:0:0:0:0:0', '1::'],
    ['2001:db8:0:0:1:0:0:1', '2001:db8::1:0:0:1'], // tie: leftmost run
    ['2001:0:0:1:0:0:0:1', '2001:0:0:1::1'], // longest run wins
    ['2001:db8:0:1:1:1:1:1', '2001:db8:0:1:1:1:1:1'], // a single zero group is not compressed
    ['2001:0DB8:00AA:0000:0000:0000:0000:0BCD', '2001:db8:aa::bcd'], // lower case, no leading zeros
    ['1:2:3:4:5:6:7:8', '1:2:3:4:5:6:7:8'],
    ['0:0:1:0:0:0:0:0', '0:0:1::'],
    ['::ffff:192.0.2.1', '::ffff:192.0.2.1'], // IPv4-mapped: mixed notation
    ['::ffff:c000:0201', '::ffff:192.0.2.1'],
    ['::c000:201', '::c000:201'], // deprecated IPv4-compatible: plain hex
    ['::ffff:0:c000:201', '::ffff:0:c000:201'], // IPv4-translated: plain hex
    ['64:ff9b::c000:201', '64:ff9b::c000:201'],
  ];
  for (const [input, expected] of cases) {
    it(`${input} → ${expected}`, () => assert.equal(v6(input), expected));
  }

  it('formats at an offset inside a larger buffer', () => {
    const buf = new Uint8Array(24).fill(0xff);
    buf.set(parseIPv6('2001:db8::7'), 5);
    assert.equal(formatIPv6(buf, 5), '2001:db8::7');
  });

  it('agrees with the WHATWG URL serializer for non-mapped addresses', () => {
    // Bias groups towards zero so that runs and ties are common.
    const group = fc.oneof(fc.constant(0), fc.constant(0), fc.integer({ min: 0, max: 0xffff }));
    fc.assert(
      fc.property(fc.array(group, { minLength: 8, maxLength: 8 }), (groups) => {
        const bytes = new Uint8Array(16);
        groups.forEach((g, i) => {
          bytes[2 * i] = g >> 8;
          bytes[2 * i + 1] = g & 0xff;
        });
        const mapped = groups.slice(0, 5).every((g) => g === 0) && groups[5] === 0xffff;
        fc.pre(!mapped);
        const url = new URL(`http://[${groups.map((g) => g.toString(16)).join(':')}]/`).hostname;
        assert.equal(formatIPv6(bytes, 0), url.slice(1, -1));
      }),
      { numRuns: 3000 },
    );
  });

  it('stays correct when more addresses than the memo holds cycle through', () => {
    for (let round = 0; round < 3; round++) {
      for (let i = 1; i <= 40; i++) assert.equal(v6(`2001:db8::${i.toString(16)}`), `2001:db8::${i.toString(16)}`);
    }
  });
});

describe('IPv4 text', () => {
  it('dotted quad without leading zeros', () => {
    assert.equal(formatIPv4(Uint8Array.of(10, 0, 0, 1), 0), '10.0.0.1');
    assert.equal(formatIPv4(Uint8Array.of(9, 255, 255, 255, 0, 1), 1), '255.255.255.0');
    assert.equal(formatIPv4(Uint8Array.of(0, 0, 0, 0), 0), '0.0.0.0');
  });

  it('stays correct past the memo size', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 4, maxLength: 4 }), (b) => {
        assert.equal(formatIPv4(b, 0), Array.from(b).join('.'));
      }),
      { numRuns: 6000 },
    );
  });
});
