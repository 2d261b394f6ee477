/**
 * RTMP conversations from intent, run through the real pipeline: a script of messages per
 * direction with capture times → chunked bytes (chunk-writer) → a TCP conversation in a pcap
 * (packets/pcap builders, one turn per run of same-direction messages at one time) →
 * createCaptureDecoder + Analyzer → output records → SessionAnalysis / CaptureAnalysis.
 *
 *   const s = new Rtmp().publishPreamble('live', 'cam').media(...);
 *   const r = s.analyse();   // r.codes, r.facts(1), r.streams, r.records
 *
 * Times are seconds after the start of the capture; `at()` sets, `wait()` advances.
 */
import { createCaptureDecoder } from '../../src/capture/decoder.js';
import { Analyzer, type AnalyzerOptions } from '../../src/session/analyzer.js';
import type { DiagnosticRecord, OutputRecord } from '../../src/records/index.js';
import { CaptureAnalysis, SessionAnalysis, type SessionFacts, type StreamRecord } from '../../src/analysis/index.js';
import { amf0, type Amf0Intent } from '../builders/amf-writer.js';
import { concatBytes, handshakeBytes, writeChunks, type MessageSpec } from '../builders/chunk-writer.js';
import { ethernet, tcpPacket } from '../builders/packets.js';
import { writePcap, type PcapRecordSpec } from '../builders/pcap.js';
import { aacRaw, aacSequenceHeader, avcNalu } from '../builders/media-writer.js';
import { AAC_LC_ASC, X264_320_SEQUENCE_HEADER } from './fixtures.js';

export type Dir = 'c2s' | 's2c';
type Item = { readonly dir: Dir; readonly time: number; readonly bytes: Uint8Array };

export type MsgOptions = {
  readonly csid?: number;
  readonly streamId?: number;
  readonly timestamp?: number;
  /** Type-3 continuation chunks: repeat the extended timestamp (spec) or omit it (old librtmp). */
  readonly type3Ets?: 'repeat' | 'omit';
};

export type ConversationOptions = {
  /** Leave out the RTMP handshake (and the TCP SYN): the capture starts mid-session. */
  readonly midSession?: boolean;
  /** Keep the TCP SYN but write no RTMP handshake (the script sends its own with raw()). */
  readonly noRtmpHandshake?: boolean;
  readonly client?: { ip: string; port: number };
  readonly server?: { ip: string; port: number };
  readonly mss?: number;
  /** Capture start, seconds since the epoch. */
  readonly start?: number;
  /** Indexes (0-based, among all data segments) of segments the capture misses. */
  readonly drop?: readonly number[];
  /** The connection is still open when the capture ends (no FIN). */
  readonly open?: boolean;
};

export type Analysed = {
  /** Everything: the pipeline's records, then (per session, at its end) the analysis's. */
  readonly records: readonly OutputRecord[];
  /** Diagnostics from the pipeline and the analysis. */
  readonly diagnostics: readonly DiagnosticRecord[];
  /** Diagnostics from the analysis only. */
  readonly analysis: readonly DiagnosticRecord[];
  readonly codes: ReadonlySet<string>;
  readonly streams: readonly StreamRecord[];
  facts(session?: number): SessionFacts;
};

/** A deterministic filler payload. */
export function filler(n: number, seed = 7): Uint8Array {
  const b = new Uint8Array(n);
  let x = seed;
  for (let i = 0; i < n; i++) {
    x = (Math.imul(x, 1103515245) + 12345) >>> 0;
    b[i] = x >>> 24;
  }
  return b;
}

export class Rtmp {
  private readonly items: Item[] = [];
  private now = 0;
  private readonly chunkSize = { c2s: 128, s2c: 128 };

  constructor(readonly opts: ConversationOptions = {}) {
    if (opts.midSession === true || opts.noRtmpHandshake === true) return;
    // A simple handshake whose echoes are right: S2 = C1, C2 = S1.
    const c = handshakeBytes(1);
    const s = handshakeBytes(2, { second: c.subarray(1, 1537) });
    const c2 = s.subarray(1, 1537).slice();
    this.items.push({ dir: 'c2s', time: 0, bytes: c.subarray(0, 1537) });
    this.items.push({ dir: 's2c', time: 0, bytes: s });
    this.items.push({ dir: 'c2s', time: 0, bytes: c2 });
  }

  at(seconds: number): this {
    this.now = seconds;
    return this;
  }

  wait(ms: number): this {
    this.now += ms / 1000;
    return this;
  }

