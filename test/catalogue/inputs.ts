/**
 * Inputs that make the pipeline (createCaptureDecoder + Analyzer) produce the capture, net, tcp,
 * rtmp, amf and media diagnostics: the table behind test/catalogue/coverage.test.ts. Each input is
 * built from intent with the test builders and names the codes it is there for; the coverage test
 * checks both that it produces them and that together the inputs cover the catalogue.
 */
import { LINKTYPE } from '../../src/capture/types.js';
import type { AnalyzerOptions } from '../../src/session/analyzer.js';
import type { DiagnosticCode } from '../../src/core/diagnostics.js';
import { amf0, amf3, fromHex } from '../builders/amf-writer.js';
import { concatBytes, handshakeBytes, writeChunks, type MessageSpec } from '../builders/chunk-writer.js';
import { aacSequenceHeader, ascii, avcConfigRecord, avcSequenceHeader, concat, exAudio, exVideo, hex, legacyAudio, legacyVideo, nanoOffsetModEx } from '../builders/media-writer.js';
import { ethernet, ipPacket, tcpPacket } from '../builders/packets.js';
import { PCAP_GLOBAL_HEADER_LEN, writePcap, writePcapng, type PcapRecordSpec } from '../builders/pcap.js';
import { Rtmp, analysePcap, type Analysed } from '../analysis/script.js';
import { signFirstBlock } from '../../src/rtmp/handshake.js';
import { dhKeyOffset } from '../../src/rtmp/rtmpe.js';
import { RTMPT_INPUTS } from './inputs-rtmpt.js';
import { RTMFP_INPUTS } from '../rtmfp/inputs.js';
import { TLS_INPUTS } from './tls-inputs.js';
import { TARGET_INPUTS } from './target-inputs.js';
import { chunkStreamFlood, synFlood, tsoTinyChunks } from '../builders/hostile.js';

export type Input = {
  readonly name: string;
  /** The codes this input is in the table for (it must produce each). */
  readonly codes: readonly DiagnosticCode[];
  readonly run: () => Analysed;
};

/** A publish whose client leaves the extended timestamp out of type-3 chunks (old librtmp). */
export const etsOmitted = (): Analysed => new Rtmp().publishPreamble().av(1, { from: 0x1000000, videoBytes: 3000, type3Ets: 'omit' }).analyse();

const BODY = hex('deadbeef');
const C = { ip: '10.0.0.1', port: 50000 };
const S = { ip: '10.0.0.2', port: 1935 };

/** Raw TCP packets from intent; sequence numbers follow the payloads unless given. */
type Pkt = { from: 'c' | 's'; payload?: Uint8Array; flags?: { syn?: boolean; fin?: boolean; rst?: boolean }; seq?: number; time?: number };

function tcpPcap(input: readonly Pkt[]): Uint8Array {
  const seq = { c: 1000, s: 9000 };
  // Payloads go in MSS-sized segments, as on a real path.
  const pkts: Pkt[] = input.flatMap((p) => {
    const pl = p.payload;
    if (pl === undefined || pl.length <= 1448 || p.seq !== undefined) return [p];
    const out: Pkt[] = [];
    for (let o = 0; o < pl.length; o += 1448) out.push({ ...p, payload: pl.subarray(o, o + 1448) });
    return out;
  });
  const recs: PcapRecordSpec[] = pkts.map((p, i) => {
    const [a, b] = p.from === 'c' ? [C, S] : [S, C];
    const payload = p.payload ?? new Uint8Array(0);
    const mySeq = p.seq ?? seq[p.from];
    const other = p.from === 'c' ? seq.s : seq.c;
    const data = ethernet(tcpPacket({ src: a.ip, dst: b.ip, sport: a.port, dport: b.port, seq: mySeq, ack: other, flags: { ack: !p.flags?.syn || p.from === 's', psh: payload.length > 0, ...p.flags }, payload }));
    if (p.seq === undefined) seq[p.from] = (mySeq + payload.length + (p.flags?.syn || p.flags?.fin ? 1 : 0)) >>> 0;
    return { sec: 1_700_000_000 + (p.time ?? 0), nsec: i * 1000, data };
  });
  return writePcap(recs, { linkType: 1 });
}

const SYN: Pkt[] = [
  { from: 'c', flags: { syn: true } },
  { from: 's', flags: { syn: true } },
];

