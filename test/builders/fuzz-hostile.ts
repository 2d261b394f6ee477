/**
 * The fuzzer's hostile shapes (issue #13), at sizes a fuzz input can afford: connection floods
 * (SYN-only, one-byte mid-stream on port 1935) against a small --max-connections, a TSO
 * super-segment of one-byte chunks, connections opening many messages that claim 16 MiB,
 * chunk-stream floods against a small --conn-buffer, escape-laden strings in commands, and pcapng
 * interfaces whose timestamps lie beyond a date's range. A pure function of the random source.
 */
import type { AnalyzerOptions } from '../../src/session/analyzer.js';
import { amf0 } from './amf-writer.js';
import { chunkStreamFlood, midstreamFlood, openHugeMessages, synFlood, tsoTinyChunks } from './hostile.js';
import { Rtmp } from '../analysis/script.js';
import { writePcapng } from './pcap.js';

/** The part of the fuzzer's random source used here. */
export type HostileRng = { int(n: number): number; pick<T>(a: readonly T[]): T; chance(p: number): boolean };

const NASTY = ['\u001b]0;title\u0007', '\u001b[2J', '\u001b[31m', '\n', '\r', '\u0007', '\u009b', '\u007f', '\u202e', '\u2066', '\u2028', '\u2029', '\u0000', '\t', '|', 'é', '🎥'];

function nastyString(r: HostileRng): string {
  let s = '';
  const n = 1 + r.int(12);
  for (let i = 0; i < n; i++) s += r.chance(0.5) ? r.pick(NASTY) : r.pick(['live', 'cam', 'a', 'x'.repeat(1 + r.int(40))]);
  return s;
}

export function hostileCapture(r: HostileRng): { bytes: Uint8Array; note: string; opts: AnalyzerOptions } {
  switch (r.int(7)) {
    case 0: {
      const n = 1 + r.int(3000);
      const max = 1 + r.int(500);
      return { bytes: synFlood(n), note: `hostile: ${n} SYN-only connections, --max-connections ${max}`, opts: { maxConnections: max } };
    }
    case 1: {
      // An RTMP session per connection (~0.2 ms each): few enough for the fuzzer's time budget.
      const n = 1 + r.int(200);
      const max = 1 + r.int(300);
      return { bytes: midstreamFlood(n), note: `hostile: ${n} one-byte mid-stream connections, --max-connections ${max}`, opts: { maxConnections: max } };
    }
    case 2: {
      // Every byte a message record (~5 µs each): small enough for the fuzzer's time budget.
      const n = r.int(16 * 1024);
      return { bytes: tsoTinyChunks(n), note: `hostile: a TSO segment of ${n} one-byte chunks`, opts: {} };
    }
    case 3: {
      const c = 1 + r.int(4);
      const m = 1 + r.int(600);
      const buf = r.pick([4096, 65536, undefined]);
      return { bytes: openHugeMessages(c, m), note: `hostile: ${c} connections × ${m} open 16 MiB messages, --conn-buffer ${buf}`, opts: buf === undefined ? {} : { connBuffer: buf } };
    }
    case 4: {
      const last = 3 + r.int(3000);
      const buf = r.pick([4096, 16384, 65536]);
      const shared = r.pick([4096, 65536, undefined]);
      return {
        bytes: chunkStreamFlood(1 + r.int(2), last),
        note: `hostile: chunk streams 3..${last}, --conn-buffer ${buf}, shared ${shared}`,
        opts: { connBuffer: buf, ...(shared === undefined ? {} : { sharedBuffer: shared }) },
      };
    }
    case 5: {
      const app = nastyString(r);
      const name = nastyString(r);
      const s = new Rtmp().connect({ app, tcUrl: `rtmp://h/${app}`, flashVer: nastyString(r) }).connectResult(1, {}, { description: nastyString(r) });
      s.createStream(2)
        .publish(3, 1, name, 'live')
        .data('c2s', ['@setDataFrame', 'onMetaData', amf0.ecma({ [nastyString(r)]: nastyString(r) })], { streamId: 1 });
      return { bytes: s.pcap(), note: 'hostile: escape-laden strings', opts: {} };
    }
    default: {
      const frames = new Rtmp().connect().connectResult().frames();
      const tsoffset = r.pick([2 ** 62, -(2 ** 62), 2 ** 53, -(2 ** 40), 0]);
      const tsresol = r.pick([0, 0x80, 6, 9, 0x3f, 0xff, undefined]);
      const iface = { linkType: 1, tsoffset, ...(tsresol === undefined ? {} : { tsresol }) };
      const packets = frames.map((f, i) => ({ iface: 0, sec: tsresol === 0 ? 1_700_000_000_000_000_000 + i : f.sec, nsec: f.nsec ?? 0, data: f.data }));
      return { bytes: writePcapng([{ interfaces: [iface], packets }]), note: `hostile: pcapng if_tsoffset ${tsoffset} if_tsresol ${tsresol}`, opts: {} };
    }
  }
}
