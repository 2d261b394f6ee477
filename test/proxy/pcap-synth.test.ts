/**
 * The pcap synthesiser and the decode tap without sockets: a conversation fed the way the relay
 * feeds it (arbitrary chunks, both directions interleaved) decodes live to exactly the records
 * the repo's capture decoder + analyzer produce from the synthesised pcap. Plus the packet
 * details: segment size cap, sequence wraparound, IPv6 and mixed families, checksums,
 * timestamps that never go backwards, and address normalisation.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import type { Direction } from '../../src/core/diagnostics.js';
import type { OutputRecord } from '../../src/records/index.js';
import { steppingClock, type Clock } from '../../src/proxy/clock.js';
import { MAX_SEGMENT, parseIpBytes, TcpSynth, type PcapLink } from '../../src/proxy/pcap-synth.js';
import { socketEndpoint } from '../../src/proxy/relay.js';
import { SessionTap } from '../../src/proxy/tap.js';
import { SessionPipeline } from '../../src/session/pipeline.js';
import { BufferBudget } from '../../src/rtmp/chunk-decoder.js';
import { concatBytes, handshakeBytes, setChunkSize, writeChunks } from '../builders/chunk-writer.js';
import { amf0 } from '../builders/amf-writer.js';
import { mediaMessages } from './fake-rtmp.js';
import { analyzePcap, plain } from './harness.js';

type Turn = { dir: Direction; data: Uint8Array };

function conversation(seed: number, bigMessage = 0): Turn[] {
  const c = handshakeBytes(seed);
  const s = handshakeBytes(seed + 1);
  const c1 = c.subarray(1, 1537);
  const s1 = s.subarray(1, 1537);
  const media = mediaMessages(seed, 12, 3000);
  if (bigMessage > 0) media.push({ csid: 6, typeId: 9, timestamp: 999, streamId: 1, body: concatBytes(Uint8Array.of(0x27, 1, 0, 0, 0), new Uint8Array(bigMessage).fill(7)) });
  return [
    { dir: 'c2s', data: c.subarray(0, 1537) },
    { dir: 's2c', data: concatBytes(s.subarray(0, 1537), c1) },
    { dir: 'c2s', data: concatBytes(s1, writeChunks([{ csid: 3, typeId: 20, timestamp: 0, body: amf0.connectBody() }])) },
    { dir: 's2c', data: writeChunks([{ csid: 3, typeId: 20, timestamp: 0, body: amf0.command('_result', 1, null, { code: 'NetConnection.Connect.Success' }) }]) },
    { dir: 'c2s', data: writeChunks([{ csid: 3, typeId: 20, timestamp: 0, body: amf0.command('publish', 0, null, 'x', 'live') }, setChunkSize(60000)]) },
    { dir: 'c2s', data: writeChunks(media, { chunkSize: 60000 }) },
  ];
}

type Live = { records: OutputRecord[]; pcap: Uint8Array };

/** Drive synth + tap as relay.ts does, chunking each turn by `chunk` bytes. */
function live(turns: Turn[], opts: { chunk: number; link?: PcapLink; client?: string; server?: string; isn?: number; clock?: Clock }): Live {
  const clock = opts.clock ?? steppingClock();
  const synth = new TcpSynth({ link: opts.link ?? 'ethernet', encode: true, isn: () => opts.isn ?? 12345 });
  const client = socketEndpoint(opts.client ?? '10.1.2.3', 50123)!;
  const server = socketEndpoint(opts.server ?? '10.9.8.7', 1935)!;
  const parts: Uint8Array[] = [synth.fileHeader()];
  const conn = synth.open(client.synth, server.synth, clock());
  const pipe = new SessionPipeline({ shared: new BufferBudget(1 << 28) });
  const tap = new SessionTap(pipe, conn);
  const records: OutputRecord[] = [];
  for (const t of turns) {
    for (let i = 0; i < t.data.length; i += opts.chunk) {
      const chunk = t.data.subarray(i, i + opts.chunk);
      for (const seg of synth.data(conn, t.dir, chunk, clock())) records.push(...pipe.admit(tap.segment(t.dir, chunk.subarray(seg.start, seg.end), seg)));
    }
  }
  synth.fin(conn, 'c2s', clock());
  synth.fin(conn, 's2c', clock());
  records.push(...pipe.admit(tap.finish()), ...pipe.finishChecks());
  parts.push(...synth.take());
  records.push({ type: 'capture', format: 'pcap-ns', frames: synth.frames, linkTypes: [synth.linkType], tcpConnections: 1, rtmpSessions: 1, skipped: {} });
  return { records, pcap: concatBytes(...parts) };
}

