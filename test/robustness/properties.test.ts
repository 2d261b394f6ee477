/**
 * One property for every decoder of the pipeline, on arbitrary bytes: it never throws, it ends in
 * bounded time, its output is bounded (its JSON is at most a fixed multiple of the input), and
 * what reaches the output goes through JSON unchanged (no undefined, NaN, BigInt, holes or class
 * instances; stringify → parse → stringify is stable). The decoder-specific property tests live
 * beside each decoder; this file holds the four promises side by side for all of them.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { createCaptureDecoder } from '../../src/capture/decoder.js';
import { LINKTYPE } from '../../src/capture/types.js';
import { decodeFrame } from '../../src/net/decode.js';
import { TcpReassembler } from '../../src/tcp/reassembly.js';
import { decodeFirstBlock, decodeSecondBlock } from '../../src/rtmp/handshake.js';
import { ChunkDecoder } from '../../src/rtmp/chunk-decoder.js';
import { decodeMessageBody } from '../../src/rtmp/messages.js';
import { decodeAmf0Values, decodeAmf3Values, toPlain } from '../../src/amf/index.js';
import { decodeAudioHeader } from '../../src/media/audio.js';
import { decodeVideoHeader } from '../../src/media/video.js';
import { decodeAudioConfig, decodeVideoConfig } from '../../src/media/config.js';
import { RtmpSession } from '../../src/session/rtmp-session.js';
import { Analyzer } from '../../src/session/analyzer.js';
import type { OutputRecord } from '../../src/records/index.js';
import { jsonIssue } from '../builders/json-check.js';
import { handshakeBytes } from '../builders/chunk-writer.js';
import { writePcap } from '../builders/pcap.js';
import { ethernet, tcpPacket } from '../builders/packets.js';

const RUNS = 200;
/** Per input: generous for a loaded 2-core machine; the inputs are at most a few KB. */
const TIME_LIMIT_MS = 1000;
/** Output JSON per input byte (plus a constant): far above any real ratio, far below a blow-up. */
const OUTPUT_PER_BYTE = 200;
const OUTPUT_BASE = 64 * 1024;

const bytes = (max = 4096) => fc.uint8Array({ minLength: 0, maxLength: max, size: 'large' });
const META = { frame: 1, sec: 1_700_000_000, nsec: 0 };

/** The four promises for one decoder call: no throw (fast-check reports it), time, size, JSON. */
function holds(input: Uint8Array, run: () => unknown): void {
  const t0 = performance.now();
  const out = run();
  const ms = performance.now() - t0;
  assert.ok(ms < TIME_LIMIT_MS, `took ${ms.toFixed(0)} ms on ${input.length} bytes`);
  const issue = jsonIssue(out);
  assert.equal(issue, null, issue ?? '');
  const text = JSON.stringify(out) ?? 'null';
  assert.equal(JSON.stringify(JSON.parse(text)), text, 'stringify → parse → stringify is stable');
  assert.ok(text.length <= OUTPUT_BASE + OUTPUT_PER_BYTE * input.length, `${text.length} bytes of JSON from ${input.length} input bytes`);
}

/** Byte arrays in decoder output are views, not output: their length stands for them. */
function withoutBytes(v: unknown): unknown {
  if (v instanceof Uint8Array) return { bytes: v.length };
  if (Array.isArray(v)) return v.map(withoutBytes);
  if (v !== null && typeof v === 'object') {
    const o: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v)) o[k] = withoutBytes(x);
    return o;
  }
  return v;
}

test('capture decoder: any bytes, any split', () => {
  fc.assert(
    fc.property(fc.boolean(), bytes(), fc.array(fc.nat(4096), { maxLength: 4 }), (pcapHeader, body, cuts) => {
      // Half the inputs start with a valid pcap global header so that records are framed.
      const head = pcapHeader ? writePcap([], { linkType: 1 }) : new Uint8Array(0);
      const input = new Uint8Array(head.length + body.length);
      input.set(head);
      input.set(body, head.length);
      holds(input, () => {
        const d = createCaptureDecoder();
        const out: unknown[] = [];
        let prev = 0;
        for (const c of [...cuts.filter((c) => c < input.length).sort((a, b) => a - b), input.length]) {
          for (const e of d.push(input.subarray(prev, c))) out.push(withoutBytes(e));
          prev = c;
        }
        for (const e of d.finish()) out.push(withoutBytes(e));
        return out;
      });
    }),
    { numRuns: RUNS },
  );
});

