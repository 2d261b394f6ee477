/**
 * RTMPE in a capture (captures/rtmpdump-rtmpsrv-rtmpe.pcap: rtmpdump plays rtmpe:// from
 * rtmpsrv, type 8): the handshake is judged right (XTEA-encrypted signatures verify, DH keys
 * located and valid), the encrypted rest is an info and never damage; and with the DH secret
 * rtmpdump logged (-z, the .keys file) the key derivation gives rtmpdump's RC4 keys, and the
 * decrypted stream decodes as the RTMP rtmpdump sent.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createCaptureDecoder } from '../../src/capture/decoder.js';
import { decodeFrame } from '../../src/net/decode.js';
import { TcpReassembler, type TcpEvent } from '../../src/tcp/reassembly.js';
import { analyzeStream } from '../../src/session/run.js';
import { RtmpSession } from '../../src/session/rtmp-session.js';
import type { OutputRecord, SessionRecord, HandshakeRecord, MessageRecord } from '../../src/records/index.js';
import { decodeFirstBlock } from '../../src/rtmp/handshake.js';
import { dhPublicKey, rc4Keys } from '../../src/rtmp/rtmpe.js';
import { Rc4 } from '../../src/crypto/rc4.js';
import { SummaryCollector, renderSummary } from '../../src/output/summary.js';

const dir = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..', 'captures');
const file = join(dir, 'rtmpdump-rtmpsrv-rtmpe.pcap');

async function records(): Promise<OutputRecord[]> {
  const out: OutputRecord[] = [];
  async function* input() {
    yield new Uint8Array(readFileSync(file));
  }
  await analyzeStream(file, input(), (rs) => {
    out.push(...rs);
  });
  return out;
}

/** Both directions' bytes of each TCP connection. */
function streams(): { c2s: Uint8Array; s2c: Uint8Array }[] {
  const dec = createCaptureDecoder();
  const tcp = new TcpReassembler();
  const parts = new Map<number, { c2s: Uint8Array[]; s2c: Uint8Array[] }>();
  const on = (evs: TcpEvent[]) => {
    for (const e of evs) {
      if (e.kind !== 'data') continue;
      const p = parts.get(e.conn) ?? { c2s: [], s2c: [] };
      parts.set(e.conn, p);
      p[e.dir].push(e.data.slice());
    }
  };
  for (const ev of [...dec.push(new Uint8Array(readFileSync(file))), ...dec.finish()]) {
    if (ev.kind !== 'record') continue;
    const seg = decodeFrame(ev.linkType, ev.data, ev.origLen);
    if (seg.kind === 'tcp') on(tcp.push(seg, { frame: ev.frame, sec: ev.sec, nsec: ev.nsec }));
  }
  on(tcp.finish());
  return [...parts.keys()]
    .sort((a, b) => a - b)
    .map((k) => {
      const p = parts.get(k)!;
      return { c2s: Buffer.concat(p.c2s), s2c: Buffer.concat(p.s2c) };
    });
}

test('RTMPE capture: type 8 handshake judged right, DH keys valid, content reported as needing an endpoint, no warning', async () => {
  const recs = await records();
  const sessions = recs.filter((r): r is SessionRecord => r.type === 'session');
  assert.equal(sessions.length, 2);
  for (const s of sessions) {
    assert.equal(s.transport, 'rtmpe');
    assert.equal(s.encrypted, true);
    assert.deepEqual(
      { ...s.rtmpe, clientKey: s.rtmpe?.clientKey?.valid, serverKey: s.rtmpe?.serverKey?.valid },
      {
        type: 8,
        requested: 6,
        signatureCipher: 'xtea',
        clientKey: true,
        serverKey: true,
        content: 'encrypted',
      },
    );
    assert.deepEqual(s.messageCount, { c2s: 0, s2c: 0 });
  }
  const hs = recs.filter((r): r is HandshakeRecord => r.type === 'handshake');
  for (const h of hs.filter((h) => h.part === 'C2' || h.part === 'S2')) assert.equal(h.digestValid, true, `${h.part} of session ${h.session}`);
  for (const h of hs.filter((h) => h.part === 'C1' || h.part === 'S1')) assert.equal(h.dhKey?.valid, true);
  const diags = recs.filter((r) => r.type === 'diagnostic');
  assert.deepEqual([...new Set(diags.map((d) => (d.type === 'diagnostic' ? `${d.severity} ${d.code}` : '')))].sort(), ['info rtmp.handshake.encrypted', 'info tcp.reset']);
  // The summary names the transport.
  const c = new SummaryCollector();
  c.records(recs);
  assert.match(renderSummary(c, { color: false }), /rst RTMPE/);
});

