/**
 * A small FLV → RTMP publisher for the interop suite: publishes the tags of an FLV file, byte for
 * byte, as RTMP messages (so Enhanced RTMP samples that no Debian encoder can produce reach a real
 * server). It answers the server with rtmpscope's own chunk decoder, and announces E-RTMP in
 * connect (fourCcList, capsEx) as an E-RTMP encoder would.
 *
 *   node dist/test-interop/flv-publish.js FILE.flv rtmp://127.0.0.1:1935/live/name [CHUNK_SIZE [AGGREGATE]]
 *
 * With AGGREGATE = N > 1, audio and video tags go N at a time in aggregate messages (type 22, RTMP
 * 1.0 §7.1.6: the FLV tags back to back, each with its back pointer, the message at the first
 * tag's timestamp), as Wowza and Adobe Media Server send them; no Debian peer sends aggregates.
 *
 * Prints one line per FLV tag type count and exits 0 after the last tag is written.
 */
import { connect, type Socket } from 'node:net';
import { readFileSync } from 'node:fs';
import { ChunkDecoder, type RtmpMessage } from '../src/rtmp/chunk-decoder.js';
import { decodeMessageBody } from '../src/rtmp/messages.js';
import { amf0 } from '../test/builders/amf-writer.js';
import { setChunkSize, writeChunks } from '../test/builders/chunk-writer.js';

export type FlvTag = { typeId: number; timestamp: number; data: Uint8Array };

/** The tags of an FLV file (header, then tag + PreviousTagSize pairs). */
export function readFlvTags(file: Uint8Array): FlvTag[] {
  if (file[0] !== 0x46 || file[1] !== 0x4c || file[2] !== 0x56) throw new Error('not an FLV file');
  const headerSize = ((file[5]! << 24) | (file[6]! << 16) | (file[7]! << 8) | file[8]!) >>> 0;
  const tags: FlvTag[] = [];
  let p = headerSize + 4;
  while (p + 11 <= file.length) {
    const typeId = file[p]! & 0x1f;
    const size = (file[p + 1]! << 16) | (file[p + 2]! << 8) | file[p + 3]!;
    const timestamp = ((file[p + 7]! << 24) | (file[p + 4]! << 16) | (file[p + 5]! << 8) | file[p + 6]!) >>> 0;
    if (p + 11 + size > file.length) break;
    tags.push({ typeId, timestamp, data: file.subarray(p + 11, p + 11 + size) });
    p += 11 + size + 4;
  }
  return tags;
}

class Conversation {
  private readonly decoder = new ChunkDecoder('s2c');
  private waiters: { pred: (m: RtmpMessage) => boolean; resolve: (m: RtmpMessage) => void }[] = [];
  private readonly seen: RtmpMessage[] = [];
  private hsResolve: (() => void) | null = null;
  private s1: Uint8Array | null = null;

  constructor(readonly sock: Socket) {
    sock.on('data', (d: Buffer) => {
      for (const e of this.decoder.push(d, { frame: 0, sec: 0, nsec: 0 })) {
        if (e.kind === 'handshake' && e.part === 'S1' && e.block) this.s1 = e.block.slice();
        if (e.kind === 'handshake' && e.part === 'S2') this.hsResolve?.();
        if (e.kind === 'message') {
          this.seen.push(e);
          this.waiters = this.waiters.filter((w) => (w.pred(e) ? (w.resolve(e), false) : true));
        }
      }
    });
  }

  handshake(): Promise<void> {
    const c0c1 = new Uint8Array(1537);
    c0c1[0] = 3;
    for (let i = 9; i < c0c1.length; i++) c0c1[i] = (i * 7919) & 0xff;
    this.sock.write(c0c1);
    return new Promise((resolve) => {
      this.hsResolve = () => {
        this.sock.write(this.s1 ?? new Uint8Array(1536));
        resolve();
      };
    });
  }

  waitFor(pred: (m: RtmpMessage) => boolean, what: string, ms = 5000): Promise<RtmpMessage> {
    const have = this.seen.find(pred);
    if (have) return Promise.resolve(have);
    return new Promise((resolve, reject) => {
      const t = setTimeout(() => reject(new Error(`timed out waiting for ${what}`)), ms);
      this.waiters.push({ pred, resolve: (m) => (clearTimeout(t), resolve(m)) });
    });
  }
}

function isResult(tx: number) {
  return (m: RtmpMessage) => {
    if (m.typeId !== 20) return false;
    const d = decodeMessageBody(20, m.body, m.timestamp, false);
    return (d.name === '_result' || d.name === '_error') && d.transactionId === tx;
  };
}

