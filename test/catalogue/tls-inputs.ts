/**
 * Inputs that make the pipeline produce the tls.* diagnostics (RTMPS in captures), for
 * test/catalogue/coverage.test.ts: synthetic TLS conversations (test/builders/tls.ts) in pcaps.
 */
import { analysePcap } from '../analysis/script.js';
import { conversationPcap, type Turn } from '../builders/conversation.js';
import { handshakeBytes } from '../builders/chunk-writer.js';
import { clientHello, handshakeMsg, hex, record, seeded, serverHello, tlsWrap } from '../builders/tls.js';
import { concat } from '../builders/bytes.js';
import type { Input } from './inputs.js';

const rtmp: Turn[] = [{ from: 'c', data: handshakeBytes(1).subarray(0, 1537) }];
const tls13 = () => tlsWrap(rtmp, { tls: 13, suite: 0x1301, sni: 'example' });
const tls12 = () => tlsWrap(rtmp, { tls: 12, suite: 0xc02f });
/** Garbage shaped like application data records: plausible headers that never decrypt. */
const fakeRecords = (n: number) => concat(...Array.from({ length: n }, (_, i) => concat([23, 3, 3, 0, 40], seeded(`f${i}`, 40))));

export const TLS_INPUTS: readonly Input[] = [
  { name: 'TLS without a key log', codes: ['tls.encrypted'], run: () => analysePcap(conversationPcap(tls13().turns)) },
  { name: 'TLS with a key log of other sessions', codes: ['tls.no-key'], run: () => analysePcap(conversationPcap(tls13().turns), { keylogs: [tlsWrap(rtmp, { tls: 13, suite: 0x1301, seed: 'x' }).keylog] }) },
  {
    name: 'TLS 1.2 with an RC4 suite and its master secret logged',
    codes: ['tls.unsupported-suite'],
    run: () => {
      const cr = seeded('cr', 32);
      const turns: Turn[] = [
        { from: 'c', data: record(22, clientHello({ random: cr, suites: [0x0005] }), 0x0301) },
        { from: 's', data: record(22, serverHello({ random: seeded('sr', 32), suite: 0x0005, tls13: false })) },
      ];
      return analysePcap(conversationPcap(turns), { keylogs: [`CLIENT_RANDOM ${hex(cr)} ${hex(seeded('ms', 48))}`] });
    },
  },
  {
    name: 'TLS 1.2 with the wrong master secret for its client random',
    codes: ['tls.decrypt-failed'],
    run: () => {
      const w = tls12();
      return analysePcap(conversationPcap(w.turns), { keylogs: [w.keylog.replace(/CLIENT_RANDOM (\w+) \w+/, `CLIENT_RANDOM $1 ${'cd'.repeat(48)}`)] });
    },
  },
  {
    name: 'TLS 1.3 losing a segment of application data',
    codes: ['tls.record.lost'],
    run: () => {
      const w = tlsWrap([{ from: 'c', data: concat(handshakeBytes(1), seeded('app', 3000)) }], { tls: 13, suite: 0x1301, recordSize: 200 });
      return analysePcap(conversationPcap(w.turns, { mss: 300, drop: [6] }), { keylogs: [w.keylog] });
    },
  },
  {
    name: 'TLS 1.3 losing a segment, then only records that never decrypt',
    codes: ['tls.resync-failed'],
    run: () => {
      const w = tls13();
      const turns = [...w.turns, { from: 'c' as const, data: seeded('lost', 500) }, { from: 'c' as const, data: fakeRecords(20) }];
      return analysePcap(conversationPcap(turns, { drop: [w.turns.length] }), { keylogs: [w.keylog] });
    },
  },
  {
    name: 'TLS followed by bytes that are not a record',
    codes: ['tls.record.bad-header'],
    run: () => {
      const w = tls13();
      return analysePcap(conversationPcap([...w.turns.slice(0, 2), { from: 'c', data: seeded('junk', 64).map((b) => b | 0x80) }]), { keylogs: [w.keylog] });
    },
  },
  { name: 'a ClientHello that does not parse', codes: ['tls.hello.malformed'], run: () => analysePcap(conversationPcap([{ from: 'c', data: record(22, handshakeMsg(1, Uint8Array.of(3, 3, 1, 2))) }])) },
  {
    name: 'a server answering a ClientHello with a fatal alert',
    codes: ['tls.alert'],
    run: () =>
      analysePcap(
        conversationPcap([
          { from: 'c', data: tls13().turns[0]!.data },
          { from: 's', data: record(21, Uint8Array.of(2, 40)) },
        ]),
      ),
  },
  {
    name: 'TLS whose plaintext is HTTP, not RTMP',
    codes: ['tls.not-rtmp'],
    run: () => {
      const w = tlsWrap([{ from: 'c', data: new TextEncoder().encode('GET / HTTP/1.1\r\n\r\n') }], { tls: 13, suite: 0x1303 });
      return analysePcap(conversationPcap(w.turns), { keylogs: [w.keylog] });
    },
  },
];
