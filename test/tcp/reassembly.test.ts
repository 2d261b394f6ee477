/**
 * Table-driven TCP reassembly: segments in, ordered streams, gaps and closes out.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { TcpReassembler, type TcpEvent, type ReassemblyOptions } from '../../src/tcp/reassembly.js';
import type { TcpSegment } from '../../src/net/types.js';

const C = { ip: '10.0.0.1', port: 50000 };
const S = { ip: '10.0.0.2', port: 1935 };

type SegSpec = {
  from: 'c' | 's';
  seq: number;
  ack?: number;
  syn?: boolean;
  fin?: boolean;
  rst?: boolean;
  data?: string;
  /** Declared payload length when the capture cut the bytes short. */
  declared?: number;
};

function seg(s: SegSpec, c = C, sv = S): TcpSegment {
  const [src, dst] = s.from === 'c' ? [c, sv] : [sv, c];
  const payload = new TextEncoder().encode(s.data ?? '');
  return {
    kind: 'tcp',
    ipVersion: 4,
    srcIp: src.ip,
    dstIp: dst.ip,
    srcPort: src.port,
    dstPort: dst.port,
    seq: s.seq >>> 0,
    ack: (s.ack ?? 0) >>> 0,
    flags: { syn: !!s.syn, ack: s.ack !== undefined, fin: !!s.fin, rst: !!s.rst, psh: false },
    window: 65535,
    payload,
    payloadLen: s.declared ?? payload.length,
  };
}

type Outcome = {
  /** Reassembled text per connection and direction; lost bytes appear as `[gap N]`. */
  streams: Record<string, string>;
  codes: string[];
  closes: Extract<TcpEvent, { kind: 'close' }>[];
  opens: Extract<TcpEvent, { kind: 'open' }>[];
  events: TcpEvent[];
};

function run(segs: (SegSpec | TcpSegment)[], opts?: ReassemblyOptions): Outcome {
  const r = new TcpReassembler(opts);
  const events: TcpEvent[] = [];
  segs.forEach((s, i) => {
    const t = 'kind' in s ? s : seg(s);
    for (const e of r.push(t, { frame: i + 1, sec: i, nsec: 0 })) {
      events.push(e.kind === 'data' ? { ...e, data: e.data.slice() } : e);
    }
  });
  events.push(...r.finish());
  const streams: Record<string, string> = {};
  const offsets: Record<string, number> = {};
  const dec = new TextDecoder();
  for (const e of events) {
    if (e.kind === 'data' || e.kind === 'gap') {
      const k = `${e.conn}:${e.dir}`;
      assert.equal(e.offset, offsets[k] ?? 0, `offsets contiguous for ${k}`);
      const len = e.kind === 'data' ? e.data.length : e.length;
      offsets[k] = e.offset + len;
      streams[k] = (streams[k] ?? '') + (e.kind === 'data' ? dec.decode(e.data) : `[gap ${e.length}]`);
    }
  }
  return {
    streams,
    codes: events.filter((e) => e.kind === 'diagnostic').map((e) => (e as { code: string }).code),
    closes: events.filter((e): e is Extract<TcpEvent, { kind: 'close' }> => e.kind === 'close'),
    opens: events.filter((e): e is Extract<TcpEvent, { kind: 'open' }> => e.kind === 'open'),
    events,
  };
}

const ISN_C = 1000;
const ISN_S = 5000;
const handshake: SegSpec[] = [
  { from: 'c', seq: ISN_C, syn: true },
  { from: 's', seq: ISN_S, syn: true, ack: ISN_C + 1 },
  { from: 'c', seq: ISN_C + 1, ack: ISN_S + 1 },
];

type Case = {
  name: string;
  segs: SegSpec[];
  opts?: ReassemblyOptions;
  streams: Record<string, string>;
  codes?: string[];
  check?: (o: Outcome) => void;
};

