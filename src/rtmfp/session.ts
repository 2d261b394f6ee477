/**
 * One RTMFP session between an initiator (the client) and a responder (the server): its startup
 * chunks, its session packets (read when a key log has their keys), flows reassembled into user
 * messages, and on TC flows the RTMP messages of RFC 7425 §5, recorded exactly as on TCP by an
 * RtmpSession (same message records, analysis and stream records).
 *
 * Contract: synchronous, no I/O; never throws on packet content. Bounded: flows per session,
 * fragments held, listed IHello times and chunk types are capped; message bodies are kept only up
 * to the RtmpSession's caps.
 */
import { diag, type DiagnosticCode, type Direction } from '../core/diagnostics.js';
import type { PayloadSink } from '../extract/sink.js';
import { type RtmpMessage, DEFAULT_CONN_BUFFER } from '../rtmp/chunk-decoder.js';
import { buildDiagnosticRecord, buildSessionRecord, type HandshakeRecord, type OutputRecord, type RtmfpFlowFacts, type RtmfpHandshakeFacts, type RtmfpSessionFacts, type SessionRecord } from '../records/index.js';
import { RtmpSession } from '../session/rtmp-session.js';
import type { IngestTarget } from '../targets/ingest.js';
import { negotiated, type StartupChunk } from './handshake.js';
import { decodeAck, decodeException, decodeTcMetadata, decodeUserData, FlowReassembler, FragmentBudget, type FlowEvent, type FragmentMeta, type UserData, type UserMessage } from './flows.js';
import { CHUNK_NAMES, decryptPacket, hex, hexU32, parsePacket, type Framing, type Packet } from './wire.js';
import { u32 } from '../core/byte-reader.js';

export type Meta = { readonly frame: number; readonly sec: number; readonly nsec: number };

const MAX_FLOWS = 256;
const MAX_LISTED_FLOWS = 64;
const MAX_IHELLO_TIMES = 16;
/** Handshake records kept for the RTMP analysis until the first message (it needs only the first). */
const MAX_HELD_HANDSHAKES = 8;
const MAX_CHUNK_TYPES = 32;
/** Body bytes kept of audio/video messages (their tag headers and configs fit) and of the rest. */
const KEEP_MEDIA = 4096;
const KEEP_OTHER = 1024 * 1024;
/** Message types extraction wants whole (audio, video, aggregate), as the chunk decoder's `payloads`. */
const PAYLOAD_TYPES: ReadonlySet<number> = new Set([8, 9, 22]);

type Flow = {
  readonly dir: Direction;
  readonly id: number;
  readonly r: FlowReassembler;
  signature: string | null;
  tc: { streamId: number; receiveIntent: string } | null;
  returnFor?: number;
  messages: number;
  acks: number;
  lost: number;
  readonly firstFrame: number;
  readonly start: number;
  last: number;
  final: boolean;
  exception: number | null;
};

const seconds = (m: Meta) => m.sec + m.nsec / 1e9;
const perDir = <T>(f: () => T): { c2s: T; s2c: T } => ({ c2s: f(), s2c: f() });
const opposite = (d: Direction): Direction => (d === 'c2s' ? 's2c' : 'c2s');

function signatureText(m: Uint8Array): string {
  if (m.length >= 2 && m[0] === 0x54 && m[1] === 0x43) return 'TC';
  const printable = m.length > 0 && m.length <= 64 && m.every((c) => c >= 0x20 && c < 0x7f);
  return printable ? String.fromCharCode(...m) : hex(m, 32);
}

export class RtmfpSession {
  readonly client: string;
  readonly server: string;
  private out: OutputRecord[] = [];
  private readonly t0: number;
  private readonly first: Meta;
  private last: Meta;
  // startup
  readonly ihelloTimes: number[] = [];
  ihellos = 0;
  tag: string | null = null;
  private rhello: { ms: number; chunk: StartupChunk & { kind: 'RHello' } } | null = null;
  private iikeying: { ms: number; chunk: StartupChunk & { kind: 'IIKeying' } } | null = null;
  private rikeying: { ms: number; chunk: StartupChunk & { kind: 'RIKeying' } } | null = null;
  private epd: RtmfpSessionFacts['epd'] = null;
  // session packets
  private readonly packets = perDir(() => 0);
  private readonly bytes = perDir(() => 0);
  private readonly offsets = perDir(() => 0);
  private readonly decrypted = perDir(() => 0);
  private readonly undecrypted = perDir(() => 0);
  private readonly chunkTypes = perDir<Record<string, number>>(() => ({}));
  private readonly acks = perDir(() => 0);
  private readonly pings = perDir(() => 0);
  private closeRequest: RtmfpSessionFacts['closeRequest'] = null;
  private closeAck: RtmfpSessionFacts['closeAck'] = null;
  private keysLogged = false;
  /** The logged framing that reads each direction, once found. */
  private readonly framing = perDir<Framing | null>(() => null);
  private readonly noted = new Set<string>();
  private readonly flows = new Map<string, Flow>();
  private flowCount = 0;
  private readonly budget = new FragmentBudget();
  private rtmp: RtmpSession | null = null;
  private readonly handshakes: HandshakeRecord[] = [];

