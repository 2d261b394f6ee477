/**
 * No false positives: a generated corpus of non-RTMP TCP connections (HTTP, an FLV served over
 * HTTP, TLS also on port 1935, SSH, RTSP with interleaved RTP, text protocols on 19350, DNS, SMB2,
 * MySQL and gRPC-like LAN traffic) and random byte streams, each captured mid-stream (no SYN, the
 * case the evidence scan decides) and some from their start; none may become an RTMP session.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { conversationPcap, type Turn } from '../builders/conversation.js';
import { concatBytes } from '../builders/chunk-writer.js';
import { analyzeEvents, captureEvents } from '../builders/cut-sweep.js';
import type { SessionRecord } from '../../src/records/index.js';

/** mulberry32: a small seeded PRNG. */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

type Gen = { readonly kind: string; readonly port: number; readonly turns: (r: () => number) => Turn[] };

const enc = new TextEncoder();
const text = (s: string): Uint8Array => enc.encode(s);
const int = (r: () => number, n: number): number => Math.floor(r() * n);
function random(r: () => number, n: number, zeroBias = 0): Uint8Array {
  const b = new Uint8Array(n);
  for (let i = 0; i < n; i++) b[i] = r() < zeroBias ? 0 : int(r, 256);
  return b;
}
const be = (v: number, n: number): number[] => Array.from({ length: n }, (_, i) => (v >>> (8 * (n - 1 - i))) & 0xff);

function flvBody(r: () => number): Uint8Array {
  const parts: Uint8Array[] = [Uint8Array.from([0x46, 0x4c, 0x56, 1, 5, 0, 0, 0, 9, 0, 0, 0, 0])];
  let ts = 0;
  for (let i = 0; i < 60; i++) {
    const video = r() < 0.4;
    const body = video ? concatBytes(Uint8Array.from([i % 30 === 0 ? 0x17 : 0x27, 1, 0, 0, 0]), random(r, 200 + int(r, 6000), 0.1)) : concatBytes(Uint8Array.from([0xaf, 1]), random(r, 150 + int(r, 250)));
    ts += video ? 33 : 23;
    const tag = Uint8Array.from([video ? 9 : 8, ...be(body.length, 3), ...be(ts & 0xffffff, 3), ts >>> 24, 0, 0, 0]);
    parts.push(tag, body, Uint8Array.from(be(11 + body.length, 4)));
  }
  return concatBytes(...parts);
}

function tlsRecords(r: () => number, n: number): Uint8Array {
  const parts: Uint8Array[] = [];
  for (let i = 0; i < n; i++) {
    const len = 20 + int(r, 16000);
    parts.push(Uint8Array.from([0x17, 3, 3, ...be(len, 2)]), random(r, len));
  }
  return concatBytes(...parts);
}

const http = (r: () => number): Turn[] => [
  { from: 'c', data: text(`GET /index${int(r, 1000)}.html HTTP/1.1\r\nHost: example.test\r\nUser-Agent: curl/8.0\r\nAccept: */*\r\n\r\n`) },
  { from: 's', data: text(`HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Length: 4000\r\n\r\n<html>${'<p>hello world\t</p>\n'.repeat(180 + int(r, 40))}</html>`) },
];

