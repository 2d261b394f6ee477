/**
 * RTMPT between real peers: ffmpeg publishes rtmpt:// and rtmpdump plays rtmpt:// through the
 * suite's RTMPT↔RTMP gateway (rtmpt-gateway.ts, HTTP on 8080) to nginx-rtmp; rtmpdump goes
 * through `rtmpscope proxy --upstream rtmpt://127.0.0.1:8080` (listening on 8081). tcpdump
 * captures every leg: client → proxy (HTTP), proxy → gateway (HTTP), gateway → nginx (plain RTMP).
 * Checks, on this fresh capture and on the committed captures/ffmpeg-rtmpdump-rtmpt.pcap:
 * - every tunnel is one session with transport 'rtmpt' whose messages equal those of the
 *   gateway's plain RTMP leg for the same client (client → server all of them; server → client a
 *   prefix: the gateway drops what nginx sends after the tunnel's /close);
 * - the proxy's live NDJSON holds the same messages as the capture's client → proxy leg;
 * - why tshark differs: tshark 4.0 dissects each HTTP body on its own, so librtmp's C2 (sent
 *   alone in /send/<id>/1) is read as a chunk header ("Unknown (0x67)") and the connect in the
 *   next body as malformed; rtmpscope decodes the tunnel as one byte stream per direction.
 * Needs root, ip, ffmpeg (libx264, aac), rtmpdump, nginx + libnginx-mod-rtmp, tcpdump, tshark.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Namespace } from './netns.js';
import { CAPTURES, CLI, requireTool, rtmpscopeNdjson } from './tools.js';
import { publishAndPlay, startGateway } from './rtmpt-peers.js';

type Rec = Record<string, unknown>;

/** What must be equal between the tunnel and the plain leg: the message itself. */
function msgKey(m: Rec): string {
  return JSON.stringify([m['dir'], m['csid'], m['typeId'], m['streamId'], m['timestamp'], m['length'], m['name'] ?? null, m['args'] ?? null, m['media'] ?? null, m['control'] ?? null]);
}

function bySession(recs: readonly Rec[]): Map<number, { session: Rec; messages: Rec[] }> {
  const out = new Map<number, { session: Rec; messages: Rec[] }>();
  for (const r of recs) if (r['type'] === 'session') out.set(r['session'] as number, { session: r, messages: [] });
  for (const r of recs) if (r['type'] === 'message') out.get(r['session'] as number)?.messages.push(r);
  return out;
}

/** The first message a client sent (its connect) as the join key between a tunnel and its plain leg. */
function connectKey(messages: readonly Rec[]): string {
  const c = messages.find((m) => m['name'] === 'connect');
  return JSON.stringify([(c?.['args'] as Rec[] | undefined)?.[0]?.['flashVer'], messages.filter((m) => m['dir'] === 'c2s').length]);
}

/** Each tunnel's messages against the plain leg of the same client; returns the pairs checked. */
function checkAgainstPlainLegs(recs: readonly Rec[], plainPort: number, label: string): number {
  const sessions = [...bySession(recs).values()];
  const tunnels = sessions.filter((s) => s.session['transport'] === 'rtmpt');
  const plain = sessions.filter((s) => s.session['transport'] === 'rtmp' && String(s.session['server']).endsWith(`:${plainPort}`));
  assert.ok(tunnels.length >= 2, `${label}: ${tunnels.length} RTMPT sessions`);
  let pairs = 0;
  for (const t of tunnels) {
    assert.equal(t.session['detectedBy'], 'handshake', `${label}: tunnel ${t.session['session']} decoded from its start`);
    const mate = plain.find((p) => connectKey(p.messages) === connectKey(t.messages));
    if (mate === undefined) continue; // a client → proxy leg: its mate is the proxy → gateway tunnel
    pairs++;
    const tc = t.messages.filter((m) => m['dir'] === 'c2s').map(msgKey);
    const pc = mate.messages.filter((m) => m['dir'] === 'c2s').map(msgKey);
    assert.deepEqual(tc, pc, `${label}: tunnel ${t.session['session']}: client → server messages equal the plain leg's`);
    const ts = t.messages.filter((m) => m['dir'] === 's2c').map(msgKey);
    const ps = mate.messages.filter((m) => m['dir'] === 's2c').map(msgKey);
    assert.ok(ts.length > 0 && ts.length <= ps.length, `${label}: server → client messages (${ts.length} of ${ps.length})`);
    assert.deepEqual(ts, ps.slice(0, ts.length), `${label}: tunnel ${t.session['session']}: server → client messages are the plain leg's`);
  }
  assert.ok(pairs >= 2, `${label}: ${pairs} tunnels matched to a plain leg`);
  // (rtmpdump is stopped by a signal: its last reply may be cut by the close, which is reported)
  const rtmptDiags = recs.filter((r) => r['type'] === 'diagnostic' && String(r['code']).startsWith('rtmpt.') && !String(r['message']).includes('the connection ended inside'));
  assert.deepEqual(rtmptDiags, [], `${label}: no RTMPT diagnostics`);
  return pairs;
}