  constructor(
    readonly session: number,
    /** Index of the UDP address pair (reported as `tcpStream`). */
    private readonly pairIndex: number,
    readonly initiator: string,
    readonly responder: string,
    meta: Meta,
    private readonly connBuffer?: number,
    /** Extraction: whole media bodies (each at most connBuffer) and losses go there. */
    private readonly payloads: PayloadSink | null = null,
    /** The ingest service published streams are checked against (--target). */
    private readonly target: IngestTarget | null = null,
  ) {
    this.client = initiator;
    this.server = responder;
    this.t0 = seconds(meta);
    this.first = meta;
    this.last = meta;
  }

  get established(): boolean {
    return this.rikeying !== null;
  }
  get cookie(): string | null {
    return this.rhello?.chunk.cookie ?? null;
  }
  get initiatorSessionId(): string | null {
    return this.iikeying?.chunk.sessionId ?? null;
  }
  get responderSessionId(): string | null {
    return this.rikeying?.chunk.sessionId ?? null;
  }

  private ms(m: Meta): number {
    return Math.round((seconds(m) - this.t0) * 1e6) / 1e3;
  }

  /** Count a datagram of this session; returns its offset in its direction (bytes before it). */
  private count(dir: Direction, length: number, meta: Meta): number {
    this.packets[dir]++;
    this.bytes[dir] += length;
    const at = this.offsets[dir];
    this.offsets[dir] += length;
    this.last = meta;
    return at;
  }

  /** A startup chunk of this session (decoded, or null when its framing is broken). */
  startup(dir: Direction, type: number, c: StartupChunk | null, sid: number, length: number, meta: Meta): OutputRecord[] {
    this.out = [];
    const offset = this.count(dir, length, meta);
    if (c === null) {
      this.note('rtmfp.malformed', `${CHUNK_NAMES[type] ?? 'startup chunk'} does not parse`, dir, meta, offset, `m:${type}`);
      return this.out;
    }
    const ms = this.ms(meta);
    switch (c.kind) {
      case 'IHello':
        this.ihellos++;
        if (this.ihelloTimes.length < MAX_IHELLO_TIMES) this.ihelloTimes.push(ms);
        this.epd = c.epd;
        this.tag = c.tag;
        break;
      case 'RHello':
        this.rhello ??= { ms, chunk: c };
        break;
      case 'IIKeying':
        this.iikeying ??= { ms, chunk: c };
        break;
      case 'RIKeying':
        this.rikeying ??= { ms, chunk: c };
        break;
    }
    const { kind: _kind, ...fields } = c;
    const facts: RtmfpHandshakeFacts = { packetSessionId: hexU32(sid), ...(c.kind === 'IHello' ? { attempt: this.ihellos } : {}), ...fields };
    const rec: HandshakeRecord = { type: 'handshake', session: this.session, client: this.client, server: this.server, dir, frame: meta.frame, time: seconds(meta), offset, part: c.kind, elapsedMs: ms, rtmfp: facts };
    if (this.rtmp === null) {
      if (this.handshakes.length < MAX_HELD_HANDSHAKES) this.handshakes.push(rec);
      this.out.push(rec);
    } else {
      this.out.push(...this.rtmp.handshake(rec));
    }
    return this.out;
  }

