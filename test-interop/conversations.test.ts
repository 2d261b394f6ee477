/**
 * Differential check against tshark: for every capture, the RTMP sessions rtmpscope finds are
 * exactly the TCP conversations tshark reports — same client and server, same first and last
 * frame, same payload bytes per direction (retransmitted bytes counted once).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { captureFiles, endpoint, requireTool, rtmpscopeNdjson, tshark } from './tools.js';

const RTMP_PORTS = [1935, 19350];

type Conv = {
  stream: number;
  client: string;
  server: string;
  firstFrame: number;
  lastFrame: number;
  c2s: number;
  s2c: number;
};

/** TCP conversations as tshark sees them, with the SYN sender as client. */
export function tsharkConversations(file: string): Conv[] {
  const fields = ['tcp.stream', 'frame.number', 'ip.src', 'ipv6.src', 'tcp.srcport', 'ip.dst', 'ipv6.dst', 'tcp.dstport', 'tcp.len', 'tcp.flags.syn', 'tcp.flags.ack', 'tcp.analysis.retransmission', 'tcp.analysis.keep_alive'];
  const out = tshark(['-r', file, '-Y', 'tcp', '-T', 'fields', '-E', 'separator=/t', '-E', 'occurrence=f', ...fields.flatMap((f) => ['-e', f])]);
  const convs = new Map<number, Conv & { a: string; synSeen: boolean }>();
  for (const line of out.split('\n')) {
    if (line === '') continue;
    const [stream, frame, ip4s, ip6s, sport, ip4d, ip6d, dport, len, syn, ack, retrans, keepalive] = line.split('\t');
    const src = endpoint(ip4s || ip6s || '', sport ?? '');
    const dst = endpoint(ip4d || ip6d || '', dport ?? '');
    const id = Number(stream);
    let c = convs.get(id);
    if (c === undefined) {
      c = { stream: id, client: src, server: dst, a: src, synSeen: false, firstFrame: Number(frame), lastFrame: 0, c2s: 0, s2c: 0 };
      convs.set(id, c);
    }
    c.lastFrame = Number(frame);
    const isSyn = syn === '1' || syn === 'True';
    const isAck = ack === '1' || ack === 'True';
    if (isSyn) c.synSeen = true;
    if (isSyn && !isAck) {
      c.client = src;
      c.server = dst;
    } else if (isSyn && isAck) {
      c.client = dst;
      c.server = src;
    }
    if (retrans !== '' || keepalive !== '') continue;
    if (src === c.client) c.c2s += Number(len);
    else c.s2c += Number(len);
  }
  // Without a SYN (capture started mid-connection) the side on the RTMP port is the server, the
  // rule rtmpscope documents; tshark itself has no notion of client here.
  return [...convs.values()].map(({ a: _a, synSeen, ...c }) => (!synSeen && RTMP_PORTS.some((p) => c.client.endsWith(`:${p}`)) ? { ...c, client: c.server, server: c.client, c2s: c.s2c, s2c: c.c2s } : c));
}

requireTool('tshark');

// Tunnel captures: tshark's ip.src/ipv6.src are the outer addresses there; tunnels.test.ts holds
// them against tshark instead. The snap-length capture: rtmpscope counts every payload byte sent
// (cut bytes included, as `truncated`), tshark's per-frame fields here only what was kept.
const compared = captureFiles().filter((f) => !/(^|\/)tunnel-[^/]*$/.test(f) && !/snap\d+\.pcap$/.test(f));

for (const file of compared) {
  test(`tcp conversations match tshark: ${file.split('/').slice(-2).join('/')}`, () => {
    const want = tsharkConversations(file);
    const got = rtmpscopeNdjson(file, { withKeylog: true })
      .filter((r) => r['type'] === 'session')
      .map((r) => {
        const bytes = r['bytes'] as { c2s: number; s2c: number };
        return {
          stream: r['tcpStream'] as number,
          client: r['client'] as string,
          server: r['server'] as string,
          firstFrame: r['firstFrame'] as number,
          lastFrame: r['lastFrame'] as number,
          c2s: bytes.c2s,
          s2c: bytes.s2c,
        };
      })
      .sort((a, b) => a.stream - b.stream);
    assert.ok(want.length > 0, 'tshark found no TCP conversation');
    assert.deepEqual(got, want);
  });
}
