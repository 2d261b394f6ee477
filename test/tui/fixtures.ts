/**
 * Records for the TUI tests, made the honest way: a synthetic capture built with the test
 * builders (two RTMP sessions — an FFmpeg-like publisher whose capture misses a segment near the
 * end, and a player whose server sends a Set Chunk Size of 0; the analyzer reports both), run through the real capture decoder and
 * analyzer. `writeSyntheticCapture` saves it as a pcap for the tmux test.
 */
import { writeFileSync } from 'node:fs';
import { createCaptureDecoder } from '../../src/capture/decoder.js';
import { Analyzer, type AnalyzerOptions } from '../../src/session/analyzer.js';
import type { OutputRecord } from '../../src/records/index.js';
import { RecordStore } from '../../src/tui/store.js';
import { amf0 } from '../builders/amf-writer.js';
import { concatBytes, handshakeBytes, setChunkSize, writeChunks, type MessageSpec } from '../builders/chunk-writer.js';
import { conversationFrames, type Turn } from '../builders/conversation.js';
import { aacRaw, aacSequenceHeader, avcNalu, avcSequenceHeader, hex } from '../builders/media-writer.js';
import { writePcap, type PcapRecordSpec } from '../builders/pcap.js';

const cmd = (csid: number, streamId: number, body: Uint8Array): MessageSpec => ({ csid, typeId: 20, streamId, timestamp: 0, body });

/** A simple handshake in which S2 echoes C1 and C2 echoes S1. */
function handshake(c: number, s: number): { c01: Uint8Array; s012: Uint8Array; c2: Uint8Array } {
  const c01 = handshakeBytes(c).subarray(0, 1537);
  const s012 = handshakeBytes(s, { second: c01.subarray(1) });
  return { c01, s012, c2: s012.subarray(1, 1537) };
}

/** x264's AVCDecoderConfigurationRecord (High, 576i), as in test/media/config.test.ts. */
const X264_CONFIG = hex('0164001effe100186764001eacd940b424d8088000000300800000190f8a14cb01000668fba3cb22c0fdf8f800');

/** Turns of a publisher session with `videoFrames` video and as many audio messages. */
export function publisherTurns(videoFrames: number): Turn[] {
  const hs = handshake(11, 12);
  const media: MessageSpec[] = [
    { csid: 4, typeId: 18, streamId: 1, timestamp: 0, body: amf0.encode(['@setDataFrame', 'onMetaData', { width: 1280, height: 720, videocodecid: 7, audiocodecid: 10 }]) },
    { csid: 6, typeId: 9, streamId: 1, timestamp: 0, body: avcSequenceHeader(X264_CONFIG) },
    { csid: 4, typeId: 8, streamId: 1, timestamp: 0, body: aacSequenceHeader(hex('1210')) },
  ];
  for (let i = 0; i < videoFrames; i++) {
    media.push({ csid: 6, typeId: 9, streamId: 1, timestamp: i * 40, body: avcNalu(new Uint8Array(i % 25 === 0 ? 3000 : 300), { key: i % 25 === 0 }) });
    media.push({ csid: 4, typeId: 8, streamId: 1, timestamp: i * 40 + 3, body: aacRaw(new Uint8Array(20)) });
  }
  return [
    { from: 'c', data: hs.c01 },
    { from: 's', data: hs.s012 },
    { from: 'c', data: concatBytes(hs.c2, writeChunks([cmd(3, 0, amf0.connectBody())])) },
    {
      from: 's',
      data: concatBytes(
        writeChunks([{ csid: 2, typeId: 5, timestamp: 0, body: Uint8Array.from([0, 0x26, 0x25, 0xa0]) }, setChunkSize(4096)]),
        writeChunks([cmd(3, 0, amf0.command('_result', 1, { fmsVer: 'FMS/3,0,1,123', capabilities: 31 }, { level: 'status', code: 'NetConnection.Connect.Success', description: 'Connection succeeded.' }))], { chunkSize: 4096 }),
      ),
    },
    { from: 'c', data: writeChunks([cmd(3, 0, amf0.command('releaseStream', 2, null, 'cam1')), cmd(3, 0, amf0.command('FCPublish', 3, null, 'cam1')), cmd(3, 0, amf0.command('createStream', 4, null))]) },
    { from: 's', data: writeChunks([cmd(3, 0, amf0.command('_result', 4, null, 1))], { chunkSize: 4096 }) },
    { from: 'c', data: writeChunks([cmd(8, 1, amf0.command('publish', 5, null, 'cam1', 'live'))]) },
    { from: 's', data: writeChunks([cmd(3, 1, amf0.command('onStatus', 0, null, { level: 'status', code: 'NetStream.Publish.Start', description: 'cam1 is now published' }))], { chunkSize: 4096 }) },
    // In turns of at most 400 messages (the chunk writer spreads its chunks into one call).
    ...Array.from({ length: Math.ceil(media.length / 400) }, (_, i): Turn => ({ from: 'c', data: writeChunks(media.slice(i * 400, i * 400 + 400)) })),
  ];
}