test('net: any frame on every link type', () => {
  const links: number[] = Object.values(LINKTYPE).filter((v) => typeof v === 'number');
  fc.assert(
    fc.property(fc.constantFrom(...links, 147), bytes(256), fc.nat(70000), (link, data, origLen) => {
      holds(data, () => withoutBytes(decodeFrame(link, data, origLen)));
    }),
    { numRuns: RUNS * 2 },
  );
});

test('tcp: any segments, in any order, with any flags', () => {
  const seg = fc.record({
    fromClient: fc.boolean(),
    seq: fc.oneof(fc.nat(5000), fc.nat(0xffffffff)),
    ack: fc.nat(0xffffffff),
    flags: fc.nat(0x1f),
    payload: bytes(600),
    missing: fc.nat(1000),
  });
  fc.assert(
    fc.property(fc.array(seg, { maxLength: 40 }), (segs) => {
      const input = new Uint8Array(segs.reduce((n, s) => n + s.payload.length + 20, 0));
      holds(input, () => {
        const r = new TcpReassembler({ maxQueuedBytes: 4096 });
        const out: unknown[] = [];
        segs.forEach((s, i) => {
          const [a, b] = s.fromClient
            ? [
                ['10.0.0.1', 50000],
                ['10.0.0.2', 1935],
              ]
            : [
                ['10.0.0.2', 1935],
                ['10.0.0.1', 50000],
              ];
          const flags = { fin: (s.flags & 1) !== 0, syn: (s.flags & 2) !== 0, rst: (s.flags & 4) !== 0, psh: (s.flags & 8) !== 0, ack: (s.flags & 16) !== 0, urg: false };
          const segment = {
            kind: 'tcp' as const,
            ipVersion: 4 as const,
            srcIp: a[0] as string,
            dstIp: b[0] as string,
            srcPort: a[1] as number,
            dstPort: b[1] as number,
            seq: s.seq,
            ack: s.ack,
            flags,
            window: 65535,
            payload: s.payload,
            payloadLen: s.payload.length + (s.missing % 3 === 0 ? s.missing : 0),
          };
          for (const e of r.push(segment, { frame: i + 1, sec: 0, nsec: i })) out.push(withoutBytes(e));
        });
        for (const e of r.finish()) out.push(withoutBytes(e));
        return out;
      });
    }),
    { numRuns: RUNS },
  );
});

test('handshake blocks: any 1536 bytes, either side, with or without the peer block', () => {
  fc.assert(
    fc.property(fc.uint8Array({ minLength: 1536, maxLength: 1536 }), fc.uint8Array({ minLength: 1536, maxLength: 1536 }), fc.boolean(), (block, peer, client) => {
      const side = client ? 'client' : 'server';
      holds(block, () => {
        const first = decodeFirstBlock(block, side);
        const second = decodeSecondBlock(block, side, peer, first.digest);
        return withoutBytes({ first, second });
      });
    }),
    { numRuns: RUNS / 2 },
  );
});

test('chunk decoder: any bytes, after a handshake or from a desync, in any split', () => {
  fc.assert(
    fc.property(fc.constantFrom('handshake', 'chunks', 'desync'), bytes(), fc.array(fc.nat(4096), { maxLength: 4 }), (start, body, cuts) => {
      const head = start === 'handshake' ? handshakeBytes(1).subarray(0, 1537) : new Uint8Array(0);
      const input = new Uint8Array(head.length + body.length);
      input.set(head);
      input.set(body, head.length);
      holds(input, () => {
        const d = new ChunkDecoder('c2s', { skipHandshake: start === 'chunks', startInDesync: start === 'desync' });
        const out: unknown[] = [];
        let prev = 0;
        for (const c of [...cuts.filter((c) => c < input.length).sort((a, b) => a - b), input.length]) {
          for (const e of d.push(input.subarray(prev, c), META)) out.push(withoutBytes(e));
          prev = c;
        }
        for (const e of d.finish()) out.push(withoutBytes(e));
        return out;
      });
    }),
    { numRuns: RUNS },
  );
});