  /** A session packet (not a startup packet): read when one of `framings` has its keys. */
  packet(dir: Direction, d: Uint8Array, framings: readonly Framing[], meta: Meta): OutputRecord[] {
    this.out = [];
    const offset = this.count(dir, d.length, meta);
    if (framings.length === 0) {
      this.undecrypted[dir]++;
      this.note('rtmfp.keys-needed', "session packets are encrypted with keys from the Diffie-Hellman exchange; --keylog with this session's keys reads its flows and RTMP messages", undefined, meta, undefined, 'keys');
      return this.out;
    }
    this.keysLogged = true;
    // The framing that read this direction before first, then the other candidates.
    const known = this.framing[dir];
    let r = known === null ? null : decryptPacket(d, known);
    for (const f of framings) {
      if (r?.ok === true) break;
      if (f === known) continue;
      const t = decryptPacket(d, f);
      if (t.ok || r === null) r = t;
      if (t.ok) this.framing[dir] = f;
    }
    if (r === null || !r.ok) {
      this.undecrypted[dir]++;
      this.note('rtmfp.decrypt-failed', `a ${dir} packet fails its ${r === null ? 'key' : r.reason === 'hmac' ? 'HMAC' : r.reason} check with the logged keys`, dir, meta, offset, `df:${dir}`);
      return this.out;
    }
    this.decrypted[dir]++;
    const p = parsePacket(r.plain, r.start);
    if (p === null || p.trailing > 0) this.note('rtmfp.malformed', `a ${dir} packet ends inside a chunk header or chunk`, dir, meta, offset, `mp:${dir}`);
    if (p !== null) this.chunks(dir, p, { ...meta, offset });
    return this.out;
  }

  private chunks(dir: Direction, p: Packet, meta: FragmentMeta): void {
    let prev: UserData | null = null;
    const types = this.chunkTypes[dir];
    for (const c of p.chunks) {
      const name = `0x${c.type.toString(16).padStart(2, '0')}${CHUNK_NAMES[c.type] === undefined ? '' : ` ${CHUNK_NAMES[c.type]}`}`;
      if (types[name] !== undefined || Object.keys(types).length < MAX_CHUNK_TYPES) types[name] = (types[name] ?? 0) + 1;
      switch (c.type) {
        case 0x10:
        case 0x11: {
          const u = decodeUserData(c.type, c.payload, prev);
          prev = u;
          if (u === null) this.note('rtmfp.malformed', `a ${dir} User Data chunk does not parse`, dir, meta, meta.offset, `mu:${dir}`);
          else this.userData(dir, u, meta);
          break;
        }
        case 0x50:
        case 0x51: {
          this.acks[dir]++;
          const a = decodeAck(c.payload);
          const f = a === null ? undefined : this.flows.get(`${opposite(dir)}:${a.flowId}`);
          if (f !== undefined) f.acks++;
          break;
        }
        case 0x5e: {
          const e = decodeException(c.payload);
          const f = e === null ? undefined : this.flows.get(`${opposite(dir)}:${e.flowId}`);
          if (f !== undefined && e !== null) f.exception = e.exception;
          break;
        }
        case 0x01:
          this.pings[dir]++;
          break;
        case 0x0c:
          this.closeRequest ??= { dir, elapsedMs: this.ms(meta) };
          break;
        case 0x4c:
          this.closeAck ??= { dir, elapsedMs: this.ms(meta) };
          break;
        default:
          break; // Ping Reply, Buffer Probe, and types RFC 7016 does not define (0xec ECN reports): counted only
      }
    }
  }

  private flow(dir: Direction, u: UserData, meta: FragmentMeta): Flow | null {
    const key = `${dir}:${u.flowId}`;
    let f = this.flows.get(key);
    if (f !== undefined) return f;
    if (this.flows.size >= MAX_FLOWS) {
      this.note('rtmfp.cap', `more than ${MAX_FLOWS} flows in this session; the others are not reassembled`, dir, meta, meta.offset, 'flows');
      return null;
    }
    const whole = this.payloads === null ? 0 : (this.connBuffer ?? DEFAULT_CONN_BUFFER);
    const keep = (first: Uint8Array) => Math.max(whole, first[0] === 8 || first[0] === 9 ? KEEP_MEDIA : KEEP_OTHER) + 5;
    f = { dir, id: u.flowId, r: new FlowReassembler(this.budget, keep), signature: null, tc: null, messages: 0, acks: 0, lost: 0, firstFrame: meta.frame, start: this.ms(meta), last: this.ms(meta), final: false, exception: null };
    this.flows.set(key, f);
    this.flowCount++;
    return f;
  }

