/**
 * RTMPE termination. Sans-IO: an RTMPE client (built here from the handshake primitives) talks to
 * a terminator whose upstream is rtmpe://, which talks to a second terminator whose upstream is
 * plain, which talks to a plain server: both terminator roles, types 8 (XTEA) and 9 (Blowfish),
 * the ciphers both ways, and the tap's plaintext. Sockets: an RTMPE client through runProxy to
 * the fake plain server: the session record says transport rtmpe, decrypted, terminated; a C1
 * without a digest cannot be terminated (proxy.rtmpe.failed) and is relayed unchanged. rtmpdump against the proxy is in
 * test-interop/rtmpe.test.ts.
 */
import { test } from 'node:test';
import fc from 'fast-check';
import assert from 'node:assert/strict';

import { generateKeyPair } from '../../src/crypto/dh-group2.js';
import { Rc4 } from '../../src/crypto/rc4.js';
import { decodeFirstBlock, secondBlockSignature, signFirstBlock } from '../../src/rtmp/handshake.js';
import { dhKeyOffset, dhPublicKey, rc4Keys } from '../../src/rtmp/rtmpe.js';
import { RtmpeTerminator, type TerminatorOutput } from '../../src/proxy/rtmpe-terminator.js';
import { amf0 } from '../builders/amf-writer.js';
import { writeChunks } from '../builders/chunk-writer.js';
import { byType, rawClient, withProxy } from './harness.js';
import { prng, recDigest, waitFor } from './fake-rtmp.js';

const cat = (xs: readonly Uint8Array[]) => new Uint8Array(Buffer.concat(xs));

/** An RTMPE client: C0+C1 (DH key and digest, scheme 1); then S0+S1+S2 checked and the keys set. */
function rtmpeClient(c0: number, seed: number) {
  const keys = generateKeyPair();
  const c1 = prng(seed, 1536);
  c1.set([0, 0, 0, 0, 128, 0, 3, 2], 0);
  c1.set(keys.publicKey, dhKeyOffset(c1, 1));
  const digest = signFirstBlock(c1, 1, 'client');
  let out: Rc4 | null = null;
  let inn: Rc4 | null = null;
  return {
    hello: cat([Uint8Array.of(c0), c1]),
    /** S0+S1+S2 in: returns C2, or throws when the server's blocks do not verify. */
    answer(s: Uint8Array): { c2: Uint8Array; type: number } {
      const type = s[0]!;
      const s1 = s.subarray(1, 1537);
      const s2 = s.subarray(1537, 3073);
      const f = decodeFirstBlock(s1, 'server');
      assert.equal(f.digestValid, true, 'S1 digest');
      assert.deepEqual(secondBlockSignature(s2, 'server', digest, type), s2.subarray(1504), 'S2 signature (type-encrypted)');
      const serverKey = dhPublicKey(s1, f.scheme!);
      const k = rc4Keys(keys.secret(serverKey), keys.publicKey, serverKey);
      out = new Rc4(k.c2s);
      inn = new Rc4(k.s2c);
      out.skip(1536);
      inn.skip(1536);
      const c2 = prng(seed + 1, 1536);
      c2.set(secondBlockSignature(c2, 'client', f.digest!, type), 1504);
      return { c2, type };
    },
    encrypt: (b: Uint8Array) => out!.process(b),
    decrypt: (b: Uint8Array) => inn!.process(b),
  };
}

