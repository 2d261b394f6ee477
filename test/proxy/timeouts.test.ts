/**
 * Idle and stall timeouts: sessions whose peers neither send nor read must not hold a session and
 * a --max-sessions slot for ever. With small timeouts (a few hundred ms): an idle client is closed
 * with `proxy.idle-timeout` while normal sessions through the same proxy finish byte-identical;
 * idle clients holding every slot are closed and free their slots; a slowloris (one byte every
 * 50 ms) is never idle; an upstream that accepts and never answers the handshake, or never
 * answers TLS, is idle; a client that never reads while the server floods it, and an upstream
 * that stops reading while the client floods, end with `proxy.stall-timeout` naming the peer that
 * stopped reading, although the other direction keeps flowing; 0 disables both; and the options
 * parse and reject like the others.
 *
 * Times are measured on the test's side and only bounded loosely (a loaded 2-core machine).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { once } from 'node:events';
import { spawnSync } from 'node:child_process';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { UserError } from '../../src/io/input.js';
import { parseProxyArgs, PROXY_USAGE } from '../../src/cli/proxy.js';
import { runProxy } from '../../src/proxy/proxy.js';
import { handshakeBytes, writeChunks, type MessageSpec } from '../builders/chunk-writer.js';
import { prng, pump, recDigest, runClient, sleep, waitFor, type Recorder, type ServerConn, type ServerHooks } from './fake-rtmp.js';
import { assertForwarded, byType, checkBystanders, closeServer, listenLoopback, rawClient, runSession, sessionOf, startBystanders, startProxy, withProxy, type RawClient, type TestProxy } from './harness.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
/** The rtmpscope executable users run (the bundle). */
const MAIN = join(root, 'bin', 'rtmpscope.js');

const IDLE = 400;
const STALL = 400;

type Line = Record<string, unknown>;
const proxyCodes = (lines: readonly Line[]) =>
  byType(lines, 'diagnostic')
    .map((d) => String(d['code']))
    .filter((c) => c.startsWith('proxy.'));
const ctx = (d: Line) => d['context'] as Record<string, unknown>;

/** The records of the session that published `stream<seed>`. */
function publisherSession(lines: readonly Line[], seed: number): Line[] {
  const publish = byType(lines, 'message').find((m) => m['name'] === 'publish' && (m['args'] as unknown[])[1] === `stream${seed}`);
  assert.ok(publish !== undefined, `stream${seed} was published`);
  return lines.filter((l) => l['session'] === publish['session']);
}

/** Valid RTMP video (16 frames of 16 KiB on csid 6, chunked at 4096), the same block for ever. */
function mediaFlood(seed: number): () => Uint8Array {
  const body = prng(seed, 16384);
  const block = writeChunks(
    Array.from({ length: 16 }, (_, i): MessageSpec => ({ csid: 6, typeId: 9, timestamp: i * 33, streamId: 1, body })),
    { chunkSize: 4096 },
  );
  return () => block;
}

/** Flood a peer with `mediaFlood` as fast as its socket takes it (bytes only counted and hashed). */
function flood(peer: { readonly socket: net.Socket; readonly sent: Recorder; send(b: Uint8Array): boolean }, seed: number): void {
  peer.sent.keep = false;
  void pump(peer.socket, mediaFlood(seed), (b) => peer.send(b));
}

/** Every `ms`, send what `next()` gives while the socket is writable; returns the stopper. */
function trickle(socket: net.Socket, ms: number, next: () => Uint8Array): () => void {
  const t = setInterval(() => {
    if (socket.destroyed || socket.writableEnded) clearInterval(t);
    else next();
  }, ms);
  return () => clearInterval(t);
}

/** A server that accepts TCP and then never sends a byte (it reads and drops what it gets). */
async function silentServer(): Promise<{ port: number; conns: { socket: net.Socket; received: number; ended: boolean }[]; close(): Promise<void> }> {
  const conns: { socket: net.Socket; received: number; ended: boolean }[] = [];
  const server = net.createServer({ allowHalfOpen: true }, (socket) => {
    const c = { socket, received: 0, ended: false };
    conns.push(c);
    socket.on('error', () => undefined);
    socket.on('data', (b: Buffer) => (c.received += b.length));
    socket.on('end', () => (c.ended = true));
  });
  const port = await listenLoopback(server);
  return {
    port,
    conns,
    close: async () => {
      for (const c of conns) c.socket.destroy();
      await closeServer(server);
    },
  };
}

