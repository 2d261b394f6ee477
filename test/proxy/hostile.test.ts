/**
 * The proxy under hostile peers, each test with rounds of well-behaved publishing sessions
 * ("bystanders") running through the same proxy at the same time: their bytes must arrive byte
 * for byte and their sessions decode in full (handshake, connect, publish, media, FIN), and the
 * proxy's memory must stay bounded (its own counters: socket buffers, output and pcap lag; and the
 * process's heap and ArrayBuffer growth, measured with forced collections).
 *
 * Hostile peers: clients sending garbage (random bytes; a fake handshake, then garbage; a flood of
 * tens of MB), an upstream sending garbage to its client, a client that publishes and then never
 * reads while the server floods it, an upstream that stops reading while the client floods, a
 * client that half-closes at once, a slowloris client sending one byte every 50 ms, and several
 * sessions at once that are costly to decode (the analysis time budget, `proxy.analysis.slow`).
 *
 * Measured numbers are written to stderr as `# hostile: ...` lines.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import type { ProxyOptions } from '../../src/proxy/options.js';
import { RtmpSession } from '../../src/session/rtmp-session.js';
import { handshakeBytes, writeChunks, type MessageSpec } from '../builders/chunk-writer.js';
import { amf0 } from '../builders/amf-writer.js';
import { concatRec, prng, pump, recDigest, runClient, sleep, waitFor, waitSteady, type ClientSession, type FakeServer, type Recorder, type ServerConn, type ServerHooks } from './fake-rtmp.js';
import { assertForwarded, byType, checkBystanders, CountingWritable, mib, rawClient, sampleMemory, sessionOf, startBystanders, withProxy, type MemoryReport, type RawClient, type TestProxy } from './harness.js';

const MiB = 1 << 20;
const BYSTANDERS = 4;

/**
 * Proxy options that keep the test's own memory out of the measurements: the pcap only counted,
 * records only as NDJSON text (no onRecords array of objects).
 */
const lean = (): Partial<ProxyOptions> => ({ pcapStream: new CountingWritable(), onRecords: undefined });

const report = (line: string) => process.stderr.write(`# hostile: ${line}\n`);

/** Pseudo-random bytes, cycled in 64 KiB blocks at shifting offsets (no copies). */
const POOL = Buffer.from(prng(0xbad, 4 * MiB));
function garbage(total: number): () => Uint8Array | null {
  let sent = 0;
  let at = 0;
  return () => {
    if (sent >= total) return null;
    const n = Math.min(65536, total - sent);
    at = (at + 65536 + 4099) % (POOL.length - 65536);
    sent += n;
    return POOL.subarray(at, at + n);
  };
}

/** Valid RTMP: blocks of 16 video frames of 16 KiB on csid 6, stream 1, chunked at 4096. */
function mediaFlood(seed: number): () => Uint8Array {
  const payload = prng(seed, 16384);
  let ts = 0;
  return () => {
    const msgs: MessageSpec[] = [];
    for (let i = 0; i < 16; i++) msgs.push({ csid: 6, typeId: 9, timestamp: (ts += 33), streamId: 1, body: payload });
    return writeChunks(msgs, { chunkSize: 4096 });
  };
}

/**
 * Flood a peer's socket with valid RTMP video for ever, as fast as it takes it, through `send`
 * (its recorder then only counts and hashes). Returns the bytes written so far.
 */
function startFlood(peer: { readonly socket: net.Socket; readonly sent: Recorder; send(b: Uint8Array): boolean }, seed: number): () => number {
  let flooded = 0;
  peer.sent.keep = false;
  void pump(peer.socket, mediaFlood(seed), (b) => {
    flooded += b.length;
    return peer.send(b);
  });
  return () => flooded;
}

/** How a raw client's connection ended (without the time). */
const endOf = (c: { ended: boolean; error: string | null }) => ({ ended: c.ended, error: c.error });

/** The server side of a raw client: the connection whose first bytes are the client's. */
function serverSideOf(server: FakeServer, c: RawClient): ServerConn {
  const head = c.sent.head;
  const sc = server.conns.find((x) => x.seed === null && x.received.head.length >= head.length && x.received.head.subarray(0, head.length).equals(head));
  assert.ok(sc !== undefined, 'the hostile client reached the server');
  return sc;
}