test('RTMPE terminators: client -> (rtmpe upstream) -> (plain upstream) -> server, types 8 and 9', () => {
  for (const c0 of [6, 9]) {
    const client = rtmpeClient(c0, 10 + c0);
    const t1 = new RtmpeTerminator('rtmpe');
    const t2 = new RtmpeTerminator('rtmp');
    const toClient: Uint8Array[] = [];
    const toServer: Uint8Array[] = [];
    const tap1: { dir: string; plain: Uint8Array }[] = [];
    // Route every output until nothing moves; the plain server answers C0+C1 with S0+S1+S2(=C1).
    const deliver = (o: TerminatorOutput, from: 't1' | 't2'): void => {
      assert.equal(o.failure, undefined);
      if (from === 't1') {
        toClient.push(...o.toClient);
        tap1.push(...o.tap);
        for (const b of o.toUpstream) deliver(t2.fromClient(b), 't2');
      } else {
        for (const b of o.toClient) deliver(t1.fromUpstream(b), 't1');
        for (const b of o.toUpstream) {
          toServer.push(b);
          if (b.length === 1537 && b[0] === 3) {
            const s1 = prng(99, 1536);
            s1.set([0, 0, 0, 0, 0, 0, 0, 0], 0);
            deliver(t2.fromUpstream(cat([Uint8Array.of(3), s1, b.subarray(1)])), 't2');
          }
        }
      }
    };
    deliver(t1.fromClient(client.hello), 't1');
    const answer = cat(toClient.splice(0));
    assert.equal(answer.length, 3073);
    const { c2, type } = client.answer(answer);
    assert.equal(type, c0 === 6 ? 8 : 9);
    deliver(t1.fromClient(c2), 't1');
    // The server saw C0=3, C1, then C2 = its S1 echoed.
    assert.equal(toServer[0]![0], 3);
    assert.equal(toServer[1]!.length, 1536);
    toServer.splice(0);
    const connect = writeChunks([{ csid: 3, typeId: 20, timestamp: 0, body: amf0.command('connect', 1, { app: 'live' }) }]);
    // Split anywhere: the ciphers are streams.
    const wire = client.encrypt(connect);
    deliver(t1.fromClient(wire.subarray(0, 7)), 't1');
    deliver(t1.fromClient(wire.subarray(7)), 't1');
    assert.deepEqual(cat(toServer), connect, 'the server gets the plaintext');
    const reply = writeChunks([{ csid: 3, typeId: 20, timestamp: 0, body: amf0.command('_result', 1, null, { code: 'NetConnection.Connect.Success' }) }]);
    deliver(t2.fromUpstream(reply), 't2');
    assert.deepEqual(client.decrypt(cat(toClient)), reply, 'the client decrypts the reply');
    const tapped = (dir: string) => cat(tap1.filter((x) => x.dir === dir).map((x) => x.plain));
    assert.deepEqual(tapped('c2s').subarray(3073), connect);
    assert.deepEqual(tapped('s2c').subarray(3073), reply);
    assert.equal(t1.upstreamBytes.c2s, 1537 + 1536 + connect.length);
  }
});

test('RTMPE terminator: C1 without a digest, or plain C0, cannot be terminated; the bytes are handed back to relay', () => {
  const t = new RtmpeTerminator('rtmp');
  const hello = cat([Uint8Array.of(6), prng(3, 1536), Uint8Array.of(1, 2, 3)]);
  assert.equal(t.fromClient(hello.subarray(0, 1000)).failure, undefined);
  const o = t.fromClient(hello.subarray(1000));
  assert.match(o.failure ?? '', /digest/);
  assert.deepEqual(o.toClient, []);
  assert.deepEqual(o.toUpstream, []);
  assert.deepEqual(o.tap, []);
  assert.deepEqual(new Uint8Array(o.passthrough!), hello);
  assert.match(new RtmpeTerminator('rtmp').fromClient(cat([Uint8Array.of(3), prng(3, 1536)])).failure ?? '', /not an RTMPE version/);
});

test('proxy: an RTMPE client is terminated; the session is decoded from the decrypted leg', async () => {
  await withProxy({}, {}, async (proxy, server) => {
    const client = rtmpeClient(6, 40);
    let answered = false;
    const c = rawClient(proxy.port, {
      onData: (rc) => {
        if (answered || rc.received.bytes < 3073) return;
        answered = true;
        const { c2 } = client.answer(new Uint8Array(Buffer.concat(rc.received.chunks)).subarray(0, 3073));
        const msgs = writeChunks([
          { csid: 3, typeId: 20, timestamp: 0, body: amf0.command('connect', 1, { app: 'live', tcUrl: 'rtmpe://127.0.0.1/live' }) },
          { csid: 3, typeId: 20, timestamp: 0, body: amf0.command('createStream', 2, null) },
        ]);
        rc.send(cat([c2, client.encrypt(msgs)]));
      },
    });
    await c.connected;
    c.send(client.hello);
    await waitFor(() => answered && server.conns[0] !== undefined && server.conns[0].messages.length >= 2, 5000, 'the server to get connect and createStream');
    c.socket.end();
    await c.closed;
    await waitFor(() => byType(proxy.lines(), 'session').length === 1, 5000, 'the session record');
    const lines = proxy.lines();
    const s = byType(lines, 'session')[0]!;
    assert.equal(s['transport'], 'rtmpe');
    const rtmpe = s['rtmpe'] as Record<string, unknown>;
    assert.equal(rtmpe['type'], 8);
    assert.equal(rtmpe['content'], 'decrypted');
    assert.deepEqual(Object.keys(rtmpe['terminated'] as object), ['upstream', 'upstreamBytes']);
    const names = byType(lines, 'message')
      .filter((m) => m['dir'] === 'c2s')
      .map((m) => m['name']);
    assert.deepEqual(names.slice(0, 2), ['connect', 'createStream']);
    assert.ok(byType(lines, 'diagnostic').some((d) => d['code'] === 'proxy.rtmpe.terminated'));
    assert.deepEqual(
      byType(lines, 'diagnostic')
        .filter((d) => d['severity'] !== 'info')
        .map((d) => d['code']),
      [],
    );
  });
});