const cases: Case[] = [
  {
    name: 'in order, both directions, FIN both ways',
    segs: [
      ...handshake,
      { from: 'c', seq: ISN_C + 1, ack: ISN_S + 1, data: 'hello' },
      { from: 's', seq: ISN_S + 1, ack: ISN_C + 6, data: 'world' },
      { from: 'c', seq: ISN_C + 6, ack: ISN_S + 6, data: '!' },
      { from: 'c', seq: ISN_C + 7, ack: ISN_S + 6, fin: true },
      { from: 's', seq: ISN_S + 6, ack: ISN_C + 8, fin: true },
      { from: 'c', seq: ISN_C + 8, ack: ISN_S + 7 },
    ],
    streams: { '0:c2s': 'hello!', '0:s2c': 'world' },
    check: (o) => {
      assert.equal(o.closes.length, 1);
      const c = o.closes[0]!;
      assert.equal(c.reason, 'fin');
      assert.equal(c.clientGuessed, false);
      assert.equal(c.firstFrame, 1);
      // The connection ends with the ACK of the last FIN.
      assert.equal(c.lastFrame, 9);
      assert.deepEqual([c.c2s.bytes, c.s2c.bytes], [6, 5]);
      assert.equal(o.opens[0]!.client.port, 50000);
    },
  },
  {
    name: 'reordered segments are delivered in order',
    segs: [...handshake, { from: 'c', seq: ISN_C + 6, ack: ISN_S + 1, data: 'world' }, { from: 'c', seq: ISN_C + 11, ack: ISN_S + 1, data: '!' }, { from: 'c', seq: ISN_C + 1, ack: ISN_S + 1, data: 'hello' }],
    streams: { '0:c2s': 'helloworld!' },
  },
  {
    name: 'exact retransmission is delivered once',
    segs: [...handshake, { from: 'c', seq: ISN_C + 1, ack: ISN_S + 1, data: 'hello' }, { from: 'c', seq: ISN_C + 1, ack: ISN_S + 1, data: 'hello' }, { from: 'c', seq: ISN_C + 6, ack: ISN_S + 1, data: 'world' }],
    streams: { '0:c2s': 'helloworld' },
    codes: [],
  },
  {
    name: 'overlapping retransmission with new bytes is trimmed',
    segs: [...handshake, { from: 'c', seq: ISN_C + 1, ack: ISN_S + 1, data: 'hello' }, { from: 'c', seq: ISN_C + 4, ack: ISN_S + 1, data: 'loworld' }],
    streams: { '0:c2s': 'helloworld' },
    codes: [],
  },
  {
    name: 'overlap with conflicting bytes keeps the first copy and says so',
    segs: [...handshake, { from: 'c', seq: ISN_C + 1, ack: ISN_S + 1, data: 'hello' }, { from: 'c', seq: ISN_C + 4, ack: ISN_S + 1, data: 'XYworld' }],
    streams: { '0:c2s': 'helloworld' },
    codes: ['tcp.overlap-conflict'],
  },
  {
    name: 'overlapping out-of-order segments',
    segs: [...handshake, { from: 'c', seq: ISN_C + 4, ack: ISN_S + 1, data: 'lowo' }, { from: 'c', seq: ISN_C + 6, ack: ISN_S + 1, data: 'world' }, { from: 'c', seq: ISN_C + 1, ack: ISN_S + 1, data: 'hel' }],
    streams: { '0:c2s': 'helloworld' },
    codes: [],
  },
  {
    name: 'sequence numbers wrap past 2^32',
    segs: [
      { from: 'c', seq: 0xfffffffa, syn: true },
      { from: 's', seq: ISN_S, syn: true, ack: 0xfffffffb },
      { from: 'c', seq: 0xfffffffb, ack: ISN_S + 1, data: 'abc' },
      { from: 'c', seq: 0x00000001, ack: ISN_S + 1, data: 'ghi' }, // out of order, after the wrap
      { from: 'c', seq: 0xfffffffe, ack: ISN_S + 1, data: 'def' }, // crosses the wrap
      { from: 'c', seq: 0x00000004, ack: ISN_S + 1, data: 'jkl' },
    ],
    streams: { '0:c2s': 'abcdefghijkl' },
  },
  {
    name: 'capture starts mid-connection: roles from the well-known port',
    segs: [
      { from: 's', seq: 777, ack: 123, data: 'server' },
      { from: 'c', seq: 123, ack: 783, data: 'client' },
    ],
    streams: { '0:s2c': 'server', '0:c2s': 'client' },
    codes: ['tcp.start-unseen'],
    check: (o) => {
      assert.equal(o.opens[0]!.clientGuessed, true);
      assert.deepEqual(o.opens[0]!.server, S);
      assert.equal(o.closes[0]!.c2s.startUnseen, true);
      assert.equal(o.closes[0]!.reason, 'eof');
    },
  },
  {
    name: 'lost segment acknowledged by the peer becomes a gap of its size',
    segs: [
      ...handshake,
      { from: 'c', seq: ISN_C + 1, ack: ISN_S + 1, data: 'hello' },
      // 'world' (5 bytes) never captured
      { from: 'c', seq: ISN_C + 11, ack: ISN_S + 1, data: '!!' },
      { from: 's', seq: ISN_S + 1, ack: ISN_C + 13 },
      { from: 'c', seq: ISN_C + 13, ack: ISN_S + 1, data: 'more' },
    ],
    streams: { '0:c2s': 'hello[gap 5]!!more' },
    codes: ['tcp.gap'],
    check: (o) => {
      const gap = o.events.find((e) => e.kind === 'gap');
      assert.ok(gap && gap.kind === 'gap');
      assert.equal(gap.reason, 'acked');
      assert.equal(gap.offset, 5);
      assert.equal(o.closes[0]!.c2s.gapBytes, 5);
    },
  },
  {
    name: 'lost tail segment acknowledged with nothing queued',
    segs: [...handshake, { from: 'c', seq: ISN_C + 1, ack: ISN_S + 1, data: 'hello' }, { from: 's', seq: ISN_S + 1, ack: ISN_C + 9 }, { from: 'c', seq: ISN_C + 9, ack: ISN_S + 1, data: 'xyz' }],
    streams: { '0:c2s': 'hello[gap 3]xyz' },
    codes: ['tcp.gap'],
  },
  {
    name: 'hole still open at the end of the capture is declared at finish',
    segs: [...handshake, { from: 'c', seq: ISN_C + 1, ack: ISN_S + 1, data: 'hello' }, { from: 'c', seq: ISN_C + 11, ack: ISN_S + 1, data: '!!' }],
    streams: { '0:c2s': 'hello[gap 5]!!' },
    codes: ['tcp.gap'],
  },
  {
    name: 'snap length cut: the missing tail is a hole reported as truncation, not a gap',
    segs: [...handshake, { from: 'c', seq: ISN_C + 1, ack: ISN_S + 1, data: 'hel', declared: 5 }, { from: 'c', seq: ISN_C + 6, ack: ISN_S + 1, data: 'world' }],
    streams: { '0:c2s': 'hel[gap 2]world' },
    codes: ['net.truncated'],
  },
  {
    name: 'snap length cut on a queued segment',
    segs: [...handshake, { from: 'c', seq: ISN_C + 6, ack: ISN_S + 1, data: 'wo', declared: 5 }, { from: 'c', seq: ISN_C + 1, ack: ISN_S + 1, data: 'hello' }, { from: 'c', seq: ISN_C + 11, ack: ISN_S + 1, data: '!' }],
    streams: { '0:c2s': 'hellowo[gap 3]!' },
    codes: ['net.truncated'],
  },
  {
    name: 'keep-alive (one old byte) is ignored, zero-window probe byte is not duplicated',
    segs: [
      ...handshake,
      { from: 'c', seq: ISN_C + 1, ack: ISN_S + 1, data: 'hello' },
      { from: 'c', seq: ISN_C + 5, ack: ISN_S + 1, data: 'Z' }, // keep-alive with a garbage byte
      { from: 'c', seq: ISN_C + 5, ack: ISN_S + 1 }, // keep-alive without data
      { from: 'c', seq: ISN_C + 6, ack: ISN_S + 1, data: 'w' }, // zero-window probe
      { from: 'c', seq: ISN_C + 6, ack: ISN_S + 1, data: 'world' },
    ],
    streams: { '0:c2s': 'helloworld' },
    codes: [],
  },
  {
    name: 'RST closes both directions',
    segs: [...handshake, { from: 'c', seq: ISN_C + 1, ack: ISN_S + 1, data: 'hello' }, { from: 's', seq: ISN_S + 1, rst: true }],
    streams: { '0:c2s': 'hello' },
    codes: ['tcp.reset'],
    check: (o) => assert.equal(o.closes[0]!.reason, 'rst'),
  },
  {
    name: 'same 4-tuple reused after close is a new connection',
    segs: [
      ...handshake,
      { from: 'c', seq: ISN_C + 1, ack: ISN_S + 1, data: 'one' },
      { from: 'c', seq: ISN_C + 4, ack: ISN_S + 1, fin: true },
      { from: 's', seq: ISN_S + 1, ack: ISN_C + 5, fin: true },
      { from: 'c', seq: ISN_C + 5, ack: ISN_S + 2 },
      { from: 'c', seq: 90000, syn: true },
      { from: 's', seq: 70000, syn: true, ack: 90001 },
      { from: 'c', seq: 90001, ack: 70001, data: 'two' },
    ],
    streams: { '0:c2s': 'one', '1:c2s': 'two' },
    check: (o) => assert.equal(o.opens.length, 2),
  },
  {
    name: 'new SYN on an open tuple (missed close) starts a new connection',
    segs: [
      ...handshake,
      { from: 'c', seq: ISN_C + 1, ack: ISN_S + 1, data: 'one' },
      { from: 'c', seq: ISN_C, syn: true }, // retransmitted SYN: same connection
      { from: 'c', seq: 90000, syn: true },
      { from: 's', seq: 70000, syn: true, ack: 90001 },
      { from: 'c', seq: 90001, ack: 70001, data: 'two' },
    ],
    streams: { '0:c2s': 'one', '1:c2s': 'two' },
    check: (o) =>
      assert.deepEqual(
        o.closes.map((c) => c.reason),
        ['reused', 'eof'],
      ),
  },
  {
    name: 'out-of-order queue over its cap declares the hole lost',
    opts: { maxQueuedBytes: 8 },
    segs: [
      ...handshake,
      { from: 'c', seq: ISN_C + 1, ack: ISN_S + 1, data: 'ab' },
      { from: 'c', seq: ISN_C + 5, ack: ISN_S + 1, data: 'efghij' },
      { from: 'c', seq: ISN_C + 11, ack: ISN_S + 1, data: 'klmno' },
      { from: 'c', seq: ISN_C + 3, ack: ISN_S + 1, data: 'cd' }, // too late: already declared lost
    ],
    streams: { '0:c2s': 'ab[gap 2]efghijklmno' },
    codes: ['tcp.buffer-cap', 'tcp.gap'],
  },
  {
    name: 'data after FIN is ignored',
    segs: [...handshake, { from: 'c', seq: ISN_C + 1, ack: ISN_S + 1, data: 'abc', fin: true }, { from: 'c', seq: ISN_C + 5, ack: ISN_S + 1, data: 'zzz' }],
    streams: { '0:c2s': 'abc' },
    codes: ['tcp.data-after-close'],
  },
  {
    name: 'SYN-ACK first (SYN not captured): receiver is the client',
    segs: [
      { from: 's', seq: ISN_S, syn: true, ack: ISN_C + 1 },
      { from: 'c', seq: ISN_C + 1, ack: ISN_S + 1, data: 'hi' },
    ],
    streams: { '0:c2s': 'hi' },
    check: (o) => {
      assert.equal(o.opens[0]!.clientGuessed, false);
      assert.deepEqual(o.opens[0]!.client, C);
    },
  },
];

