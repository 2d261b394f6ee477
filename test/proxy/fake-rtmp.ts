/**
 * A fake RTMP server and client for proxy tests, built from the chunk and AMF writers and read
 * with the repo's own chunk decoder. Both record every byte they send and receive so tests can
 * compare the two legs byte for byte.
 *
 * Server: answers C0/C1 with S0/S1/S2 (S2 echoes C1), `connect` with Window Ack Size, Set Peer
 * Bandwidth, Set Chunk Size 4096 and `_result`, `createStream` with `_result` (stream 1),
 * `publish` with `onStatus` Publish.Start, `play` with Stream Begin, `onStatus` Play.Start and
 * some media; FIN is answered with FIN. `hooks` change that for fault tests.
 * Client: handshake, connect, createStream, publish (or play), media with distinct payloads per
 * seed, deleteStream, then FIN (unless told otherwise); waits for the server's FIN.
 *
 * Only loopback addresses are used.
 */
import net from 'node:net';
import { once } from 'node:events';
import { createHash, type Hash } from 'node:crypto';
import { ChunkDecoder, type RtmpEvent, type RtmpMessage } from '../../src/rtmp/chunk-decoder.js';
import { decodeMessageBody } from '../../src/rtmp/messages.js';
import { concatBytes, handshakeBytes, setChunkSize, writeChunks, type MessageSpec } from '../builders/chunk-writer.js';
import { amf0 } from '../builders/amf-writer.js';

/**
 * Bytes one peer sent or received: kept (`chunks`) unless `keep` was turned off (floods of tens of
 * MB); always counted and hashed, so that unkept bytes can be compared too, and the first
 * HEAD_BYTES kept in `head` to tell connections apart.
 */
export type Recorder = { chunks: Buffer[]; bytes: number; keep: boolean; head: Buffer; readonly hash: Hash };
const HEAD_BYTES = 64;
export const concatRec = (r: Recorder): Buffer => Buffer.concat(r.chunks);
/** sha256 (hex) of every byte recorded so far, kept or not. */
export const recDigest = (r: Recorder): string => r.hash.copy().digest('hex');

export function recorder(keep = true): Recorder {
  return { chunks: [], bytes: 0, keep, head: Buffer.alloc(0), hash: createHash('sha256') };
}
export function rec(r: Recorder, b: Uint8Array): void {
  if (r.keep) r.chunks.push(Buffer.from(b));
  if (r.head.length < HEAD_BYTES) r.head = Buffer.concat([r.head, b.subarray(0, HEAD_BYTES - r.head.length)]);
  r.bytes += b.length;
  r.hash.update(b);
}

/** Deterministic pseudo-random bytes. */
export function prng(seed: number, n: number): Uint8Array {
  const out = new Uint8Array(n);
  let x = (seed * 2654435761) >>> 0 || 1;
  for (let i = 0; i < n; i++) {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    out[i] = x & 0xff;
  }
  return out;
}

type Named = { name: string | undefined; tid: number | undefined; msg: RtmpMessage };

function named(m: RtmpMessage): Named {
  const d = decodeMessageBody(m.typeId, m.body, m.timestamp, m.bodyTruncated);
  return { name: d.name, tid: d.transactionId, msg: m };
}

/** The numeric `seed` field of a connect command object, if any. */
function connectSeed(m: RtmpMessage): number | null {
  const obj = decodeMessageBody(m.typeId, m.body, m.timestamp, m.bodyTruncated).args?.[0];
  const seed = obj !== null && typeof obj === 'object' && !Array.isArray(obj) ? (obj as Record<string, unknown>)['seed'] : undefined;
  return typeof seed === 'number' ? seed : null;
}

const u32 = (n: number) => Uint8Array.of(n >>> 24, (n >>> 16) & 0xff, (n >>> 8) & 0xff, n & 0xff);

// ---------------------------------------------------------------------------------------------
// server

