/**
 * Catalogue inputs for the RTMFP codes (merged into test/catalogue/inputs.ts): synthetic sessions
 * from test/rtmfp/script.ts through the real pipeline.
 */
import type { Input } from '../catalogue/inputs.js';
import { analysePcap } from '../analysis/script.js';
import { datagram, ihello, udpPcap, userData, type ChunkSpec } from '../builders/rtmfp.js';
import { KEYLOG, TAG, URL, sessionPkt, startup, type Pkt } from './script.js';

const data = new Uint8Array(8).fill(1);
const keyed = (pkts: Pkt[]) => analysePcap(udpPcap(pkts), { keylogs: [KEYLOG] });

export const RTMFP_INPUTS: readonly Input[] = [
  { name: 'RTMFP session packets without a key log', codes: ['rtmfp.keys-needed'], run: () => analysePcap(udpPcap([...startup(), sessionPkt('c', [userData({ flow: 1, seq: 1, data })])])) },
  {
    name: 'RTMFP session packet under another key than the logged one',
    codes: ['rtmfp.decrypt-failed'],
    run: () => keyed([...startup(), sessionPkt('c', [userData({ flow: 1, seq: 1, data })], { key: new Uint8Array(16).fill(0x99) })]),
  },
  {
    name: 'RTMFP IHello retransmitted, never answered',
    codes: ['rtmfp.unanswered'],
    run: () => analysePcap(udpPcap([0, 1, 3.5].map((time) => ({ from: 'c' as const, payload: datagram(0, [ihello(URL, TAG)]), time })))),
  },
  { name: 'RTMFP User Data chunk cut after its flags', codes: ['rtmfp.malformed'], run: () => keyed([...startup(), sessionPkt('c', [{ type: 0x10, payload: Uint8Array.of(0x00) }])]) },
  {
    name: 'RTMFP fragments abandoned by the sender (forward sequence number past them)',
    codes: ['rtmfp.flow.lost'],
    run: () => keyed([...startup(), sessionPkt('c', [userData({ flow: 1, seq: 1, fra: 1, data })]), sessionPkt('c', [userData({ flow: 1, seq: 3, fsnOffset: 0, data })])]),
  },
  {
    name: 'RTMFP session opening 300 flows',
    codes: ['rtmfp.cap'],
    run: () => {
      const chunks: ChunkSpec[] = Array.from({ length: 300 }, (_, i) => userData({ flow: i + 1, seq: 1, data: Uint8Array.of(1) }));
      return keyed([...startup(), sessionPkt('c', chunks)]);
    },
  },
];
