/**
 * Tunnels and overlays: GTP-U (with E, S, PN and extension headers), VXLAN, GRE (key, sequence,
 * checksum), ERSPAN I/II/III, IP-in-IP in all four combinations, MPLS stacks, PPPoE sessions,
 * nesting and its bound; what stays undecodable says why; cuts at every length never throw; and
 * identical inner 4-tuples of different tunnels stay different TCP connections.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { decodeFrame } from '../../src/net/decode.js';
import { MAX_TUNNEL_DEPTH } from '../../src/net/tunnel.js';
import { LINKTYPE } from '../../src/capture/types.js';
import type { NetResult, TcpSegment } from '../../src/net/types.js';
import { TcpReassembler } from '../../src/tcp/reassembly.js';
import { ethernet, ipPacket, tcpPacket, udpPacket } from '../builders/packets.js';
import { concat as bytes } from '../builders/bytes.js';
import { WRAP_KINDS, wrapFrame } from '../../scripts/wrap-capture.js';

const payload = new TextEncoder().encode('\x03rtmp chunk bytes');
const inner4 = tcpPacket({ src: '10.0.0.1', dst: '10.0.0.2', sport: 50000, dport: 1935, seq: 7, ack: 9, flags: { ack: true, psh: true }, payload });
const inner6 = tcpPacket({ src: '2001:db8::1', dst: '2001:db8::2', sport: 50000, dport: 1935, seq: 7, ack: 9, flags: { ack: true, psh: true }, payload });

const eth = (f: Uint8Array): NetResult => decodeFrame(LINKTYPE.ETHERNET, f, f.length);

function seg(r: NetResult): TcpSegment {
  assert.equal(r.kind, 'tcp', `expected a TCP segment, got ${JSON.stringify(r)}`);
  return r;
}

/** The inner segment's fields, as decoded without any tunnel. */
function sameInner(r: NetResult, inner: Uint8Array): TcpSegment {
  const s = seg(r);
  const plain = seg(decodeFrame(LINKTYPE.RAW, inner, inner.length));
  const { tunnel, ...rest } = s;
  assert.ok(tunnel !== undefined, 'the segment says it came through a tunnel');
  assert.deepEqual({ ...rest, payload: [...rest.payload] }, { ...plain, payload: [...plain.payload] });
  return s;
}

function skipWhy(r: NetResult, why: string): void {
  assert.equal(r.kind, 'skip', JSON.stringify(r));
  assert.equal(r.kind === 'skip' && r.reason, 'tunnel');
  assert.equal(r.kind === 'skip' && r.why, why);
}

function gtp(flags: number, type: number, rest: Uint8Array, teid = 0x01020304): Uint8Array {
  return bytes([flags, type, rest.length >> 8, rest.length & 0xff, teid >>> 24, (teid >> 16) & 0xff, (teid >> 8) & 0xff, teid & 0xff], rest);
}
const overUdp = (port: number, body: Uint8Array, src = '192.0.2.1', dst = '198.51.100.1') => ethernet(udpPacket({ src, dst, sport: port, dport: port, payload: body }));
const overGre = (greHdr: number[], body: Uint8Array) => ethernet(ipPacket({ src: '192.0.2.1', dst: '198.51.100.1', protocol: 47, payload: bytes(greHdr, body) }));