test('message bodies: any bytes under every message type, whole or cut', () => {
  fc.assert(
    fc.property(fc.oneof(fc.integer({ min: 0, max: 24 }), fc.nat(255)), bytes(), fc.boolean(), (typeId, body, truncated) => {
      holds(body, () => decodeMessageBody(typeId, body, 1000, truncated, truncated ? body.length * 2 : body.length));
    }),
    { numRuns: RUNS * 2 },
  );
});

test('AMF0 and AMF3: any bytes, as plain JSON', () => {
  fc.assert(
    fc.property(bytes(), (b) => {
      holds(b, () => {
        const a0 = decodeAmf0Values(b);
        const a3 = decodeAmf3Values(b);
        return { amf0: a0.values.map(toPlain), amf0Error: a0.error ?? null, amf3: a3.values.map(toPlain), amf3Error: a3.error ?? null };
      });
    }),
    { numRuns: RUNS * 2 },
  );
});

test('media tag headers and codec configurations: any bytes', () => {
  fc.assert(
    fc.property(bytes(), fc.constantFrom('avc', 'hevc', 'av1', 'vp9', 'aac', 'opus', 'flac', 'mp3'), (b, codec) => {
      holds(b, () => ({
        audio: decodeAudioHeader(b),
        video: decodeVideoHeader(b),
        videoConfig: decodeVideoConfig(codec, b) ?? null,
        audioConfig: decodeAudioConfig(codec, b) ?? null,
      }));
    }),
    { numRuns: RUNS * 2 },
  );
});

test('a session: any bytes in both directions, interleaved, with gaps', () => {
  const step = fc.record({ c2s: fc.boolean(), data: bytes(1500), gap: fc.nat(4) });
  fc.assert(
    fc.property(fc.boolean(), fc.array(step, { maxLength: 12 }), (midStream, steps) => {
      const input = new Uint8Array(steps.reduce((n, s) => n + s.data.length, 0));
      holds(input, () => {
        const s = new RtmpSession({ session: 1, conn: 0, client: '10.0.0.1:50000', server: '10.0.0.2:1935' }, midStream);
        const out: OutputRecord[] = [];
        const offset = { c2s: 0, s2c: 0 };
        steps.forEach((st, i) => {
          const dir = st.c2s ? 'c2s' : 's2c';
          const meta = { frame: i + 1, sec: 1_700_000_000, nsec: i };
          if (st.gap === 0 && offset[dir] > 0) {
            out.push(...s.gap(dir, 100, meta));
            offset[dir] += 100;
          }
          out.push(...s.data(dir, st.data, offset[dir], meta));
          offset[dir] += st.data.length;
        });
        out.push(...s.finish());
        return out;
      });
    }),
    { numRuns: RUNS },
  );
});

test('the whole pipeline: a capture of any TCP payloads', () => {
  const pkt = fc.record({ c2s: fc.boolean(), flags: fc.nat(0x1f), payload: bytes(1400) });
  fc.assert(
    fc.property(fc.array(pkt, { maxLength: 16 }), (pkts) => {
      const seq = { c: 1000, s: 9000 };
      const pcap = writePcap(
        pkts.map((p, i) => {
          const [src, dst, sport, dport] = p.c2s ? ['10.0.0.1', '10.0.0.2', 50000, 1935] : ['10.0.0.2', '10.0.0.1', 1935, 50000];
          const k = p.c2s ? 'c' : 's';
          const flags = { fin: (p.flags & 1) !== 0, syn: (p.flags & 2) !== 0, rst: (p.flags & 4) !== 0, ack: (p.flags & 16) !== 0, psh: p.payload.length > 0 };
          const data = ethernet(tcpPacket({ src, dst, sport, dport, seq: seq[k], ack: p.c2s ? seq.s : seq.c, flags, payload: p.payload }));
          seq[k] = (seq[k] + p.payload.length + (flags.syn || flags.fin ? 1 : 0)) >>> 0;
          return { sec: 1_700_000_000, nsec: i * 1000, data };
        }),
        { linkType: 1 },
      );
      holds(pcap, () => {
        const d = createCaptureDecoder();
        const a = new Analyzer();
        const out: OutputRecord[] = [];
        for (const e of [...d.push(pcap), ...d.finish()]) if (e.kind !== 'fatal') out.push(...a.push(e));
        out.push(...a.finish());
        return out;
      });
    }),
    { numRuns: RUNS },
  );
});