for (const c of cases) {
  test(`tcp: ${c.name}`, () => {
    const o = run(c.segs, c.opts);
    assert.deepEqual(o.streams, c.streams);
    if (c.codes !== undefined)
      assert.deepEqual(
        o.codes.filter((x) => x !== 'tcp.reset' || c.codes!.includes(x)),
        c.codes,
      );
    c.check?.(o);
  });
}

test('tcp: connections are keyed by 4-tuple and numbered in order of first packet', () => {
  const c2 = { ip: '10.0.0.1', port: 50001 };
  const segs = [seg({ from: 'c', seq: 1, syn: true }), seg({ from: 'c', seq: 1, syn: true }, c2), seg({ from: 'c', seq: 2, ack: 1, data: 'A' }, c2), seg({ from: 'c', seq: 2, ack: 1, data: 'B' })];
  const o = run(segs);
  assert.deepEqual(o.streams, { '1:c2s': 'A', '0:c2s': 'B' });
});

test('tcp: trailing ACK after close does not open a phantom connection', () => {
  const o = run([...handshake, { from: 'c', seq: ISN_C + 1, ack: ISN_S + 1, fin: true }, { from: 's', seq: ISN_S + 1, ack: ISN_C + 2, fin: true }, { from: 'c', seq: ISN_C + 2, ack: ISN_S + 2 }, { from: 'c', seq: ISN_C + 2, ack: ISN_S + 2 }]);
  assert.equal(o.opens.length, 1);
});

