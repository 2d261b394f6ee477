/**
 * Test tooling: a small RTMPT ↔ RTMP gateway. No Debian server speaks RTMPT, so the interop suite
 * and captures/make-captures.sh put this in front of nginx-rtmp. It serves the tunnel the way
 * Adobe's servers do:
 *   POST /fcs/ident2          → 404 (as FMS answers it)
 *   POST /open/1              → body "<id>\n"; opens a plain TCP connection to the RTMP upstream
 *   POST /send/<id>/<seq>     → the body goes to the upstream; the reply is one byte (the polling
 *                               interval hint) + the upstream's bytes received so far
 *   POST /idle/<id>/<seq>     → the same without a body
 *   POST /close/<id>/<seq>    → ends the upstream connection; reply: one byte
 * Every reply has Content-Type application/x-fcs; connections are HTTP/1.1 keep-alive. The hint
 * grows (1 → 0x21) while replies carry nothing and drops back to 1 when data flows, as FMS does.
 * Requests for an unknown session get 404. Sequence numbers are taken as they come (the clients
 * send one request at a time).
 *
 * Run: node dist/test-interop/rtmpt-gateway.js LISTEN_PORT UPSTREAM_HOST:PORT
 */
import http from 'node:http';
import net from 'node:net';
import { fileURLToPath } from 'node:url';

type Tunnel = {
  readonly sock: net.Socket;
  pending: Buffer[];
  pendingBytes: number;
  hint: number;
  closed: boolean;
};

export type Gateway = { readonly port: number; close(): Promise<void> };

const MAX_HINT = 0x21;

export async function startGateway(listenPort: number, upstream: { host: string; port: number }, listenHost = '0.0.0.0'): Promise<Gateway> {
  const tunnels = new Map<string, Tunnel>();
  let nextId = 1;

  const reply = (res: http.ServerResponse, status: number, body: Buffer): void => {
    res.writeHead(status, {
      'Content-Type': 'application/x-fcs',
      'Content-Length': String(body.length),
      'Cache-Control': 'no-cache',
      Connection: 'keep-alive',
    });
    res.end(body);
  };

  /** The hint byte and the upstream's bytes so far. */
  const drain = (t: Tunnel): Buffer => {
    const data = Buffer.concat(t.pending);
    t.pending = [];
    t.pendingBytes = 0;
    t.hint = data.length > 0 ? 1 : Math.min(MAX_HINT, t.hint + 4);
    return Buffer.concat([Buffer.from([t.hint]), data]);
  };

  const server = http.createServer({ keepAliveTimeout: 30_000 }, (req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      const parts = (req.url ?? '').split('/').filter((p) => p.length > 0);
      const cmd = parts[0] ?? '';
      if (req.method !== 'POST') return reply(res, 405, Buffer.alloc(0));
      if (cmd === 'open') {
        const id = String(nextId++ * 7919 + 100000);
        const sock = net.connect(upstream.port, upstream.host);
        const t: Tunnel = { sock, pending: [], pendingBytes: 0, hint: 1, closed: false };
        sock.on('data', (c: Buffer) => {
          t.pending.push(c);
          t.pendingBytes += c.length;
        });
        sock.on('error', () => {
          t.closed = true;
        });
        sock.on('close', () => {
          t.closed = true;
        });
        tunnels.set(id, t);
        sock.once('connect', () => reply(res, 200, Buffer.from(`${id}\n`)));
        sock.once('error', () => {
          if (!res.headersSent) reply(res, 502, Buffer.alloc(0));
        });
        return;
      }
      const t = tunnels.get(parts[1] ?? '');
      if ((cmd !== 'send' && cmd !== 'idle' && cmd !== 'close') || t === undefined) return reply(res, 404, Buffer.alloc(0));
      if (cmd === 'close') {
        t.sock.end();
        tunnels.delete(parts[1]!);
        return reply(res, 200, Buffer.from([0]));
      }
      if (cmd === 'send' && body.length > 0 && !t.closed) {
        // Let the upstream answer what was just sent before replying, so a request/response
        // exchange does not cost one extra poll (FMS holds the reply for a moment too).
        t.sock.write(body, () => setTimeout(() => reply(res, 200, drain(t)), 5));
        return;
      }
      if (t.pendingBytes === 0 && !t.closed) {
        // Hold an idle poll briefly for data, so polling does not spin.
        setTimeout(() => reply(res, 200, drain(t)), 20);
        return;
      }
      reply(res, 200, drain(t));
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(listenPort, listenHost, () => resolve());
  });
  const port = (server.address() as net.AddressInfo).port;
  return {
    port,
    close: () =>
      new Promise<void>((resolve) => {
        for (const t of tunnels.values()) t.sock.destroy();
        tunnels.clear();
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

if (process.argv[1] !== undefined && fileURLToPath(import.meta.url) === process.argv[1]) {
  const [listen, up] = process.argv.slice(2);
  const m = /^(.+):(\d+)$/.exec(up ?? '');
  if (listen === undefined || m === null) {
    process.stderr.write('usage: rtmpt-gateway.js LISTEN_PORT UPSTREAM_HOST:PORT\n');
    process.exit(2);
  }
  const g = await startGateway(Number(listen), { host: m[1]!, port: Number(m[2]) });
  process.stdout.write(`rtmpt gateway listening on ${g.port}\n`);
  const stop = () => void g.close().then(() => process.exit(0));
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}