/**
 * A timeout must act after about `ms` (timer slop allowed) and not much later. `sinceEarliest`:
 * the time since a moment the proxy's clock cannot have started before (default `elapsed`), for
 * the lower bound: a poll that sees the start late (a loaded machine) must not make it look early.
 */
function assertAfter(elapsed: number, ms: number, what: string, sinceEarliest = elapsed): void {
  // The proxy's clock may start a little before the test's (accept vs. the test's continuation).
  assert.ok(sinceEarliest >= ms - 100, `${what} after ${sinceEarliest} ms, before its ${ms} ms timeout`);
  assert.ok(elapsed < ms + 4000, `${what} only after ${elapsed} ms (timeout ${ms} ms)`);
}

test('timeouts: an idle client (connects, sends nothing) is closed after --idle-timeout with proxy.idle-timeout; concurrent normal sessions finish byte-identical', async () => {
  await withProxy({}, { idleTimeoutMs: IDLE, stallTimeoutMs: STALL }, async (proxy, server) => {
    const by = startBystanders(proxy, { sessions: 2, seedBase: 9100 });
    let idle: RawClient | null;
    try {
      await waitFor(() => by.finished >= 2, 10000, 'a first round of bystanders');
      idle = rawClient(proxy.port);
      await idle.connected;
      const end = await idle.closed;
      assert.deepEqual({ ended: end.ended, error: end.error }, { ended: true, error: null }, 'the idle client got a FIN, not a reset');
      assertAfter(end.at - idle.connectedAt, IDLE, 'closed');
      const before = by.finished;
      await waitFor(() => by.finished >= before + 2, 10000, 'bystanders finishing after the idle one was closed');
    } finally {
      await by.stop();
    }
    const clients = await by.stop();
    await waitFor(() => proxy.handle.stats().active === 0, 5000, 'every session released');
    await proxy.close();
    const lines = proxy.lines();
    await checkBystanders(clients, server, lines);
    // It sent nothing: no session (the pcap read back has none either); the diagnostic is capture-level and names it.
    assert.ok(!byType(lines, 'session').some((s) => s['client'] === idle!.endpoint));
    const ds = byType(lines, 'diagnostic').filter((l) => l['client'] === idle!.endpoint);
    assert.deepEqual(
      ds.map((d) => [d['code'], d['session']]),
      [['proxy.idle-timeout', null]],
    );
    const d = ds[0]!;
    assert.deepEqual(ctx(d), { seconds: IDLE / 1000, connected: true });
    assert.equal(d['severity'], 'warn');
    assert.ok(
      server.conns.some((c) => c.seed === null && c.received.bytes === 0 && c.ended && c.error === null),
      'the server got a FIN too',
    );
    assert.deepEqual(proxyCodes(lines), ['proxy.idle-timeout'], 'no bystander was touched');
  });
});

test('timeouts: idle clients holding every --max-sessions slot are closed, and a new encoder gets through', async () => {
  await withProxy({}, { idleTimeoutMs: IDLE, stallTimeoutMs: STALL, maxSessions: 2 }, async (proxy, server) => {
    const idle = [rawClient(proxy.port), rawClient(proxy.port)];
    await Promise.all(idle.map((c) => c.connected));
    await waitFor(() => proxy.handle.stats().active === 2, 5000, 'two sessions');
    const refused = rawClient(proxy.port);
    await refused.closed;
    assert.equal(refused.received.bytes, 0, 'the third connection was refused');
    for (const c of idle) assert.equal((await c.closed).ended, true);
    await waitFor(() => proxy.handle.stats().active === 0, 5000, 'slots released');
    const { c, sc } = await runSession(proxy, server, { seed: 9200, media: 4 });
    assertForwarded(c, sc);
    await proxy.close();
    const codes = proxyCodes(proxy.lines());
    assert.deepEqual(codes.filter((x) => x === 'proxy.idle-timeout').length, 2);
    assert.deepEqual(
      codes.filter((x) => x !== 'proxy.idle-timeout'),
      ['proxy.session-limit'],
    );
    assert.deepEqual(proxyCodes(publisherSession(proxy.lines(), 9200)), []);
  });
});