/** The records of the session that published `stream<seed>`. */
function publisherSession(lines: readonly Record<string, unknown>[], seed: number): Record<string, unknown>[] {
  const publish = byType(lines, 'message').find((m) => m['name'] === 'publish' && (m['args'] as unknown[])[1] === `stream${seed}`);
  assert.ok(publish !== undefined, `stream${seed} was published`);
  return lines.filter((l) => l['session'] === publish['session']);
}

const codesOf = (lines: readonly Record<string, unknown>[]) => byType(lines, 'diagnostic').map((d) => String(d['code']));
const proxyCodes = (lines: readonly Record<string, unknown>[]) => codesOf(lines).filter((c) => c.startsWith('proxy.'));

/**
 * The bounds every hostile test holds the proxy to, whatever the hostile peer sent (up to 64 MiB):
 * its socket buffers (one read chunk and a high-water mark per direction), its outputs' lag, and
 * the process's heap + ArrayBuffer growth after collections (~1-2 MiB observed: the bystanders'
 * NDJSON lines and the decoders' bounded state).
 */
function assertBounded(r: MemoryReport): void {
  assert.ok(r.proxy.buffered < 512 * 1024, `proxy socket buffers: ${r.text()}`);
  assert.ok(r.proxy.outputLag < 4 * MiB && r.proxy.pcapLag < 8 * MiB, `outputs kept up: ${r.text()}`);
  assert.ok(r.live < 8 * MiB, `live memory growth: ${r.text()}`);
  assert.ok(r.retained < 4 * MiB, `memory retained: ${r.text()}`);
}

type BystanderRun<T> = {
  readonly clients: ClientSession[];
  /** What the hostile part returned. */
  readonly result: T;
  /** Sessions finished while the hostile peer was at work. */
  readonly during: number;
  text(): string;
};

/**
 * Rounds of bystanders run for the whole of `hostile` (from after a first round to at least one
 * round more after it is done), with the memory sampled while it runs.
 */
async function alongsideBystanders<T>(proxy: TestProxy, seedBase: number, hostile: () => Promise<T>): Promise<BystanderRun<T> & { mem: MemoryReport }> {
  const by = startBystanders(proxy, { sessions: BYSTANDERS, seedBase });
  let clients: ClientSession[] = [];
  let sampler: ReturnType<typeof sampleMemory> | null = null;
  try {
    await waitFor(() => by.finished >= BYSTANDERS, 10000, 'a first round of bystanders');
    const first = by.roundsMs[0] ?? 0;
    const before = by.finished;
    const rounds0 = by.roundsMs.length;
    sampler = sampleMemory(proxy);
    const result = await hostile();
    const mem = sampler.stop();
    sampler = null;
    await waitFor(() => by.finished >= before + BYSTANDERS, 10000, 'bystanders finishing while the hostile peer was at work');
    const during = by.finished - before;
    clients = await by.stop();
    const times = by.roundsMs.slice(rounds0).sort((a, b) => a - b);
    const median = times[times.length >> 1] ?? 0;
    const max = times[times.length - 1] ?? 0;
    return {
      clients,
      result,
      during,
      mem,
      text: () => `bystanders: ${during} sessions meanwhile (${clients.length} in all), rounds of ${BYSTANDERS} took ${median} ms median, ${max} ms max (first round ${first} ms)`,
    };
  } finally {
    // Whatever happens: a failed assertion must not leave rounds or the sampler running.
    sampler?.stop();
    await by.stop();
  }
}