  /** The chunk size a peer set before the capture started (no Set Chunk Size in the capture). */
  assumeChunkSize(dir: Dir, size: number): this {
    this.chunkSize[dir] = size;
    return this;
  }

  raw(dir: Dir, bytes: Uint8Array): this {
    this.items.push({ dir, time: this.now, bytes });
    return this;
  }

  /** One message, chunked with the direction's current chunk size. */
  msg(dir: Dir, spec: MessageSpec, o: MsgOptions = {}): this {
    const bytes = writeChunks([spec], { chunkSize: this.chunkSize[dir], type3Ets: o.type3Ets ?? 'repeat' });
    this.items.push({ dir, time: this.now, bytes });
    if (spec.typeId === 1 && spec.body.length >= 4) {
      const v = new DataView(spec.body.buffer, spec.body.byteOffset).getUint32(0) & 0x7fffffff;
      if (v > 0) this.chunkSize[dir] = v;
    }
    return this;
  }

  // ---------------------------------------------------------------------------------------------
  // commands and data

  /** An AMF0 command: name, transaction id, command object, arguments. */
  cmd(dir: Dir, name: string, tx: number, obj: Amf0Intent, args: readonly Amf0Intent[] = [], o: MsgOptions = {}): this {
    const body = amf0.encode([name, tx, obj, ...args]);
    return this.msg(dir, { csid: o.csid ?? 3, typeId: 20, streamId: o.streamId ?? 0, timestamp: o.timestamp ?? 0, body }, o);
  }

  /** An AMF0 data message (handler name first). */
  data(dir: Dir, values: readonly Amf0Intent[], o: MsgOptions = {}): this {
    const body = amf0.encode(values);
    return this.msg(dir, { csid: o.csid ?? 4, typeId: 18, streamId: o.streamId ?? 1, timestamp: o.timestamp ?? 0, body }, o);
  }

  connect(obj: Record<string, Amf0Intent> = {}, tx = 1): this {
    return this.cmd('c2s', 'connect', tx, { app: 'live', type: 'nonprivate', flashVer: 'FMLE/3.0 (compatible; Lavf59.27.100)', tcUrl: 'rtmp://127.0.0.1:1935/live', ...obj });
  }

  connectResult(tx = 1, props: Record<string, Amf0Intent> = {}, info: Record<string, Amf0Intent> = {}): this {
    return this.cmd('s2c', '_result', tx, { fmsVer: 'FMS/3,0,1,123', capabilities: 31, ...props }, [{ level: 'status', code: 'NetConnection.Connect.Success', description: 'Connection succeeded.', objectEncoding: 0, ...info }]);
  }

  error(tx: number, code: string, description: string, dir: Dir = 's2c'): this {
    return this.cmd(dir, '_error', tx, null, [{ level: 'error', code, description }]);
  }

  createStream(tx: number): this {
    return this.cmd('c2s', 'createStream', tx, null);
  }

  createStreamResult(tx: number, streamId: number): this {
    return this.cmd('s2c', '_result', tx, null, [streamId]);
  }

  publish(tx: number, streamId: number, name: Amf0Intent, type?: Amf0Intent): this {
    return this.cmd('c2s', 'publish', tx, null, type === undefined ? [name] : [name, type], { csid: 8, streamId });
  }

  play(tx: number, streamId: number, name: Amf0Intent, start = -2000): this {
    return this.cmd('c2s', 'play', tx, null, [name, start], { csid: 8, streamId });
  }

  onStatus(streamId: number, level: string, code: string, description = ''): this {
    return this.cmd('s2c', 'onStatus', 0, null, [{ level, code, description }], { csid: 5, streamId });
  }

  setDataFrame(streamId: number, md: Record<string, Amf0Intent>, dir: Dir = 'c2s'): this {
    return this.data(dir, ['@setDataFrame', 'onMetaData', amf0.ecma(md)], { streamId });
  }

  onMetaData(streamId: number, md: Record<string, Amf0Intent>, dir: Dir = 's2c'): this {
    return this.data(dir, ['onMetaData', amf0.ecma(md)], { streamId });
  }

  // ---------------------------------------------------------------------------------------------
  // control

  control(dir: Dir, typeId: number, body: readonly number[], o: MsgOptions = {}): this {
    return this.msg(dir, { csid: o.csid ?? 2, typeId, streamId: o.streamId ?? 0, timestamp: 0, body: Uint8Array.from(body) }, o);
  }

