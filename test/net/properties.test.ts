/**
 * Property tests for decodeFrame: random bytes and mutated valid frames never throw, for every
 * link type; results always satisfy the segment invariants.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { decodeFrame } from '../../src/net/decode.js';
import { LINKTYPE } from '../../src/capture/types.js';
import type { NetResult } from '../../src/net/types.js';
import { ethernet, loop, nullLoop, raw, sll, sll2, tcpPacket } from '../builders/packets.js';

const LINK_TYPES = [...Object.values(LINKTYPE), 12, 14, 9999];

function checkInvariants(r: NetResult, data: Uint8Array): void {
  if (r.kind === 'skip') {
    assert.ok(['not-ip', 'not-tcp', 'fragment', 'unsupported-link', 'malformed', 'truncated', 'tunnel'].includes(r.reason));
    return;
  }
  assert.ok(r.payload.length <= r.payloadLen, 'captured payload never exceeds the declared length');
  assert.ok(r.payloadLen >= 0);
  assert.equal(r.payload.buffer, data.buffer, 'payload is a view of the frame');
  assert.ok(r.payload.byteOffset + r.payload.length <= data.byteOffset + data.length);
  for (const n of [r.srcPort, r.dstPort]) assert.ok(Number.isInteger(n) && n >= 0 && n <= 0xffff);
  if (r.kind === 'udp') return;
  for (const n of [r.seq, r.ack]) assert.ok(Number.isInteger(n) && n >= 0 && n <= 0xffffffff);
  assert.ok(Number.isInteger(r.window) && r.window >= 0 && r.window <= 0xffff);
}

describe('net properties', () => {
  it('random bytes never throw for any link type', () => {
    fc.assert(
      fc.property(fc.constantFrom(...LINK_TYPES), fc.uint8Array({ maxLength: 200 }), fc.nat(70000), (lt, data, origLen) => {
        checkInvariants(decodeFrame(lt, data, origLen), data);
      }),
      { numRuns: 5000 },
    );
  });

  const frame = fc
    .record({
      v6: fc.boolean(),
      wrap: fc.constantFrom('eth', 'vlan', 'sll', 'sll2', 'null', 'loop', 'raw'),
      payload: fc.uint8Array({ maxLength: 64 }),
      ipOptions: fc.uint8Array({ maxLength: 12 }),
      ext: fc.boolean(),
    })
    .map(({ v6, wrap, payload, ipOptions, ext }): [number, Uint8Array] => {
      const ip = tcpPacket({
        src: v6 ? '2001:db8::1' : '10.1.2.3',
        dst: v6 ? '::1' : '10.3.2.1',
        sport: 1935,
        dport: 50000,
        payload,
        ...(v6 ? (ext ? { ipv6ExtHeaders: [{ type: 0 as const }, { type: 60 as const }] } : {}) : { ipOptions }),
      });
      switch (wrap) {
        case 'eth':
          return [LINKTYPE.ETHERNET, ethernet(ip, { minLength: 60 })];
        case 'vlan':
          return [LINKTYPE.ETHERNET, ethernet(ip, { vlans: [1, 2] })];
        case 'sll':
          return [LINKTYPE.LINUX_SLL, sll(ip)];
        case 'sll2':
          return [LINKTYPE.LINUX_SLL2, sll2(ip)];
        case 'null':
          return [LINKTYPE.NULL, nullLoop(ip)];
        case 'loop':
          return [LINKTYPE.LOOP, loop(ip)];
        default:
          return [LINKTYPE.RAW, raw(ip)];
      }
    });

  it('valid frames decode; mutated and truncated ones never throw', () => {
    fc.assert(
      fc.property(frame, fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { maxLength: 6 }), fc.nat(), ([lt, data], mutations, cutSeed) => {
        assert.equal(decodeFrame(lt, data, data.length).kind, 'tcp');
        const mutated = data.slice();
        for (const [at, value] of mutations) mutated[at % mutated.length] = value;
        checkInvariants(decodeFrame(lt, mutated, mutated.length), mutated);
        const cut = mutated.subarray(0, cutSeed % (mutated.length + 1));
        checkInvariants(decodeFrame(lt, cut, mutated.length), cut);
      }),
      { numRuns: 3000 },
    );
  });
});