describe('tunnels: each kind, as the wrap script builds them (the committed captures use it)', () => {
  for (const kind of WRAP_KINDS) {
    it(`${kind}: the inner segment is decoded exactly`, () => {
      const s = sameInner(eth(wrapFrame(kind, ethernet(inner4), 1)), inner4);
      assert.ok(s.tunnel!.layers.length >= 1);
    });
  }
  it('ids and outer endpoints are kept', () => {
    const g = seg(eth(wrapFrame('gtpu', ethernet(inner4), 1))).tunnel!;
    assert.deepEqual(g.layers, [{ type: 'gtp-u', src: '192.0.2.1', dst: '198.51.100.1', teid: 0x1001, qfi: 9 }]);
    assert.deepEqual(seg(eth(wrapFrame('vxlan', ethernet(inner4), 1))).tunnel!.layers, [{ type: 'vxlan', src: '192.0.2.1', dst: '198.51.100.1', vni: 5001 }]);
    assert.deepEqual(seg(eth(wrapFrame('gre', ethernet(inner4), 1))).tunnel!.layers, [{ type: 'gre', src: '192.0.2.1', dst: '198.51.100.1', key: 0xc0ffee }]);
    assert.deepEqual(seg(eth(wrapFrame('erspan2', ethernet(inner4), 1))).tunnel!.layers, [{ type: 'erspan', src: '192.0.2.1', dst: '198.51.100.1', erspanVersion: 1, erspanSession: 7 }]);
    assert.deepEqual(seg(eth(wrapFrame('erspan3', ethernet(inner4), 1))).tunnel!.layers, [{ type: 'erspan', src: '192.0.2.1', dst: '198.51.100.1', erspanVersion: 2, erspanSession: 7 }]);
    assert.deepEqual(seg(eth(wrapFrame('mpls', ethernet(inner4), 1))).tunnel!.layers, [{ type: 'mpls', labels: [16001, 24] }]);
    assert.deepEqual(seg(eth(wrapFrame('pppoe', ethernet(inner4), 1))).tunnel!.layers, [{ type: 'pppoe', pppoeSession: 0x1234 }]);
    assert.deepEqual(
      seg(eth(wrapFrame('nested', ethernet(inner4), 1))).tunnel!.layers.map((l) => l.type),
      ['mpls', 'gre', 'vxlan'],
    );
  });
  it('IP-in-IP in all four combinations (4in4, 6in4, 4in6, 6in6)', () => {
    for (const [outer, inner, proto] of [
      ['4', inner4, 4],
      ['4', inner6, 41],
      ['6', inner4, 4],
      ['6', inner6, 41],
    ] as const) {
      const [src, dst] = outer === '4' ? ['192.0.2.1', '198.51.100.1'] : ['2001:db8:ff::1', '2001:db8:ff::2'];
      const s = sameInner(eth(ethernet(ipPacket({ src, dst, protocol: proto, payload: inner }))), inner);
      assert.deepEqual(s.tunnel!.layers, [{ type: 'ip-in-ip', src, dst }]);
    }
  });
});

describe('GTP-U', () => {
  it('without optional fields, with S only, with PN only, and with a chain of extension headers', () => {
    sameInner(eth(overUdp(2152, gtp(0x30, 0xff, inner4))), inner4);
    sameInner(eth(overUdp(2152, gtp(0x32, 0xff, bytes([0, 5, 0, 0], inner4)))), inner4);
    sameInner(eth(overUdp(2152, gtp(0x31, 0xff, bytes([0, 0, 3, 0], inner6)))), inner6);
    // E: UDP port extension (0x40, 4 bytes) then a PDU Session Container (0x85) with QFI 5.
    const chain = bytes([0, 0, 0, 0x40], [1, 0x08, 0x68, 0x85], [1, 0x00, 0x05, 0x00], inner4);
    const s = sameInner(eth(overUdp(2152, gtp(0x34, 0xff, chain))), inner4);
    assert.equal(s.tunnel!.layers[0]!.qfi, 5);
  });
  it('signalling, other versions and bad extension headers are undecodable with a reason', () => {
    skipWhy(eth(overUdp(2152, gtp(0x32, 1, new Uint8Array(4)))), 'gtp-u-signalling'); // echo request
    skipWhy(eth(overUdp(2152, gtp(0x48, 0xff, inner4))), 'gtp-u-version'); // GTPv2
    skipWhy(eth(overUdp(2152, gtp(0x20, 0xff, inner4))), 'gtp-u-version'); // GTP'
    skipWhy(eth(overUdp(2152, gtp(0x34, 0xff, bytes([0, 0, 0, 0x85], [0, 0, 0, 0], inner4)))), 'gtp-u-extension');
    const many = bytes([0, 0, 0, 0x40], ...Array.from({ length: 20 }, () => [1, 0, 0, 0x40]), inner4);
    skipWhy(eth(overUdp(2152, gtp(0x34, 0xff, many))), 'gtp-u-extension');
    skipWhy(eth(overUdp(2152, gtp(0x30, 0xff, bytes([0x55], inner4.subarray(1))))), 'inner-not-ip');
  });
  it('other UDP is a plain datagram (for RTMFP), not a tunnel', () => {
    const r = eth(overUdp(5353, inner4));
    assert.equal(r.kind, 'udp');
    assert.equal(r.kind === 'udp' && r.dstPort, 5353);
  });
});