test('timeouts: a slowloris (one byte every 50 ms for 3 idle timeouts) is not idle', async () => {
  const idleMs = 500;
  await withProxy({}, { idleTimeoutMs: idleMs, stallTimeoutMs: STALL }, async (proxy, server) => {
    const slow = rawClient(proxy.port);
    await slow.connected;
    const hs = handshakeBytes(0x510);
    const t0 = Date.now();
    let n = 0;
    let closedEarly = false;
    void slow.closed.then(() => (closedEarly = true));
    while (Date.now() - t0 < 3 * idleMs && !closedEarly) {
      slow.send(hs.subarray(n, n + 1));
      n++;
      await sleep(50);
    }
    assert.equal(closedEarly, false, 'the slowloris was not closed while sending');
    slow.socket.end();
    assert.deepEqual(await slow.closed.then((e) => ({ ended: e.ended, error: e.error })), { ended: true, error: null });
    await proxy.close();
    const lines = proxy.lines();
    const s = sessionOf(lines, slow.endpoint);
    assert.deepEqual(s.record['bytes'], { c2s: n, s2c: 0 });
    assert.equal(s.record['end'], 'fin');
    const sc = server.conns.find((c) => c.received.bytes === n);
    assert.ok(sc !== undefined);
    assert.equal(recDigest(sc.received), recDigest(slow.sent), 'every byte arrived');
    assert.deepEqual(proxyCodes(lines), [], 'no timeout');
  });
});

test('timeouts: an upstream that accepts and never answers the RTMP handshake is idle; the session is gone within the grace period', async () => {
  const up = await silentServer();
  // The silent upstream never answers the FIN either: destroyed after graceMs.
  const proxy = await startProxy(up.port, { idleTimeoutMs: IDLE, stallTimeoutMs: STALL, graceMs: 300 });
  try {
    const c = runClient(proxy.port, { seed: 9300 });
    await once(c.socket, 'connect');
    const t0 = Date.now();
    const end = await c.closed;
    assert.deepEqual(end, { ended: true, error: null }, 'the client got a FIN');
    assertAfter(Date.now() - t0, IDLE, 'closed');
    await waitFor(() => up.conns.length === 1 && up.conns[0]!.ended, 5000, 'the upstream to get a FIN');
    assert.equal(up.conns[0]!.received, 1537, 'C0+C1 reached the upstream');
    await waitFor(() => proxy.handle.stats().active === 0, 5000, 'the session released');
    await proxy.close();
    const lines = proxy.lines();
    assert.deepEqual(proxyCodes(lines), ['proxy.idle-timeout']);
    assert.equal(ctx(byType(lines, 'diagnostic')[0]!)['connected'], true);
    const rec = byType(lines, 'session');
    assert.equal(rec.length, 1);
    assert.deepEqual(rec[0]!['bytes'], { c2s: 1537, s2c: 0 });
    assert.equal(rec[0]!['end'], 'fin');
  } finally {
    await proxy.close();
    await up.close();
  }
});

test('timeouts: an rtmps upstream that accepts TCP and never answers TLS is idle before the connect timeout', async () => {
  const up = await silentServer();
  const proxy: TestProxy = await startProxy(up.port, { upstream: { host: '127.0.0.1', port: up.port, tls: true }, connectTimeoutMs: 10000, idleTimeoutMs: IDLE });
  try {
    // The proxy's idle clock cannot start before the client connects (lower bound from here);
    // the 'connect' event can come late on a loaded machine (upper bound from it).
    const before = Date.now();
    const c = runClient(proxy.port, { seed: 9310 });
    await once(c.socket, 'connect');
    const t0 = Date.now();
    assert.deepEqual(await c.closed, { ended: true, error: null }, 'the client got a FIN');
    assertAfter(Date.now() - t0, IDLE, 'closed', Date.now() - before);
    await proxy.close();
    const d = byType(proxy.lines(), 'diagnostic');
    assert.deepEqual(
      d.map((x) => x['code']),
      ['proxy.idle-timeout'],
    );
    assert.deepEqual(ctx(d[0]!), { seconds: IDLE / 1000, connected: false });
    assert.equal(byType(proxy.lines(), 'session').length, 0, 'no session reached the upstream');
  } finally {
    await proxy.close();
    await up.close();
  }
});

