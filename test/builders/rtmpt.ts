/**
 * RTMPT conversations from intent: RTMP bytes per direction → HTTP requests and replies of the
 * tunnel (/open, /send, /idle, /close with Content-Type application/x-fcs, the polling hint as
 * each reply's first byte) → TCP connections (conversation builder) → one pcap, frames of several
 * connections merged in a chosen order.
 */
import { amf0 } from './amf-writer.js';
import { concatBytes, handshakeBytes, writeChunks } from './chunk-writer.js';
import { conversationFrames, type Turn } from './conversation.js';
import { writePcap, type PcapRecordSpec } from './pcap.js';

export const ascii = (s: string): Uint8Array => Uint8Array.from(s, (c) => c.charCodeAt(0));

/** A request head (+ body) as librtmp writes it. */
export function request(path: string, body: Uint8Array, opts: { chunked?: boolean; contentType?: string } = {}): Uint8Array {
  const ct = opts.contentType ?? 'application/x-fcs';
  if (opts.chunked === true) {
    const head = ascii(`POST ${path} HTTP/1.1\r\nHost: 10.0.0.2\r\nContent-Type: ${ct}\r\nTransfer-Encoding: chunked\r\n\r\n`);
    const parts: Uint8Array[] = [head];
    for (let o = 0; o < body.length; o += 100) {
      const piece = body.subarray(o, Math.min(o + 100, body.length));
      parts.push(ascii(`${piece.length.toString(16)}\r\n`), piece, ascii('\r\n'));
    }
    parts.push(ascii('0\r\n\r\n'));
    return concatBytes(...parts);
  }
  return concatBytes(ascii(`POST ${path} HTTP/1.1\r\nHost: 10.0.0.2\r\nConnection: Keep-Alive\r\nContent-Type: ${ct}\r\nContent-Length: ${body.length}\r\n\r\n`), body);
}

export function reply(body: Uint8Array, status = 200, contentType = 'application/x-fcs'): Uint8Array {
  return concatBytes(ascii(`HTTP/1.1 ${status} ${status === 200 ? 'OK' : 'Not Found'}\r\nContent-Type: ${contentType}\r\nContent-Length: ${body.length}\r\nConnection: keep-alive\r\n\r\n`), body);
}

/** A reply to send/idle/close: the hint byte, then the server's RTMP bytes. */
export const tunnelReply = (hint: number, rtmp: Uint8Array = new Uint8Array(0)): Uint8Array => reply(concatBytes(Uint8Array.of(hint), rtmp));

/** A small RTMP conversation: both handshakes, connect, its _result, createStream. */
export function rtmpBytes(): { c2s: Uint8Array[]; s2c: Uint8Array[] } {
  const c = handshakeBytes(1);
  const s = handshakeBytes(2, { second: c.subarray(1, 1537) });
  const connect = writeChunks([{ csid: 3, typeId: 20, timestamp: 0, body: amf0.encode(['connect', 1, { app: 'live', tcUrl: 'rtmpt://10.0.0.2/live' }]) }]);
  const result = writeChunks([{ csid: 3, typeId: 20, timestamp: 0, body: amf0.encode(['_result', 1, { fmsVer: 'FMS/3,0,1,123' }, { level: 'status', code: 'NetConnection.Connect.Success' }]) }]);
  const create = writeChunks([{ csid: 3, typeId: 20, timestamp: 0, body: amf0.encode(['createStream', 2, null]) }]);
  const created = writeChunks([{ csid: 3, typeId: 20, timestamp: 0, body: amf0.encode(['_result', 2, null, 1]) }]);
  // librtmp's pattern: C0+C1 alone, then C2 alone, then the commands.
  return { c2s: [c.subarray(0, 1537), s.subarray(1, 1537), connect, create], s2c: [s, new Uint8Array(0), result, created] };
}

/**
 * One tunnel on one connection: /open, then one /send per c2s piece answered with the s2c piece
 * of the same index, then /close. Sequence numbers start at 0 after /open, as ffmpeg and librtmp
 * number them.
 */
export function tunnelTurns(id: string, rtmp = rtmpBytes(), from = 0, opts: { open?: boolean; close?: boolean; chunked?: boolean } = {}): Turn[] {
  const turns: Turn[] = [];
  if (opts.open !== false) {
    turns.push({ from: 'c', data: request('/open/1', Uint8Array.of(0)) }, { from: 's', data: reply(ascii(`${id}\n`)) });
  }
  rtmp.c2s.forEach((b, i) => {
    turns.push({ from: 'c', data: request(`/send/${id}/${from + i}`, b, opts.chunked ? { chunked: true } : {}) });
    turns.push({ from: 's', data: tunnelReply(1, rtmp.s2c[i]) });
  });
  if (opts.close !== false) {
    const n = from + rtmp.c2s.length;
    turns.push({ from: 'c', data: request(`/close/${id}/${n}`, Uint8Array.of(0)) }, { from: 's', data: tunnelReply(0) });
  }
  return turns;
}

/** Frames of several connections, concatenated in the given order of [connection, frame range]. */
export function connFrames(turns: readonly Turn[], clientPort: number): Uint8Array[] {
  return conversationFrames(turns, { client: { ip: '10.0.0.1', port: clientPort }, server: { ip: '10.0.0.2', port: 8080 } });
}

export function pcapOf(frames: readonly Uint8Array[]): Uint8Array {
  const recs: PcapRecordSpec[] = frames.map((data, i) => ({ sec: 1_700_000_000 + Math.floor(i / 1000), nsec: (i % 1000) * 1_000_000, data }));
  return writePcap(recs, { linkType: 1 });
}