describe('VXLAN, GRE, ERSPAN, MPLS, PPPoE details', () => {
  it('VXLAN carries VLAN-tagged Ethernet; without the I flag it is undecodable', () => {
    const vx = (flags: number) => overUdp(4789, bytes([flags, 0, 0, 0, 0, 0, 9, 0], ethernet(inner4, { vlans: [100] })));
    assert.equal(seg(eth(vx(0x08))).tunnel!.layers[0]!.vni, 9);
    skipWhy(eth(vx(0x00)), 'vxlan-flags');
  });
  it('GRE with checksum, key and sequence; IPv6 and MPLS payloads; refused versions, routing and protocols', () => {
    sameInner(eth(overGre([0xb0, 0x00, 0x08, 0x00, 0, 0, 0, 0, 0, 0, 0, 42, 0, 0, 0, 1], inner4)), inner4);
    sameInner(eth(overGre([0x00, 0x00, 0x86, 0xdd], inner6)), inner6);
    const viaMpls = seg(eth(overGre([0x00, 0x00, 0x88, 0x47], bytes([0x00, 0x01, 0x01, 0x40], inner4))));
    assert.deepEqual(
      viaMpls.tunnel!.layers.map((l) => l.type),
      ['gre', 'mpls'],
    );
    skipWhy(eth(overGre([0x00, 0x01, 0x88, 0x0b], inner4)), 'gre-version');
    skipWhy(eth(overGre([0x40, 0x00, 0x08, 0x00], inner4)), 'gre-routing');
    skipWhy(eth(overGre([0x00, 0x00, 0x12, 0x34], inner4)), 'gre-protocol');
  });
  it('ERSPAN type I (no header), type III with the platform sub-header and with IP frames; wrong versions', () => {
    const t1 = seg(eth(overGre([0x00, 0x00, 0x88, 0xbe], ethernet(inner4))));
    assert.equal(t1.tunnel!.layers[0]!.erspanVersion, 0);
    const t3o = bytes([0x20, 0, 0, 3, 0, 0, 0, 1, 0, 0, 0x00, 0x01], new Uint8Array(8), ethernet(inner4));
    assert.equal(seg(eth(overGre([0x10, 0x00, 0x22, 0xeb, 0, 0, 0, 1], t3o))).tunnel!.layers[0]!.erspanSession, 3);
    const t3ip = bytes([0x20, 0, 0, 3, 0, 0, 0, 1, 0, 0, 0x08, 0x00], inner4);
    sameInner(eth(overGre([0x10, 0x00, 0x22, 0xeb, 0, 0, 0, 1], t3ip)), inner4);
    skipWhy(eth(overGre([0x10, 0x00, 0x22, 0xeb, 0, 0, 0, 1], bytes([0x10, 0, 0, 3, 0, 0, 0, 1, 0, 0, 0, 0], ethernet(inner4)))), 'erspan-version');
    skipWhy(eth(overGre([0x10, 0x00, 0x22, 0xeb, 0, 0, 0, 1], bytes([0x20, 0, 0, 3, 0, 0, 0, 1, 0, 0, 0x0c, 0], ethernet(inner4)))), 'erspan-frame-type');
  });
  it('MPLS: a pseudowire control word and over-deep stacks are undecodable', () => {
    skipWhy(eth(ethernet(bytes([0x00, 0x01, 0x01, 0x40], [0, 0, 0, 0], ethernet(inner4)), { etherType: 0x8847 })), 'mpls-payload');
    const deep = bytes(...Array.from({ length: 20 }, () => [0x00, 0x01, 0x00, 0x40]), inner4);
    skipWhy(eth(ethernet(deep, { etherType: 0x8848 })), 'mpls-stack');
  });
  it('PPPoE: LCP and bad headers are undecodable; IPv6 is decoded', () => {
    const pppoe = (vt: number, proto: number, body: Uint8Array) => ethernet(bytes([vt, 0, 0x12, 0x34, (body.length + 2) >> 8, (body.length + 2) & 0xff, proto >> 8, proto & 0xff], body), { etherType: 0x8864 });
    sameInner(eth(pppoe(0x11, 0x0057, inner6)), inner6);
    skipWhy(eth(pppoe(0x11, 0xc021, new Uint8Array(8))), 'pppoe-protocol');
    skipWhy(eth(pppoe(0x12, 0x0021, inner4)), 'pppoe-header');
  });
  it(`nesting deeper than ${MAX_TUNNEL_DEPTH} layers is refused`, () => {
    let p = inner4;
    for (let i = 0; i < MAX_TUNNEL_DEPTH; i++) p = ipPacket({ src: '192.0.2.1', dst: '198.51.100.1', protocol: 4, payload: p });
    assert.equal(seg(decodeFrame(LINKTYPE.RAW, p, p.length)).tunnel!.layers.length, MAX_TUNNEL_DEPTH);
    const deeper = ipPacket({ src: '192.0.2.1', dst: '198.51.100.1', protocol: 4, payload: p });
    skipWhy(decodeFrame(LINKTYPE.RAW, deeper, deeper.length), 'depth');
  });
});