export type ServerConn = {
  readonly socket: net.Socket;
  readonly received: Recorder;
  readonly sent: Recorder;
  readonly messages: string[];
  /** Resolves when the socket has closed. */
  readonly closed: Promise<void>;
  /** Whether the client's FIN was seen ('end'), or an error. */
  ended: boolean;
  error: string | null;
  /** The `seed` the client put in its connect command object (runClient does), once seen. */
  seed: number | null;
  /** Stopped decoding: the client sent something that is not RTMP (see `sinkGarbage`). */
  sinking: boolean;
  send(b: Uint8Array): boolean;
};

export type ServerHooks = {
  /** Called for every complete client message; return true to suppress the default answer. */
  onMessage?: (c: ServerConn, name: string | undefined, m: RtmpMessage) => boolean | void;
  /** Do not read at all (backpressure tests). */
  noRead?: boolean;
  /** Do not answer the client's FIN with a FIN. */
  keepOpenAfterEnd?: boolean;
  /** Media messages sent to a player after Play.Start. */
  playMedia?: number;
  /** Called when the client's FIN arrives (before the default FIN answer, if any). */
  onEnd?: (c: ServerConn) => void;
  /**
   * When a client sends something that is not RTMP (C0 other than 3, or a chunk stream the
   * decoder loses sync on), stop decoding and keeping its bytes: only count and hash them
   * (`recDigest(conn.received)`). For garbage floods: the server then costs no decoding time.
   */
  sinkGarbage?: boolean;
  /** Keep the bytes of each connection (default), or only count and hash them (long tests). */
  keepBytes?: boolean;
};

export type FakeServer = {
  readonly port: number;
  readonly host: string;
  readonly conns: ServerConn[];
  /** Resolves with the next accepted connection. */
  nextConn(): Promise<ServerConn>;
  close(): Promise<void>;
};

const SERVER_CHUNK = 4096;