test("RTMPE capture: rtmpdump's DH secret gives its RC4 keys; the decrypted stream decodes as RTMP", async () => {
  const keys = readFileSync(join(dir, 'rtmpdump-rtmpsrv-rtmpe.keys'), 'utf8').trim().split('\n');
  assert.ok(keys.length >= 1);
  const m = /^SECRET ([0-9a-f]{256}) C2S ([0-9a-f]{32}) S2C ([0-9a-f]{32})$/.exec(keys[0]!);
  assert.ok(m !== null, keys[0]);
  const [, secret, c2sKey, s2cKey] = m;
  const { c2s, s2c } = streams()[0]!;
  const c1 = c2s.subarray(1, 1537);
  const s1 = s2c.subarray(1, 1537);
  const fc = decodeFirstBlock(c1, 'client');
  const fs = decodeFirstBlock(s1, 'server');
  assert.ok(fc.scheme !== null && fs.scheme !== null);
  const k = rc4Keys(Buffer.from(secret!, 'hex'), dhPublicKey(c1, fc.scheme), dhPublicKey(s1, fs.scheme));
  assert.equal(Buffer.from(k.c2s).toString('hex'), c2sKey);
  assert.equal(Buffer.from(k.s2c).toString('hex'), s2cKey);
  // Decrypt after the handshake (1 + 2 x 1536 bytes) with the first 1536 keystream bytes dropped.
  const plain = (bytes: Uint8Array, key: Uint8Array) => {
    const rc4 = new Rc4(key);
    rc4.skip(1536);
    const out = bytes.slice();
    rc4.process(bytes.subarray(3073), out.subarray(3073));
    return out;
  };
  const session = new RtmpSession({ session: 1, conn: 0, client: 'c', server: 's' }, false, undefined, { decrypted: true });
  const meta = { frame: 1, sec: 0, nsec: 0 };
  const out = [...session.data('c2s', plain(c2s, k.c2s), 0, meta), ...session.data('s2c', plain(s2c, k.s2c), 0, meta), ...session.finish()];
  const names = out.filter((r): r is MessageRecord => r.type === 'message' && r.name !== undefined).map((r) => `${r.dir} ${r.name}`);
  assert.deepEqual(names.slice(0, 2), ['c2s connect', 'c2s createStream']);
  assert.ok(names.includes('c2s play'), names.join(', '));
  assert.ok(names.includes('s2c onStatus'), names.join(', '));
  assert.ok(names.includes('s2c _result'), names.join(', '));
  // rtmpdump's side is clean; rtmpsrv opens chunk stream 3 with a type-1 header (librtmp's
  // reader accepts it with a zeroed previous header), the one complaint about its side.
  const complaints = out.filter((r) => r.type === 'diagnostic' && r.severity !== 'info' && r.code !== 'session.stream.unknown-id');
  assert.deepEqual(
    complaints.map((r) => (r.type === 'diagnostic' ? `${r.dir} ${r.code}` : '')),
    ['s2c rtmp.chunk.no-previous-header', 's2c rtmp.chunk.desync'],
  );
  assert.equal(session.sessionFacts()?.rtmpe?.content, 'decrypted');
});