test('timeouts: a client that never reads while the server floods it (and keeps publishing) ends with proxy.stall-timeout naming the client', async () => {
  const SEED = 0x5701;
  const hooks: ServerHooks = {
    keepBytes: false,
    onMessage: (sc, name) => {
      if (name === 'publish' && sc.seed === SEED) setImmediate(() => flood(sc, SEED));
    },
  };
  // Idle timeout longer than the stall one; the client's trickle would keep it away anyway.
  await withProxy(hooks, { idleTimeoutMs: 3 * STALL, stallTimeoutMs: STALL }, async (proxy, server) => {
    let stop = () => {};
    let trickled = 0;
    let stoppedReading = Infinity;
    const c = runClient(proxy.port, {
      seed: SEED,
      media: 2,
      finish: 'none',
      keepBytes: false,
      onPublishing: (cs) => {
        stoppedReading = Date.now();
        cs.socket.pause();
        // A small video frame every 50 ms (the client's chunk size is 4096 by then).
        const frame = writeChunks([{ csid: 6, typeId: 9, timestamp: 0, streamId: 1, body: Uint8Array.of(0x27, 1, 0, 0, 0, 1, 2, 3) }], { chunkSize: 4096 });
        setImmediate(() => {
          stop = trickle(cs.socket, 50, () => {
            trickled++;
            cs.send(frame);
            return frame;
          });
        });
      },
    });
    try {
      await c.done;
      const sc = server.conns.find((x) => x.seed === SEED);
      assert.ok(sc !== undefined);
      await waitFor(() => proxy.handle.stats().paused >= 1, 10000, 'the proxy to hold the server back');
      const t0 = Date.now();
      await waitFor(() => proxy.records.some((r) => r.type === 'diagnostic' && r.code === 'proxy.stall-timeout'), STALL + 5000, 'the stall timeout');
      assertAfter(Date.now() - t0, STALL, 'stall reported', Date.now() - stoppedReading);
      assert.ok(trickled >= 4, `the client kept sending meanwhile (${trickled} frames)`);
      await sc.closed;
      assert.equal(sc.ended, true, 'the server got a FIN');
      assert.equal(sc.error, null, 'and no reset');
      await waitFor(() => proxy.handle.stats().active === 0, 5000, 'the session released');
    } finally {
      stop();
      c.socket.destroy();
    }
    await proxy.close();
    const mine = publisherSession(proxy.lines(), SEED);
    assert.deepEqual(proxyCodes(mine), ['proxy.stall-timeout']);
    const d = byType(mine, 'diagnostic').find((x) => x['code'] === 'proxy.stall-timeout')!;
    assert.equal(d['dir'], 's2c');
    assert.equal(ctx(d)['peer'], 'client');
    assert.ok((ctx(d)['waiting'] as number) > 0, 'bytes were waiting for the client');
    assert.match(String(d['message']), /^the client stopped reading/);
    assert.equal(byType(mine, 'session')[0]!['end'], 'fin');
    assert.deepEqual(proxyCodes(proxy.lines()), ['proxy.stall-timeout']);
  });
});

test('timeouts: an upstream that stops reading while the client floods (and keeps sending) ends with proxy.stall-timeout naming the server', async () => {
  const SEED = 0x5702;
  let deaf: ServerConn | null = null;
  let stop = () => {};
  let stoppedReading = Infinity;
  const hooks: ServerHooks = {
    keepBytes: false,
    onMessage: (sc, name) => {
      if (name !== 'publish' || sc.seed !== SEED) return;
      deaf = sc;
      setImmediate(() => {
        stoppedReading = Date.now();
        sc.socket.pause();
        // A ping request every 50 ms: the other direction keeps flowing.
        const ping = writeChunks([{ csid: 2, typeId: 4, timestamp: 0, body: Uint8Array.of(0, 6, 0, 0, 0, 1) }], { chunkSize: 4096 });
        stop = trickle(sc.socket, 50, () => {
          sc.send(ping);
          return ping;
        });
      });
    },
  };
  await withProxy(hooks, { stallTimeoutMs: STALL, idleTimeoutMs: 0 }, async (proxy) => {
    const c = runClient(proxy.port, { seed: SEED, media: 2, finish: 'none', keepBytes: false, onPublishing: (cs) => setImmediate(() => flood(cs, SEED)) });
    try {
      await c.done;
      await waitFor(() => proxy.handle.stats().paused >= 1, 10000, 'the proxy to hold the client back');
      const t0 = Date.now();
      const end = await c.closed;
      assertAfter(Date.now() - t0, STALL, 'client closed', Date.now() - stoppedReading);
      assert.deepEqual(end, { ended: true, error: null }, 'the client got a FIN, not a reset');
      assert.ok(c.messages.filter((m) => m === 'type4').length >= 4, 'the server kept sending meanwhile');
      await waitFor(() => proxy.handle.stats().active === 0, 5000, 'the session released');
    } finally {
      stop();
      deaf?.socket.destroy();
    }
    await proxy.close();
    const mine = publisherSession(proxy.lines(), SEED);
    assert.deepEqual(proxyCodes(mine), ['proxy.stall-timeout']);
    const d = byType(mine, 'diagnostic').find((x) => x['code'] === 'proxy.stall-timeout')!;
    assert.equal(d['dir'], 'c2s');
    assert.equal(ctx(d)['peer'], 'server');
    assert.match(String(d['message']), /^the server stopped reading/);
    assert.equal(byType(mine, 'session')[0]!['end'], 'fin');
    assert.deepEqual(proxyCodes(proxy.lines()), ['proxy.stall-timeout']);
  });
});