describe('cut tunnels', () => {
  it('a frame of every kind cut at every length never throws: truncated, or a segment missing payload', () => {
    for (const kind of WRAP_KINDS) {
      const f = wrapFrame(kind, ethernet(inner4), 1);
      for (let n = 0; n < f.length; n++) {
        const r = decodeFrame(LINKTYPE.ETHERNET, f.subarray(0, n), f.length);
        if (r.kind === 'skip') assert.equal(r.reason, 'truncated', `${kind} cut at ${n}: ${JSON.stringify(r)}`);
        else assert.ok(r.payload.length < r.payloadLen && r.payloadLen === payload.length, `${kind} cut at ${n}`);
      }
    }
  });
  it('random bytes behind each tunnel header never throw (property)', () => {
    const frames: ((tail: Uint8Array) => Uint8Array)[] = [
      (t) => overUdp(2152, t),
      (t) => overUdp(2152, bytes([0x30, 0xff, 0, t.length], [0, 0, 0, 1], t)),
      (t) => overUdp(2152, bytes([0x34, 0xff, 0, t.length], [0, 0, 0, 1, 0, 0, 0, 0x85], t)),
      (t) => overUdp(4789, t),
      (t) => overGre([], t),
      (t) => overGre([0x10, 0x00, 0x22, 0xeb, 0, 0, 0, 1], t),
      (t) => ethernet(t, { etherType: 0x8847 }),
      (t) => ethernet(t, { etherType: 0x8864 }),
      (t) => ethernet(ipPacket({ src: '192.0.2.1', dst: '198.51.100.1', protocol: 4, payload: t })),
    ];
    const reasons = new Set<string>();
    fc.assert(
      fc.property(fc.nat(frames.length - 1), fc.uint8Array({ maxLength: 120 }), fc.nat(200), (i, tail, cut) => {
        const full = frames[i]!(tail);
        const f = full.subarray(0, Math.max(0, full.length - cut));
        const r = decodeFrame(LINKTYPE.ETHERNET, f, full.length);
        reasons.add(r.kind === 'skip' ? r.reason : r.kind);
        if (r.kind !== 'skip') assert.ok(r.payload.length <= r.payloadLen);
        else assert.ok(['not-ip', 'not-tcp', 'fragment', 'malformed', 'truncated', 'tunnel'].includes(r.reason), JSON.stringify(r));
      }),
      { numRuns: 5000 },
    );
    assert.ok(reasons.has('tunnel') && reasons.has('truncated'), [...reasons].join());
  });
});