  setChunkSize(dir: Dir, size: number): this {
    return this.control(dir, 1, u32(size));
  }

  windowAckSize(dir: Dir, size: number): this {
    return this.control(dir, 5, u32(size));
  }

  peerBandwidth(dir: Dir, size: number, limitType: number): this {
    return this.control(dir, 6, [...u32(size), limitType]);
  }

  ack(dir: Dir, sequence: number): this {
    return this.control(dir, 3, u32(sequence));
  }

  userControl(dir: Dir, event: number, streamId: number): this {
    return this.control(dir, 4, [(event >> 8) & 0xff, event & 0xff, ...u32(streamId)]);
  }

  // ---------------------------------------------------------------------------------------------
  // media

  media(dir: Dir, typeId: 8 | 9, timestamp: number, payload: Uint8Array, o: MsgOptions = {}): this {
    return this.msg(dir, { csid: o.csid ?? (typeId === 8 ? 4 : 6), typeId, streamId: o.streamId ?? 1, timestamp, body: payload }, o);
  }

  video(timestamp: number, payload: Uint8Array, o: MsgOptions & { dir?: Dir } = {}): this {
    return this.media(o.dir ?? 'c2s', 9, timestamp, payload, o);
  }

  audio(timestamp: number, payload: Uint8Array, o: MsgOptions & { dir?: Dir } = {}): this {
    return this.media(o.dir ?? 'c2s', 8, timestamp, payload, o);
  }

  avcConfig(timestamp = 0, o: MsgOptions & { dir?: Dir } = {}): this {
    return this.video(timestamp, X264_320_SEQUENCE_HEADER, o);
  }

  aacConfig(timestamp = 0, o: MsgOptions & { dir?: Dir } = {}): this {
    return this.audio(timestamp, aacSequenceHeader(AAC_LC_ASC), o);
  }

  /**
   * `seconds` of A/V at `fps` (AVC, a keyframe every `gop` frames) and AAC (one frame per 23 ms),
   * interleaved by timestamp, starting at media time `from` ms. Capture time follows media time.
   */
  av(seconds: number, opts: { from?: number; fps?: number; gop?: number; videoBytes?: number; audio?: boolean; video?: boolean; dir?: Dir; streamId?: number; type3Ets?: 'repeat' | 'omit' } = {}): this {
    const from = opts.from ?? 0;
    const fps = opts.fps ?? 15;
    const gop = opts.gop ?? fps;
    const dir = opts.dir ?? 'c2s';
    const base = this.now;
    const events: { ts: number; kind: 'v' | 'a'; i: number }[] = [];
    if (opts.video !== false) for (let i = 0; i < Math.round(seconds * fps); i++) events.push({ ts: from + Math.round((i * 1000) / fps), kind: 'v', i });
    if (opts.audio !== false) for (let i = 0; i < Math.round((seconds * 1000) / 23.22); i++) events.push({ ts: from + Math.round(i * 23.22), kind: 'a', i });
    events.sort((a, b) => a.ts - b.ts || (a.kind === 'v' ? -1 : 1));
    for (const e of events) {
      this.now = base + (e.ts - from) / 1000;
      const o = { dir, ...(opts.streamId === undefined ? {} : { streamId: opts.streamId }), ...(opts.type3Ets === undefined ? {} : { type3Ets: opts.type3Ets }) };
      if (e.kind === 'v') this.video(e.ts, avcNalu(filler(e.i % gop === 0 ? (opts.videoBytes ?? 600) * 4 : (opts.videoBytes ?? 600), e.i), { key: e.i % gop === 0 }), o);
      else this.audio(e.ts, aacRaw(filler(180, e.i + 1000)), o);
    }
    this.now = base + seconds;
    return this;
  }