test('hostile: clients sending garbage (random bytes; a fake handshake, then garbage), decoded in full: forwarded untouched, reported, bounded memory; others unaffected', async () => {
  const SIZE = 2 * MiB;
  // No time budget here: every garbage byte goes through the decoders.
  await withProxy({ sinkGarbage: true, keepBytes: false }, { ...lean(), maxAnalysisShare: Infinity }, async (proxy, server) => {
    const run = await alongsideBystanders(proxy, 1000, async () => {
      const clients: RawClient[] = [];
      // A valid C0 then garbage (a session: not RTMP at all would be no session, as from the file); a fake C0+C1, then garbage.
      for (const prefix of [Uint8Array.of(0x03), handshakeBytes(0x77).subarray(0, 1537)]) {
        const c = rawClient(proxy.port, { keepSent: false });
        clients.push(c);
        await c.connected;
        c.send(prefix);
        await pump(c.socket, garbage(SIZE), (b) => c.send(b));
        c.socket.end();
      }
      await Promise.all(clients.map((c) => c.closed));
      return clients;
    });
    await proxy.close();
    const lines = proxy.lines();
    const bytes = await checkBystanders(run.clients, server, lines);
    const reported: string[] = [];
    for (const [i, c] of run.result.entries()) {
      assert.deepEqual(endOf(await c.closed), { ended: true, error: null }, 'the garbage client got a FIN');
      const sc = serverSideOf(server, c);
      await sc.closed;
      assert.equal(sc.received.bytes, c.sent.bytes);
      assert.equal(recDigest(sc.received), recDigest(c.sent), 'the garbage reached the server untouched');
      assert.equal(recDigest(c.received), recDigest(sc.sent), 'what the server answered reached the client untouched');
      const s = sessionOf(lines, c.endpoint);
      assert.deepEqual(s.record['bytes'], { c2s: c.sent.bytes, s2c: c.received.bytes });
      assert.equal(s.record['end'], 'fin');
      const codes = codesOf(s.lines);
      assert.ok(
        codes.some((x) => x.startsWith('rtmp.')),
        `garbage reported (${codes.join(', ')})`,
      );
      reported.push(`[${[...new Set(codes)].join(', ')}]`);
      if (i === 1) assert.equal(byType(s.lines, 'handshake').length, 6, 'the fake handshake decoded (C2 is garbage)');
    }
    assert.deepEqual(proxyCodes(lines), [], 'nothing the proxy itself had to report');
    report(`garbage decoded in full (2 × ${mib(SIZE)}; reported: ${reported.join(' and ')}): ${run.mem.text()}; ${run.text()}, ${bytes} bytes forwarded`);
    assertBounded(run.mem);
  });
});

test('hostile: a client flooding 64 MiB of garbage: forwarded untouched at full speed, its decoding stopped (proxy.analysis.slow), bounded memory; others unaffected', async () => {
  const SIZE = 64 * MiB;
  // The product's default analysis budget (the harness turns it off unless a test sets it).
  await withProxy({ sinkGarbage: true, keepBytes: false }, { ...lean(), maxAnalysisShare: 0.6 }, async (proxy, server) => {
    const run = await alongsideBystanders(proxy, 2000, async () => {
      const g = rawClient(proxy.port, { keepSent: false });
      await g.connected;
      const t0 = Date.now();
      g.send(Uint8Array.of(0x03)); // a valid C0: an RTMP session (from the file too), whose garbage is decoded
      await pump(g.socket, garbage(SIZE), (b) => g.send(b));
      g.socket.end();
      await g.closed;
      return { g, ms: Date.now() - t0 };
    });
    await proxy.close();
    const { g, ms } = run.result;
    const lines = proxy.lines();
    const bytes = await checkBystanders(run.clients, server, lines);
    assert.deepEqual(endOf(await g.closed), { ended: true, error: null });
    const sc = serverSideOf(server, g);
    await sc.closed;
    assert.equal(sc.received.bytes, SIZE + 1);
    assert.equal(recDigest(sc.received), recDigest(g.sent), 'the garbage reached the server untouched');
    const s = sessionOf(lines, g.endpoint);
    assert.deepEqual(proxyCodes(s.lines), ['proxy.analysis.slow'], 'the garbage session stopped being decoded');
    assert.deepEqual(s.record['bytes'], { c2s: SIZE + 1, s2c: g.received.bytes });
    assert.deepEqual(proxyCodes(lines), ['proxy.analysis.slow'], 'and no other session did');
    report(`garbage flood: ${mib(SIZE)} forwarded in ${ms} ms (${(SIZE / MiB / (ms / 1000)).toFixed(0)} MiB/s); ${run.mem.text()}; ${run.text()}, ${bytes} bytes forwarded`);
    assert.ok(ms < 20000, `the flood was forwarded in ${ms} ms`);
    assertBounded(run.mem);
  });
});