test('tcp (property): any segmentation, reordering and duplication reassembles the same bytes', () => {
  fc.assert(
    fc.property(
      fc.uint8Array({ minLength: 1, maxLength: 300 }),
      fc.array(fc.integer({ min: 1, max: 40 }), { minLength: 1, maxLength: 30 }),
      fc.integer({ min: 0, max: 0xffffffff }),
      fc.array(fc.nat(), { maxLength: 40 }),
      fc.array(fc.nat(), { maxLength: 10 }),
      (bytes, sizes, isn, swaps, dups) => {
        // Cut the stream into segments.
        const pieces: { off: number; len: number }[] = [];
        let off = 0;
        let k = 0;
        while (off < bytes.length) {
          const len = Math.min(sizes[k++ % sizes.length]!, bytes.length - off);
          pieces.push({ off, len });
          off += len;
        }
        for (const d of dups) pieces.push(pieces[d % pieces.length]!);
        // Reorder within a window (no ACKs are sent, so nothing is declared lost early).
        for (const s of swaps) {
          const i = s % pieces.length;
          const j = Math.min(pieces.length - 1, i + 1 + (s % 3));
          [pieces[i], pieces[j]] = [pieces[j]!, pieces[i]!];
        }
        const r = new TcpReassembler();
        const out: number[] = [];
        const feed = (t: TcpSegment, frame: number) => {
          for (const e of r.push(t, { frame, sec: 0, nsec: 0 })) {
            if (e.kind === 'data') out.push(...e.data);
            if (e.kind === 'gap') throw new Error('unexpected gap');
          }
        };
        feed({ ...seg({ from: 'c', seq: isn, syn: true }) }, 1);
        pieces.forEach((p, i) => {
          const t = seg({ from: 'c', seq: (isn + 1 + p.off) >>> 0 });
          feed({ ...t, payload: bytes.subarray(p.off, p.off + p.len), payloadLen: p.len }, i + 2);
        });
        for (const e of r.finish()) {
          if (e.kind === 'data') out.push(...e.data);
          if (e.kind === 'gap') throw new Error('unexpected gap at finish');
        }
        assert.deepEqual(Uint8Array.from(out), bytes);
      },
    ),
    { numRuns: 300 },
  );
});

