/**
 * Property tests for the capture decoder: arbitrary bytes after a valid header never throw and
 * always terminate; any chunking gives the same events; random well-formed files decode back to
 * the records they were written from; pcapng time conversion agrees with a BigInt reference.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { LINKTYPE } from '../../src/capture/types.js';
import { resolutionFromOption, unitsToTime } from '../../src/capture/timestamp.js';
import { concat, writePcap, writePcapng } from '../builders/pcap.js';
import type { PcapngPacketSpec, PcapngSectionSpec } from '../builders/pcap.js';
import { splitAt } from '../builders/splits.js';
import { records, runDecoder } from './run.js';

const pcapHeader = (nanosecond: boolean, bigEndian: boolean): Uint8Array => writePcap([], { linkType: LINKTYPE.ETHERNET, nanosecond, bigEndian });
const pcapngHeader = (bigEndian: boolean): Uint8Array => writePcapng([{ bigEndian, interfaces: [{ linkType: LINKTYPE.ETHERNET }, { linkType: LINKTYPE.RAW, tsresol: 9 }], packets: [] }]);

/** Split points for an input of length n. */
const cuts = (n: number) => fc.array(fc.integer({ min: 0, max: n }), { maxLength: 12 });

const header = fc.oneof(
  fc.tuple(fc.boolean(), fc.boolean()).map(([ns, be]) => pcapHeader(ns, be)),
  fc.boolean().map(pcapngHeader),
);

/** Mostly small numbers so that random bytes often look like plausible lengths. */
const noisyTail = fc.oneof(
  fc.uint8Array({ maxLength: 600 }),
  fc.array(fc.oneof(fc.constantFrom(0, 1, 2, 3, 4, 6, 12, 16, 20, 28, 32, 0x0a, 0x0d), fc.integer({ min: 0, max: 255 })), { maxLength: 400 }).map((a) => Uint8Array.from(a)),
);

describe('capture properties', () => {
  it('random bytes after a valid header never throw, and any chunking gives the same events', () => {
    fc.assert(
      fc.property(
        header.chain((h) => noisyTail.chain((tail) => cuts(h.length + tail.length).map((c) => [concat([h, tail]), c] as const))),
        ([input, c]) => {
          const whole = runDecoder([input]);
          assert.deepStrictEqual(runDecoder(splitAt(input, c)), whole);
          // Exactly one header-or-fatal start, at most one terminal fatal, finish() terminates.
          assert.ok(whole.length >= 1);
          assert.ok(whole.filter((e) => e.kind === 'fatal').length <= 1);
        },
      ),
      { numRuns: 400 },
    );
  });

  it('arbitrary bytes never throw', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 200 }), cuts(200), (input, c) => {
        const events = runDecoder(
          splitAt(
            input,
            c.map((x) => Math.min(x, input.length)),
          ),
        );
        assert.ok(events.length >= 1);
      }),
      { numRuns: 300 },
    );
  });

  it('byte-at-a-time equals whole for random tails', () => {
    fc.assert(
      fc.property(header, fc.uint8Array({ maxLength: 120 }), (h, tail) => {
        const input = concat([h, tail]);
        const single: Uint8Array[] = [];
        for (let i = 0; i < input.length; i++) single.push(input.subarray(i, i + 1));
        assert.deepStrictEqual(runDecoder(single), runDecoder([input]));
      }),
      { numRuns: 150 },
    );
  });

  const time = fc.record({ sec: fc.integer({ min: 0, max: 0xffffffff }), nsec: fc.integer({ min: 0, max: 999_999_999 }) });
  const data = fc.uint8Array({ maxLength: 80 });

  it('random pcap files decode back to their records under random chunking', () => {
    fc.assert(
      fc.property(fc.boolean(), fc.boolean(), fc.array(fc.record({ t: time, data }), { maxLength: 20 }), cuts(3000), (nanosecond, bigEndian, recs, c) => {
        const input = writePcap(
          recs.map((r) => ({ sec: r.t.sec, nsec: r.t.nsec, data: r.data })),
          { linkType: LINKTYPE.LINUX_SLL2, nanosecond, bigEndian },
        );
        const got = records(
          runDecoder(
            splitAt(
              input,
              c.map((x) => Math.min(x, input.length)),
            ),
          ),
        );
        assert.deepStrictEqual(
          got.map((r) => [r.frame, r.sec, r.nsec, r.data, r.linkType]),
          recs.map((r, i) => [i + 1, r.t.sec, nanosecond ? r.t.nsec : r.t.nsec - (r.t.nsec % 1000), Array.from(r.data), LINKTYPE.LINUX_SLL2]),
        );
      }),
      { numRuns: 200 },
    );
  });

  it('random pcapng files decode back to their records under random chunking', () => {
    const tsresol = fc.constantFrom<number | undefined>(undefined, 0, 3, 6, 9);
    const section = fc
      .record({
        bigEndian: fc.boolean(),
        interfaces: fc.array(fc.record({ linkType: fc.constantFrom(1, 101, 113, 276), tsresol }), { minLength: 1, maxLength: 3 }),
        packets: fc.array(fc.record({ iface: fc.nat(2), t: time, data, simple: fc.boolean() }), { maxLength: 8 }),
      })
      .map(({ bigEndian, interfaces, packets }): PcapngSectionSpec => ({
        bigEndian,
        interfaces,
        packets: packets.map((p): PcapngPacketSpec => (p.simple ? { kind: 'spb', data: p.data } : { iface: p.iface % interfaces.length, sec: p.t.sec, nsec: p.t.nsec, data: p.data })),
      }));
    fc.assert(
      fc.property(fc.array(section, { minLength: 1, maxLength: 3 }), cuts(4000), (sections, c) => {
        const input = writePcapng(sections);
        const events = runDecoder(
          splitAt(
            input,
            c.map((x) => Math.min(x, input.length)),
          ),
        );
        assert.deepStrictEqual(
          events.filter((e) => e.kind === 'diagnostic' || e.kind === 'fatal'),
          [],
        );
        const expected: unknown[] = [];
        let prev: [number, number] = [0, 0];
        for (const s of sections) {
          for (const p of s.packets) {
            if (p.kind === 'spb') {
              expected.push([prev[0], prev[1], Array.from(p.data), s.interfaces[0]!.linkType]);
            } else if (p.kind === undefined) {
              const n = s.interfaces[p.iface]!.tsresol ?? 6;
              const step = 10 ** (9 - n);
              prev = [p.sec, (p.nsec ?? 0) - ((p.nsec ?? 0) % step)];
              expected.push([prev[0], prev[1], Array.from(p.data), s.interfaces[p.iface]!.linkType]);
            }
          }
        }
        assert.deepStrictEqual(
          records(events).map((r) => [r.sec, r.nsec, r.data, r.linkType]),
          expected,
        );
        assert.deepStrictEqual(
          records(events).map((r) => r.frame),
          expected.map((_, i) => i + 1),
        );
      }),
      { numRuns: 200 },
    );
  });
});

