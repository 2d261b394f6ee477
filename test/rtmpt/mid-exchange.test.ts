/**
 * RTMPT whose capture begins mid-exchange (src/rtmpt/boundary.ts, tunnel.ts), on built tunnels:
 * the SYN missing before a whole /fcs/ident2 + /open exchange, and a capture cut at every frame
 * of a tunnel whose /send bodies and replies span several segments (so cuts fall inside request
 * bodies, inside reply bodies and between heads and bodies).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { pipeline } from '../analysis/script.js';
import { concatBytes, writeChunks, type MessageSpec } from '../builders/chunk-writer.js';
import { conversationFrames, type Turn } from '../builders/conversation.js';
import { analyzeEvents, captureEvents, compareCut, cutEvents } from '../builders/cut-sweep.js';
import { ascii, pcapOf, reply, request, rtmpBytes, tunnelTurns } from '../builders/rtmpt.js';
import type { MessageRecord, OutputRecord, SessionRecord } from '../../src/records/index.js';

const messages = (recs: readonly OutputRecord[]): MessageRecord[] => recs.filter((r): r is MessageRecord => r.type === 'message');
const server = { ip: '10.0.0.2', port: 8080 };

/** `n` audio messages on chunk stream 4 (a type-0 header, then type 1), lengths 60..187. */
function audio(n: number, seed: number): Uint8Array {
  const ms: MessageSpec[] = [];
  for (let i = 0; i < n; i++) {
    const len = 60 + ((seed * 31 + i * 57) % 128);
    ms.push({ csid: 4, typeId: 8, timestamp: 23 * i, delta: 23, fmt: i === 0 && seed === 0 ? 0 : 1, streamId: 1, body: new Uint8Array(len).fill(0xaf) });
  }
  return writeChunks(ms);
}

/**
 * A publishing tunnel: ident2, /open, the handshake and commands, then /send bodies of 24 audio
 * messages each, every reply carrying an acknowledgement, and /close.
 */
function publishTurns(): Turn[] {
  const base = rtmpBytes();
  const turns: Turn[] = [{ from: 'c', data: request('/fcs/ident2', Uint8Array.of(0)) }, { from: 's', data: reply(ascii('\n'), 404) }, ...tunnelTurns('p7', base, 0, { close: false })];
  for (let i = 0; i < 6; i++) {
    const ack = writeChunks([{ csid: 2, typeId: 3, timestamp: 0, fmt: i === 0 ? 0 : 1, body: Uint8Array.of(0, 0, i, 0) }]);
    turns.push({ from: 'c', data: request(`/send/p7/${base.c2s.length + i}`, audio(24, i)) }, { from: 's', data: reply(concatBytes(Uint8Array.of(1), ack)) });
  }
  // A request after the last body: the tunnel id of a body the capture began in comes with the next head.
  turns.push({ from: 'c', data: request(`/close/p7/${base.c2s.length + 6}`, Uint8Array.of(0)) }, { from: 's', data: reply(Uint8Array.of(0)) });
  return turns;
}

test('mid-exchange: the SYN missing before a whole /open exchange — the tunnel is decoded from its handshake on', () => {
  const intact = pipeline(pcapOf(conversationFrames(publishTurns(), { server })));
  const late = pipeline(pcapOf(conversationFrames(publishTurns(), { server, noHandshake: true })));
  assert.deepEqual(
    messages(late).map((m) => [m.dir, m.typeId, m.length]),
    messages(intact).map((m) => [m.dir, m.typeId, m.length]),
  );
  const s = late.find((r): r is SessionRecord => r.type === 'session');
  assert.equal(s?.transport, 'rtmpt');
  assert.equal(s?.detectedBy, 'handshake');
  assert.deepEqual(s?.startUnseen, { c2s: false, s2c: false });
  assert.ok(!late.some((r) => r.type === 'diagnostic' && r.code === 'rtmp.chunk.resync'));
  // The TCP connection's own start is still reported missing, on the tunnel.
  assert.ok(late.some((r) => r.type === 'diagnostic' && r.code === 'tcp.start-unseen' && r.session === s?.session));
});

// On an HTTP port, and on another one (the mid-stream decision waits there too, for less: boundary.ts).
for (const port of [8080, 9000]) {
  test(`mid-exchange on port ${port}: cut at every frame (inside /send bodies too), nothing is invented, the tunnel stays a tunnel, and all but at most the first recoverable message are decoded`, () => {
    const events = captureEvents(pcapOf(conversationFrames(publishTurns(), { server: { ...server, port }, mss: 600 })));
    const intact = messages(analyzeEvents(events));
    assert.ok(intact.length > 140, `${intact.length} messages`);
    const frames = events.filter((e) => e.kind === 'record').length;
    const worst: string[] = [];
    for (let k = 2; k < frames; k++) {
      const recs = analyzeEvents(cutEvents(events, k));
      const r = compareCut(intact, messages(recs), k);
      assert.equal(r.precision, 1, `cut at frame ${k}: precision ${r.precision}`);
      const plain = recs.filter((x): x is SessionRecord => x.type === 'session' && x.transport !== 'rtmpt');
      assert.deepEqual(plain, [], `cut at frame ${k}: taken for plain RTMP`);
      // Resync may pass over the first whole message after a cut inside a body (frame 65: its
      // chain is found from the header after it); every later one is decoded.
      if (r.recoverable - r.found > 1) worst.push(`frame ${k}: ${r.found} of ${r.recoverable}`);
    }
    assert.deepEqual(worst, []);
  });
}
