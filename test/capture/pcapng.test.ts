/**
 * pcapng: sections in both byte orders, several interfaces with different link types and
 * timestamp resolutions, SPB / obsolete PB, skipped blocks, Wireshark-compatible frame numbers,
 * every chunking giving identical events.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { LINKTYPE } from '../../src/capture/types.js';
import { PCAPNG_TYPE, writePcapng } from '../builders/pcap.js';
import type { PcapngSectionSpec } from '../builders/pcap.js';
import { ethernet, sll2, tcpPacket } from '../builders/packets.js';
import { bytes, codes, decodeEveryWay, records } from './run.js';
import type { PlainEvent } from './run.js';

const ip4 = tcpPacket({ src: '192.0.2.1', dst: '192.0.2.2', sport: 1935, dport: 40000, seq: 7, ack: 9, flags: { ack: true } });
const ip6 = tcpPacket({ src: '2001:db8::1', dst: '2001:db8::2', sport: 40000, dport: 1935, payload: 'hello' });
const ethFrame = ethernet(ip4);
const sll2Frame = sll2(ip6);

function sectionA(bigEndian: boolean): PcapngSectionSpec {
  return {
    bigEndian,
    comment: 'section A',
    interfaces: [
      { linkType: LINKTYPE.ETHERNET, name: 'eth0' }, // no if_tsresol: microseconds
      { linkType: LINKTYPE.LINUX_SLL2, tsresol: 9, snapLen: 0 }, // nanoseconds
    ],
    extraBlocks: [{ type: PCAPNG_TYPE.NRB, body: Uint8Array.of(0, 0, 0, 0) }],
    packets: [
      { iface: 0, sec: 1700000000, nsec: 123456000, data: ethFrame },
      { iface: 1, sec: 1700000000, nsec: 987654321, data: sll2Frame, origLen: 9000 },
      { kind: 'block', type: 0x0bad0bad, body: bytes(13) }, // unknown block type: skipped
      { kind: 'block', type: PCAPNG_TYPE.ISB, body: bytes(24) },
      { kind: 'spb', data: ethFrame },
      { kind: 'block', type: PCAPNG_TYPE.DSB, body: bytes(8) },
    ],
  };
}

function sectionB(bigEndian: boolean): PcapngSectionSpec {
  return {
    bigEndian,
    interfaces: [{ linkType: LINKTYPE.RAW, tsresol: 6, snapLen: 128 }],
    packets: [
      { iface: 0, sec: 1800000000, nsec: 5000, data: ip4 },
      { kind: 'pb', iface: 0, sec: 1800000001, nsec: 999999000, data: bytes(3, 5) },
    ],
  };
}

function expectTwoSections(events: readonly PlainEvent[], leA: boolean, leB: boolean): void {
  const headers = events.filter((e) => e.kind === 'header');
  assert.deepStrictEqual(headers, [
    { kind: 'header', format: 'pcapng', littleEndian: leA },
    { kind: 'header', format: 'pcapng', littleEndian: leA, linkType: LINKTYPE.ETHERNET, snapLen: 262144, iface: 0 },
    { kind: 'header', format: 'pcapng', littleEndian: leA, linkType: LINKTYPE.LINUX_SLL2, snapLen: 0, iface: 1 },
    { kind: 'header', format: 'pcapng', littleEndian: leB },
    { kind: 'header', format: 'pcapng', littleEndian: leB, linkType: LINKTYPE.RAW, snapLen: 128, iface: 0 },
  ]);
  assert.deepStrictEqual(records(events), [
    { kind: 'record', frame: 1, sec: 1700000000, nsec: 123456000, linkType: 1, data: Array.from(ethFrame), origLen: ethFrame.length, iface: 0 },
    { kind: 'record', frame: 2, sec: 1700000000, nsec: 987654321, linkType: 276, data: Array.from(sll2Frame), origLen: 9000, iface: 1 },
    // SPB: interface 0, the previous record's time.
    { kind: 'record', frame: 3, sec: 1700000000, nsec: 987654321, linkType: 1, data: Array.from(ethFrame), origLen: ethFrame.length, iface: 0 },
    { kind: 'record', frame: 4, sec: 1800000000, nsec: 5000, linkType: 101, data: Array.from(ip4), origLen: ip4.length, iface: 0 },
    { kind: 'record', frame: 5, sec: 1800000001, nsec: 999999000, linkType: 101, data: Array.from(bytes(3, 5)), origLen: 3, iface: 0 },
  ]);
  assert.deepStrictEqual(codes(events), []);
  // Header order: section header first, records interleaved after their interface.
  assert.equal(events[0]?.kind, 'header');
  assert.equal(events.length, 10);
}

describe('pcapng', () => {
  for (const [beA, beB] of [
    [false, true],
    [true, false],
    [false, false],
    [true, true],
  ] as const) {
    it(`decodes two sections (${beA ? 'BE' : 'LE'} then ${beB ? 'BE' : 'LE'}), two interfaces, SPB, PB, skipped blocks`, () => {
      const input = writePcapng([sectionA(beA), sectionB(beB)]);
      expectTwoSections(decodeEveryWay(input, 1024), !beA, !beB);
    });
  }

  it('resets the interface table at each section', () => {
    const input = writePcapng([
      { interfaces: [{ linkType: 1 }, { linkType: 113 }], packets: [{ iface: 1, sec: 1, data: bytes(4) }] },
      {
        interfaces: [{ linkType: 101 }],
        packets: [
          { iface: 1, sec: 2, data: bytes(4) },
          { iface: 0, sec: 3, data: bytes(4) },
        ],
      },
    ]);
    const events = decodeEveryWay(input);
    assert.deepStrictEqual(codes(events), ['capture.pcapng.unknown-interface']);
    assert.deepStrictEqual(
      records(events).map((r) => [r.frame, r.linkType, r.sec]),
      [
        [1, 113, 1],
        [3, 101, 3], // frame 2 was the packet on the undeclared interface: its number is consumed
      ],
    );
    const d = events.find((e) => e.kind === 'diagnostic');
    assert.equal(d?.kind === 'diagnostic' && d.at.frame, 2);
  });

  it('gives an SPB time 0 when it is the first packet, and caps its length at the snap length', () => {
    const input = writePcapng([{ interfaces: [{ linkType: 101, snapLen: 10 }], packets: [{ kind: 'spb', data: bytes(16), origLen: 1500 }] }]);
    const [r] = records(decodeEveryWay(input));
    assert.deepStrictEqual([r?.sec, r?.nsec, r?.data, r?.origLen], [0, 0, Array.from(bytes(10)), 1500]);
  });

  it('reports an SPB in a section without interfaces', () => {
    const input = writePcapng([
      {
        interfaces: [],
        packets: [
          { kind: 'spb', data: bytes(4) },
          { kind: 'spb', data: bytes(4) },
        ],
      },
    ]);
    const events = decodeEveryWay(input);
    assert.deepStrictEqual(codes(events), ['capture.pcapng.unknown-interface', 'capture.pcapng.unknown-interface']);
    assert.deepStrictEqual(records(events), []);
  });
});

describe('pcapng timestamps', () => {
  const cases: { name: string; tsresol?: number; tsoffset?: number; sec: number; nsec: number; expect: [number, number] }[] = [
    { name: 'default µs', sec: 1700000000, nsec: 999999000, expect: [1700000000, 999999000] },
    { name: 'µs truncates below the resolution', sec: 5, nsec: 1999, expect: [5, 1000] },
    { name: 'ms (10^-3)', tsresol: 3, sec: 1700000000, nsec: 5000000, expect: [1700000000, 5000000] },
    { name: 'ns beyond 2^53 units, exact', tsresol: 9, sec: 1700000000, nsec: 987654321, expect: [1700000000, 987654321] },
    { name: 'ns at the 64-bit top', tsresol: 9, sec: 18446744073, nsec: 709551615, expect: [18446744073, 709551615] },
    { name: '100 ns (10^-7)', tsresol: 7, sec: 1700000000, nsec: 123456700, expect: [1700000000, 123456700] },
    { name: 'whole seconds (10^0)', tsresol: 0, sec: 1700000000, nsec: 0, expect: [1700000000, 0] },
    { name: 'ps (10^-12): BigInt path, truncated to ns', tsresol: 12, sec: 1000000, nsec: 123456789, expect: [1000000, 123456789] },
    { name: '2^-20', tsresol: 0x80 | 20, sec: 1700000000, nsec: 500000000, expect: [1700000000, 500000000] },
    { name: '2^-30 quarter second', tsresol: 0x80 | 30, sec: 3, nsec: 250000000, expect: [3, 250000000] },
    { name: '2^0', tsresol: 0x80, sec: 77, nsec: 0, expect: [77, 0] },
    { name: 'if_tsoffset adds seconds', tsresol: 6, tsoffset: 1000, sec: 1, nsec: 2000, expect: [1001, 2000] },
  ];
  for (const c of cases) {
    for (const bigEndian of [false, true]) {
      it(`${c.name} (${bigEndian ? 'BE' : 'LE'})`, () => {
        const input = writePcapng([
          {
            bigEndian,
            interfaces: [{ linkType: 101, tsresol: c.tsresol, tsoffset: c.tsoffset }],
            packets: [{ iface: 0, sec: c.sec, nsec: c.nsec, data: bytes(1) }],
          },
        ]);
        const [r] = records(decodeEveryWay(input));
        assert.deepStrictEqual([r?.sec, r?.nsec], c.expect);
      });
    }
  }
});