test('timeouts: 0 disables both (an idle client and a client that never reads stay open)', async () => {
  const SEED = 0x5703;
  const hooks: ServerHooks = {
    keepBytes: false,
    onMessage: (sc, name) => {
      if (name === 'publish' && sc.seed === SEED) setImmediate(() => flood(sc, SEED));
    },
  };
  await withProxy(hooks, { idleTimeoutMs: 0, stallTimeoutMs: 0 }, async (proxy) => {
    const idle = rawClient(proxy.port);
    const stuck = runClient(proxy.port, { seed: SEED, media: 2, finish: 'none', stayOpenOnServerEnd: true, keepBytes: false, onPublishing: (cs) => cs.socket.pause() });
    try {
      await idle.connected;
      await stuck.done;
      await waitFor(() => proxy.handle.stats().paused >= 1, 10000, 'the proxy to hold the server back');
      await sleep(3 * IDLE);
      assert.equal(proxy.handle.stats().active, 2, 'both sessions still open');
      assert.ok(proxy.handle.stats().paused >= 1, 'and the flood still held back');
      assert.deepEqual(proxyCodes(proxy.lines()), []);
    } finally {
      idle.socket.destroy();
      stuck.socket.destroy();
    }
    await proxy.close();
    assert.deepEqual(
      proxyCodes(proxy.lines()).filter((x) => x.endsWith('-timeout')),
      [],
    );
  });
});

test('timeouts: options: --idle-timeout / --stall-timeout in seconds (0: never), defaults 120 and 60; bad values are usage errors', () => {
  const d = parseProxyArgs(['--upstream', 'h']);
  assert.equal(d.idleTimeoutMs, 120_000);
  assert.equal(d.stallTimeoutMs, 60_000);
  const o = parseProxyArgs(['--upstream', 'h', '--idle-timeout', '30', '--stall-timeout', '0.25']);
  assert.equal(o.idleTimeoutMs, 30_000);
  assert.equal(o.stallTimeoutMs, 250);
  const z = parseProxyArgs(['--upstream', 'h', '--idle-timeout=0', '--stall-timeout', '0']);
  assert.equal(z.idleTimeoutMs, 0);
  assert.equal(z.stallTimeoutMs, 0);
  assert.equal(parseProxyArgs(['--upstream', 'h', '--idle-timeout', '86400']).idleTimeoutMs, 86_400_000);
  for (const opt of ['--idle-timeout', '--stall-timeout']) {
    assert.match(PROXY_USAGE, new RegExp(`${opt} SEC`));
    for (const bad of ['', 'soon', '-1', '1e3', '1,5', '0.0001', '86401', ' 5']) {
      assert.throws(
        () => parseProxyArgs(['--upstream', 'h', opt, bad]),
        (e: unknown) => e instanceof UserError && e.exitCode === 2 && !e.message.includes('\n') && e.message.includes(opt),
        `${opt} ${JSON.stringify(bad)}`,
      );
    }
    assert.throws(
      () => parseProxyArgs(['--upstream', 'h', opt]),
      (e: unknown) => e instanceof UserError && e.exitCode === 2,
      `${opt} without a value`,
    );
  }
});

test('timeouts: runProxy rejects impossible timeouts; the CLI exits 2 with one line and documents both', async () => {
  const base = parseProxyArgs(['--upstream', '127.0.0.1:1', '--listen', '127.0.0.1:0']);
  for (const bad of [{ idleTimeoutMs: -1 }, { stallTimeoutMs: Number.NaN }, { idleTimeoutMs: 2 ** 40 }]) {
    await assert.rejects(runProxy({ ...base, ...bad, format: 'none' }), (e: unknown) => e instanceof UserError && e.exitCode === 2, JSON.stringify(bad));
  }
  const help = spawnSync(process.execPath, [MAIN, 'proxy', '--help'], { encoding: 'utf8' });
  assert.equal(help.status, 0);
  assert.match(help.stdout, /--idle-timeout SEC/);
  assert.match(help.stdout, /--stall-timeout SEC/);
  for (const argv of [
    ['--idle-timeout', 'never'],
    ['--stall-timeout', '-5'],
  ]) {
    const r = spawnSync(process.execPath, [MAIN, 'proxy', '--upstream', '127.0.0.1:1', ...argv], { encoding: 'utf8' });
    assert.equal(r.status, 2, r.stderr);
    assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr);
    assert.match(r.stderr, new RegExp(argv[0]!));
  }
});