describe('tunnel ids in TCP tracking', () => {
  const syn = (vni: number) => {
    const t = tcpPacket({ src: '10.0.0.1', dst: '10.0.0.2', sport: 50000, dport: 1935, seq: 1, flags: { syn: true } });
    return seg(eth(overUdp(4789, bytes([0x08, 0, 0, 0, 0, 0, vni, 0], ethernet(t)))));
  };
  it('identical inner 4-tuples in different VXLAN segments are two connections', () => {
    const r = new TcpReassembler();
    const meta = { frame: 1, sec: 0, nsec: 0 };
    const opens = [...r.push(syn(1), meta), ...r.push(syn(2), { ...meta, frame: 2 }), ...r.push(syn(1), { ...meta, frame: 3 })].filter((e) => e.kind === 'open');
    assert.equal(opens.length, 2, 'the retransmitted SYN in VNI 1 belongs to the first connection');
  });
  it('per-direction ids (GTP-U TEIDs) do not split a connection; both directions are recorded', () => {
    const r = new TcpReassembler();
    const c2s = seg(eth(wrapFrame('gtpu', ethernet(tcpPacket({ src: '10.0.0.1', dst: '10.0.0.2', sport: 50000, dport: 1935, seq: 1, flags: { syn: true } })), 1)));
    const s2c = seg(eth(wrapFrame('gtpu', ethernet(tcpPacket({ src: '10.0.0.2', dst: '10.0.0.1', sport: 1935, dport: 50000, seq: 100, ack: 2, flags: { syn: true, ack: true } })), 2)));
    const ev = [...r.push(c2s, { frame: 1, sec: 0, nsec: 0 }), ...r.push(s2c, { frame: 2, sec: 0, nsec: 0 }), ...r.finish()];
    assert.equal(ev.filter((e) => e.kind === 'open').length, 1);
    const close = ev.find((e) => e.kind === 'close');
    assert.ok(close?.kind === 'close');
    assert.equal(close.tunnel?.c2s?.layers[0]?.teid, 0x1001);
    assert.equal(close.tunnel?.s2c?.layers[0]?.teid, 0x2002);
  });
});

describe('tunnels in the capture record', () => {
  it('counts TCP packets per layer and what could not be followed, by reason', async () => {
    const { Analyzer } = await import('../../src/session/analyzer.js');
    const { tunnelLine } = await import('../../src/output/summary.js');
    const a = new Analyzer();
    const frames = [
      wrapFrame('gtpu', ethernet(inner4), 1),
      overUdp(2152, gtp(0x32, 1, new Uint8Array(4))), // echo request
      overUdp(2152, gtp(0x32, 1, new Uint8Array(4))),
      overGre([0x00, 0x00, 0x12, 0x34], inner4),
    ];
    frames.forEach((data, i) => a.push({ kind: 'record', frame: i + 1, iface: 0, sec: i, nsec: 0, linkType: LINKTYPE.ETHERNET, data, origLen: data.length }));
    const cap = a.finish().find((r) => r.type === 'capture');
    assert.ok(cap?.type === 'capture');
    assert.deepEqual(cap.tunnels, { packets: { 'gtp-u': 1 }, undecodable: { 'gtp-u-signalling': 2, 'gre-protocol': 1 } });
    assert.equal(cap.skipped['tunnel'], 3);
    assert.equal(tunnelLine(cap.tunnels), 'Through tunnels (TCP packets per layer): gtp-u 1; not followed: gtp-u-signalling 2, gre-protocol 1.');
  });
});