/** A valid handshake (echoes right) as the first payloads. */
function handshake(): Pkt[] {
  const c = handshakeBytes(1);
  const s = handshakeBytes(2, { second: c.subarray(1, 1537) });
  return [
    { from: 'c', payload: c.subarray(0, 1537) },
    { from: 's', payload: s },
    { from: 'c', payload: s.subarray(1, 1537) },
  ];
}

/** One RTMP session whose client sends `c2s` after the handshake (and the server `s2c`). */
function rtmp(c2s: Uint8Array, s2c?: Uint8Array, opts: AnalyzerOptions = {}): Analysed {
  const pkts: Pkt[] = [...SYN, ...handshake(), { from: 'c', payload: c2s }];
  if (s2c !== undefined) pkts.push({ from: 's', payload: s2c });
  return analysePcap(tcpPcap(pkts), opts);
}

/** Messages from the client, chunked at 128. */
function client(...msgs: MessageSpec[]): Analysed {
  return rtmp(writeChunks(msgs));
}

const command = (body: Uint8Array, typeId = 20): MessageSpec => ({ csid: 3, typeId, timestamp: 0, body });
const video = (payload: Uint8Array): MessageSpec => ({ csid: 6, typeId: 9, streamId: 1, timestamp: 0, body: payload });
const audio = (payload: Uint8Array): MessageSpec => ({ csid: 4, typeId: 8, streamId: 1, timestamp: 0, body: payload });

/** AMF0 command bodies: the name, then the bytes that break. */
const amfBody = (...tail: (Uint8Array | readonly number[])[]) => concat(amf0.encode(['x', 1, null]), ...tail);

function nested(depth: number): Uint8Array {
  const out: number[] = [];
  for (let i = 0; i < depth; i++) out.push(0x0a, 0, 0, 0, 1);
  out.push(0x05);
  return Uint8Array.from(out);
}

function manyNulls(n: number): Uint8Array {
  const b = new Uint8Array(5 + n).fill(0x05);
  b.set([0x0a, (n >>> 24) & 0xff, (n >>> 16) & 0xff, (n >>> 8) & 0xff, n & 0xff]);
  return b;
}

const SPS_320 = hex('6764000cacd94141fb0110000003001000000301e0f142996001');
const PPS = hex('68ebe3cb22c0');

