/**
 * Concatenated capture files (`cat a.pcap b.pcapng | rtmpscope export -`): each file's header
 * starts the next file, in any format, byte order and timestamp resolution; frames keep counting;
 * the events are those of the files decoded one by one, whatever the chunking.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { LINKTYPE } from '../../src/capture/types.js';
import { writePcap, writePcapng } from '../builders/pcap.js';
import { bytes, codes, decodeEveryWay, records, runDecoder, type PlainEvent } from './run.js';
import { splitAt } from '../builders/splits.js';

const concat = (parts: readonly Uint8Array[]) => Uint8Array.from(parts.flatMap((p) => Array.from(p)));

const pcapLe = writePcap(
  [
    { sec: 1700000000, nsec: 1000, data: bytes(40, 1) },
    { sec: 1700000001, nsec: 2000, data: bytes(41, 2) },
  ],
  { linkType: LINKTYPE.ETHERNET },
);
const pcapBeNs = writePcap(
  [
    { sec: 1700000002, nsec: 123456789, data: bytes(42, 3) },
    { sec: 1700000003, nsec: 5, data: bytes(43, 4) },
  ],
  { linkType: LINKTYPE.RAW, nanosecond: true, bigEndian: true },
);
const pcapng = writePcapng([
  {
    interfaces: [{ linkType: LINKTYPE.LINUX_SLL, tsresol: 9 }],
    packets: [
      { iface: 0, sec: 1700000004, nsec: 7, data: bytes(44, 5) },
      { iface: 0, sec: 1700000005, nsec: 8, data: bytes(45, 6) },
    ],
  },
]);
const pcapngBe = writePcapng([
  {
    bigEndian: true,
    interfaces: [{ linkType: LINKTYPE.ETHERNET }],
    packets: [{ iface: 0, sec: 1700000006, nsec: 9000, data: bytes(46, 7) }],
  },
]);
const headerOnly = writePcap([], { linkType: LINKTYPE.NULL });

/** The events of the files decoded one by one, frames renumbered as one stream. */
function oneByOne(files: readonly Uint8Array[]): PlainEvent[] {
  const out: PlainEvent[] = [];
  let frame = 0;
  for (const f of files) {
    const events = runDecoder([f]);
    let last = frame;
    for (const e of events) {
      if (e.kind === 'record') {
        last = frame + e.frame;
        out.push({ ...e, frame: last });
      } else out.push(e);
    }
    frame = last;
  }
  return out;
}

const cases: [string, Uint8Array[]][] = [
  ['pcap µs little-endian → pcap ns big-endian', [pcapLe, pcapBeNs]],
  ['pcap ns big-endian → pcap µs little-endian', [pcapBeNs, pcapLe]],
  ['pcap → pcapng', [pcapLe, pcapng]],
  ['pcapng → pcap big-endian', [pcapng, pcapBeNs]],
  ['pcapng → pcapng big-endian (a new section)', [pcapng, pcapngBe]],
  ['a pcap holding only its header, between two files', [pcapLe, headerOnly, pcapBeNs]],
  ['three formats in a row', [pcapBeNs, pcapngBe, pcapLe, pcapng]],
];

describe('capture: concatenated files', () => {
  for (const [name, files] of cases) {
    it(`${name}: every file decoded, frames counted on, same events for every chunking`, () => {
      const events = decodeEveryWay(concat(files), 600);
      assert.deepStrictEqual(events, oneByOne(files));
      assert.deepStrictEqual(codes(events), []);
      const recs = records(events);
      assert.deepStrictEqual(
        recs.map((r) => r.frame),
        recs.map((_, i) => i + 1),
      );
      assert.equal(events.filter((e) => e.kind === 'header' && e.iface === undefined).length, files.length);
    });
  }

  it('time and link type follow each file', () => {
    const recs = records(runDecoder([concat([pcapLe, pcapBeNs, pcapng])]));
    assert.deepStrictEqual(
      recs.map((r) => [r.sec, r.nsec, r.linkType]),
      [
        [1700000000, 1000, LINKTYPE.ETHERNET],
        [1700000001, 2000, LINKTYPE.ETHERNET],
        [1700000002, 123456789, LINKTYPE.RAW],
        [1700000003, 5, LINKTYPE.RAW],
        [1700000004, 7, LINKTYPE.LINUX_SLL],
        [1700000005, 8, LINKTYPE.LINUX_SLL],
      ],
    );
  });

  it('property: any chunking of any concatenation of the sample files gives the one-by-one events', () => {
    const pool = [pcapLe, pcapBeNs, pcapng, pcapngBe, headerOnly];
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: pool.length - 1 }), { minLength: 1, maxLength: 5 }), fc.array(fc.nat(), { maxLength: 6 }), (picks, cuts) => {
        const files = picks.map((i) => pool[i] as Uint8Array);
        const whole = concat(files);
        const at = cuts.map((c) => c % (whole.length + 1));
        assert.deepStrictEqual(runDecoder(splitAt(whole, at)), oneByOne(files));
      }),
    );
  });
});