  /**
   * FFmpeg's publish preamble against nginx-rtmp, answers included: connect → Window Ack Size,
   * Set Peer Bandwidth, Set Chunk Size, _result → releaseStream, FCPublish, createStream →
   * _result(1) → publish(name, live) → Publish.Start → @setDataFrame → sequence headers.
   */
  publishPreamble(name = 'cam', o: { metadata?: Record<string, Amf0Intent> | null; app?: string; answerFmle?: boolean; sequenceHeaders?: boolean; connect?: Record<string, Amf0Intent> } = {}): this {
    this.connect({ ...(o.app === undefined ? {} : { app: o.app }), ...o.connect });
    this.wait(40).windowAckSize('s2c', 5_000_000).peerBandwidth('s2c', 5_000_000, 2).setChunkSize('s2c', 4096).connectResult(1);
    this.wait(40).setChunkSize('c2s', 4096);
    this.cmd('c2s', 'releaseStream', 2, null, [name]).cmd('c2s', 'FCPublish', 3, null, [name]).createStream(4);
    this.wait(1);
    if (o.answerFmle !== false) this.cmd('s2c', '_result', 2, null, [null]).cmd('s2c', 'onFCPublish', 0, null, [{ code: 'NetStream.Publish.Start', description: name }]);
    this.createStreamResult(4, 1);
    this.wait(40).publish(5, 1, name, 'live');
    this.wait(1).onStatus(1, 'status', 'NetStream.Publish.Start', `${name} is now published`);
    this.wait(10);
    if (o.metadata !== null) {
      this.setDataFrame(
        1,
        o.metadata ?? { duration: 0, width: 320, height: 240, videodatarate: 195.3125, framerate: 15, videocodecid: 7, audiodatarate: 62.5, audiosamplerate: 44100, audiosamplesize: 16, stereo: true, audiocodecid: 10, encoder: 'Lavf59.27.100' },
      );
    }
    return o.sequenceHeaders === false ? this : this.avcConfig(0).aacConfig(0);
  }

  /** The client's play preamble (rtmpdump-like), with nginx-rtmp's answers. */
  playPreamble(name = 'cam', o: { streamBegin?: boolean; sequenceHeaders?: boolean } = {}): this {
    this.connect({ flashVer: 'LNX 9,0,124,2' });
    this.wait(40).windowAckSize('s2c', 5_000_000).peerBandwidth('s2c', 5_000_000, 2).setChunkSize('s2c', 4096).connectResult(1);
    this.wait(5).windowAckSize('c2s', 5_000_000).createStream(2);
    this.wait(1).createStreamResult(2, 1);
    this.wait(5).play(3, 1, name).userControl('c2s', 3, 1);
    this.wait(1);
    if (o.streamBegin !== false) this.userControl('s2c', 0, 1);
    this.onStatus(1, 'status', 'NetStream.Play.Reset').onStatus(1, 'status', 'NetStream.Play.Start', 'Start live');
    this.data('s2c', ['|RtmpSampleAccess', true, true], { csid: 5, streamId: 1 });
    this.onMetaData(1, { width: 320, height: 240, framerate: 15, videocodecid: 7, audiocodecid: 10 });
    return o.sequenceHeaders === false ? this : this.avcConfig(0, { dir: 's2c' }).aacConfig(0, { dir: 's2c' });
  }

  // ---------------------------------------------------------------------------------------------
  // output

  /** The conversation as a pcap (Ethernet, µs). */
  pcap(): Uint8Array {
    return writePcap(this.frames(), { linkType: 1 });
  }

  /** The conversation's frames with their capture times (to merge several into one capture). */
  frames(): PcapRecordSpec[] {
    const c = this.opts.client ?? { ip: '10.0.0.1', port: 50000 };
    const s = this.opts.server ?? { ip: '10.0.0.2', port: 1935 };
    const mss = this.opts.mss ?? 1448;
    const start = this.opts.start ?? 1_700_000_000;
    const recs: PcapRecordSpec[] = [];
    let cseq = 1000;
    let sseq = 9000;
    const push = (time: number, from: 'c' | 's', flags: { syn?: boolean; fin?: boolean; psh?: boolean; ack?: boolean }, payload: Uint8Array = new Uint8Array(0)) => {
      const [a, b] = from === 'c' ? [c, s] : [s, c];
      const frame = ethernet(tcpPacket({ src: a.ip, dst: b.ip, sport: a.port, dport: b.port, seq: from === 'c' ? cseq : sseq, ack: flags.ack === false ? 0 : from === 'c' ? sseq : cseq, flags: { ack: true, ...flags }, payload }));
      const us = Math.round((start + time) * 1e6);
      recs.push({ sec: Math.floor(us / 1e6), nsec: (us % 1e6) * 1000, data: frame });
    };
    if (this.opts.midSession !== true) {
      push(0, 'c', { syn: true, ack: false });
      cseq++;
      push(0, 's', { syn: true });
      sseq++;
      push(0, 'c', {});
    }
    // Runs of same-direction items at the same time become one turn.
    const turns: Item[] = [];
    for (const it of this.items) {
      const last = turns[turns.length - 1];
      if (last !== undefined && last.dir === it.dir && last.time === it.time) turns[turns.length - 1] = { ...last, bytes: concatBytes(last.bytes, it.bytes) };
      else turns.push(it);
    }
    let t = 0;
    let segment = 0;
    const drop = new Set(this.opts.drop ?? []);
    for (const turn of turns) {
      t = Math.max(t, turn.time);
      const from = turn.dir === 'c2s' ? 'c' : 's';
      for (let off = 0; off < turn.bytes.length; off += mss) {
        const piece = turn.bytes.subarray(off, Math.min(off + mss, turn.bytes.length));
        if (drop.has(segment++)) {
          const n = recs.length;
          push(t, from, { psh: true }, piece);
          recs.length = n;
        } else push(t, from, { psh: true }, piece);
        if (from === 'c') cseq = (cseq + piece.length) >>> 0;
        else sseq = (sseq + piece.length) >>> 0;
      }
      push(t, from === 'c' ? 's' : 'c', {});
    }
    if (this.opts.open === true) return recs;
    push(t, 'c', { fin: true });
    cseq++;
    push(t, 's', { fin: true });
    sseq++;
    push(t, 'c', {});
    return recs;
  }

