/**
 * RTMFP decoders one by one: wire primitives, startup chunks, key logs, user data and flow
 * reassembly (fragments split at every offset, any arrival order), recognition (and no false
 * positives on other UDP), and property tests that nothing throws on arbitrary bytes.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { decodeStartupChunk, negotiated } from '../../src/rtmfp/handshake.js';
import { parseKeyLine, parseKeyLogs, framingsFor } from '../../src/rtmfp/keylog.js';
import { decodeAck, decodeException, decodeTcMetadata, decodeUserData, FlowReassembler, FragmentBudget, type FlowEvent } from '../../src/rtmfp/flows.js';
import { decryptPacket, inCksum, parsePacket, readOptions, readVlu, sessionIdOf, STARTUP_FRAMING } from '../../src/rtmfp/wire.js';
import { startupChunk, RtmfpTracker } from '../../src/rtmfp/tracker.js';
import { createHash } from 'node:crypto';
import { cat, datagram, ihello, ihelloFingerprint, option, responderCert, rhello, tcMetadata, udpPcap, userData, vlu } from '../builders/rtmfp.js';
import { COOKIE, KEYLOG, SID_I, SID_R, TAG, URL, codes, run, sessionPkt, startup } from './script.js';
import { dnsQuery, dnsResponse } from './corpus.js';
import { createCaptureDecoder } from '../../src/capture/decoder.js';
import { Analyzer } from '../../src/session/analyzer.js';
import { splitAt } from '../builders/splits.js';

describe('RTMFP wire primitives', () => {
  it('VLU: 7 bits a byte, big-endian; cut or over-long → null', () => {
    for (const n of [0, 1, 127, 128, 16383, 16384, 2 ** 32, 2 ** 50]) assert.equal(readVlu(vlu(n), 0, vlu(n).length)?.value, n);
    assert.equal(readVlu(Uint8Array.of(0x81), 0, 1), null);
    assert.equal(readVlu(new Uint8Array(9).fill(0xff), 0, 9), null);
  });

  it('options: length, type, value; a zero length is a marker; overruns are not ok', () => {
    const b = cat(option(0x0a, Uint8Array.of(1, 2)), option(0x15, vlu(2)), option(), option(0x0e));
    const r = readOptions(b, 0, b.length);
    assert.deepEqual(
      r.options.map((o) => [o.type, [...o.value]]),
      [
        [0x0a, [1, 2]],
        [0x15, [2]],
      ],
    );
    assert.equal(r.marker, true);
    assert.equal(readOptions(Uint8Array.of(5, 1), 0, 2).ok, false);
  });

  it('checksum: RFC 1071 over 16-bit words, odd byte padded', () => {
    assert.equal(inCksum(Uint8Array.of(0x00, 0x01, 0xf2, 0x03, 0xf4, 0xf5, 0xf6, 0xf7), 0, 8), 0x220d);
    assert.equal(inCksum(Uint8Array.of(0xff), 0, 1), 0x00ff);
  });

  it('a startup datagram: scrambled id, default key, checksum, chunks; any flipped bit fails', () => {
    const d = datagram(0x01020304, [ihello(URL, TAG)]);
    assert.equal(sessionIdOf(d), 0x01020304);
    const r = decryptPacket(d, STARTUP_FRAMING);
    assert.ok(r.ok);
    const p = parsePacket(r.plain, r.start)!;
    assert.equal(p.mode, 3);
    assert.equal(p.chunks[0]!.type, 0x30);
    for (let i = 4; i < d.length; i += 7) {
      const bad = d.slice();
      bad[i]! ^= 0x10;
      assert.equal(startupChunk(bad), null, `bit flip at ${i}`);
    }
  });
});

describe('RTMFP startup chunks', () => {
  it('IHello: the rtmfp: URL and the tag', () => {
    const c = decodeStartupChunk(0x30, ihello(URL, TAG).payload);
    assert.deepEqual(c, { kind: 'IHello', epd: { url: URL }, epdLength: URL.length + 2, tag: '33'.repeat(16) });
  });

  it('RHello: tag echo, cookie, certificate with the DH groups and its fingerprint', () => {
    const c = decodeStartupChunk(0x70, rhello(TAG, COOKIE, responderCert([16, 14, 2])).payload);
    assert.equal(c?.kind, 'RHello');
    if (c?.kind !== 'RHello') return;
    assert.equal(c.cookieLength, 64);
    assert.deepEqual(c.certificate.dhGroups, [16, 14, 2]);
    assert.equal(c.certificate.acceptsAncillaryData, true);
    assert.match(c.certificate.fingerprint, /^[0-9a-f]{64}$/);
  });

  it('IIKeying / RIKeying: session ids and negotiation flags', () => {
    const [, , ii, ri] = startup().map((p) => parsePacket(decryptOk(p.payload), 2)!.chunks[0]!);
    const a = decodeStartupChunk(ii!.type, ii!.payload);
    const b = decodeStartupChunk(ri!.type, ri!.payload);
    assert.ok(a?.kind === 'IIKeying' && b?.kind === 'RIKeying');
    assert.equal(a.sessionId, '01020304');
    assert.equal(b.sessionId, '0a0b0c0d');
    assert.equal(a.keyComponent.dhGroup, 2);
    assert.equal(a.keyComponent.hmac?.sendOnRequest, true);
    assert.equal(negotiated(a.keyComponent.hmac, b.keyComponent.hmac), false);
    assert.equal(negotiated({ flags: 4, sendAlways: true, sendOnRequest: false, request: false }, null), true);
  });

  it("IHello by fingerprint: the session says whether it names the responder's certificate", () => {
    const cert = responderCert([2]);
    for (const [fp, match] of [
      [createHash('sha256').update(cert).digest(), true],
      [new Uint8Array(32), false],
    ] as const) {
      const recs = run([
        { from: 'c', payload: datagram(0, [ihelloFingerprint(Uint8Array.from(fp), TAG)]) },
        { from: 's', payload: datagram(0, [rhello(TAG, COOKIE, cert)]) },
      ]);
      const s = recs.find((r) => r.type === 'session');
      assert.ok(s?.type === 'session');
      assert.equal(s.rtmfp?.epd?.fingerprint, Buffer.from(fp).toString('hex'));
      assert.equal(s.rtmfp?.fingerprintMatches, match);
      assert.equal(s.rtmfp?.established, false);
    }
  });

  it('every truncation of a startup chunk decodes or is null, never throws', () => {
    for (const c of startup().map((p) => parsePacket(decryptOk(p.payload), 2)!.chunks[0]!)) {
      for (let n = 0; n <= c.payload.length; n++) decodeStartupChunk(c.type, c.payload.subarray(0, n));
    }
  });
});

function decryptOk(d: Uint8Array): Uint8Array {
  const r = decryptPacket(d, STARTUP_FRAMING);
  assert.ok(r.ok);
  return r.plain;
}

describe('RTMFP key logs', () => {
  it('parses the documented lines, ignores others, picks the receiver entry', () => {
    const e = parseKeyLogs([KEYLOG]);
    assert.equal(e.length, 2);
    assert.equal(parseKeyLine('CLIENT_RANDOM aa bb'), null);
    assert.equal(parseKeyLine('role=initiator local_sid_wire=zz'), null);
    const f = framingsFor(e, '10.0.0.1:50000', '10.0.0.2:1935', SID_R.toString(16).padStart(8, '0'));
    assert.deepEqual(
      f.map((x) => [...x.key]),
      [[...new Uint8Array(16).fill(0x11)], [...new Uint8Array(16).fill(0x11)]],
    );
    assert.deepEqual(framingsFor(e, '10.9.9.9:1', '10.0.0.2:1935', '00000000'), []);
  });
});

describe('RTMFP user data and flows', () => {
  it('User Data with metadata and return flow; Next User Data continues it', () => {
    const u = decodeUserData(0x10, userData({ flow: 5, seq: 7, fsnOffset: 2, fra: 1, metadata: tcMetadata(1), returnFor: 2, data: Uint8Array.of(9) }).payload, null)!;
    assert.deepEqual([u.flowId, u.seq, u.fsnOffset, u.fra, u.returnFor, [...u.data]], [5, 7, 2, 1, 2, [9]]);
    assert.deepEqual(decodeTcMetadata(u.metadata!), { streamId: 1, receiveIntent: 'sequence' });
    const n = decodeUserData(0x11, Uint8Array.of(0x20, 8), u)!;
    assert.deepEqual([n.flowId, n.seq, n.fsnOffset, n.fra], [5, 8, 3, 2]);
    assert.equal(decodeUserData(0x11, Uint8Array.of(0), null), null);
    assert.deepEqual(decodeAck(cat(vlu(3), vlu(10), vlu(4))), { flowId: 3, cumulativeAck: 4 });
    assert.deepEqual(decodeException(cat(vlu(3), vlu(0))), { flowId: 3, exception: 0 });
  });

  it('a message split into fragments at every offset, delivered in any order, reassembles the same', () => {
    const msg = Uint8Array.from({ length: 40 }, (_, i) => i);
    for (let a = 1; a < msg.length; a++) {
      for (let b = a + 1; b < msg.length; b += 5) {
        const parts = [msg.subarray(0, a), msg.subarray(a, b), msg.subarray(b)];
        for (const order of [
          [0, 1, 2],
          [2, 1, 0],
          [1, 0, 2],
        ]) {
          const r = new FlowReassembler(new FragmentBudget(), () => 1 << 20);
          const events: FlowEvent[] = [];
          for (const i of order) {
            const fra = i === 0 ? 1 : i === 2 ? 2 : 3;
            events.push(...r.push(decodeUserData(0x10, userData({ flow: 1, seq: i + 1, fsnOffset: i + 1, fra, data: parts[i]! }).payload, null)!, { frame: i, sec: 0, nsec: 0, offset: 0 }));
          }
          const m = events.filter((e) => e.kind === 'message');
          assert.equal(m.length, 1, `split ${a}/${b} order ${order}`);
          assert.deepEqual(m[0]!.kind === 'message' && [...m[0]!.message.data], [...msg]);
        }
      }
    }
  });

  it('duplicates are counted, abandoned fragments reported, the budget bounds what is held', () => {
    const budget = new FragmentBudget(4);
    const r = new FlowReassembler(budget, () => 8);
    const at = { frame: 1, sec: 0, nsec: 0, offset: 0 };
    const ud = (seq: number, fra: number, fsnOffset = seq) => decodeUserData(0x10, userData({ flow: 1, seq, fsnOffset, fra, data: new Uint8Array(6).fill(seq) }).payload, null)!;
    r.push(ud(1, 1), at);
    r.push(ud(1, 1), at);
    assert.equal(r.duplicates, 1);
    for (let s = 3; s < 10; s++) r.push(ud(s, 3), at);
    assert.ok(budget.used <= 4);
    const lost = r.push(ud(20, 0, 0), at);
    assert.ok(lost.some((e) => e.kind === 'lost'));
    const m = lost.find((e) => e.kind === 'message');
    assert.ok(m?.kind === 'message' && m.message.data.length === 6);
  });

  it('fast-check: random fragment streams never throw and keep the budget', () => {
    fc.assert(
      fc.property(fc.array(fc.record({ seq: fc.nat(40), fsn: fc.nat(40), fra: fc.nat(3), len: fc.nat(20) }), { maxLength: 80 }), (xs) => {
        const budget = new FragmentBudget(16);
        const r = new FlowReassembler(budget, () => 32);
        for (const x of xs) {
          for (const e of r.push(decodeUserData(0x10, userData({ flow: 1, seq: x.seq, fsnOffset: Math.min(x.fsn, x.seq), fra: x.fra, data: new Uint8Array(x.len) }).payload, null)!, { frame: 1, sec: 0, nsec: 0, offset: 0 })) {
            if (e.kind === 'message') assert.ok(e.message.data.length <= 32);
          }
          assert.ok(budget.used <= 17);
        }
        r.finish();
        assert.equal(budget.used, 0);
      }),
      { numRuns: 300 },
    );
  });
});

describe('RTMFP recognition', () => {
  it('no false positives: DNS, zeros, random bytes of every block size are not RTMFP', () => {
    const corpus = [dnsQuery(), dnsResponse(), new Uint8Array(68), new Uint8Array(1200).fill(0xff)];
    for (const d of corpus) assert.equal(startupChunk(d), null);
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 90 }), fc.integer({ min: 0, max: 2 ** 31 }), (blocks, seed) => {
        let x = seed | 1;
        const d = Uint8Array.from({ length: 4 + blocks * 16 }, () => ((x = (x * 1103515245 + 12345) >>> 0), x >>> 24));
        assert.equal(startupChunk(d), null);
      }),
      { numRuns: 2000 },
    );
    const recs = run(corpus.map((payload) => ({ from: 'c' as const, payload })));
    assert.equal(recs.filter((r) => r.type === 'session').length, 0);
    const cap = recs.find((r) => r.type === 'capture');
    assert.equal(cap?.type === 'capture' && cap.skipped['not-tcp'], corpus.length);
  });

  it('fast-check: the tracker never throws on arbitrary datagrams, alone or after a startup', () => {
    const pre = startup();
    fc.assert(
      fc.property(fc.array(fc.uint8Array({ minLength: 0, maxLength: 120 }), { maxLength: 8 }), fc.boolean(), (ds, withStart) => {
        const t = new RtmfpTracker({ keylogs: [KEYLOG], nextSession: () => 1 });
        const meta = { frame: 1, sec: 0, nsec: 0 };
        const udp = (from: 'c' | 's', payload: Uint8Array) => ({
          kind: 'udp' as const,
          ipVersion: 4 as const,
          srcIp: from === 'c' ? '10.0.0.1' : '10.0.0.2',
          dstIp: from === 'c' ? '10.0.0.2' : '10.0.0.1',
          srcPort: from === 'c' ? 50000 : 1935,
          dstPort: from === 'c' ? 1935 : 50000,
          payload,
          payloadLen: payload.length,
        });
        if (withStart) for (const p of pre) t.push(udp(p.from, p.payload), meta);
        for (const d of ds) {
          t.push(udp('c', d), meta);
          // Valid framing, random chunks: the decoders below the crypto see arbitrary bytes.
          t.push(udp('c', sessionPkt('c', [{ type: d[0] ?? 0x10, payload: d.subarray(1) }]).payload), meta);
        }
        t.finish();
      }),
      { numRuns: 300 },
    );
  });

  it('a key log with a stale entry for the same ids and addresses: the entry that reads the packets is used', () => {
    const stale = KEYLOG.replace(/encrypt_key=[0-9a-f]+ decrypt_key=[0-9a-f]+/g, `encrypt_key=${'ab'.repeat(16)} decrypt_key=${'cd'.repeat(16)}`);
    const pkts = [...startup(), sessionPkt('c', [userData({ flow: 1, seq: 1, data: Uint8Array.of(1) })]), sessionPkt('s', [userData({ flow: 1, seq: 1, data: Uint8Array.of(2) })])];
    const recs = run(pkts, { keylogs: [stale, KEYLOG] });
    const s = recs.find((r) => r.type === 'session');
    assert.ok(s?.type === 'session');
    assert.deepEqual(
      [s.rtmfp?.decrypted, s.rtmfp?.undecrypted],
      [
        { c2s: 1, s2c: 1 },
        { c2s: 0, s2c: 0 },
      ],
    );
    assert.equal(codes(recs).has('rtmfp.decrypt-failed'), false);
  });

  it('retransmitted startup chunks stay in their session; IHello times are capped', () => {
    const [ih, rh, ii, ri] = startup();
    const recs = run([...Array.from({ length: 40 }, () => ih!), rh!, ii!, ri!, ii!, ri!, rh!]);
    const sessions = recs.filter((r) => r.type === 'session');
    assert.equal(sessions.length, 1);
    const f = sessions[0]!.type === 'session' ? sessions[0]!.rtmfp! : null;
    assert.deepEqual([f?.ihello.count, f?.ihello.elapsedMs.length, f?.established], [40, 16, true]);
  });

  it('a synthetic keyed session: flows decrypted, the TC message decoded as RTMP', () => {
    const connect = cat([0x02, 0x00, 0x07], new TextEncoder().encode('connect'), [0x00, 0x3f, 0xf0, 0, 0, 0, 0, 0, 0], [0x05]);
    const msg = cat([0x14, 0, 0, 0, 0], connect);
    const pkts = [...startup(), sessionPkt('c', [userData({ flow: 1, seq: 1, metadata: tcMetadata(0), data: msg })])];
    const recs = run(pkts, { keylogs: [KEYLOG] });
    const m = recs.find((r) => r.type === 'message');
    assert.ok(m?.type === 'message' && m.name === 'connect' && m.transactionId === 1 && m.csid === 1);
    const s = recs.find((r) => r.type === 'session');
    assert.ok(s?.type === 'session' && s.transport === 'rtmfp' && s.rtmfp?.keys === 'logged' && s.rtmfp.flows[0]?.signature === 'TC');
    assert.equal(codes(recs).has('rtmfp.keys-needed'), false);
    assert.equal(SID_I, 0x01020304);
  });
});

describe('RTMFP through the capture decoder', () => {
  it('a keyed session pcap split at every offset gives the same records', () => {
    const connect = cat([0x02, 0x00, 0x07], new TextEncoder().encode('connect'), [0x00, 0x3f, 0xf0, 0, 0, 0, 0, 0, 0], [0x05]);
    const pcap = udpPcap([
      ...startup(),
      sessionPkt('c', [userData({ flow: 1, seq: 1, fra: 1, metadata: tcMetadata(0), data: cat([0x14, 0, 0, 0, 0], connect.subarray(0, 5)) })]),
      sessionPkt('c', [userData({ flow: 1, seq: 2, fra: 2, data: connect.subarray(5) })]),
    ]);
    const once = (chunks: Uint8Array[]) => {
      const dec = createCaptureDecoder();
      const a = new Analyzer({ keylogs: [KEYLOG] });
      const out: string[] = [];
      for (const c of chunks) for (const ev of dec.push(c)) out.push(...a.push(ev).map((r) => JSON.stringify(r)));
      for (const ev of dec.finish()) out.push(...a.push(ev).map((r) => JSON.stringify(r)));
      out.push(...a.finish().map((r) => JSON.stringify(r)));
      return out;
    };
    const want = once([pcap]);
    assert.ok(want.some((l) => l.includes('"name":"connect"')));
    for (let i = 1; i < pcap.length; i++) assert.deepEqual(once(splitAt(pcap, [i])), want, `split at ${i}`);
  });
});
