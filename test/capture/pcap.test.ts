/**
 * Classic pcap: µs and ns fractions in both byte orders, exact times, link type, data, every
 * chunking giving identical events.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { LINKTYPE } from '../../src/capture/types.js';
import { writePcap, PCAP_GLOBAL_HEADER_LEN } from '../builders/pcap.js';
import { ethernet, tcpPacket } from '../builders/packets.js';
import { bytes, codes, decodeEveryWay, records } from './run.js';

const frame1 = ethernet(tcpPacket({ src: '10.0.0.1', dst: '10.0.0.2', sport: 50000, dport: 1935, flags: { syn: true } }));

for (const nanosecond of [false, true]) {
  for (const bigEndian of [false, true]) {
    describe(`pcap ${nanosecond ? 'ns' : 'µs'} ${bigEndian ? 'big' : 'little'}-endian`, () => {
      const input = writePcap(
        [
          { sec: 1700000000, nsec: nanosecond ? 123456789 : 123456000, data: frame1 },
          { sec: 1700000001, nsec: 0, data: bytes(0) },
          { sec: 4294967295, nsec: nanosecond ? 999999999 : 999999000, data: bytes(70, 1), origLen: 1514 },
        ],
        { linkType: LINKTYPE.ETHERNET, nanosecond, bigEndian, snapLen: 65535 },
      );

      it('emits the header, then each record with exact time, link type and data', () => {
        const events = decodeEveryWay(input);
        assert.deepStrictEqual(events[0], {
          kind: 'header',
          format: nanosecond ? 'pcap-ns' : 'pcap',
          littleEndian: !bigEndian,
          linkType: LINKTYPE.ETHERNET,
          snapLen: 65535,
        });
        assert.deepStrictEqual(records(events), [
          {
            kind: 'record',
            frame: 1,
            sec: 1700000000,
            nsec: nanosecond ? 123456789 : 123456000,
            linkType: 1,
            data: Array.from(frame1),
            origLen: frame1.length,
            iface: 0,
          },
          { kind: 'record', frame: 2, sec: 1700000001, nsec: 0, linkType: 1, data: [], origLen: 0, iface: 0 },
          {
            kind: 'record',
            frame: 3,
            sec: 4294967295,
            nsec: nanosecond ? 999999999 : 999999000,
            linkType: 1,
            data: Array.from(bytes(70, 1)),
            origLen: 1514,
            iface: 0,
          },
        ]);
        assert.equal(events.length, 4);
      });
    });
  }
}

describe('pcap quirks', () => {
  it('carries an out-of-range µs fraction into the seconds', () => {
    const input = writePcap([{ sec: 10, data: bytes(4) }], { linkType: LINKTYPE.RAW });
    new DataView(input.buffer).setUint32(PCAP_GLOBAL_HEADER_LEN + 4, 2_500_000, true);
    const [r] = records(decodeEveryWay(input));
    assert.equal(r?.sec, 12);
    assert.equal(r?.nsec, 500_000_000);
  });

  it('carries an out-of-range ns fraction into the seconds', () => {
    const input = writePcap([{ sec: 10, data: bytes(4) }], { linkType: LINKTYPE.RAW, nanosecond: true });
    new DataView(input.buffer).setUint32(PCAP_GLOBAL_HEADER_LEN + 4, 3_000_000_001, true);
    const [r] = records(decodeEveryWay(input));
    assert.equal(r?.sec, 13);
    assert.equal(r?.nsec, 1);
  });

  it('masks the FCS bits out of the link type field', () => {
    const input = writePcap([{ sec: 1, data: bytes(4) }], { linkType: LINKTYPE.ETHERNET });
    new DataView(input.buffer).setUint32(20, 0x14000000 | LINKTYPE.ETHERNET, true);
    const events = decodeEveryWay(input);
    assert.equal(events[0]?.kind === 'header' && events[0].linkType, LINKTYPE.ETHERNET);
    assert.equal(records(events)[0]?.linkType, LINKTYPE.ETHERNET);
  });

  it('reports origLen ≥ captured length when a writer put a smaller orig_len', () => {
    const input = writePcap([{ sec: 1, data: bytes(40), origLen: 10 }], { linkType: LINKTYPE.RAW });
    assert.equal(records(decodeEveryWay(input))[0]?.origLen, 40);
  });

  it('accepts records up to 256 KiB even when snaplen is smaller', () => {
    const big = bytes(200_000, 3);
    const input = writePcap([{ sec: 1, data: big }], { linkType: LINKTYPE.RAW, snapLen: 1500 });
    const events = decodeEveryWay(input, 0);
    assert.deepStrictEqual(codes(events), []);
    assert.equal(records(events)[0]?.data.length, 200_000);
  });

  it('hands records that fit in a chunk out as views of that chunk (no copy)', async () => {
    const { createCaptureDecoder } = await import('../../src/capture/decoder.js');
    const input = writePcap(
      [
        { sec: 1, data: bytes(10) },
        { sec: 2, data: bytes(20) },
      ],
      { linkType: LINKTYPE.RAW },
    );
    const d = createCaptureDecoder();
    const events = d.push(input);
    const recs = events.filter((e) => e.kind === 'record');
    assert.equal(recs.length, 2);
    for (const r of recs) assert.equal(r.kind === 'record' && r.data.buffer, input.buffer);
    assert.deepStrictEqual(d.finish(), []);
  });

  it('numbers a large file of small records consecutively across odd chunk sizes', async () => {
    const { createCaptureDecoder } = await import('../../src/capture/decoder.js');
    const recs = Array.from({ length: 500 }, (_, i) => ({ sec: i, nsec: i * 1000, data: bytes(i % 97, i) }));
    const input = writePcap(recs, { linkType: LINKTYPE.RAW });
    const d = createCaptureDecoder();
    const frames: number[] = [];
    let sizes = 1;
    for (let p = 0; p < input.length;) {
      const n = Math.min(sizes, input.length - p);
      for (const e of d.push(input.subarray(p, p + n))) {
        if (e.kind === 'record') {
          frames.push(e.frame);
          assert.deepStrictEqual(Array.from(e.data), Array.from(bytes((e.frame - 1) % 97, e.frame - 1)));
        }
      }
      p += n;
      sizes = (sizes * 7 + 3) % 251;
    }
    assert.deepStrictEqual(d.finish(), []);
    assert.deepStrictEqual(
      frames,
      Array.from({ length: 500 }, (_, i) => i + 1),
    );
  });
});