describe('pcapng timestamp conversion', () => {
  it('matches a BigInt reference for every resolution byte and 64-bit count', () => {
    const u32 = fc.integer({ min: 0, max: 0xffffffff });
    const resByte = fc.oneof(fc.integer({ min: 0, max: 19 }), fc.integer({ min: 0x80, max: 0x80 + 63 }), fc.constantFrom(6, 9));
    fc.assert(
      fc.property(u32, u32, resByte, (hi, lo, byte) => {
        const slot = { sec: 0, nsec: 0 };
        unitsToTime(hi, lo, resolutionFromOption(byte), slot);
        const ts = (BigInt(hi) << 32n) | BigInt(lo);
        const units = (byte & 0x80) !== 0 ? 1n << BigInt(byte & 0x7f) : 10n ** BigInt(byte);
        const sec = ts / units;
        const nsec = ((ts % units) * 1_000_000_000n) / units;
        // Seconds beyond 2^53 cannot be exact as numbers; compare what a number can hold.
        assert.equal(slot.sec, Number(sec));
        assert.equal(slot.nsec, Number(nsec));
        assert.ok(slot.nsec >= 0 && slot.nsec < 1e9);
      }),
      { numRuns: 5000 },
    );
  });

  it('is exact at the edges of the fast path', () => {
    const slot = { sec: 0, nsec: 0 };
    for (const [hi, lo] of [
      [0x1fffff, 0xffffffff],
      [0x200000, 0],
      [0xffffffff, 0xffffffff],
      [0, 0],
      [0, 999_999_999],
    ] as const) {
      for (const byte of [0, 1, 3, 6, 7, 9]) {
        unitsToTime(hi, lo, resolutionFromOption(byte), slot);
        const ts = (BigInt(hi) << 32n) | BigInt(lo);
        const units = 10n ** BigInt(byte);
        assert.deepStrictEqual([slot.sec, slot.nsec], [Number(ts / units), Number(((ts % units) * 1_000_000_000n) / units)]);
      }
    }
  });
});