const GENS: Gen[] = [
  { kind: 'http', port: 80, turns: http },
  { kind: 'http-8080', port: 8080, turns: http },
  {
    kind: 'http-flv',
    port: 8080,
    turns: (r) => [
      { from: 'c', data: text('GET /live/stream.flv HTTP/1.1\r\nHost: cdn.test\r\n\r\n') },
      { from: 's', data: concatBytes(text('HTTP/1.1 200 OK\r\nContent-Type: video/x-flv\r\nTransfer-Encoding: identity\r\n\r\n'), flvBody(r)) },
    ],
  },
  { kind: 'flv-1935', port: 1935, turns: (r) => [{ from: 's', data: flvBody(r).subarray(13 + int(r, 400)) }] },
  {
    kind: 'tls-443',
    port: 443,
    turns: (r) => [
      { from: 'c', data: tlsRecords(r, 4) },
      { from: 's', data: tlsRecords(r, 12) },
    ],
  },
  {
    kind: 'tls-1935',
    port: 1935,
    turns: (r) => [
      { from: 'c', data: tlsRecords(r, 6) },
      { from: 's', data: tlsRecords(r, 10) },
    ],
  },
  {
    kind: 'ssh',
    port: 22,
    turns: (r) => {
      const pkts = (n: number): Uint8Array => concatBytes(...Array.from({ length: n }, () => random(r, 32 + 16 * int(r, 200))));
      return [
        { from: 'c', data: pkts(5) },
        { from: 's', data: pkts(15) },
        { from: 'c', data: pkts(5) },
      ];
    },
  },
  {
    kind: 'rtsp-interleaved',
    port: 554,
    turns: (r) => {
      const rtp: Uint8Array[] = [];
      let seq = int(r, 65536);
      for (let i = 0; i < 120; i++) {
        const payload = random(r, 100 + int(r, 1300));
        const pkt = Uint8Array.from([0x80, 0x60 | (i % 10 === 0 ? 0x80 : 0), ...be(seq++ & 0xffff, 2), ...be(i * 3000, 4), 0x12, 0x34, 0x56, 0x78]);
        rtp.push(Uint8Array.from([0x24, i % 2 === 0 ? 0 : 2, ...be(pkt.length + payload.length, 2)]), pkt, payload);
      }
      return [
        { from: 'c', data: text('PLAY rtsp://cam.test/stream RTSP/1.0\r\nCSeq: 4\r\nSession: 12345678\r\n\r\n') },
        { from: 's', data: concatBytes(text('RTSP/1.0 200 OK\r\nCSeq: 4\r\nSession: 12345678\r\nRTP-Info: url=rtsp://cam.test/stream/track1;seq=1\r\n\r\n'), ...rtp) },
      ];
    },
  },
  {
    kind: 'text-19350',
    port: 19350,
    turns: (r) => [
      { from: 'c', data: text(Array.from({ length: 80 }, (_, i) => `PRIVMSG #chan :line ${i} ${'x'.repeat(int(r, 60))}\r\n`).join('')) },
      { from: 's', data: text(Array.from({ length: 80 }, (_, i) => `:server 0${i % 10}${i % 7} nick :ok ${int(r, 1e6)}\r\n`).join('')) },
    ],
  },
  {
    kind: 'dns-tcp',
    port: 53,
    turns: (r) => {
      const msg = (): Uint8Array => {
        const m = concatBytes(Uint8Array.from([...be(int(r, 65536), 2), 0x81, 0x80, 0, 1, 0, 2, 0, 0, 0, 0]), text('\x07example\x04test\x00'), Uint8Array.from([0, 1, 0, 1]), random(r, 32, 0.5));
        return concatBytes(Uint8Array.from(be(m.length, 2)), m);
      };
      return [
        { from: 'c', data: concatBytes(...Array.from({ length: 20 }, msg)) },
        { from: 's', data: concatBytes(...Array.from({ length: 40 }, msg)) },
      ];
    },
  },
  {
    kind: 'smb2',
    port: 445,
    turns: (r) => {
      const msg = (): Uint8Array => {
        const body = concatBytes(Uint8Array.from([0xfe, 0x53, 0x4d, 0x42, 64, 0, 0, 0, 0, 0, 8, 0]), new Uint8Array(52), random(r, 50 + int(r, 4000), 0.6));
        return concatBytes(Uint8Array.from([0, ...be(body.length, 3)]), body);
      };
      return [
        { from: 'c', data: concatBytes(...Array.from({ length: 20 }, msg)) },
        { from: 's', data: concatBytes(...Array.from({ length: 20 }, msg)) },
      ];
    },
  },
  {
    kind: 'mysql',
    port: 3306,
    turns: (r) => {
      const pkt = (seq: number): Uint8Array => {
        const p = random(r, 5 + int(r, 300), 0.4);
        return concatBytes(Uint8Array.from([p.length & 0xff, (p.length >> 8) & 0xff, 0, seq & 0xff]), p);
      };
      return [
        { from: 'c', data: concatBytes(...Array.from({ length: 30 }, (_, i) => pkt(i))) },
        { from: 's', data: concatBytes(...Array.from({ length: 60 }, (_, i) => pkt(i))) },
      ];
    },
  },
  {
    kind: 'grpc-like',
    port: 50051,
    turns: (r) => {
      const frame = (): Uint8Array => {
        const p = random(r, 10 + int(r, 2000), 0.5);
        return concatBytes(Uint8Array.from([0, ...be(p.length, 4)]), p);
      };
      return [
        { from: 'c', data: concatBytes(...Array.from({ length: 30 }, frame)) },
        { from: 's', data: concatBytes(...Array.from({ length: 30 }, frame)) },
      ];
    },
  },
  {
    kind: 'random',
    port: 40000,
    turns: (r) => [
      { from: 'c', data: random(r, 2000 + int(r, 60000)) },
      { from: 's', data: random(r, 2000 + int(r, 200000)) },
    ],
  },
  {
    kind: 'random-zeros',
    port: 1935,
    turns: (r) => [
      { from: 'c', data: random(r, 2000 + int(r, 60000), 0.5) },
      { from: 's', data: random(r, 2000 + int(r, 100000), 0.3) },
    ],
  },
];

/** Where the capture starts: with the SYN, or at some byte of the conversation (no SYN). */
function corpus(perKind: number, seed: number): { kind: string; pcap: Uint8Array }[] {
  const r = rng(seed);
  const out: { kind: string; pcap: Uint8Array }[] = [];
  for (const g of GENS) {
    for (let i = 0; i < perKind; i++) {
      const turns = g.turns(r);
      // Mid-stream: drop a random prefix of the first turn's bytes (the capture began later).
      const midStream = i % 4 !== 3;
      const skip = midStream ? int(r, Math.max(1, (turns[0] as Turn).data.length - 1)) : 0;
      const cut = turns.map((t, j) => (j === 0 ? { from: t.from, data: t.data.subarray(skip) } : t));
      const server = { ip: `10.1.${i}.2`, port: g.port };
      const client = { ip: `10.1.${i}.1`, port: 40000 + int(r, 20000) };
      out.push({ kind: g.kind, pcap: conversationPcap(cut, { client, server, noHandshake: midStream, mss: 1448 - int(r, 900) }) });
    }
  }
  return out;
}

test('false positives: no non-RTMP connection of the generated corpus becomes an RTMP session', () => {
  const items = corpus(16, 20261207);
  assert.ok(items.length >= 200);
  const accepted: string[] = [];
  for (const { kind, pcap } of items) {
    const recs = analyzeEvents(captureEvents(pcap));
    const sessions = recs.filter((x): x is SessionRecord => x.type === 'session');
    for (const s of sessions) accepted.push(`${kind} ${s.server} (${s.detectedBy})`);
  }
  // False-accept rate: 0 of items.length.
  assert.deepEqual(accepted, []);
});