  private userData(dir: Direction, u: UserData, meta: FragmentMeta): void {
    const f = this.flow(dir, u, meta);
    if (f === null) return;
    if (u.metadata !== undefined && f.signature === null) {
      f.signature = signatureText(u.metadata);
      const tc = decodeTcMetadata(u.metadata);
      if (tc !== null) f.tc = tc;
    }
    if (u.returnFor !== undefined) f.returnFor = u.returnFor;
    if (u.final) f.final = true;
    f.last = this.ms(meta);
    for (const e of f.r.push(u, meta)) this.flowEvent(f, e);
  }

  private flowEvent(f: Flow, e: FlowEvent): void {
    switch (e.kind) {
      case 'message':
        f.messages++;
        if (f.tc !== null) this.tcMessage(f, e.message);
        return;
      case 'lost':
        f.lost += e.fragments;
        if (f.tc !== null) this.payloads?.loss({ session: this.session, client: this.client, server: this.server }, f.dir, `${e.fragments} fragment(s) of flow ${f.id} given up`);
        this.note('rtmfp.flow.lost', `flow ${f.id} (${f.dir}): ${e.fragments} fragment(s) given up${e.droppedMessage ? '; the message in progress was dropped' : ''}`, f.dir, e.at, e.at.offset, `lost:${f.dir}:${f.id}`, { flow: f.id, fragments: e.fragments });
        return;
      case 'cap':
        this.note('rtmfp.cap', `too many fragments held out of order in this session; the oldest hole was given up`, f.dir, e.at, e.at.offset, 'frag');
        return;
    }
  }

  /** RFC 7425 §5.1.2: type (1), timestamp (4), then the RTMP message body. */
  private tcMessage(f: Flow, m: UserMessage): void {
    if (m.length < 5) {
      this.note('rtmfp.malformed', `a ${m.length}-byte message on TC flow ${f.id} (${f.dir}) has no room for its type and timestamp`, f.dir, m.last, m.first.offset, `short:${f.dir}`);
      return;
    }
    const d = m.data;
    const typeId = d[0]!;
    // The analysis sees what it always did; extraction (payloads) gets the whole body when it arrived whole.
    const keep = 5 + (typeId === 8 || typeId === 9 ? KEEP_MEDIA : KEEP_OTHER);
    const msg: RtmpMessage = {
      kind: 'message',
      csid: f.id,
      typeId,
      streamId: f.tc!.streamId,
      timestamp: u32(d, 1),
      length: m.length - 5,
      body: d.subarray(5, keep),
      bodyTruncated: m.length > keep,
      ...(this.payloads !== null && PAYLOAD_TYPES.has(typeId) ? { payload: d.length === m.length ? d.subarray(5) : null } : {}),
      fmt: 0,
      extendedTimestamp: false,
      lost: 0,
      chunks: [],
      chunkCount: m.fragments,
      offset: m.first.offset,
      firstFrame: m.first.frame,
      frame: m.last.frame,
      sec: m.last.sec,
      nsec: m.last.nsec,
    };
    this.out.push(...this.session_rtmp().message(f.dir, msg));
  }

  private session_rtmp(): RtmpSession {
    if (this.rtmp === null) {
      this.rtmp = new RtmpSession({ session: this.session, conn: this.pairIndex, client: this.client, server: this.server }, false, this.connBuffer, { chunked: false, payloads: this.payloads, target: this.target });
      // The analysis learns the session's start from its handshake records (already written).
      for (const h of this.handshakes) for (const r of this.rtmp.handshake(h)) if (r.type === 'diagnostic') this.out.push(r);
      this.handshakes.length = 0;
    }
    return this.rtmp;
  }

  /** A diagnostic of this session, once per key. */
  private note(code: DiagnosticCode, message: string, dir: Direction | undefined, meta: Meta, offset: number | undefined, key: string, context?: Readonly<Record<string, number>>): void {
    if (this.noted.has(key)) return;
    this.noted.add(key);
    const at = { dir, frame: meta.frame, offset };
    const rec = buildDiagnosticRecord({ session: this.session, client: this.client, server: this.server }, at, diag(code, message, at, context));
    if (this.rtmp === null) this.out.push(rec);
    else this.out.push(...this.rtmp.observe(rec));
  }

  /** At the end of the capture: flows' leftovers, the RTMP analysis, then the session record. */
  finish(): OutputRecord[] {
    this.out = [];
    for (const f of this.flows.values()) {
      const n = f.r.finish();
      if (n > 0) f.lost += n;
    }
    if (this.rhello === null && this.ihellos > 0) {
      this.note('rtmfp.unanswered', `${this.ihellos} IHello(s) over ${this.ihelloTimes[this.ihelloTimes.length - 1] ?? 0} ms got no RHello`, 'c2s', this.first, 0, 'unanswered', { ihellos: this.ihellos });
    }
    const rtmpOut = this.rtmp?.finish() ?? [];
    this.out.push(...rtmpOut);
    this.out.push(this.record());
    return this.out;
  }