test('hostile: an upstream sending 16 MiB of garbage to its client: forwarded untouched, reported; others unaffected', async () => {
  const SIZE = 16 * MiB;
  const VICTIM = 0x5151;
  const hooks: ServerHooks = {
    sinkGarbage: true,
    keepBytes: false,
    onMessage: (sc, name) => {
      if (name !== 'connect' || sc.seed !== VICTIM) return false;
      // Instead of _result: garbage, then a FIN.
      sc.sent.keep = false;
      void pump(sc.socket, garbage(SIZE), (b) => sc.send(b)).then(() => sc.socket.end());
      return true;
    },
  };
  await withProxy(hooks, lean(), async (proxy, server) => {
    const run = await alongsideBystanders(proxy, 3000, async () => {
      // A client that completes the handshake and sends connect, then only reads.
      let connected = false;
      const v = rawClient(proxy.port, {
        keepSent: false,
        onData: (c) => {
          if (connected || c.received.bytes < 3073) return;
          connected = true;
          const s1 = concatRec(c.received).subarray(1, 1537);
          c.received.keep = false;
          c.received.chunks.length = 0;
          c.send(s1);
          c.send(writeChunks([{ csid: 3, typeId: 20, timestamp: 0, body: amf0.connectBody({ app: 'live', seed: VICTIM }) }]));
        },
      });
      await v.connected;
      v.send(handshakeBytes(VICTIM).subarray(0, 1537));
      await v.closed;
      return v;
    });
    await proxy.close();
    const v = run.result;
    const lines = proxy.lines();
    const bytes = await checkBystanders(run.clients, server, lines);
    assert.deepEqual(endOf(await v.closed), { ended: true, error: null }, 'the victim got a FIN');
    const sc = server.conns.find((x) => x.seed === VICTIM);
    assert.ok(sc !== undefined);
    await sc.closed;
    assert.equal(v.received.bytes, 3073 + SIZE);
    assert.equal(recDigest(v.received), recDigest(sc.sent), 'the garbage reached the client untouched');
    assert.equal(recDigest(sc.received), recDigest(v.sent), 'and the client’s bytes the server');
    const s = sessionOf(lines, v.endpoint);
    assert.deepEqual(s.record['bytes'], { c2s: v.sent.bytes, s2c: 3073 + SIZE });
    assert.equal(s.record['end'], 'fin');
    const s2c = byType(s.lines, 'diagnostic')
      .filter((d) => d['dir'] === 's2c')
      .map((d) => String(d['code']));
    assert.ok(
      s2c.some((x) => x.startsWith('rtmp.chunk.')),
      `garbage from the server reported (${s2c.join(', ')})`,
    );
    assert.ok(
      byType(s.lines, 'message').some((m) => m['name'] === 'connect'),
      'the victim’s connect decoded',
    );
    // The server ended first; decoding 16 MiB of garbage may or may not exceed the time budget.
    assert.ok(proxyCodes(s.lines).includes('proxy.upstream.closed'));
    assert.deepEqual(
      proxyCodes(s.lines).filter((x) => x !== 'proxy.analysis.slow' && x !== 'proxy.upstream.closed'),
      [],
    );
    assert.equal(proxyCodes(s.lines).length, proxyCodes(lines).length, 'nothing for the other sessions');
    report(`upstream garbage: ${mib(SIZE)} to the client (${proxyCodes(lines).join(', ')}); ${run.mem.text()}; ${run.text()}, ${bytes} bytes forwarded`);
    assertBounded(run.mem);
  });
});

/**
 * A peer that stops reading while the other floods it (valid RTMP video, as fast as the sockets
 * take it): `stall` starts it all and returns the flood's byte counter and the stuck socket's
 * owner; the flood must stall with the proxy paused, then the stuck peer disconnects (`leave`,
 * with unread data: a reset), which must end the session with `code` and a FIN for the other side.
 */
async function stuckPeer(
  proxy: TestProxy,
  server: FakeServer,
  seed: number,
  stall: () => Promise<{ flooded: () => number; leave: () => void; otherSideClosed: () => Promise<{ ended: boolean; error: string | null }> }>,
  code: 'proxy.client.reset' | 'proxy.upstream.reset',
  what: string,
): Promise<void> {
  const run = await alongsideBystanders(proxy, seed * 10, async () => {
    const peer = await stall();
    await waitFor(() => proxy.handle.stats().paused >= 1, 15000, 'the proxy to stop reading from the flooding side');
    const stuckAt = await waitSteady(peer.flooded, 400, 15000, 'the flood to stall');
    const st = proxy.handle.stats();
    peer.leave();
    assert.deepEqual(await peer.otherSideClosed(), { ended: true, error: null }, 'the other side got a FIN, not a reset');
    await waitFor(() => proxy.lines().some((r) => r['type'] === 'session' && r['end'] === 'rst'), 5000, 'the session record');
    return { stuckAt, paused: st.paused, buffered: st.buffered };
  });
  await proxy.close();
  const lines = proxy.lines();
  const bytes = await checkBystanders(run.clients, server, lines);
  assert.ok(run.result.paused >= 1, 'the proxy stopped reading from the flooding side');
  const mine = publisherSession(lines, seed);
  assert.deepEqual(proxyCodes(mine), [code], 'the disconnect was reported');
  assert.equal(byType(mine, 'session')[0]!['end'], 'rst');
  assert.deepEqual(proxyCodes(lines), [code], 'nothing else was');
  report(`${what}: the flood stalled after ${mib(run.result.stuckAt)} with the proxy holding ${run.result.buffered} B; ${run.mem.text()}; ${run.text()}, ${bytes} bytes forwarded`);
  assertBounded(run.mem);
}