  analyse(opts: AnalyzerOptions = {}): Analysed {
    return analysePcap(this.pcap(), opts);
  }
}

function u32(n: number): number[] {
  return [(n >>> 24) & 0xff, (n >>> 16) & 0xff, (n >>> 8) & 0xff, n & 0xff];
}

/** The pipeline's records for a capture (createCaptureDecoder + Analyzer). */
export function pipeline(input: Uint8Array | readonly Uint8Array[], opts: AnalyzerOptions = {}): OutputRecord[] {
  const dec = createCaptureDecoder();
  const an = new Analyzer(opts);
  const out: OutputRecord[] = [];
  for (const c of input instanceof Uint8Array ? [input] : input) for (const ev of dec.push(c)) out.push(...an.push(ev));
  for (const ev of dec.finish()) out.push(...an.push(ev));
  out.push(...an.finish());
  return out;
}

/** Records through SessionAnalysis (one per session) and CaptureAnalysis, as the lead will wire them. */
export function analyseRecords(input: readonly OutputRecord[]): Analysed {
  const sessions = new Map<number, SessionAnalysis>();
  const facts = new Map<number, SessionFacts>();
  const streams: StreamRecord[] = [];
  const records: OutputRecord[] = [];
  const analysis: DiagnosticRecord[] = [];
  const capture = new CaptureAnalysis();
  const add = (ds: readonly DiagnosticRecord[]) => {
    for (const d of ds) {
      analysis.push(d);
      records.push(d);
    }
  };
  for (const r of input) {
    if (r.type === 'session') {
      const a = sessions.get(r.session);
      if (a !== undefined) {
        const f = a.finish();
        add(f.diagnostics);
        facts.set(r.session, f.facts);
        streams.push(...f.streams);
      }
    }
    records.push(r);
    if (r.type === 'handshake' || r.type === 'message' || (r.type === 'diagnostic' && r.session !== null)) {
      const sid = r.session as number;
      let a = sessions.get(sid);
      if (a === undefined) {
        a = new SessionAnalysis({ session: sid, client: r.client as string, server: r.server as string });
        sessions.set(sid, a);
      }
      add(a.onRecord(r));
    }
    add(capture.onRecord(r));
  }
  add(capture.finish());
  const diagnostics = records.filter((r): r is DiagnosticRecord => r.type === 'diagnostic');
  return {
    records,
    diagnostics,
    analysis,
    codes: new Set(diagnostics.map((d) => d.code)),
    streams,
    facts(session = 1): SessionFacts {
      const f = facts.get(session);
      if (f === undefined) throw new Error(`no facts for session ${session}`);
      return f;
    },
  };
}

/** Several conversations (distinct client ports) in one capture, frames ordered by time. */
export function mergedPcap(...conversations: readonly Rtmp[]): Uint8Array {
  const all = conversations.flatMap((c, i) => c.frames().map((f, j) => ({ f, key: [f.sec, f.nsec ?? 0, i, j] as const })));
  all.sort((a, b) => a.key[0] - b.key[0] || a.key[1] - b.key[1] || a.key[2] - b.key[2] || a.key[3] - b.key[3]);
  return writePcap(
    all.map((x) => x.f),
    { linkType: 1 },
  );
}

export function analysePcap(pcap: Uint8Array | readonly Uint8Array[], opts: AnalyzerOptions = {}): Analysed {
  return analyseRecords(pipeline(pcap, opts));
}