  facts(): RtmfpSessionFacts {
    const ini = this.iikeying?.chunk.keyComponent ?? null;
    const res = this.rikeying?.chunk.keyComponent ?? null;
    const both = ini !== null && res !== null;
    const fp = this.epd?.fingerprint;
    const flows: RtmfpFlowFacts[] = [];
    for (const f of this.flows.values()) {
      if (flows.length >= MAX_LISTED_FLOWS) break;
      flows.push({
        dir: f.dir,
        flowId: f.id,
        signature: f.signature,
        ...(f.tc === null ? {} : { streamId: f.tc.streamId, receiveIntent: f.tc.receiveIntent }),
        ...(f.returnFor === undefined ? {} : { returnFor: f.returnFor }),
        fragments: f.r.fragments,
        duplicates: f.r.duplicates,
        bytes: f.r.bytes,
        messages: f.messages,
        acks: f.acks,
        lostFragments: f.lost,
        firstFrame: f.firstFrame,
        startMs: f.start,
        lastMs: f.last,
        final: f.final,
        exception: f.exception,
      });
    }
    return {
      established: this.established,
      ihello: { count: this.ihellos, elapsedMs: [...this.ihelloTimes] },
      rhelloMs: this.rhello?.ms ?? null,
      iikeyingMs: this.iikeying?.ms ?? null,
      rikeyingMs: this.rikeying?.ms ?? null,
      epd: this.epd,
      tag: this.tag,
      cookie: this.cookie,
      responderCertificate: this.rhello?.chunk.certificate ?? null,
      initiatorCertificate: this.iikeying?.chunk.certificate ?? null,
      fingerprintMatches: fp === undefined || this.rhello === null ? null : fp === this.rhello.chunk.certificate.fingerprint,
      initiatorSessionId: this.initiatorSessionId,
      responderSessionId: this.responderSessionId,
      initiatorKeyComponent: ini,
      responderKeyComponent: res,
      hmac: both ? { c2s: negotiated(ini.hmac, res.hmac), s2c: negotiated(res.hmac, ini.hmac) } : null,
      sseq: both ? { c2s: negotiated(ini.sseq, res.sseq), s2c: negotiated(res.sseq, ini.sseq) } : null,
      keys: this.keysLogged ? 'logged' : 'none',
      packets: { ...this.packets },
      bytes: { ...this.bytes },
      decrypted: { ...this.decrypted },
      undecrypted: { ...this.undecrypted },
      chunkTypes: { c2s: { ...this.chunkTypes.c2s }, s2c: { ...this.chunkTypes.s2c } },
      acks: { ...this.acks },
      pings: { ...this.pings },
      closeRequest: this.closeRequest,
      closeAck: this.closeAck,
      flowCount: this.flowCount,
      flows,
    };
  }

  private record(): SessionRecord {
    const stats = this.rtmp?.stats();
    const end: SessionRecord['end'] = this.closeRequest !== null && this.closeAck !== null ? 'fin' : this.closeAck !== null ? 'rst' : 'eof';
    const rec = buildSessionRecord(
      {
        session: this.session,
        transport: 'rtmfp',
        tcpStream: this.pairIndex,
        client: this.client,
        server: this.server,
        clientGuessed: false,
        detectedBy: 'handshake',
        version: null,
        encrypted: true,
        firstFrame: this.first.frame,
        lastFrame: this.last.frame,
        firstTime: this.first,
        lastTime: this.last,
        packets: this.packets.c2s + this.packets.s2c,
        bytes: { ...this.bytes },
        gaps: { c2s: { count: 0, bytes: 0 }, s2c: { count: 0, bytes: 0 } },
        // The capture started after the initiator's IHello (the session was found by a later startup chunk).
        startUnseen: { c2s: this.ihellos === 0, s2c: false },
        end,
      },
      {
        messageCount: stats?.messageCount ?? { c2s: 0, s2c: 0 },
        chunkSize: { c2s: 128, s2c: 128 },
        type3ExtendedTimestamp: { c2s: null, s2c: null },
      },
      this.rtmp?.sessionFacts() ?? null,
    );
    return { ...rec, rtmfp: this.facts() };
  }
}
