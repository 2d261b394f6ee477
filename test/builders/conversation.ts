/**
 * A whole TCP conversation from intent: "client sends these bytes, server answers these", turned
 * into Ethernet frames with a handshake, MSS-sized segments, ACKs and a FIN exchange, then into
 * a pcap. Options drop the SYN (capture started late), drop segments (loss), or reorder.
 */
import { ethernet, tcpPacket } from './packets.js';
import { writePcap, type PcapRecordSpec } from './pcap.js';

export type Turn = { from: 'c' | 's'; data: Uint8Array };

export type ConversationOptions = {
  client?: { ip: string; port: number };
  server?: { ip: string; port: number };
  mss?: number;
  /** Leave out the SYN / SYN-ACK / ACK packets. */
  noHandshake?: boolean;
  /** Leave out the FIN exchange. */
  noClose?: boolean;
  /** Indexes (0-based, among data segments) of segments the capture misses. */
  drop?: readonly number[];
  /** Start time in seconds. */
  start?: number;
};

export function conversationFrames(turns: readonly Turn[], opts: ConversationOptions = {}): Uint8Array[] {
  const c = opts.client ?? { ip: '10.0.0.1', port: 50000 };
  const s = opts.server ?? { ip: '10.0.0.2', port: 1935 };
  const mss = opts.mss ?? 1448;
  const frames: Uint8Array[] = [];
  let cseq = 1000;
  let sseq = 9000;
  const pkt = (from: 'c' | 's', flags: { syn?: boolean; ack?: boolean; fin?: boolean; psh?: boolean }, payload: Uint8Array = new Uint8Array(0)) => {
    const [a, b] = from === 'c' ? [c, s] : [s, c];
    const seq = from === 'c' ? cseq : sseq;
    const ack = from === 'c' ? sseq : cseq;
    return ethernet(tcpPacket({ src: a.ip, dst: b.ip, sport: a.port, dport: b.port, seq, ack: flags.ack === false ? 0 : ack, flags: { ack: true, ...flags }, payload }));
  };
  if (opts.noHandshake !== true) {
    frames.push(pkt('c', { syn: true, ack: false }));
    cseq++;
    frames.push(pkt('s', { syn: true }));
    sseq++;
    frames.push(pkt('c', {}));
  }
  let seg = 0;
  for (const t of turns) {
    for (let off = 0; off < t.data.length; off += mss) {
      const piece = t.data.subarray(off, Math.min(off + mss, t.data.length));
      const f = pkt(t.from, { psh: true }, piece);
      if (t.from === 'c') cseq = (cseq + piece.length) >>> 0;
      else sseq = (sseq + piece.length) >>> 0;
      if (!(opts.drop ?? []).includes(seg)) frames.push(f);
      seg++;
    }
    // The receiver acknowledges each turn.
    frames.push(pkt(t.from === 'c' ? 's' : 'c', {}));
  }
  if (opts.noClose !== true) {
    frames.push(pkt('c', { fin: true }));
    cseq++;
    frames.push(pkt('s', { fin: true }));
    sseq++;
    frames.push(pkt('c', {}));
  }
  return frames;
}

export function conversationPcap(turns: readonly Turn[], opts: ConversationOptions = {}): Uint8Array {
  const start = opts.start ?? 1_700_000_000;
  const recs: PcapRecordSpec[] = conversationFrames(turns, opts).map((data, i) => ({ sec: start, nsec: i * 1000, data }));
  return writePcap(recs, { linkType: 1 });
}