/**
 * tshark's RTMP view of the tunnels on an HTTP port (one Info line per frame), with tshark's
 * default preferences (a larger rtmpt.max_packet_size, as tools.ts sets for plain captures, makes
 * it misread even ffmpeg's tunnel, as "Unknown (0x0)").
 */
function tsharkInfo(file: string, httpPort: number): string[] {
  return execFileSync('tshark', ['-n', '-r', file, '-Y', `rtmpt && tcp.port==${httpPort}`, '-T', 'fields', '-e', '_ws.col.Info'], {
    encoding: 'utf8',
    maxBuffer: 1 << 28,
    stdio: ['ignore', 'pipe', 'pipe'],
  }).split('\n');
}

test("RTMPT: the committed capture decodes like its plain RTMP legs; tshark misreads librtmp's tunnel", () => {
  requireTool('tshark');
  const file = join(CAPTURES, 'ffmpeg-rtmpdump-rtmpt.pcap');
  const recs = rtmpscopeNdjson(file);
  assert.equal(checkAgainstPlainLegs(recs, 1935, 'committed'), 2);
  const info = tsharkInfo(file, 8080);
  assert.ok(
    info.some((l) => l.includes('Unknown (0x67)')),
    'tshark reads the C2 body as a message of type 0x67',
  );
  assert.ok(
    info.some((l) => /connect\('live'\)\[Malformed Packet\]/.test(l)),
    'tshark finds the next connect malformed',
  );
  // rtmpscope: C2 is a handshake part, the connects are whole and nothing is malformed.
  const hs = recs.filter((r) => r['type'] === 'handshake' && r['part'] === 'C2' && String(r['server']).endsWith(':8080'));
  assert.equal(hs.length, 2);
  assert.ok(hs.every((h) => h['echoes'] === true));
});

test('RTMPT: ffmpeg publishes and rtmpdump plays rtmpt:// through the gateway (and the proxy) to nginx-rtmp', async () => {
  for (const t of ['ip', 'ffmpeg', 'rtmpdump', 'nginx', 'tcpdump', 'tshark']) requireTool(t);
  const ns = new Namespace('tt-rtmpt');
  try {
    await startGateway(ns);
    const live = join(ns.dir, 'proxy.ndjson');
    const proxy = ns.start(process.execPath, [CLI, 'proxy', '--listen', '127.0.0.1:8081', '--upstream', 'rtmpt://127.0.0.1:8080', '-o', live], 'proxy');
    await ns.waitForPort(8081);
    const wire = join(ns.dir, 'wire.pcap');
    const cap = await ns.startCapture(wire);
    // rtmpdump through the proxy; SIGINT after 1.5 s makes it send deleteStream and POST /close.
    await publishAndPlay(ns, 'rtmpt://127.0.0.1:8080/live/it', 2.5, 40, 'rtmpt://127.0.0.1:8081/live/it', 1.5);
    await cap.stop();
    proxy.kill('SIGINT');
    await new Promise<void>((r) => (proxy.exitCode !== null ? r() : proxy.once('exit', () => r())));

    const recs = rtmpscopeNdjson(wire);
    // ffmpeg's tunnel and rtmpdump's proxy → gateway tunnel each have a plain leg to nginx.
    // (and the client → proxy tunnel matches rtmpdump's plain leg too)
    assert.equal(checkAgainstPlainLegs(recs, 1935, 'fresh'), 3);
    const sessions = [...bySession(recs).values()];
    const clientLeg = sessions.find((s) => s.session['transport'] === 'rtmpt' && String(s.session['server']).endsWith(':8081'));
    assert.ok(clientLeg !== undefined, 'the client → proxy tunnel is in the capture');
    // The proxy's live decode equals the capture's client → proxy leg.
    const liveRecs = readFileSync(live, 'utf8')
      .split('\n')
      .filter((l) => l !== '')
      .map((l) => JSON.parse(l) as Rec);
    const liveSessions = liveRecs.filter((r) => r['type'] === 'session');
    assert.equal(liveSessions.length, 1);
    assert.equal(liveSessions[0]!['transport'], 'rtmpt');
    const liveMsgs = liveRecs.filter((r) => r['type'] === 'message').map(msgKey);
    assert.ok(liveMsgs.length > 10);
    assert.deepEqual(liveMsgs, clientLeg.messages.map(msgKey), 'live NDJSON = capture of the client → proxy leg');
    // The proxy forwarded the tunnel: the same RTMP bytes on both of its legs.
    const upLeg = sessions.find((s) => s.session['transport'] === 'rtmpt' && s !== clientLeg && connectKey(s.messages) === connectKey(clientLeg.messages));
    assert.ok(upLeg !== undefined);
    assert.deepEqual(upLeg.session['bytes'], clientLeg.session['bytes']);
    // tshark on the fresh capture misreads rtmpdump's tunnel (proxy → gateway leg, on tshark's
    // HTTP port 8080) as it does the committed one.
    const info = tsharkInfo(wire, 8080);
    assert.ok(
      info.some((l) => /Unknown \(0x|Malformed|POST \//.test(l)),
      `tshark misreads rtmpdump's tunnel (C2 as a chunk header, or HTTP text as RTMP):\n${info.slice(0, 12).join('\n')}`,
    );
  } finally {
    await ns.close();
  }
});