export const PIPELINE_INPUTS: readonly Input[] = [
  // capture
  {
    name: 'pcap cut in the middle of its last record',
    codes: ['capture.truncated'],
    run: () => {
      const p = new Rtmp().connect().pcap();
      return analysePcap(p.subarray(0, p.length - 5));
    },
  },
  {
    name: 'pcap record claiming 2 GiB',
    codes: ['capture.record-too-large'],
    run: () => {
      const p = new Rtmp().connect().pcap().slice();
      new DataView(p.buffer).setUint32(PCAP_GLOBAL_HEADER_LEN + 8, 0x80000000, true);
      return analysePcap(p);
    },
  },
  {
    name: 'pcapng block length not a multiple of 4',
    codes: ['capture.pcapng.bad-block'],
    run: () => {
      const p = writePcapng([
        {
          interfaces: [{ linkType: LINKTYPE.ETHERNET }],
          packets: [
            { iface: 0, sec: 1, data: new Uint8Array(60) },
            { iface: 0, sec: 2, data: new Uint8Array(60) },
          ],
        },
      ]);
      const v = new DataView(p.buffer, p.byteOffset);
      const second = v.getUint32(4, true) + v.getUint32(v.getUint32(4, true) + 4, true);
      v.setUint32(second + 4, 42, true);
      return analysePcap(p);
    },
  },
  {
    name: 'pcapng interface with if_tsoffset 2^62',
    codes: ['capture.time-out-of-range'],
    run: () => analysePcap(writePcapng([{ interfaces: [{ linkType: LINKTYPE.ETHERNET, tsoffset: 2 ** 62 }], packets: [{ iface: 0, sec: 1, data: new Uint8Array(60) }] }])),
  },
  {
    name: 'pcapng packet on an interface never described',
    codes: ['capture.pcapng.unknown-interface'],
    run: () => analysePcap(writePcapng([{ interfaces: [{ linkType: LINKTYPE.ETHERNET }], packets: [{ iface: 3, sec: 1, data: new Uint8Array(60) }] }])),
  },
  {
    name: 'pcapng packet whose captured length overruns its block',
    codes: ['capture.pcapng.bad-packet'],
    run: () => {
      const p = writePcapng([{ interfaces: [{ linkType: LINKTYPE.ETHERNET }], packets: [{ iface: 0, sec: 1, data: new Uint8Array(60) }] }]);
      const v = new DataView(p.buffer, p.byteOffset);
      const epb = v.getUint32(4, true) + v.getUint32(v.getUint32(4, true) + 4, true);
      v.setUint32(epb + 20, 5000, true); // captured length
      return analysePcap(p);
    },
  },
  {
    name: 'a link type rtmpscope does not decode (USER0)',
    codes: ['capture.unsupported-link'],
    run: () => analysePcap(writePcap([{ sec: 1, data: new Uint8Array(40) }], { linkType: 147 })),
  },
  // net
  {
    name: 'Ethernet frame cut inside the TCP header',
    codes: ['net.truncated'],
    run: () => {
      const f = ethernet(tcpPacket({ src: C.ip, dst: S.ip, sport: C.port, dport: S.port, flags: { syn: true } }));
      return analysePcap(writePcap([{ sec: 1, data: f.subarray(0, 14 + 20 + 8), origLen: f.length }], { linkType: 1 }));
    },
  },
  {
    name: 'IP version 5',
    codes: ['net.malformed'],
    run: () => analysePcap(writePcap([{ sec: 1, data: ethernet(tcpPacket({ src: C.ip, dst: S.ip, sport: 1, dport: 2, version: 5 })) }], { linkType: 1 })),
  },
  {
    name: 'an IPv4 fragment',
    codes: ['net.ip-fragment'],
    run: () => analysePcap(writePcap([{ sec: 1, data: ethernet(ipPacket({ src: C.ip, dst: S.ip, protocol: 6, payload: new Uint8Array(40), dontFragment: false, fragment: { more: true } })) }], { linkType: 1 })),
  },
  // tcp
  { name: 'a lost segment', codes: ['tcp.gap'], run: () => new Rtmp({ mss: 500, drop: [25] }).publishPreamble().av(1, { videoBytes: 3000 }).analyse() },
  {
    name: 'a retransmission with different bytes',
    codes: ['tcp.overlap-conflict'],
    run: () => {
      const hs = handshake();
      return analysePcap(tcpPcap([...SYN, ...hs, { from: 'c', payload: new Uint8Array(100).fill(1) }, { from: 'c', payload: new Uint8Array(100).fill(2), seq: 1001 + 1537 + 1536 }]));
    },
  },
  {
    name: 'out-of-order bytes beyond the queue cap',
    codes: ['tcp.buffer-cap'],
    run: () => new Rtmp({ mss: 500, drop: [25] }).publishPreamble().av(1, { videoBytes: 3000 }).analyse({ maxQueuedBytes: 1000 }),
  },
  { name: 'no SYN: the capture starts mid-connection', codes: ['tcp.start-unseen', 'tcp.client-guessed'], run: () => new Rtmp({ midSession: true }).av(1).analyse() },
  {
    name: 'data after FIN',
    codes: ['tcp.data-after-close'],
    run: () => analysePcap(tcpPcap([...SYN, ...handshake(), { from: 'c', flags: { fin: true } }, { from: 'c', payload: new Uint8Array(10), seq: 1001 + 1537 + 1536 + 1 }])),
  },
  { name: 'RST', codes: ['tcp.reset'], run: () => analysePcap(tcpPcap([...SYN, ...handshake(), { from: 's', flags: { rst: true } }])) },
  // rtmp handshake
  {
    name: 'S0 is not a version byte',
    codes: ['rtmp.handshake.bad-version'],
    run: () => analysePcap(tcpPcap([...SYN, { from: 'c', payload: handshakeBytes(1).subarray(0, 1537) }, { from: 's', payload: handshakeBytes(2, { version: 0x48 }) }])),
  },
  {
    name: 'C2/S2 that echo nothing',
    codes: ['rtmp.handshake.c2-invalid', 'rtmp.handshake.s2-invalid'],
    run: () => {
      const c = handshakeBytes(1);
      return analysePcap(tcpPcap([...SYN, { from: 'c', payload: c.subarray(0, 1537) }, { from: 's', payload: handshakeBytes(2) }, { from: 'c', payload: c.subarray(1537) }]));
    },
  },
  {
    name: 'C1 announcing the digest handshake without a valid digest',
    codes: ['rtmp.handshake.digest-unverified'],
    run: () => {
      const c = handshakeBytes(1).slice();
      c.set([9, 0, 124, 2], 5);
      return analysePcap(tcpPcap([...SYN, { from: 'c', payload: c.subarray(0, 1537) }]));
    },
  },
  {
    name: 'RTMPE (C0 = S0 = 6)',
    codes: ['rtmp.handshake.encrypted'],
    run: () => analysePcap(tcpPcap([...SYN, { from: 'c', payload: handshakeBytes(1, { version: 6 }).subarray(0, 1537) }, { from: 's', payload: handshakeBytes(2, { version: 6 }) }])),
  },
  {
    name: 'RTMPE C1 whose DH public key is 0',
    codes: ['rtmp.handshake.rtmpe-key-invalid'],
    run: () => {
      const c = handshakeBytes(1, { version: 6 }).slice(0, 1537);
      const c1 = c.subarray(1);
      c1.set([128, 0, 3, 2], 4);
      const at = dhKeyOffset(c1, 1);
      c1.fill(0, at, at + 128);
      signFirstBlock(c1, 1, 'client');
      return analysePcap(tcpPcap([...SYN, { from: 'c', payload: c }]));
    },
  },
  // rtmp chunk stream
  { name: 'a type-1 header on a fresh chunk stream', codes: ['rtmp.chunk.no-previous-header'], run: () => client({ csid: 5, typeId: 20, timestamp: 0, fmt: 1, delta: 0, body: amf0.command('x', 1, null) }) },
  {
    name: 'a new message header on a chunk stream mid-message',
    codes: ['rtmp.chunk.interrupted'],
    run: () => {
      const long = writeChunks([command(amf0.command('connect', 1, { app: 'x'.repeat(300) }))]);
      return rtmp(concatBytes(long.subarray(0, 12 + 128), writeChunks([command(amf0.command('createStream', 2, null))])));
    },
  },
  { name: 'Set Chunk Size with the top bit set', codes: ['rtmp.chunk.size-top-bit'], run: () => client({ csid: 2, typeId: 1, timestamp: 0, body: Uint8Array.of(0x80, 0, 0x10, 0) }) },
  { name: 'Set Chunk Size 0', codes: ['rtmp.chunk.size-out-of-range'], run: () => client({ csid: 2, typeId: 1, timestamp: 0, body: Uint8Array.of(0, 0, 0, 0) }) },
  { name: 'a lost segment at a chunk header: desync, then resync', codes: ['rtmp.chunk.desync', 'rtmp.chunk.resync'], run: () => new Rtmp({ mss: 500, drop: [44] }).publishPreamble().av(1, { videoBytes: 3000 }).analyse() },
  { name: 'type-3 chunks without the extended timestamp (old librtmp)', codes: ['rtmp.chunk.ets-omitted'], run: () => etsOmitted() },
  { name: 'mid-session capture chunked at 4096', codes: ['rtmp.chunk.size-inferred'], run: () => new Rtmp({ midSession: true }).assumeChunkSize('c2s', 4096).av(2, { videoBytes: 3000 }).analyse() },
  { name: 'a lost segment inside a message body', codes: ['rtmp.message.damaged'], run: () => new Rtmp({ mss: 500, drop: [25] }).publishPreamble().av(1, { videoBytes: 3000 }).analyse() },
  {
    name: 'the connection ends mid-message',
    codes: ['rtmp.message.incomplete'],
    run: () => rtmp(writeChunks([command(amf0.command('connect', 1, { app: 'x'.repeat(300) }))]).subarray(0, 12 + 128)),
  },
  // rtmp messages
  {
    name: 'control messages too short and too long',
    codes: ['rtmp.control.short', 'rtmp.control.long'],
    run: () => client({ csid: 2, typeId: 5, timestamp: 0, body: Uint8Array.of(0, 1) }, { csid: 2, typeId: 1, timestamp: 0, body: Uint8Array.of(0, 0, 16, 0, 9) }),
  },
  { name: 'message type 7', codes: ['rtmp.message.unknown-type'], run: () => client({ csid: 3, typeId: 7, timestamp: 0, body: BODY }) },
  {
    name: 'two interleaved 40 kB commands on a connection allowed 48 kB in progress',
    codes: ['rtmp.message.buffer-cap'],
    run: () =>
      rtmp(
        writeChunks(
          [
            { csid: 3, typeId: 20, timestamp: 0, body: amf0.encode(['a', 1, null, 'x'.repeat(40_000)]) },
            { csid: 4, typeId: 20, timestamp: 0, body: amf0.encode(['b', 2, null, 'y'.repeat(40_000)]) },
          ],
          { interleave: true },
        ),
        undefined,
        { connBuffer: 48 * 1024 },
      ),
  },
  { name: '3 connections while 2 are followed at once', codes: ['tcp.connection-cap'], run: () => analysePcap(synFlood(3), { maxConnections: 2 }) },
  { name: '600 chunk streams on a 64 KiB connection buffer', codes: ['rtmp.chunk.stream-cap'], run: () => analysePcap(chunkStreamFlood(1, 602), { connBuffer: 64 * 1024 }) },
  { name: '2,000 empty audio messages in a row', codes: ['rtmp.message.repeated'], run: () => analysePcap(tsoTinyChunks(2000)) },
  { name: 'a 1.1 MB command', codes: ['rtmp.message.body-capped'], run: () => client(command(amf0.encode(['x', 1, null, 'a'.repeat(70_000).repeat(16)]))) },
  { name: 'AMF3 command with format byte 1', codes: ['rtmp.amf3.format-byte'], run: () => client(command(concat([1], amf0.command('connect', 1, { app: 'live' })), 17)) },
  { name: 'a command that starts with a number', codes: ['rtmp.command.no-name'], run: () => client(command(amf0.encode([1, 2]))) },
  { name: 'a shared object message cut in its header', codes: ['rtmp.shared-object.truncated'], run: () => client({ csid: 3, typeId: 19, timestamp: 0, body: concat(amf0.utf8('so'), [0, 0, 0, 1]) }) },
  {
    name: 'an aggregate whose sub-tag overruns it',
    codes: ['rtmp.aggregate.truncated'],
    run: () => client({ csid: 6, typeId: 22, streamId: 1, timestamp: 0, body: concat([9, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0], [0x17, 1]) }),
  },
  // AMF
  { name: 'AMF number cut short', codes: ['amf.truncated'], run: () => client(command(amfBody([0x00, 1, 2, 3]))) },
  { name: 'AMF marker 0x42', codes: ['amf.unknown-marker'], run: () => client(command(amfBody([0x42]))) },
  { name: 'AMF0 movieclip marker', codes: ['amf.reserved-marker'], run: () => client(command(amfBody([0x04]))) },
  { name: 'AMF0 object-end as a value', codes: ['amf.unexpected-object-end'], run: () => client(command(amfBody([0x09]))) },
  { name: 'arrays nested 70 deep', codes: ['amf.depth-cap'], run: () => client(command(amfBody(nested(70)))) },
  { name: '200,001 values in one body', codes: ['amf.length-cap'], run: () => client(command(amfBody(manyNulls(200_001)))) },
  { name: 'AMF0 reference to object 5 of none', codes: ['amf.bad-reference'], run: () => client(command(amfBody([0x07, 0, 5]))) },
  { name: 'AMF3 externalizable of an unknown class', codes: ['amf.externalizable'], run: () => client(command(concat(amf0.encode(['x', 1, null, amf0.avmplus(amf3.externalRaw('DSK', fromHex('010203')))])))) },
  // media: video tag headers
  { name: 'empty video message', codes: ['media.video.empty'], run: () => client(video(new Uint8Array(0))) },
  { name: 'AVC header cut short', codes: ['media.video.truncated'], run: () => client(video(Uint8Array.of(0x17, 0x01))) },
  { name: 'video frame type 0', codes: ['media.video.reserved-frame-type'], run: () => client(video(legacyVideo({ frameType: 0, codecId: 2, body: BODY }))) },
  { name: 'video codec id 9', codes: ['media.video.unknown-codec'], run: () => client(video(Uint8Array.of(0x19, 1, 2))) },
  { name: 'legacy codec id 12 (HEVC)', codes: ['media.video.non-standard-codec'], run: () => client(video(legacyVideo({ codecId: 12, packetType: 1, body: BODY }))) },
  { name: 'AVC packet type 3', codes: ['media.video.unknown-packet-type'], run: () => client(video(legacyVideo({ codecId: 7, packetType: 3, body: BODY }))) },
  { name: 'E-RTMP FourCC xyz9', codes: ['media.video.unknown-fourcc'], run: () => client(video(exVideo({ packetType: 1, fourCc: 'xyz9', body: BODY }))) },
  { name: 'video command 9', codes: ['media.video.unknown-command'], run: () => client(video(legacyVideo({ frameType: 5, codecId: 2, command: 9 }))) },
  {
    name: 'video ModEx: reserved type and a short nano offset',
    codes: ['media.video.unknown-modex-type', 'media.video.bad-nano-offset'],
    run: () => client(video(exVideo({ packetType: 0, fourCc: 'avc1', modEx: [{ type: 5, data: hex('0102') }, nanoOffsetModEx(0, { dataLength: 2 })], body: BODY }))),
  },
  { name: '20 video ModEx entries', codes: ['media.video.too-many-modex'], run: () => client(video(exVideo({ packetType: 1, fourCc: 'vp09', modEx: Array.from({ length: 20 }, (_, i) => nanoOffsetModEx(i)), body: BODY }))) },
  { name: 'video multitrack type 3', codes: ['media.video.unknown-multitrack-type'], run: () => client(video(concat([0x96, 0x31], ascii('avc1'), [0, 0, 0, 1, 0xff]))) },
  { name: 'Multitrack inside Multitrack (video)', codes: ['media.video.bad-multitrack-packet-type'], run: () => client(video(concat([0x96, 0x16], ascii('avc1'), [0, 0, 0, 0]))) },
  {
    name: 'video track size past the end',
    codes: ['media.video.track-overrun'],
    run: () =>
      client(
        video(
          exVideo({
            packetType: 3,
            fourCc: 'av01',
            multitrack: {
              type: 1,
              tracks: [
                { trackId: 0, body: BODY },
                { trackId: 1, body: BODY, sizeOverride: 1000 },
              ],
            },
          }),
        ),
      ),
  },
  {
    name: '300 video tracks (ids repeat)',
    codes: ['media.video.too-many-tracks', 'media.video.duplicate-track-id'],
    run: () => client(video(exVideo({ packetType: 3, fourCc: 'av01', multitrack: { type: 1, tracks: Array.from({ length: 300 }, (_, i) => ({ trackId: i & 0xff })) } }))),
  },
  // media: audio tag headers
  { name: 'AAC header cut short', codes: ['media.audio.truncated'], run: () => client(audio(Uint8Array.of(0xaf))) },
  { name: 'sound format 12', codes: ['media.audio.reserved-sound-format'], run: () => client(audio(legacyAudio({ soundFormat: 12, body: BODY }))) },
  { name: 'AAC packet type 2', codes: ['media.audio.unknown-packet-type'], run: () => client(audio(legacyAudio({ soundFormat: 10, aacPacketType: 2, body: BODY }))) },
  { name: 'E-RTMP audio FourCC qqq1', codes: ['media.audio.unknown-fourcc'], run: () => client(audio(exAudio({ packetType: 1, fourCc: 'qqq1', body: BODY }))) },
  {
    name: 'audio ModEx: reserved type and a nano offset over 999,999 ns',
    codes: ['media.audio.unknown-modex-type', 'media.audio.bad-nano-offset'],
    run: () => client(audio(exAudio({ packetType: 1, fourCc: 'Opus', modEx: [{ type: 5, data: hex('0102') }, nanoOffsetModEx(1_000_000)], body: BODY }))),
  },
  { name: '20 audio ModEx entries', codes: ['media.audio.too-many-modex'], run: () => client(audio(exAudio({ packetType: 1, fourCc: 'Opus', modEx: Array.from({ length: 20 }, (_, i) => nanoOffsetModEx(i)), body: BODY }))) },
  { name: 'audio multitrack type 15', codes: ['media.audio.unknown-multitrack-type'], run: () => client(audio(concat([0x95, 0xf1], ascii('Opus'), [0]))) },
  { name: 'Multitrack inside Multitrack (audio)', codes: ['media.audio.bad-multitrack-packet-type'], run: () => client(audio(concat([0x95, 0x15], ascii('Opus')))) },
  {
    name: 'audio track size past the end',
    codes: ['media.audio.track-overrun'],
    run: () => client(audio(exAudio({ packetType: 1, fourCc: 'Opus', multitrack: { type: 1, tracks: [{ trackId: 0, body: BODY, sizeOverride: 99 }] } }))),
  },
  {
    name: '300 audio tracks (ids repeat)',
    codes: ['media.audio.too-many-tracks', 'media.audio.duplicate-track-id'],
    run: () => client(audio(exAudio({ packetType: 1, fourCc: 'Opus', multitrack: { type: 1, tracks: Array.from({ length: 300 }, (_, i) => ({ trackId: i & 0xff })) } }))),
  },
  { name: 'MultichannelConfig channel order 3', codes: ['media.audio.unknown-channel-order'], run: () => client(audio(concat([0x94], ascii('Opus'), [3, 2, 9, 9]))) },
  // media: codec configuration records
  { name: 'AAC AudioSpecificConfig of one byte', codes: ['media.config.truncated'], run: () => client(audio(aacSequenceHeader(hex('12')))) },
  { name: 'AVC record version 2', codes: ['media.config.bad-version'], run: () => client(video(avcSequenceHeader(concat([2], avcConfigRecord([SPS_320], [PPS]).subarray(1))))) },
  { name: 'AAC with reserved frequency index 13', codes: ['media.config.bad-syntax'], run: () => client(audio(aacSequenceHeader(hex('1690')))) },
  {
    name: 'FLAC SequenceStart with the bare 34-byte STREAMINFO (FFmpeg 8.1)',
    codes: ['media.config.flac-bare-streaminfo'],
    run: () => client(audio(exAudio({ packetType: 0, fourCc: 'fLaC', body: hex('120012000000000000000bb80170000000000000000000000000000000000000000000').subarray(0, 34) }))),
  },
  { name: 'AVC record without an SPS', codes: ['media.config.no-sps'], run: () => client(video(avcSequenceHeader(hex('0164001effe000')))) },
  { name: 'AAC channel configuration 0 (program config element)', codes: ['media.config.unsupported'], run: () => client(audio(aacSequenceHeader(hex('120000')))) },
  // RTMPT (test/builders/rtmpt.ts)
  ...RTMPT_INPUTS,
  // RTMFP
  ...RTMFP_INPUTS,
  ...TLS_INPUTS,
  ...TARGET_INPUTS,
];