test('synth: live decode equals the decode of the synthesised pcap (any chunking, both link types)', () => {
  for (const link of ['ethernet', 'raw'] as const) {
    for (const chunk of [1 << 20, 1000, 137]) {
      const l = live(conversation(5), { chunk, link });
      assert.deepEqual(plain(analyzePcap(l.pcap)), plain(l.records), `${link} chunk ${chunk}`);
      const msgs = l.records.filter((r) => r.type === 'message');
      assert.ok(msgs.some((m) => m.type === 'message' && m.name === 'connect'));
      assert.equal(msgs.filter((m) => m.type === 'message' && (m.typeId === 8 || m.typeId === 9)).length, 14);
    }
  }
});

test('synth: chunks above 65495 bytes are split into segments; offsets and frames line up', () => {
  const synth = new TcpSynth({ encode: true, isn: () => 0 });
  const clock = steppingClock();
  const a = socketEndpoint('127.0.0.1', 1)!.synth;
  const b = socketEndpoint('127.0.0.1', 2)!.synth;
  const conn = synth.open(a, b, clock());
  synth.take();
  const segs = synth.data(conn, 'c2s', new Uint8Array(200_000), clock());
  assert.deepEqual(
    segs.map((s) => [s.frame, s.offset, s.start, s.end]),
    [
      [4, 0, 0, MAX_SEGMENT],
      [5, MAX_SEGMENT, MAX_SEGMENT, 2 * MAX_SEGMENT],
      [6, 2 * MAX_SEGMENT, 2 * MAX_SEGMENT, 3 * MAX_SEGMENT],
      [7, 3 * MAX_SEGMENT, 3 * MAX_SEGMENT, 200_000],
    ],
  );
  // Each data packet: its headers, then its payload (a view of the forwarded bytes).
  const parts = synth.take();
  assert.equal(parts.length, 8);
  const recs = [0, 2, 4, 6].map((i) => concatBytes(parts[i]!, parts[i + 1]!));
  // 16 pcap + 14 Ethernet + 20 IPv4 + 20 TCP + payload; IPv4 total length is at most 65535.
  assert.equal(recs[0]!.length, 16 + 14 + 20 + 20 + MAX_SEGMENT);
  assert.equal(new DataView(recs[0]!.buffer).getUint16(16 + 14 + 2), 65535);
});

test('synth: a big message across segments and sequence numbers wrapping past 2^32', () => {
  const l = live(conversation(6, 300_000), { chunk: 1 << 20, isn: 0xfffff000 });
  assert.deepEqual(plain(analyzePcap(l.pcap)), plain(l.records));
  const big = l.records.find((r) => r.type === 'message' && r.timestamp === 999);
  assert.ok(big !== undefined && big.type === 'message' && big.firstFrame < big.frame, 'the message spans several frames');
});

test('synth: IPv6 endpoints, and mixed families written as IPv4-mapped IPv6', () => {
  const v6 = live(conversation(7), { chunk: 5000, client: '::1', server: '2001:db8::5' });
  assert.deepEqual(plain(analyzePcap(v6.pcap)), plain(v6.records));
  assert.equal((v6.records.find((r) => r.type === 'session') as { client: string }).client, '[::1]:50123');
  const mixed = live(conversation(8), { chunk: 5000, client: '127.0.0.1', server: '::1' });
  const fromPcap = analyzePcap(mixed.pcap);
  const s = fromPcap.find((r) => r.type === 'session') as { client: string; server: string };
  assert.equal(s.client, '[::ffff:127.0.0.1]:50123');
  assert.equal(s.server, '[::1]:1935');
  const strip = (rs: OutputRecord[]) => (plain(rs) as Record<string, unknown>[]).map((r) => ({ ...r, client: null, server: null }));
  assert.deepEqual(strip(fromPcap), strip(mixed.records));
});