test('hostile: a client that publishes, then never reads while the server floods it: backpressured, bounded; others unaffected; its disconnect ends the session cleanly', async () => {
  const STUCK = 0x517;
  let flooded = () => 0;
  const hooks: ServerHooks = {
    keepBytes: false,
    onMessage: (sc, name) => {
      // After the Publish.Start answer: video for ever.
      if (name === 'publish' && sc.seed === STUCK) setImmediate(() => (flooded = startFlood(sc, STUCK)));
    },
  };
  await withProxy(hooks, lean(), async (proxy, server) => {
    await stuckPeer(
      proxy,
      server,
      STUCK,
      async () => {
        const c = runClient(proxy.port, { seed: STUCK, media: 2, finish: 'none', stayOpenOnServerEnd: true, onPublishing: (cs) => cs.socket.pause() });
        await c.done;
        const sc = server.conns.find((x) => x.seed === STUCK);
        assert.ok(sc !== undefined);
        return {
          flooded: () => flooded(),
          leave: () => c.socket.destroy(),
          otherSideClosed: async () => {
            await sc.closed;
            return { ended: sc.ended, error: sc.error };
          },
        };
      },
      'proxy.client.reset',
      'client that never reads',
    );
  });
});

test('hostile: an upstream that stops reading while its client floods: backpressured, bounded; others unaffected; its disconnect ends the session cleanly', async () => {
  const DEAF = 0xdea;
  const hooks: ServerHooks = {
    keepBytes: false,
    onMessage: (sc, name) => {
      if (name === 'publish' && sc.seed === DEAF) setImmediate(() => sc.socket.pause());
    },
  };
  await withProxy(hooks, lean(), async (proxy, server) => {
    await stuckPeer(
      proxy,
      server,
      DEAF,
      async () => {
        let flooded: (() => number) | null = null;
        const c = runClient(proxy.port, { seed: DEAF, media: 2, finish: 'none', onPublishing: (cs) => setImmediate(() => (flooded = startFlood(cs, DEAF))) });
        await c.done;
        await waitFor(() => flooded !== null, 5000, 'the flood to start');
        const sc = server.conns.find((x) => x.seed === DEAF);
        assert.ok(sc !== undefined);
        return {
          flooded: () => flooded?.() ?? 0,
          leave: () => {
            assert.ok(c.socket.writableLength > 0, 'the client’s writes are held back');
            sc.socket.destroy();
          },
          otherSideClosed: () => c.closed,
        };
      },
      'proxy.upstream.reset',
      'server that stops reading',
    );
  });
});