/** Codes no input can produce today, with why (reported to the lead; nothing removed). */
export const UNPRODUCIBLE: Readonly<Partial<Record<DiagnosticCode, string>>> = {};

/**
 * Codes produced only with real sockets (the live proxy): the test file that provokes each and
 * asserts it. The coverage test checks that the file names the code.
 */
export const COVERED_BY: Readonly<Partial<Record<DiagnosticCode, string>>> = {
  'proxy.upstream.unreachable': 'test/proxy/faults.test.ts',
  'proxy.upstream.tls-failed': 'test/proxy/faults.test.ts',
  'proxy.upstream.closed': 'test/proxy/faults.test.ts',
  'proxy.upstream.reset': 'test/proxy/faults.test.ts',
  'proxy.client.reset': 'test/proxy/faults.test.ts',
  'proxy.client.tls-failed': 'test/proxy/tls.test.ts',
  'proxy.session-limit': 'test/proxy/faults.test.ts',
  'proxy.connection-limit': 'test/proxy/connection-limit.test.ts',
  'proxy.rtmpe.terminated': 'test/proxy/rtmpe.test.ts',
  'proxy.rtmpe.failed': 'test/proxy/rtmpe.test.ts',
  'proxy.shutdown': 'test/proxy/faults.test.ts',
  'proxy.idle-timeout': 'test/proxy/timeouts.test.ts',
  'proxy.stall-timeout': 'test/proxy/timeouts.test.ts',
  'proxy.analysis.failed': 'test/proxy/faults.test.ts',
  'proxy.analysis.behind': 'test/proxy/faults.test.ts',
  'proxy.analysis.slow': 'test/proxy/hostile.test.ts',
  'proxy.memory-budget': 'test/proxy/bounded.test.ts',
  'proxy.handshake-timeout': 'test/proxy/bounded.test.ts',
  'proxy.pcap.behind': 'test/proxy/faults.test.ts',
  'proxy.pcap.failed': 'test/proxy/faults.test.ts',
};