export async function startFakeServer(hooks: ServerHooks = {}, host = '127.0.0.1'): Promise<FakeServer> {
  const conns: ServerConn[] = [];
  const waiters: ((c: ServerConn) => void)[] = [];
  const server = net.createServer({ allowHalfOpen: true }, (socket) => {
    const received = recorder(hooks.keepBytes !== false);
    const sent = recorder(hooks.keepBytes !== false);
    let closedResolve!: () => void;
    const conn: ServerConn = {
      socket,
      received,
      sent,
      messages: [],
      closed: new Promise<void>((r) => (closedResolve = r)),
      ended: false,
      error: null,
      seed: null,
      sinking: false,
      send(b: Uint8Array): boolean {
        if (socket.destroyed || socket.writableEnded) return false;
        rec(sent, b);
        return socket.write(b);
      },
    };
    conns.push(conn);
    const w = waiters.shift();
    if (w) w(conn);
    socket.on('close', () => closedResolve());
    socket.on('error', (e: NodeJS.ErrnoException) => (conn.error = e.code ?? e.message));
    if (hooks.noRead === true) {
      socket.pause();
      return;
    }
    const dec = new ChunkDecoder('c2s');
    const s0s1 = handshakeBytes(0x5e);
    const sink = () => {
      conn.sinking = true;
      received.keep = false;
      received.chunks.length = 0;
    };
    socket.on('data', (b: Buffer) => {
      if (hooks.sinkGarbage === true && received.bytes === 0 && b[0] !== 3) sink();
      rec(received, b);
      if (conn.sinking) return;
      for (const ev of dec.push(b, { frame: 0, sec: 0, nsec: 0 })) {
        if (hooks.sinkGarbage === true && (ev.kind === 'desync' || ev.kind === 'diagnostic')) {
          sink();
          return;
        }
        onEvent(ev);
      }
    });
    socket.on('end', () => {
      conn.ended = true;
      hooks.onEnd?.(conn);
      if (hooks.keepOpenAfterEnd !== true && !socket.writableEnded) socket.end();
    });
    const reply = (msgs: MessageSpec[]) => conn.send(writeChunks(msgs, { chunkSize: SERVER_CHUNK }));
    const onEvent = (ev: RtmpEvent) => {
      if (ev.kind === 'handshake' && ev.part === 'C1' && ev.block !== undefined) {
        conn.send(concatBytes(s0s1.subarray(0, 1537), ev.block));
      }
      if (ev.kind !== 'message') return;
      const n = named(ev);
      conn.messages.push(n.name ?? `type${ev.typeId}`);
      if (n.name === 'connect') conn.seed = connectSeed(ev);
      if (hooks.onMessage?.(conn, n.name, ev) === true) return;
      if (n.name === 'connect') {
        conn.send(writeChunks([{ csid: 2, typeId: 5, timestamp: 0, body: u32(2_500_000) }, { csid: 2, typeId: 6, timestamp: 0, body: concatBytes(u32(2_500_000), Uint8Array.of(2)) }, setChunkSize(SERVER_CHUNK)]));
        reply([
          {
            csid: 3,
            typeId: 20,
            timestamp: 0,
            body: amf0.command('_result', n.tid ?? 1, { fmsVer: 'FMS/3,0,1,123', capabilities: 31 }, { level: 'status', code: 'NetConnection.Connect.Success', description: 'Connection succeeded.', objectEncoding: 0 }),
          },
        ]);
      } else if (n.name === 'createStream') {
        reply([{ csid: 3, typeId: 20, timestamp: 0, body: amf0.command('_result', n.tid ?? 0, null, 1) }]);
      } else if (n.name === 'publish') {
        reply([{ csid: 5, typeId: 20, timestamp: 0, streamId: 1, body: amf0.command('onStatus', 0, null, { level: 'status', code: 'NetStream.Publish.Start', description: 'publishing' }) }]);
      } else if (n.name === 'play') {
        // Sequence headers + frames; only the video ones are counted by tests (playMedia of them).
        const media = mediaFrames(1000, 2 * (hooks.playMedia ?? 5), 3000);
        reply([
          { csid: 2, typeId: 4, timestamp: 0, body: Uint8Array.of(0, 0, 0, 0, 0, 1) },
          { csid: 5, typeId: 20, timestamp: 0, streamId: 1, body: amf0.command('onStatus', 0, null, { level: 'status', code: 'NetStream.Play.Start', description: 'playing' }) },
          ...media,
        ]);
      }
    };
  });
  server.listen(0, host);
  await once(server, 'listening');
  const port = (server.address() as net.AddressInfo).port;
  return {
    port,
    host,
    conns,
    nextConn: () => new Promise<ServerConn>((r) => waiters.push(r)),
    close: async () => {
      for (const c of conns) c.socket.destroy();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
}

// ---------------------------------------------------------------------------------------------
// client

export type ClientOptions = {
  seed?: number;
  mode?: 'publish' | 'play';
  /** Media messages to publish (alternating video/audio). */
  media?: number;
  mediaSize?: number;
  /** What to do at the end: FIN and wait for the server's FIN (default), or nothing. */
  finish?: 'end' | 'none';
  host?: string;
  /** Called after Publish.Start (before media), e.g. to inject faults. */
  onPublishing?: (c: ClientSession) => void;
  /** Hold the media back until the server's FIN has arrived (half-close tests). */
  mediaAfterServerEnd?: boolean;
  /** Do not end our side when the server's FIN arrives (default: end it, as encoders do). */
  stayOpenOnServerEnd?: boolean;
  /** Make the socket (e.g. a TLS client); default net.connect to host:port. */
  connect?: () => net.Socket;
  /** Keep the bytes sent and received (default), or only count and hash them (long tests). */
  keepBytes?: boolean;
};

export type ClientSession = {
  readonly seed: number;
  readonly socket: net.Socket;
  readonly sent: Recorder;
  readonly received: Recorder;
  readonly messages: string[];
  send(b: Uint8Array): boolean;
  /** Resolves when the socket has closed; with whether the server's FIN was seen. */
  readonly closed: Promise<{ ended: boolean; error: string | null }>;
  /** Resolves after the last media message was written (publish) or Play.Start media arrived. */
  readonly done: Promise<void>;
};

/** x264's AVC sequence header for 320x240 (a real one: decodes without complaint). */
const AVC_SEQUENCE_HEADER = Buffer.from('17000000000164000cffe100196764000cacd94141fb0110000003001000000301e0f142996001000668ebe3cb22c0fdf8f800', 'hex');
/** AAC-LC 44.1 kHz stereo sequence header. */
const AAC_SEQUENCE_HEADER = Uint8Array.of(0xaf, 0x00, 0x12, 0x10);

/** Sequence headers, then `count` frames alternating video/audio (distinct payloads per seed). */
export function mediaFrames(seed: number, count: number, size: number, csidBase = 6): MessageSpec[] {
  const out: MessageSpec[] = [
    { csid: csidBase, typeId: 9, timestamp: 0, streamId: 1, body: AVC_SEQUENCE_HEADER },
    { csid: csidBase + 1, typeId: 8, timestamp: 0, streamId: 1, body: AAC_SEQUENCE_HEADER },
  ];
  for (let i = 0; i < count; i++) {
    const video = i % 2 === 0;
    const head = video ? Uint8Array.of(i === 0 ? 0x17 : 0x27, 1, 0, 0, 0) : Uint8Array.of(0xaf, 1);
    out.push({ csid: video ? csidBase : csidBase + 1, typeId: video ? 9 : 8, timestamp: i * 20, streamId: 1, body: concatBytes(head, prng(seed * 7919 + i, size)) });
  }
  return out;
}

/** What a publisher sends after Publish.Start: metadata, sequence headers, `count` media frames. */
export function mediaMessages(seed: number, count: number, size: number): MessageSpec[] {
  return [{ csid: 4, typeId: 18, timestamp: 0, streamId: 1, body: amf0.encode(['@setDataFrame', 'onMetaData', amf0.ecma({ width: 320, height: 240, seed })]) }, ...mediaFrames(seed, count, size)];
}

export function runClient(port: number, opts: ClientOptions = {}): ClientSession {
  const seed = opts.seed ?? 1;
  const socket = opts.connect?.() ?? net.connect({ host: opts.host ?? '127.0.0.1', port, allowHalfOpen: true });
  const sent = recorder(opts.keepBytes !== false);
  const received = recorder(opts.keepBytes !== false);
  const messages: string[] = [];
  let ended = false;
  let error: string | null = null;
  let doneResolve!: () => void;
  let doneReject!: (e: Error) => void;
  const done = new Promise<void>((res, rej) => {
    doneResolve = res;
    doneReject = rej;
  });
  done.catch(() => undefined);
  const send = (b: Uint8Array): boolean => {
    if (socket.destroyed || socket.writableEnded) return false;
    rec(sent, b);
    return socket.write(b);
  };
  const session: ClientSession = {
    seed,
    socket,
    sent,
    received,
    messages,
    send,
    done,
    closed: new Promise((resolve) => socket.on('close', () => resolve({ ended, error }))),
  };
  socket.on('error', (e: NodeJS.ErrnoException) => {
    error = e.code ?? e.message;
    doneReject(new Error(`client ${seed}: ${error}`));
  });
  let onServerEnd: (() => void) | null = null;
  socket.on('end', () => {
    ended = true;
    if (onServerEnd !== null) {
      onServerEnd();
      return;
    }
    doneReject(new Error(`client ${seed}: server ended early`));
    if (opts.stayOpenOnServerEnd !== true && !socket.writableEnded) socket.end();
  });
  const hs = handshakeBytes(seed);
  const dec = new ChunkDecoder('s2c');
  let chunkSize = 128;
  const write = (msgs: MessageSpec[]) => send(writeChunks(msgs, { chunkSize }));
  let playMedia = 0;
  const finish = () => {
    doneResolve();
    if ((opts.finish ?? 'end') === 'end') socket.end();
  };
  socket.on('connect', () => send(hs.subarray(0, 1537)));
  socket.on('data', (b: Buffer) => {
    rec(received, b);
    for (const ev of dec.push(b, { frame: 0, sec: 0, nsec: 0 })) {
      if (ev.kind === 'handshake' && ev.part === 'S1' && ev.block !== undefined) {
        send(ev.block); // C2 echoes S1
        write([{ csid: 3, typeId: 20, timestamp: 0, body: amf0.connectBody({ app: 'live', seed }) }]);
      }
      if (ev.kind !== 'message') continue;
      const n = named(ev);
      messages.push(n.name ?? `type${ev.typeId}`);
      if (n.name === '_result' && n.tid === 1) {
        write([{ csid: 3, typeId: 20, timestamp: 0, body: amf0.command('createStream', 2, null) }]);
      } else if (n.name === '_result' && n.tid === 2) {
        const name = `stream${seed}`;
        write([opts.mode === 'play' ? { csid: 8, typeId: 20, timestamp: 0, streamId: 1, body: amf0.command('play', 0, null, name) } : { csid: 4, typeId: 20, timestamp: 0, streamId: 1, body: amf0.command('publish', 0, null, name, 'live') }]);
      } else if (n.name === 'onStatus' && opts.mode !== 'play') {
        opts.onPublishing?.(session);
        if (socket.destroyed) return;
        const publishMedia = () => {
          write([setChunkSize(4096)]);
          chunkSize = 4096;
          const media = mediaMessages(seed, opts.media ?? 10, opts.mediaSize ?? 5000);
          write(media);
          write([{ csid: 3, typeId: 20, timestamp: 0, body: amf0.command('deleteStream', 3, null, 1) }]);
          finish();
        };
        if (opts.mediaAfterServerEnd === true) onServerEnd = publishMedia;
        else publishMedia();
      } else if (opts.mode === 'play' && ev.typeId === 9) {
        if (++playMedia === 5) {
          write([{ csid: 3, typeId: 20, timestamp: 0, body: amf0.command('deleteStream', 3, null, 1) }]);
          finish();
        }
      }
    }
  });
  return session;
}

/** Resolve after `ms`, for bounded waits. */
export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** Wait until `cond()` holds, polling; throws after `ms`. */
export async function waitFor(cond: () => boolean, ms = 5000, what = 'condition'): Promise<void> {
  const t0 = Date.now();
  while (!cond()) {
    if (Date.now() - t0 > ms) throw new Error(`timed out waiting for ${what}`);
    await sleep(5);
  }
}

/**
 * Write what `next()` returns to `socket` as fast as the socket takes it, waiting for 'drain'
 * whenever `write` returns false, until `next()` returns null or the socket can no longer be
 * written (ended, destroyed). Resolves with the bytes written. `write` defaults to the socket's
 * own (pass a peer's `send` to record the bytes).
 */
export async function pump(socket: net.Socket, next: () => Uint8Array | null, write: (b: Uint8Array) => boolean = (b) => socket.write(b)): Promise<number> {
  let total = 0;
  for (;;) {
    if (socket.destroyed || socket.writableEnded) return total;
    const b = next();
    if (b === null) return total;
    total += b.length;
    if (!write(b)) {
      await new Promise<void>((resolve) => {
        const done = () => {
          socket.off('drain', done);
          socket.off('close', done);
          resolve();
        };
        socket.on('drain', done);
        socket.on('close', done);
      });
    }
  }
}

/** Wait until `value()` has not changed for `quietMs`; throws after `ms`. */
export async function waitSteady(value: () => number, quietMs: number, ms = 10000, what = 'a steady value'): Promise<number> {
  const t0 = Date.now();
  let last = value();
  let since = Date.now();
  for (;;) {
    await sleep(10);
    const v = value();
    if (v !== last) {
      last = v;
      since = Date.now();
    } else if (Date.now() - since >= quietMs) {
      return v;
    }
    if (Date.now() - t0 > ms) throw new Error(`timed out waiting for ${what}`);
  }
}
