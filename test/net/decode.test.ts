/**
 * Net stage: every supported link type, IPv4 options, IPv6 extension headers, padding, snap-length
 * truncation, fragments and the reasons a frame is not a TCP segment.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { decodeFrame } from '../../src/net/decode.js';
import { LINKTYPE } from '../../src/capture/types.js';
import type { NetResult, TcpSegment } from '../../src/net/types.js';
import { ethernet, ipPacket, loop, nullLoop, raw, sll, sll2, tcpPacket, udpPacket } from '../builders/packets.js';
import type { TcpPacketSpec } from '../builders/packets.js';

const payload = new TextEncoder().encode('\x03rtmp chunk bytes');

const v4spec: TcpPacketSpec = {
  src: '10.0.0.1',
  dst: '192.168.100.254',
  sport: 51234,
  dport: 1935,
  seq: 0xfffffff0,
  ack: 0x80000001,
  flags: { ack: true, psh: true },
  window: 502,
  payload,
};
const v6spec: TcpPacketSpec = { ...v4spec, src: '2001:db8::10', dst: 'fe80::1' };
const v4 = tcpPacket(v4spec);
const v6 = tcpPacket(v6spec);

function tcp(r: NetResult): TcpSegment {
  assert.equal(r.kind, 'tcp', `expected a TCP segment, got ${JSON.stringify(r)}`);
  return r;
}

function expectSegment(r: NetResult, version: 4 | 6): void {
  const s = tcp(r);
  assert.deepStrictEqual(
    { ...s, payload: Array.from(s.payload) },
    {
      kind: 'tcp',
      ipVersion: version,
      srcIp: version === 4 ? '10.0.0.1' : '2001:db8::10',
      dstIp: version === 4 ? '192.168.100.254' : 'fe80::1',
      srcPort: 51234,
      dstPort: 1935,
      seq: 0xfffffff0,
      ack: 0x80000001,
      flags: { syn: false, ack: true, fin: false, rst: false, psh: true },
      window: 502,
      payload: Array.from(payload),
      payloadLen: payload.length,
    },
  );
}

function expectSkip(r: NetResult, reason: string): void {
  assert.equal(r.kind, 'skip', `expected skip '${reason}', got ${JSON.stringify(r)}`);
  assert.equal(r.kind === 'skip' && r.reason, reason, JSON.stringify(r));
}

describe('link types', () => {
  const cases: [string, number, (ip: Uint8Array) => Uint8Array][] = [
    ['Ethernet', LINKTYPE.ETHERNET, (ip) => ethernet(ip)],
    ['Ethernet + 802.1Q', LINKTYPE.ETHERNET, (ip) => ethernet(ip, { vlans: [100] })],
    ['Ethernet + QinQ (88a8, 8100)', LINKTYPE.ETHERNET, (ip) => ethernet(ip, { vlans: [10, 20] })],
    ['Ethernet + 9100, 88a8, 8100', LINKTYPE.ETHERNET, (ip) => ethernet(ip, { vlans: [{ id: 1, tpid: 0x9100 }, 2, 3] })],
    ['Linux SLL', LINKTYPE.LINUX_SLL, (ip) => sll(ip)],
    [
      'Linux SLL + 802.1Q',
      LINKTYPE.LINUX_SLL,
      (ip) => {
        const tagged = ethernet(ip, { vlans: [7] }).subarray(14); // TCI, inner type, IP
        return sll(tagged, { protocol: 0x8100 });
      },
    ],
    ['Linux SLL2', LINKTYPE.LINUX_SLL2, (ip) => sll2(ip)],
    ['NULL little-endian', LINKTYPE.NULL, (ip) => nullLoop(ip, { littleEndian: true })],
    ['NULL big-endian', LINKTYPE.NULL, (ip) => nullLoop(ip, { littleEndian: false })],
    ['LOOP', LINKTYPE.LOOP, (ip) => loop(ip)],
    ['RAW (101)', LINKTYPE.RAW, raw],
    ['RAW (12)', 12, raw],
    ['RAW (14)', 14, raw],
  ];
  for (const [name, linkType, wrap] of cases) {
    it(`${name} / IPv4`, () => expectSegment(decodeFrame(linkType, wrap(v4), 0), 4));
    it(`${name} / IPv6`, () => expectSegment(decodeFrame(linkType, wrap(v6), 0), 6));
  }
  it('IPV4 (228)', () => expectSegment(decodeFrame(LINKTYPE.IPV4, raw(v4), v4.length), 4));
  it('IPV6 (229)', () => expectSegment(decodeFrame(LINKTYPE.IPV6, raw(v6), v6.length), 6));
  it('IPV4 link carrying IPv6 → malformed', () => expectSkip(decodeFrame(LINKTYPE.IPV4, v6, v6.length), 'malformed'));
  it('IPV6 link carrying IPv4 → malformed', () => expectSkip(decodeFrame(LINKTYPE.IPV6, v4, v4.length), 'malformed'));

  for (const family of [24, 28, 30]) {
    for (const littleEndian of [true, false]) {
      it(`NULL with IPv6 family ${family} (${littleEndian ? 'LE' : 'BE'})`, () => expectSegment(decodeFrame(LINKTYPE.NULL, nullLoop(v6, { family, littleEndian }), 0), 6));
    }
  }
  it('NULL with an unknown family → not-ip', () => expectSkip(decodeFrame(LINKTYPE.NULL, nullLoop(v4, { family: 7 }), 0), 'not-ip'));
  it('LOOP reads the family big-endian only', () => expectSkip(decodeFrame(LINKTYPE.LOOP, nullLoop(v4, { littleEndian: true, family: 2 }), 0), 'not-ip'));
  it('LOOP with IPv6 family 24/28/30', () => {
    for (const family of [24, 28, 30]) expectSegment(decodeFrame(LINKTYPE.LOOP, loop(v6, { family }), 0), 6);
  });
  it('ARP and other ethertypes → not-ip', () => {
    expectSkip(decodeFrame(LINKTYPE.ETHERNET, ethernet(new Uint8Array(28), { etherType: 0x0806 }), 0), 'not-ip');
    expectSkip(decodeFrame(LINKTYPE.LINUX_SLL2, sll2(new Uint8Array(28), { protocol: 0x0806 }), 0), 'not-ip');
    expectSkip(decodeFrame(LINKTYPE.ETHERNET, ethernet(new Uint8Array(28), { etherType: 0x0026 }), 0), 'not-ip');
  });
  it('RAW with a version that is neither 4 nor 6 → malformed', () => {
    expectSkip(decodeFrame(LINKTYPE.RAW, Uint8Array.of(0x50, 0, 0, 0), 4), 'malformed');
    expectSkip(decodeFrame(LINKTYPE.RAW, new Uint8Array(0), 0), 'truncated');
  });
  it('an unknown link type → unsupported-link', () => {
    const r = decodeFrame(147, v4, v4.length);
    expectSkip(r, 'unsupported-link');
    assert.equal(r.kind === 'skip' && r.detail, 'link type 147');
  });
  it('link headers cut short → truncated', () => {
    for (const [lt, n] of [
      [LINKTYPE.ETHERNET, 13],
      [LINKTYPE.LINUX_SLL, 15],
      [LINKTYPE.LINUX_SLL2, 19],
      [LINKTYPE.NULL, 3],
      [LINKTYPE.LOOP, 0],
    ] as const) {
      expectSkip(decodeFrame(lt, new Uint8Array(n), n), 'truncated');
    }
    expectSkip(decodeFrame(LINKTYPE.ETHERNET, ethernet(v4, { vlans: [1, 2] }).subarray(0, 17), 100), 'truncated');
  });
});

describe('IPv4', () => {
  it('honours options (IHL > 5)', () => {
    const ip = tcpPacket({ ...v4spec, ipOptions: Uint8Array.of(0x94, 0x04, 0, 0, 0x01, 0x01, 0x07) }); // router alert, NOP, RR…
    assert.equal(ip[0]! & 0x0f, 7);
    expectSegment(decodeFrame(LINKTYPE.RAW, ip, ip.length), 4);
  });

  it('honours the maximum IHL of 15 words', () => {
    const ip = tcpPacket({ ...v4spec, ipOptions: new Uint8Array(40).fill(1) });
    expectSegment(decodeFrame(LINKTYPE.RAW, ip, ip.length), 4);
  });

  it('honours TCP options (data offset > 5)', () => {
    const ip = tcpPacket({ ...v4spec, tcpOptions: Uint8Array.of(2, 4, 0x05, 0xb4, 1, 3, 3, 7, 4, 2) });
    expectSegment(decodeFrame(LINKTYPE.RAW, ip, ip.length), 4);
  });

  it('cuts Ethernet padding with the Total Length', () => {
    const small = tcpPacket({ ...v4spec, payload: Uint8Array.of(0xaa) });
    const frame = ethernet(small, { minLength: 60 });
    frame.fill(0xee, 14 + small.length); // padding that must not leak into the payload
    const s = tcp(decodeFrame(LINKTYPE.ETHERNET, frame, frame.length));
    assert.deepStrictEqual(Array.from(s.payload), [0xaa]);
    assert.equal(s.payloadLen, 1);
  });

  it('cuts a bare SYN padded to 60 bytes to an empty payload', () => {
    const syn = tcpPacket({ ...v4spec, flags: { syn: true }, payload: undefined });
    const s = tcp(decodeFrame(LINKTYPE.ETHERNET, ethernet(syn, { minLength: 60 }), 60));
    assert.equal(s.payload.length, 0);
    assert.equal(s.payloadLen, 0);
    assert.deepStrictEqual(s.flags, { syn: true, ack: false, fin: false, rst: false, psh: false });
  });

  it('a DF packet is not a fragment', () => {
    const ip = tcpPacket({ ...v4spec, dontFragment: true });
    expectSegment(decodeFrame(LINKTYPE.RAW, ip, ip.length), 4);
    const noDf = tcpPacket({ ...v4spec, dontFragment: false });
    expectSegment(decodeFrame(LINKTYPE.RAW, noDf, noDf.length), 4);
  });

  it('first fragment (MF) and later fragments (offset) → fragment', () => {
    const first = tcpPacket({ ...v4spec, fragment: { more: true } });
    const later = ipPacket({ src: '10.0.0.1', dst: '10.0.0.2', protocol: 6, payload: new Uint8Array(16), fragment: { offset: 1480 } });
    const last = ipPacket({ src: '10.0.0.1', dst: '10.0.0.2', protocol: 6, payload: new Uint8Array(16), fragment: { offset: 8, more: false } });
    for (const ip of [first, later, last]) expectSkip(decodeFrame(LINKTYPE.RAW, ip, ip.length), 'fragment');
  });

  it('UDP → a datagram with ports and payload; a UDP length beyond the IP payload → malformed', () => {
    const udp = udpPacket({ src: '10.0.0.1', dst: '10.0.0.2', sport: 53, dport: 5353, payload: Uint8Array.of(1, 2, 3) });
    const r = decodeFrame(LINKTYPE.ETHERNET, ethernet(udp), 0);
    assert.equal(r.kind, 'udp');
    if (r.kind !== 'udp') return;
    assert.deepEqual([r.srcIp, r.dstIp, r.srcPort, r.dstPort, r.payloadLen, [...r.payload]], ['10.0.0.1', '10.0.0.2', 53, 5353, 3, [1, 2, 3]]);
    const bad = udp.slice();
    bad[20 + 4] = 0xff; // UDP length high byte
    expectSkip(decodeFrame(LINKTYPE.RAW, bad, 0), 'malformed');
    expectSkip(decodeFrame(LINKTYPE.RAW, udp.subarray(0, 24), 0), 'truncated');
  });

  it('ICMP → not-tcp with the protocol in the detail', () => {
    const icmp = ipPacket({ src: '10.0.0.1', dst: '10.0.0.2', protocol: 1, payload: new Uint8Array(8) });
    expectSkip(decodeFrame(LINKTYPE.RAW, icmp, 0), 'not-tcp');
  });

  it('bad version, IHL < 5, Total Length below the header → malformed', () => {
    expectSkip(decodeFrame(LINKTYPE.IPV4, tcpPacket({ ...v4spec, version: 5 }), 0), 'malformed');
    expectSkip(decodeFrame(LINKTYPE.RAW, tcpPacket({ ...v4spec, ihl: 4 }), 0), 'malformed');
    expectSkip(decodeFrame(LINKTYPE.RAW, tcpPacket({ ...v4spec, totalLength: 19 }), 0), 'malformed');
  });

  it('Total Length too short for the TCP header → malformed', () => {
    expectSkip(decodeFrame(LINKTYPE.RAW, tcpPacket({ ...v4spec, totalLength: 30 }), 0), 'malformed');
    const withOpts = tcpPacket({ ...v4spec, tcpOptions: new Uint8Array(12), payload: undefined });
    expectSkip(decodeFrame(LINKTYPE.RAW, tcpPacket({ ...v4spec, tcpOptions: new Uint8Array(12), totalLength: 44 }), 0), 'malformed');
    assert.equal(withOpts.length, 52);
  });

  it('TCP data offset < 5 → malformed', () => {
    expectSkip(decodeFrame(LINKTYPE.RAW, tcpPacket({ ...v4spec, dataOffset: 4 }), 0), 'malformed');
  });

  it('TSO quirk: Total Length 0 takes the length from the wire length', () => {
    const ip = tcpPacket({ ...v4spec, totalLength: 0 });
    const frame = ethernet(ip);
    const s = tcp(decodeFrame(LINKTYPE.ETHERNET, frame, frame.length));
    assert.deepStrictEqual(Array.from(s.payload), Array.from(payload));
    assert.equal(s.payloadLen, payload.length);
    // And with a snap length that cut the frame, the wire length still gives payloadLen.
    const cut = tcp(decodeFrame(LINKTYPE.ETHERNET, frame.subarray(0, frame.length - 5), frame.length));
    assert.equal(cut.payload.length, payload.length - 5);
    assert.equal(cut.payloadLen, payload.length);
  });
});

describe('IPv6', () => {
  it('follows hop-by-hop and destination options headers', () => {
    const ip = tcpPacket({
      ...v6spec,
      ipv6ExtHeaders: [
        { type: 0, body: Uint8Array.of(5, 2, 0, 0) },
        { type: 60, body: new Uint8Array(10) },
      ],
    });
    assert.equal(ip[6], 0);
    expectSegment(decodeFrame(LINKTYPE.ETHERNET, ethernet(ip), 0), 6);
  });

  it('follows routing and authentication headers, and an atomic fragment header', () => {
    const ip = tcpPacket({
      ...v6spec,
      ipv6ExtHeaders: [{ type: 43, body: new Uint8Array(22) }, { type: 51, icv: new Uint8Array(12) }, { type: 44 }],
    });
    expectSegment(decodeFrame(LINKTYPE.RAW, ip, 0), 6);
  });

  it('fragment header with an offset or M set → fragment', () => {
    for (const frag of [
      { type: 44 as const, more: true },
      { type: 44 as const, offset: 1448 },
    ]) {
      const ip = tcpPacket({ ...v6spec, ipv6ExtHeaders: [frag] });
      expectSkip(decodeFrame(LINKTYPE.RAW, ip, 0), 'fragment');
    }
  });

  it('ESP, no next header, ICMPv6 → not-tcp; UDP → a datagram', () => {
    const u = decodeFrame(LINKTYPE.RAW, udpPacket({ src: '::1', dst: '::1', sport: 1, dport: 2, payload: new Uint8Array(16) }), 0);
    assert.equal(u.kind, 'udp');
    for (const protocol of [50, 59, 58]) {
      expectSkip(decodeFrame(LINKTYPE.RAW, ipPacket({ src: '::1', dst: '::1', protocol, payload: new Uint8Array(24) }), 0), 'not-tcp');
    }
    const behindHbh = ipPacket({ src: '::1', dst: '::1', protocol: 50, payload: new Uint8Array(24), ipv6ExtHeaders: [{ type: 0 }] });
    expectSkip(decodeFrame(LINKTYPE.RAW, behindHbh, 0), 'not-tcp');
  });

  it('jumbogram (payload length 0 with hop-by-hop) → malformed', () => {
    const ip = tcpPacket({ ...v6spec, payloadLength: 0, ipv6ExtHeaders: [{ type: 0, body: Uint8Array.of(0xc2, 4, 0, 1, 0, 0) }] });
    expectSkip(decodeFrame(LINKTYPE.RAW, ip, ip.length), 'malformed');
  });

  it('TSO quirk: payload length 0 without hop-by-hop takes the wire length', () => {
    const ip = tcpPacket({ ...v6spec, payloadLength: 0 });
    expectSegment(decodeFrame(LINKTYPE.RAW, ip, ip.length), 6);
  });

  it('extension header beyond the payload length → malformed; beyond the capture → truncated', () => {
    const ip = tcpPacket({ ...v6spec, ipv6ExtHeaders: [{ type: 60, body: new Uint8Array(30) }] });
    const lying = ip.slice();
    new DataView(lying.buffer).setUint16(4, 16);
    expectSkip(decodeFrame(LINKTYPE.RAW, lying, lying.length), 'malformed');
    expectSkip(decodeFrame(LINKTYPE.RAW, ip.subarray(0, 44), ip.length), 'truncated');
  });

  it('bad version → malformed; short header → truncated', () => {
    expectSkip(decodeFrame(LINKTYPE.IPV6, tcpPacket({ ...v6spec, version: 7 }), 0), 'malformed');
    expectSkip(decodeFrame(LINKTYPE.IPV6, v6.subarray(0, 39), v6.length), 'truncated');
  });
});

describe('TCP', () => {
  it('snap-length truncated payload: a shorter view, the declared payloadLen, no error', () => {
    const frame = ethernet(v4);
    const cut = frame.subarray(0, frame.length - 6);
    const s = tcp(decodeFrame(LINKTYPE.ETHERNET, cut, frame.length));
    assert.deepStrictEqual(Array.from(s.payload), Array.from(payload.subarray(0, payload.length - 6)));
    assert.equal(s.payloadLen, payload.length);
  });

  it('capture cut inside the TCP header → truncated (IPv4 and IPv6, options too)', () => {
    expectSkip(decodeFrame(LINKTYPE.RAW, v4.subarray(0, 20 + 19), v4.length), 'truncated');
    expectSkip(decodeFrame(LINKTYPE.RAW, v6.subarray(0, 40 + 10), v6.length), 'truncated');
    const withOpts = tcpPacket({ ...v4spec, tcpOptions: new Uint8Array(12) });
    expectSkip(decodeFrame(LINKTYPE.RAW, withOpts.subarray(0, 20 + 24), withOpts.length), 'truncated');
    expectSkip(decodeFrame(LINKTYPE.RAW, v4.subarray(0, 12), v4.length), 'truncated');
  });

  it('payload is a view into the frame, not a copy', () => {
    const frame = sll2(v4);
    const s = tcp(decodeFrame(LINKTYPE.LINUX_SLL2, frame, frame.length));
    assert.equal(s.payload.buffer, frame.buffer);
    assert.equal(s.payload.byteOffset, frame.byteOffset + 20 + 20 + 20);
  });

  it('decodes every flag combination and uint32 sequence numbers', () => {
    for (const [flags, seq] of [
      [{ syn: true }, 0],
      [{ syn: true, ack: true }, 0xffffffff],
      [{ fin: true, ack: true }, 0x80000000],
      [{ rst: true }, 1],
      [{ psh: true, ack: true, fin: true, syn: true, rst: true }, 0x7fffffff],
    ] as const) {
      const s = tcp(decodeFrame(LINKTYPE.RAW, tcpPacket({ ...v4spec, flags, seq, ack: seq }), 0));
      assert.deepStrictEqual(s.flags, Object.assign({ syn: false, ack: false, fin: false, rst: false, psh: false }, flags));
      assert.equal(s.seq, seq);
      assert.equal(s.ack, seq);
    }
  });

  it('ignores URG/ECE/CWR bits in the flags record', () => {
    const ip = tcpPacket({ ...v4spec, flags: { ack: true, urg: true } });
    ip[20 + 13] = ip[20 + 13]! | 0xc0;
    assert.deepStrictEqual(tcp(decodeFrame(LINKTYPE.RAW, ip, 0)).flags, { syn: false, ack: true, fin: false, rst: false, psh: false });
  });
});
