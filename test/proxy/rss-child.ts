/**
 * Run in a child process by bounded.test.ts (issue #13's proxy row at full size): a proxy with its
 * default budgets (--memory-budget 256 MiB, --max-sessions 1000), NDJSON written and counted, in
 * front of a server that reads and discards; `clients` clients connect at once, each sending a
 * handshake and then opening `messages` messages that each claim 16 MiB on distinct chunk streams,
 * and closing. Prints one JSON line: the process's peak RSS, bytes sent and forwarded, records.
 *
 *   node dist/test/proxy/rss-child.js [clients] [messages]
 */
import net from 'node:net';
import { once } from 'node:events';
import { runProxy } from '../../src/proxy/proxy.js';
import { handshakeBytes } from '../builders/chunk-writer.js';
import { openMessagesBody } from '../builders/hostile.js';
import { CountingWritable } from './harness.js';

const clients = Number(process.argv[2] ?? 300);
const messages = Number(process.argv[3] ?? 2400);

const received = { bytes: 0 };
const server = net.createServer({ allowHalfOpen: true }, (s) => {
  s.on('data', (b: Buffer) => (received.bytes += b.length));
  s.on('end', () => s.end());
  s.on('error', () => undefined);
});
server.listen(0, '127.0.0.1');
await once(server, 'listening');
const upstream = (server.address() as net.AddressInfo).port;
const out = new CountingWritable();
let records = 0;
let sessions = 0;
const proxy = await runProxy({
  listen: { host: '127.0.0.1', port: 0 },
  upstream: { host: '127.0.0.1', port: upstream, tls: false },
  insecure: false,
  format: 'ndjson',
  pcapLink: 'ethernet',
  connectTimeoutMs: 10_000,
  maxSessions: 1000,
  outputStream: out,
  onRecords: (r) => {
    records += r.length;
    for (const x of r) if (x.type === 'session') sessions++;
  },
});
const hs = handshakeBytes(0x1313);
const body = openMessagesBody(3, 2 + messages, 0xffffff);
let sent = 0;
await Promise.all(
  Array.from({ length: clients }, async () => {
    const s = net.connect({ host: '127.0.0.1', port: proxy.address.port, allowHalfOpen: true });
    s.on('error', () => undefined);
    s.on('data', () => undefined);
    await once(s, 'connect');
    s.write(hs);
    s.end(body);
    sent += hs.length + body.length;
    await once(s, 'close');
  }),
);
await proxy.close();
server.close();
process.stdout.write(JSON.stringify({ maxRssKiB: process.resourceUsage().maxRSS, sent, forwarded: received.bytes, records, sessions, ndjsonBytes: out.size }) + '\n');