test('proxy: an RTMPE C1 without a digest cannot be terminated (proxy.rtmpe.failed) and is relayed unchanged', async () => {
  await withProxy({ sinkGarbage: true }, {}, async (proxy, server) => {
    const c = rawClient(proxy.port);
    await c.connected;
    const hello = cat([Uint8Array.of(6), prng(5, 1536)]);
    c.send(hello.subarray(0, 700));
    c.send(hello.subarray(700));
    await waitFor(() => server.conns[0] !== undefined && server.conns[0].received.bytes === hello.length, 5000, 'the server to get the bytes');
    assert.equal(recDigest(server.conns[0]!.received), recDigest(c.sent));
    c.socket.end();
    await c.closed;
    await waitFor(() => byType(proxy.lines(), 'session').length === 1, 5000, 'the session record');
    const failed = byType(proxy.lines(), 'diagnostic').find((d) => d['code'] === 'proxy.rtmpe.failed');
    assert.deepEqual(failed?.['context'], { relayed: true });
    assert.deepEqual(byType(proxy.lines(), 'session')[0]!['bytes'], { c2s: 1537, s2c: 0 });
  });
});

test('RTMPE terminator: arbitrary bytes from either side never throw and stay bounded', () => {
  fc.assert(
    fc.property(fc.constantFrom(6, 8, 9, 3, 0), fc.array(fc.uint8Array({ maxLength: 4000 }), { maxLength: 6 }), fc.array(fc.uint8Array({ maxLength: 4000 }), { maxLength: 6 }), (c0, fromClient, fromUp) => {
      const t = new RtmpeTerminator('rtmpe');
      let sent = 0;
      let got = 0;
      for (let i = 0; i < Math.max(fromClient.length, fromUp.length); i++) {
        for (const [o, n] of [
          [fromClient[i] === undefined ? null : t.fromClient(i === 0 ? cat([Uint8Array.of(c0), fromClient[i]!]) : fromClient[i]!), fromClient[i]?.length ?? 0],
          [fromUp[i] === undefined ? null : t.fromUpstream(fromUp[i]!), fromUp[i]?.length ?? 0],
        ] as const) {
          got += n + 1;
          if (o === null) continue;
          sent += [...o.toClient, ...o.toUpstream].reduce((a, b) => a + b.length, 0);
        }
      }
      // Answers are at most the handshake blocks plus what came in.
      assert.ok(sent <= 2 * (1 + 2 * 1536) + got, `${sent} bytes out for ${got} in`);
    }),
    { numRuns: 60, seed: 20261207 },
  );
});

test('RTMPE terminator: the client leg split anywhere gives one answer, and its data goes up as plaintext after the upstream handshake', () => {
  const client = rtmpeClient(6, 70);
  const t0 = new RtmpeTerminator('rtmp');
  const a = t0.fromClient(client.hello);
  const { c2 } = client.answer(cat(a.toClient));
  const data = writeChunks([{ csid: 3, typeId: 20, timestamp: 0, body: amf0.command('connect', 1, { app: 'live' }) }]);
  const wire = cat([c2, client.encrypt(data)]);
  // C0+C1 split anywhere: one answer, and the tap holds exactly the hello.
  for (const cut of [1, 2, 100, 1536, 1537]) {
    const t = new RtmpeTerminator('rtmp');
    const o1 = t.fromClient(client.hello.subarray(0, cut));
    const o2 = t.fromClient(client.hello.subarray(cut));
    assert.equal(o1.toClient.length + o2.toClient.length, 1);
    assert.deepEqual(cat([...o1.tap, ...o2.tap].filter((x) => x.dir === 'c2s').map((x) => x.plain)), client.hello);
  }
  // And the first terminator decrypts C2 + data split at every offset into the same plaintext.
  // (C0+C1 to the upstream went with the answer to the hello.)
  const up: Uint8Array[] = [];
  for (let i = 0; i < wire.length; i += 97) up.push(...t0.fromClient(wire.subarray(i, i + 97)).toUpstream);
  assert.deepEqual(up, [], 'nothing goes up before the upstream handshake');
  const s1 = prng(5, 1536);
  s1.set([0, 0, 0, 0, 0, 0, 0, 0], 0);
  const o = t0.fromUpstream(cat([Uint8Array.of(3), s1, prng(6, 1536)]));
  assert.deepEqual(cat(o.toUpstream), cat([s1, data]), 'C2 echoes S1, then the queued plaintext');
});