/** Turns of a player session; the server's Set Chunk Size 0 is out of range (a diagnostic). */
export function playerTurns(): Turn[] {
  const hs = handshake(21, 22);
  return [
    { from: 'c', data: hs.c01 },
    { from: 's', data: hs.s012 },
    { from: 'c', data: concatBytes(hs.c2, writeChunks([cmd(3, 0, amf0.connectBody({ app: 'vod', flashVer: 'LNX 9,0,124,2' }))])) },
    { from: 's', data: writeChunks([setChunkSize(0), cmd(3, 0, amf0.command('_result', 1, null, { level: 'status', code: 'NetConnection.Connect.Success' }))]) },
    { from: 'c', data: writeChunks([cmd(3, 0, amf0.command('createStream', 2, null))]) },
    { from: 's', data: writeChunks([cmd(3, 0, amf0.command('_result', 2, null, 1))]) },
    { from: 'c', data: writeChunks([cmd(8, 1, amf0.command('play', 3, null, 'movie', -2000))]) },
    { from: 's', data: writeChunks([cmd(5, 1, amf0.command('onStatus', 0, null, { level: 'status', code: 'NetStream.Play.Start', description: 'Started playing movie.' }))]) },
  ];
}

/** A pcap with the publisher (session 1) then the player (session 2). */
export function syntheticCapture(videoFrames = 30): Uint8Array {
  const start = 1_700_000_000;
  const pub = publisherTurns(videoFrames);
  // The capture misses the publisher's second-to-last data segment: a TCP gap near the end.
  const segments = pub.reduce((n, t) => n + Math.ceil(t.data.length / 1448), 0);
  const a = conversationFrames(pub, { client: { ip: '10.0.0.1', port: 50000 }, server: { ip: '10.0.0.2', port: 1935 }, drop: [segments - 2] });
  const b = conversationFrames(playerTurns(), { client: { ip: '10.0.0.3', port: 50001 }, server: { ip: '10.0.0.2', port: 1935 } });
  const recs: PcapRecordSpec[] = [...a, ...b].map((data, i) => ({ sec: start + Math.floor(i / 100), nsec: (i % 100) * 10_000_000, data }));
  return writePcap(recs, { linkType: 1 });
}

export function analyzeBytes(bytes: Uint8Array, opts: AnalyzerOptions = {}): OutputRecord[] {
  const dec = createCaptureDecoder();
  const an = new Analyzer(opts);
  const out: OutputRecord[] = [];
  for (const ev of dec.push(bytes)) out.push(...an.push(ev));
  for (const ev of dec.finish()) out.push(...an.push(ev));
  out.push(...an.finish());
  return out;
}

export function syntheticRecords(videoFrames = 30, opts: AnalyzerOptions = {}): OutputRecord[] {
  return analyzeBytes(syntheticCapture(videoFrames), opts);
}

/** A store holding the records, notifications synchronous (no timers in component tests). */
export function filledStore(records: readonly OutputRecord[], finish = true): RecordStore {
  const store = new RecordStore({ notifyIntervalMs: 0 });
  store.push(records);
  if (finish) store.finish();
  return store;
}

export function writeSyntheticCapture(path: string, videoFrames = 30): void {
  writeFileSync(path, syntheticCapture(videoFrames));
}