test('tcp: snap-length holes are counted as truncation, apart from gaps (which only real losses make)', () => {
  const o = run([
    ...handshake,
    { from: 'c', seq: ISN_C + 1, ack: ISN_S + 1, data: 'hel', declared: 5 },
    { from: 'c', seq: ISN_C + 11, ack: ISN_S + 1, data: 'lost?' }, // ISN_C+6..10 never captured
    { from: 's', seq: ISN_S + 1, ack: ISN_C + 16 }, // the client's bytes were received: a real gap
  ]);
  const close = o.closes[0]!;
  assert.deepEqual([close.c2s.truncated, close.c2s.truncatedBytes, close.c2s.gaps, close.c2s.gapBytes], [1, 2, 1, 5]);
  assert.deepEqual(
    o.codes.filter((c) => c === 'net.truncated' || c === 'tcp.gap'),
    ['net.truncated', 'tcp.gap'],
  );
});

// ---- the connection cap (issue #13) -------------------------------------------------------------

test('at --max-connections a closing connection is evicted first, then the one idle the longest; each eviction reported', () => {
  const r = new TcpReassembler({ maxConnections: 2 });
  const client = (port: number) => ({ ip: '10.0.0.1', port });
  const meta = (frame: number) => ({ frame, sec: frame, nsec: 0 });
  const events: TcpEvent[] = [];
  const push = (s: SegSpec, port: number, frame: number) => events.push(...r.push(seg(s, client(port)), meta(frame)));
  push({ from: 'c', seq: 100, syn: true }, 1, 1); // conn 0
  push({ from: 'c', seq: 200, syn: true }, 2, 2); // conn 1
  push({ from: 'c', seq: 101, ack: 1, fin: true }, 1, 3); // conn 0 half-closes: cold
  push({ from: 'c', seq: 201, ack: 1, data: 'x' }, 2, 4); // conn 1 active
  push({ from: 'c', seq: 300, syn: true }, 3, 5); // conn 2: evicts conn 0 (cold) though conn 1 is older
  push({ from: 'c', seq: 400, syn: true }, 4, 6); // conn 3: evicts conn 1 (idle the longest)
  const closes = events.filter((e): e is Extract<TcpEvent, { kind: 'close' }> => e.kind === 'close');
  assert.deepEqual(
    closes.map((c) => [c.conn, c.reason]),
    [
      [0, 'evicted'],
      [1, 'evicted'],
    ],
  );
  assert.equal(events.filter((e) => e.kind === 'diagnostic' && e.code === 'tcp.connection-cap').length, 2);
  assert.equal(r.evicted, 2);
  assert.equal(r.openConnections, 2);
});

test('retransmission conflicts are still found with the history allocated as bytes arrive (it grows past its first size)', () => {
  const r = new TcpReassembler();
  const meta = { frame: 1, sec: 0, nsec: 0 };
  r.push(seg({ from: 'c', seq: 0, syn: true }), meta);
  const big = 'a'.repeat(5000);
  r.push(seg({ from: 'c', seq: 1, ack: 1, data: big }), meta);
  const out = r.push(seg({ from: 'c', seq: 4001, ack: 1, data: 'b'.repeat(500) }), meta);
  assert.ok(out.some((e) => e.kind === 'diagnostic' && e.code === 'tcp.overlap-conflict'));
  const same = r.push(seg({ from: 'c', seq: 3001, ack: 1, data: 'a'.repeat(500) }), meta);
  assert.ok(!same.some((e) => e.kind === 'diagnostic'));
});