/** One aggregate message body: the tags as FLV tags (11-byte header, data, PreviousTagSize). */
export function aggregateBody(tags: readonly FlvTag[]): Uint8Array {
  const out = new Uint8Array(tags.reduce((n, t) => n + 15 + t.data.length, 0));
  let p = 0;
  for (const t of tags) {
    const n = t.data.length;
    out.set([t.typeId, n >>> 16, (n >>> 8) & 0xff, n & 0xff, (t.timestamp >>> 16) & 0xff, (t.timestamp >>> 8) & 0xff, t.timestamp & 0xff, t.timestamp >>> 24, 0, 0, 0], p);
    out.set(t.data, p + 11);
    const back = n + 11;
    out.set([back >>> 24, (back >>> 16) & 0xff, (back >>> 8) & 0xff, back & 0xff], p + 11 + n);
    p += 15 + n;
  }
  return out;
}

export async function publishFlv(flv: Uint8Array, url: string, chunkSize = 4096, aggregate = 1): Promise<Record<number, number>> {
  const u = new URL(url);
  const [, app, ...rest] = u.pathname.split('/');
  const name = rest.join('/');
  const sock = connect({ host: u.hostname.replace(/^\[|\]$/g, ''), port: Number(u.port || 1935) });
  await new Promise<void>((resolve, reject) => sock.once('connect', resolve).once('error', reject));
  const conv = new Conversation(sock);
  await conv.handshake();
  const CHUNK = chunkSize;
  const send = (msgs: Parameters<typeof writeChunks>[0]) => sock.write(writeChunks(msgs, { chunkSize: CHUNK }));
  sock.write(writeChunks([setChunkSize(CHUNK)]));
  send([
    {
      csid: 3,
      typeId: 20,
      timestamp: 0,
      body: amf0.command('connect', 1, {
        app: app ?? 'live',
        type: 'nonprivate',
        flashVer: 'FMLE/3.0 (compatible; rtmpscope-flv-publish)',
        tcUrl: `${u.protocol}//${u.host}/${app}`,
        fourCcList: ['av01', 'Opus'],
        capsEx: 4,
      }),
    },
  ]);
  await conv.waitFor(isResult(1), 'connect _result');
  send([
    { csid: 3, typeId: 20, timestamp: 0, body: amf0.command('releaseStream', 2, null, name) },
    { csid: 3, typeId: 20, timestamp: 0, body: amf0.command('FCPublish', 3, null, name) },
    { csid: 3, typeId: 20, timestamp: 0, body: amf0.command('createStream', 4, null) },
  ]);
  const created = await conv.waitFor(isResult(4), 'createStream _result');
  const sid = decodeMessageBody(20, created.body, 0, false).command?.streamId ?? 1;
  send([{ csid: 4, typeId: 20, streamId: sid, timestamp: 0, body: amf0.command('publish', 5, null, name, 'live') }]);
  await conv.waitFor((m) => m.typeId === 20 && decodeMessageBody(20, m.body, 0, false).command?.status?.code === 'NetStream.Publish.Start', 'Publish.Start');
  const counts: Record<number, number> = {};
  const write = async (csid: number, typeId: number, timestamp: number, body: Uint8Array) => {
    if (!sock.write(writeChunks([{ csid, typeId, streamId: sid, timestamp, body }], { chunkSize: CHUNK }))) {
      await new Promise((r) => sock.once('drain', r));
    }
  };
  let held: FlvTag[] = [];
  const flush = async () => {
    if (held.length > 0) await write(6, 22, held[0]!.timestamp, aggregateBody(held));
    held = [];
  };
  for (const tag of readFlvTags(flv)) {
    counts[tag.typeId] = (counts[tag.typeId] ?? 0) + 1;
    if (aggregate > 1 && (tag.typeId === 8 || tag.typeId === 9)) {
      held.push(tag);
      if (held.length >= aggregate) await flush();
      continue;
    }
    await flush();
    const body = tag.typeId === 18 ? Uint8Array.from([...amf0.encode(['@setDataFrame']), ...tag.data]) : tag.data;
    await write(tag.typeId === 9 ? 6 : tag.typeId === 8 ? 7 : 5, tag.typeId, tag.timestamp, body);
  }
  await flush();
  send([{ csid: 3, typeId: 20, timestamp: 0, body: amf0.command('deleteStream', 6, null, sid) }]);
  await new Promise<void>((resolve) => sock.end(resolve));
  return counts;
}

const isMain = process.argv[1]?.endsWith('flv-publish.js');
if (isMain) {
  const [file, url, chunk, aggregate] = process.argv.slice(2);
  if (file === undefined || url === undefined) {
    process.stderr.write('usage: flv-publish FILE.flv rtmp://host:port/app/name\n');
    process.exit(2);
  }
  publishFlv(new Uint8Array(readFileSync(file)), url, chunk === undefined ? undefined : Number(chunk), aggregate === undefined ? undefined : Number(aggregate)).then(
    (counts) => process.stdout.write(JSON.stringify(counts) + '\n'),
    (e: unknown) => {
      process.stderr.write(`flv-publish: ${(e as Error).message}\n`);
      process.exit(1);
    },
  );
}