test('hostile: clients that half-close at once, and a slowloris sending one byte every 50 ms: each ends cleanly; others unaffected', async () => {
  await withProxy({ keepBytes: false }, lean(), async (proxy, server) => {
    const quiet = rawClient(proxy.port, { keepSent: false });
    const shy = rawClient(proxy.port, { keepSent: false });
    const slow = rawClient(proxy.port, { keepSent: false });
    const run = await alongsideBystanders(proxy, 6000, async () => {
      // Half-close before sending anything; and after C0+C1 only.
      await quiet.connected;
      quiet.socket.end();
      await shy.connected;
      shy.send(handshakeBytes(0x5e1).subarray(0, 1537));
      shy.socket.end();
      // A valid C0+C1, one byte every 50 ms, for a second (several rounds of bystanders).
      await slow.connected;
      const hs = handshakeBytes(0x510);
      const t0 = Date.now();
      let n = 0;
      while (Date.now() - t0 < 1000) {
        slow.send(hs.subarray(n, n + 1));
        n++;
        await sleep(50);
      }
      slow.socket.end();
      await Promise.all([quiet.closed, shy.closed, slow.closed]);
      return n;
    });
    await proxy.close();
    const lines = proxy.lines();
    const bytes = await checkBystanders(run.clients, server, lines);
    for (const c of [quiet, shy, slow]) assert.deepEqual(endOf(await c.closed), { ended: true, error: null });
    // Nothing sent: the server saw a bare FIN; no session (the pcap read back has none either).
    assert.ok(!byType(lines, 'session').some((s) => s['client'] === quiet.endpoint));
    assert.ok(
      server.conns.some((x) => x.received.bytes === 0 && x.ended),
      'the server saw a connection with a bare FIN',
    );
    // C0+C1 then FIN: the server's S0 S1 S2 still reached the client.
    const shySc = serverSideOf(server, shy);
    await shySc.closed;
    assert.equal(recDigest(shySc.received), recDigest(shy.sent));
    assert.equal(shy.received.bytes, 3073);
    assert.equal(recDigest(shy.received), recDigest(shySc.sent));
    const sh = sessionOf(lines, shy.endpoint);
    assert.deepEqual(sh.record['bytes'], { c2s: 1537, s2c: 3073 });
    assert.deepEqual(
      byType(sh.lines, 'handshake').map((h) => h['part']),
      ['C0', 'C1', 'S0', 'S1', 'S2'],
      'no C2',
    );
    // The slowloris's bytes arrived one by one, untouched.
    const slowSc = serverSideOf(server, slow);
    await slowSc.closed;
    assert.equal(slowSc.received.bytes, run.result);
    assert.equal(recDigest(slowSc.received), recDigest(slow.sent));
    const sl = sessionOf(lines, slow.endpoint);
    assert.deepEqual(sl.record['bytes'], { c2s: run.result, s2c: 0 });
    assert.equal(sl.record['end'], 'fin');
    assert.deepEqual(proxyCodes(lines), [], 'nothing for the proxy to report');
    report(`half-close and slowloris (${run.result} bytes in 1 s): ${run.mem.text()}; ${run.text()}, ${bytes} bytes forwarded`);
    assertBounded(run.mem);
  });
});

test('hostile: several sessions costly to decode at once: each stops being decoded in turn, the cheap ones never (simulated cost, fake stopwatch)', async () => {
  // Time passes only while the costly sessions are decoded (4 µs a byte): decoding takes 100% of
  // the time, so the budget must shed them all, one at a time, and never a bystander.
  let now = 0;
  const costly = new Set<string>();
  const orig = RtmpSession.prototype.data;
  RtmpSession.prototype.data = function (this: RtmpSession, ...args: Parameters<typeof orig>) {
    if (costly.has(this.id.client)) now += args[1].length * 0.004;
    return orig.apply(this, args);
  };
  try {
    await withProxy({}, { ...lean(), stopwatch: () => now, maxAnalysisShare: 0.6 }, async (proxy, server) => {
      const run = await alongsideBystanders(proxy, 7100, async () => {
        const clients = [7001, 7002, 7003].map((seed) => {
          const c = runClient(proxy.port, { seed, media: 40, mediaSize: 8000 });
          c.socket.once('connect', () => costly.add(`127.0.0.1:${c.socket.localPort}`));
          return c;
        });
        await Promise.all(clients.map((c) => c.closed));
        return clients;
      });
      await proxy.close();
      const lines = proxy.lines();
      const bytes = await checkBystanders(run.clients, server, lines);
      for (const c of run.result) {
        const sc = server.conns.find((x) => x.seed === c.seed);
        assert.ok(sc !== undefined);
        await sc.closed;
        assertForwarded(c, sc, `costly ${c.seed}: `);
        const mine = publisherSession(lines, c.seed);
        assert.deepEqual(proxyCodes(mine), ['proxy.analysis.slow'], `costly ${c.seed} stopped being decoded`);
        assert.equal(byType(mine, 'session')[0]!['end'], 'fin', 'and still got its session record');
      }
      assert.equal(proxyCodes(lines).length, 3, 'no bystander stopped being decoded');
      const shares = byType(lines, 'diagnostic')
        .filter((d) => d['code'] === 'proxy.analysis.slow')
        .map((d) => (d['context'] as Record<string, unknown>)['share']);
      report(`3 costly sessions shed at decoding shares ${shares.join(', ')}; ${run.text()}, ${bytes} bytes forwarded`);
    });
  } finally {
    RtmpSession.prototype.data = orig;
  }
});