test('synth: IPv4 and TCP checksums verify; timestamps never go backwards', () => {
  let t = 10_000;
  const backwards: Clock = () => ({ sec: (t -= 1), nsec: 0 });
  const l = live(conversation(9), { chunk: 3000, clock: backwards });
  const b = l.pcap;
  const v = new DataView(b.buffer, b.byteOffset);
  let p = 24;
  let last = -1;
  let n = 0;
  while (p < b.length) {
    const sec = v.getUint32(p, true);
    const nsec = v.getUint32(p + 4, true);
    const len = v.getUint32(p + 8, true);
    const ts = sec * 1e9 + nsec;
    assert.ok(ts >= last, 'non-decreasing');
    last = ts;
    const ip = p + 16 + 14;
    const ihl = (b[ip]! & 0x0f) * 4;
    assert.equal(fold(b, ip, ip + ihl, 0), 0xffff, 'IPv4 header checksum');
    const total = v.getUint16(ip + 2);
    let s = fold(b, ip + 12, ip + 20, 0);
    s += 6 + total - ihl;
    assert.equal(fold(b, ip + ihl, ip + total, s), 0xffff, 'TCP checksum');
    p += 16 + len;
    n++;
  }
  assert.equal(n, (l.records.at(-1) as { frames: number }).frames);
});

function fold(b: Uint8Array, from: number, to: number, acc: number): number {
  let s = acc;
  for (let i = from; i < to; i += 2) s += (b[i]! << 8) | (i + 1 < to ? b[i + 1]! : 0);
  while (s > 0xffff) s = (s & 0xffff) + (s >>> 16);
  return s;
}

/** The TCP checksum of a data segment of `payload`, placed `shift` bytes into its buffer, verifies. */
function checksumVerifies(payload: Uint8Array, shift: number, v6: boolean): void {
  const synth = new TcpSynth({ link: 'raw', isn: () => 0xfffffff0 });
  const ip = (n: number) => (v6 ? new Uint8Array(16).fill(n) : Uint8Array.of(10, 0, 0, n));
  const conn = synth.open({ ip: ip(1), port: 40000 }, { ip: ip(2), port: 1935 }, { sec: 1, nsec: 0 });
  synth.take();
  const backing = new Uint8Array(payload.length + shift);
  backing.set(payload, shift);
  synth.data(conn, 'c2s', backing.subarray(shift), { sec: 1, nsec: 1 });
  const parts = synth.take();
  // Every packet (a header array, then its payload): one segment, or several of MAX_SEGMENT.
  for (let k = 0; k < parts.length; k += 2) {
    const b = concatBytes(parts[k]!, parts[k + 1]!).subarray(16);
    const ihl = v6 ? 40 : 20;
    const srcAt = v6 ? 8 : 12;
    let s = fold(b, srcAt, srcAt + 2 * ip(0).length, 0);
    s += 6 + b.length - ihl;
    assert.equal(fold(b, ihl, b.length, s), 0xffff, `segment ${k / 2} of ${payload.length} bytes at +${shift}`);
  }
}

test('synth: TCP checksums verify for any payload length and alignment, IPv4 and IPv6 (the word-wide sum and the byte-pair one agree)', () => {
  fc.assert(
    fc.property(fc.uint8Array({ minLength: 1, maxLength: 5000 }), fc.nat(3), fc.boolean(), (payload, shift, v6) => checksumVerifies(payload, shift, v6)),
    { numRuns: 300 },
  );
  // The word-wide sum (64 bytes and more) at even and odd addresses, odd and even lengths, and
  // segments that start 65495 bytes into a chunk.
  let seed = 5;
  for (const len of [64, 65, 127, 4096, 4097, 140_001]) {
    const payload = new Uint8Array(len).map(() => (seed = (seed * 1103515245 + 12345) & 0x7fffffff) >> 16);
    for (let shift = 0; shift < 4; shift++) for (const v6 of [false, true]) checksumVerifies(payload, shift, v6);
  }
});

test('synth: addresses as the decoders print them', () => {
  assert.equal(socketEndpoint('::ffff:127.0.0.1', 5)!.text, '127.0.0.1:5');
  assert.equal(socketEndpoint('::1', 1935)!.text, '[::1]:1935');
  assert.equal(socketEndpoint('2001:0db8:0000:0000:0000:0000:0000:0001', 1)!.text, '[2001:db8::1]:1');
  assert.equal(socketEndpoint('fe80::1%lo', 1)!.text, '[fe80::1]:1');
  assert.equal(socketEndpoint('example.com', 1), null);
  assert.deepEqual([...parseIpBytes('1.2.3.4')!], [1, 2, 3, 4]);
  assert.equal(parseIpBytes('1.2.3.256'), null);
  assert.equal(parseIpBytes('1::2::3'), null);
  assert.deepEqual([...parseIpBytes('::')!], new Array(16).fill(0));
});
