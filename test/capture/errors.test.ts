/**
 * Damaged and non-capture input: truncated tails, impossible lengths, garbage, empty files. Each
 * case is also decoded byte at a time and split at every offset, with identical events.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createCaptureDecoder } from '../../src/capture/decoder.js';
import { LINKTYPE } from '../../src/capture/types.js';
import { PCAP_GLOBAL_HEADER_LEN, PCAP_RECORD_HEADER_LEN, PCAPNG_TYPE, concat, pcapngBlock, writePcap, writePcapng } from '../builders/pcap.js';
import { bytes, codes, decodeEveryWay, records } from './run.js';

const threeRecords = writePcap(
  [
    { sec: 1, data: bytes(30, 1) },
    { sec: 2, data: bytes(40, 2) },
    { sec: 3, data: bytes(50, 3) },
  ],
  { linkType: LINKTYPE.RAW },
);
const thirdStart = PCAP_GLOBAL_HEADER_LEN + 2 * PCAP_RECORD_HEADER_LEN + 30 + 40;

const ngOneIface = (packets: number, bigEndian = false): Uint8Array =>
  writePcapng([
    {
      bigEndian,
      interfaces: [{ linkType: LINKTYPE.RAW }],
      packets: Array.from({ length: packets }, (_, i) => ({ iface: 0, sec: i, data: bytes(10 + i, i) })),
    },
  ]);

function fatalMessage(input: Uint8Array): string {
  const events = decodeEveryWay(input);
  assert.equal(events.length, 1, 'exactly one event');
  const [e] = events;
  assert.equal(e?.kind, 'fatal');
  return e?.kind === 'fatal' ? e.message : '';
}

describe('truncated input', () => {
  it('pcap: a record cut in its data → the earlier records, then capture.truncated', () => {
    const events = decodeEveryWay(threeRecords.subarray(0, threeRecords.length - 7));
    assert.deepStrictEqual(
      records(events).map((r) => r.frame),
      [1, 2],
    );
    assert.deepStrictEqual(codes(events), ['capture.truncated']);
    const d = events.at(-1);
    assert.equal(d?.kind === 'diagnostic' && d.at.frame, 3);
    assert.deepStrictEqual(d?.kind === 'diagnostic' && d.context, { fileOffset: thirdStart, present: 16 + 43, expected: 16 + 50 });
  });

  it('pcap: a record cut in its header → capture.truncated', () => {
    const events = decodeEveryWay(threeRecords.subarray(0, thirdStart + 5));
    assert.deepStrictEqual(
      records(events).map((r) => r.frame),
      [1, 2],
    );
    assert.deepStrictEqual(codes(events), ['capture.truncated']);
  });

  it('pcap: ending exactly on a record boundary is clean', () => {
    assert.deepStrictEqual(codes(decodeEveryWay(threeRecords.subarray(0, thirdStart))), []);
  });

  it('pcap: a file shorter than the global header is fatal', () => {
    assert.match(fatalMessage(threeRecords.subarray(0, 10)), /too short/);
    assert.match(fatalMessage(threeRecords.subarray(0, 23)), /too short/);
  });

  it('pcap: just the global header is a capture with no records', () => {
    const events = decodeEveryWay(threeRecords.subarray(0, 24));
    assert.deepStrictEqual(
      events.map((e) => e.kind),
      ['header'],
    );
  });

  it('pcapng: a block cut short → the earlier records, then capture.truncated', () => {
    const input = ngOneIface(3);
    for (const cut of [1, 5, 12, 20]) {
      const events = decodeEveryWay(input.subarray(0, input.length - cut), 512);
      assert.deepStrictEqual(
        records(events).map((r) => r.frame),
        [1, 2],
        `cut ${cut}`,
      );
      assert.deepStrictEqual(codes(events), ['capture.truncated'], `cut ${cut}`);
    }
  });

  it('pcapng: a file ending inside the first section header is fatal', () => {
    const input = ngOneIface(0);
    assert.match(fatalMessage(input.subarray(0, 10)), /too short to be a pcapng/);
    assert.match(fatalMessage(input.subarray(0, 27)), /too short to be a pcapng/);
  });
});

describe('impossible lengths', () => {
  it('pcap: a record claiming 2 GiB → capture.record-too-large, nothing after', () => {
    const input = threeRecords.slice();
    new DataView(input.buffer).setUint32(thirdStart + 8, 0x80000000, true);
    const events = decodeEveryWay(input);
    assert.deepStrictEqual(
      records(events).map((r) => r.frame),
      [1, 2],
    );
    assert.deepStrictEqual(codes(events), ['capture.record-too-large']);
  });

  it('pcap: the cap follows a large snaplen (up to 16 MiB)', () => {
    const input = writePcap([{ sec: 1, data: bytes(300_000) }], { linkType: 1, snapLen: 400_000 });
    assert.deepStrictEqual(codes(decodeEveryWay(input, 0)), []);
    const tooBig = writePcap([{ sec: 1, data: bytes(300_000) }], { linkType: 1, snapLen: 65535 });
    assert.deepStrictEqual(codes(decodeEveryWay(tooBig, 0)), ['capture.record-too-large']);
  });

  it('pcap: after a fatal length, further pushes are ignored', () => {
    const input = threeRecords.slice();
    new DataView(input.buffer).setUint32(thirdStart + 8, 0xffffffff, true);
    const d = createCaptureDecoder();
    assert.equal(d.push(input).filter((e) => e.kind === 'diagnostic').length, 1);
    assert.deepStrictEqual(d.push(threeRecords), []);
    assert.deepStrictEqual(d.finish(), []);
  });

  const secondBlockAt = (input: Uint8Array): number => {
    // SHB length, then IDB length: the first EPB starts after both.
    const v = new DataView(input.buffer, input.byteOffset);
    const shb = v.getUint32(4, true);
    return shb + v.getUint32(shb + 4, true);
  };

  for (const [name, value, code] of [
    ['not a multiple of 4', 42, 'capture.pcapng.bad-block'],
    ['below 12', 8, 'capture.pcapng.bad-block'],
    ['zero', 0, 'capture.pcapng.bad-block'],
    ['2 GiB', 0x80000000, 'capture.record-too-large'],
  ] as const) {
    it(`pcapng: block length ${name} → ${code}, nothing after`, () => {
      const input = ngOneIface(2);
      const at = secondBlockAt(input);
      new DataView(input.buffer).setUint32(at + 4, value, true);
      const events = decodeEveryWay(input, 512);
      assert.deepStrictEqual(records(events), []);
      assert.deepStrictEqual(codes(events), [code]);
      assert.equal(events.filter((e) => e.kind === 'header').length, 2);
    });
  }

  it('pcapng: a trailing length that differs from the leading one → bad-block, nothing after', () => {
    const input = ngOneIface(3);
    const at = secondBlockAt(input);
    const v = new DataView(input.buffer);
    const len = v.getUint32(at + 4, true);
    v.setUint32(at + len - 4, len + 4, true);
    const events = decodeEveryWay(input, 512);
    assert.deepStrictEqual(records(events), []);
    assert.deepStrictEqual(codes(events), ['capture.pcapng.bad-block']);
  });

  it('pcapng: a growing length that still frames (multiple of 4, in the file) is caught by the trailer', () => {
    const input = ngOneIface(3);
    const at = secondBlockAt(input);
    const v = new DataView(input.buffer);
    v.setUint32(at + 4, v.getUint32(at + 4, true) + 8, true);
    const events = decodeEveryWay(input, 512);
    assert.deepStrictEqual(codes(events), ['capture.pcapng.bad-block']);
  });

  it('pcapng: an EPB whose captured length overruns the block is skipped, decoding goes on', () => {
    const input = ngOneIface(3);
    const at = secondBlockAt(input);
    new DataView(input.buffer).setUint32(at + 20, 1000, true);
    const events = decodeEveryWay(input, 512);
    assert.deepStrictEqual(codes(events), ['capture.pcapng.bad-packet']);
    assert.deepStrictEqual(
      records(events).map((r) => r.frame),
      [2, 3],
    );
  });

  it('pcapng: a packet block too short to hold its header is skipped', () => {
    const input = concat([ngOneIface(0), pcapngBlock(PCAPNG_TYPE.EPB, bytes(8))]);
    const events = decodeEveryWay(input, 512);
    assert.deepStrictEqual(codes(events), ['capture.pcapng.bad-packet']);
  });

  it('pcapng: a second section with a bad byte-order magic → bad-block', () => {
    const good = ngOneIface(1);
    const bad = ngOneIface(1);
    new DataView(bad.buffer).setUint32(8, 0x11223344, true);
    const events = decodeEveryWay(concat([good, bad]), 512);
    assert.deepStrictEqual(
      records(events).map((r) => r.frame),
      [1],
    );
    assert.deepStrictEqual(codes(events), ['capture.pcapng.bad-block']);
  });

  it('pcapng: a first section with a bad byte-order magic is fatal', () => {
    const bad = ngOneIface(1);
    new DataView(bad.buffer).setUint32(8, 0x11223344, true);
    assert.match(fatalMessage(bad), /byte-order magic is 11223344/);
  });

  it('pcapng: an interface block too short to describe an interface → bad-block', () => {
    const input = concat([writePcapng([{ interfaces: [], packets: [] }]), pcapngBlock(PCAPNG_TYPE.IDB, new Uint8Array(4))]);
    assert.deepStrictEqual(codes(decodeEveryWay(input)), ['capture.pcapng.bad-block']);
  });
});

describe('not a capture', () => {
  it('empty input → fatal "empty file"', () => {
    assert.match(fatalMessage(new Uint8Array(0)), /^empty file/);
    const d = createCaptureDecoder();
    assert.deepStrictEqual(d.push(new Uint8Array(0)), []);
    assert.deepStrictEqual(
      d.finish().map((e) => e.kind),
      ['fatal'],
    );
  });

  it('1 to 3 bytes → fatal "too short"', () => {
    for (const n of [1, 2, 3]) assert.match(fatalMessage(Uint8Array.of(0xa1, 0xb2, 0xc3).subarray(0, n)), /too short/);
  });

  it('garbage magic → one fatal naming the first bytes', () => {
    const message = fatalMessage(Uint8Array.of(0xde, 0xad, 0xbe, 0xef, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24));
    assert.equal(message, 'not a pcap or pcapng capture (starts with bytes de ad be ef); rtmpscope reads pcap and pcapng files');
  });

  it('a text file → one fatal, flagged as text', () => {
    const message = fatalMessage(new TextEncoder().encode('<!DOCTYPE html>\n<html><body>not a capture</body></html>\n'));
    assert.match(message, /starts with bytes 3c 21 44 4f, looks like text/);
    assert.doesNotMatch(message, /\n/);
  });

  it('gzip-compressed capture → fatal with a hint', () => {
    assert.match(fatalMessage(Uint8Array.of(0x1f, 0x8b, 8, 0, 0, 0, 0, 0)), /gzip/);
  });

  it('modified (Kuznetzov) pcap → fatal with a conversion hint', () => {
    assert.match(fatalMessage(Uint8Array.of(0x34, 0xcd, 0xb2, 0xa1, 2, 0, 4, 0)), /editcap/);
  });

  it('pushes after the fatal event return nothing', () => {
    const d = createCaptureDecoder();
    assert.equal(d.push(Uint8Array.of(1, 2, 3, 4)).length, 1);
    assert.deepStrictEqual(d.push(threeRecords), []);
    assert.deepStrictEqual(d.finish(), []);
  });
});
