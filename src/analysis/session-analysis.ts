/**
 * The session model: one RTMP session's handshake and message records in, the diagnostics that
 * need the session's history out, and at its end the facts about it (connect, transactions,
 * stream ids and names, publish/play outcomes, Enhanced RTMP, flow control, chunk-layer habits)
 * plus one stream record per media stream.
 *
 * Contract: pure and synchronous. Time comes only from the records' `time` (capture seconds);
 * nothing here reads a clock or does I/O, so the pcap path and the proxy get identical results.
 * Peer input never makes it throw. Memory is bounded per session: per stream O(1) counters, lists
 * capped (calls, steps, names, chunk sizes), transactions kept only while outstanding (plus the
 * capped list for the facts).
 *
 * SessionAnalysis coordinates: it routes each record to the session's trackers and keeps what ties
 * them together (connect, the NetStreams and their publish/play flows, the media streams).
 *   transactions.ts  call/reply pairing (_result/_error, onFCPublish), unanswered and failed calls
 *   flow-control.ts  Window Acknowledgement Size honoured, Acknowledgements, Set Peer Bandwidth
 *   chunk-layer.ts   chunk sizes, chunk stream ids, the type-3 extended-timestamp habit, Abort
 *   enhanced.ts      Enhanced RTMP media against what connect and the server's reply advertised
 *   media-stream.ts, tracks.ts  per media stream and E-RTMP track: codec configuration, rates,
 *                    keyframe interval, timestamp regressions and jumps, A/V drift, metadata
 *
 * Checked here (codes in src/core/diagnostics.ts):
 * - connect: missing, repeated, without app; its reply: rejected or an authentication step
 *   (authmod=adobe/llnw, reason=needauth/authfailed); E-RTMP reconnect requests.
 * - the publish flow (connect → createStream → publish on the returned id → Publish.Start →
 *   @setDataFrame → sequence headers → keyframe) and the play flow (connect → createStream →
 *   play → StreamBegin + Play.Reset/Start → |RtmpSampleAccess, onMetaData → media), step by step.
 *
 * Order checks (connect first, media before publish, sequence header first, first frame a
 * keyframe, missing metadata) need the start of the session: they are skipped when the capture
 * started mid-session (no handshake) and, for a direction, after the capture lost bytes of it
 * (a tcp.gap / rtmp.chunk.desync diagnostic record of the session, if the caller passes those).
 */
import type { DiagnosticCode, Direction } from '../core/diagnostics.js';
import type { DiagnosticRecord, FlowOutcome, FlowStep, HandshakeRecord, MessageRecord, NetStreamFacts, SessionFacts, StreamRecord } from '../records/index.js';
import type { CommandFields, StatusInfo } from '../rtmp/commands.js';
import type { MediaInfo } from '../rtmp/messages.js';
import { parseAuthDescription } from './auth.js';
import { atOf, diagnosticRecord, msBetween, round, type At, type Context, type SessionContext, type SessionIdentity } from './emit.js';
import { ChunkLayer } from './chunk-layer.js';
import { FlowControl } from './flow-control.js';
import { REPLIES, Transactions, type Call, type Orphan } from './transactions.js';
import { MediaStream, type StreamUse } from './media-stream.js';
import { StreamTracks } from './tracks.js';
import { checkStream, type IngestTarget } from '../targets/ingest.js';
import { CAPS_EX_RECONNECT, prop, resolveTcUrl } from './negotiation.js';
import { EnhancedRtmp } from './enhanced.js';

export const NO_MEDIA_AFTER_S = 2;
const MAX_STEPS = 32;
const MAX_NAMES = 32;
/** Message stream ids and media streams tracked per session. */
const MAX_NETSTREAMS = 256;
const MAX_MEDIA_STREAMS = 256;

const PUBLISH_TYPES = new Set(['live', 'record', 'append', 'appendWithGap']);
/** Diagnostics (of this session) after which a direction's message order cannot be trusted. */
const LOSS_CODES = new Set(['tcp.gap', 'net.truncated', 'tcp.buffer-cap', 'rtmp.chunk.desync', 'rtmp.chunk.resync', 'rtmp.chunk.size-inferred', 'rtmp.message.damaged']);

type Use = StreamUse & {
  readonly at: At & { frame: number; time: number };
  outcome: FlowOutcome;
  statusCode: string | null;
  startLatencyMs: number | null;
  startedTime: number | null;
  streamBegin: boolean;
  steps: FlowStep[];
  media: MediaStream | null;
};

type NetStream = {
  readonly id: number;
  createdFrame: number | null;
  use: Use | null;
  closedTime: number | null;
};

export class SessionAnalysis {
  private readonly id: SessionIdentity;
  private out: DiagnosticRecord[] = [];
  private startSeen: boolean | null = null;
  private readonly lossy = { c2s: false, s2c: false };
  private lastTime: number | null = null;
  // connect
  private connectCount = 0;
  private connectFields: CommandFields | null = null;
  private connectCall: Call | null = null;
  private connectOutcome: SessionFacts['connect']['outcome'] = null;
  private connectStatus: StatusInfo | null = null;
  private fmsVer: string | null = null;
  private reportedConnectMissing = false;
  /** onStatus for a stream id with no publish/play yet, under the same circumstances. */
  private readonly orphanStatuses = new Map<number, Orphan[]>();
  // streams
  private readonly netStreams = new Map<number, NetStream>();
  private readonly sessionSteps: FlowStep[] = [];
  /** Stream ids a StreamBegin named. */
  private readonly streamBegun = new Set<number>();
  private readonly media = new Map<string, MediaStream>();
  private readonly allMedia: MediaStream[] = [];
  /** E-RTMP tracks beside each stream's default track (tracks.ts). */
  private readonly tracks = new Map<MediaStream, StreamTracks>();
  private readonly names: string[] = [];
  private readonly reported = new Set<string>();
  /** Media streams already reported for media before publish (one report per publish generation). */
  private readonly beforePublish = new WeakSet<MediaStream>();
  // Enhanced RTMP
  private readonly ctx: SessionContext = {
    emit: (code, message, at, context) => this.emit(code, message, at, context),
    once: (key, code, message, at, context) => this.once(key, code, message, at, context),
    startSeen: () => this.startSeen === true,
    lossy: (d) => this.lossy[d],
  };
  private readonly transactions = new Transactions(this.ctx);
  private readonly flow = new FlowControl(this.ctx);
  private readonly enhanced = new EnhancedRtmp(this.ctx);
  private readonly chunks: ChunkLayer;

  /** The ingest service published streams are checked against (--target), or none. */
  private readonly target: IngestTarget | null;

  constructor(id: { session: number; client: string; server: string }, opts: { readonly chunked?: boolean; readonly target?: IngestTarget | null } = {}) {
    this.id = { session: id.session, client: id.client, server: id.server };
    // False for messages framed without RTMP chunks (RTMFP flows): the chunk-layer checks do not apply.
    this.chunks = new ChunkLayer(this.ctx, opts.chunked ?? true);
    this.target = opts.target ?? null;
  }

  /**
   * Every handshake and message record of this session, in order (diagnostic records of the
   * session may be passed too: losses make the order checks of their direction lenient). Returns
   * the diagnostics to emit now.
   */
  onRecord(r: HandshakeRecord | MessageRecord | DiagnosticRecord): DiagnosticRecord[] {
    this.out = [];
    if (r.type === 'diagnostic') {
      if (r.session === this.id.session && LOSS_CODES.has(r.code)) {
        if (r.dir === undefined) this.lossy.c2s = this.lossy.s2c = true;
        else this.lossy[r.dir] = true;
      }
      return this.out;
    }
    if (r.type === 'handshake') {
      this.startSeen ??= true;
      this.lastTime = r.time;
      return this.out;
    }
    this.startSeen ??= false;
    this.lastTime = r.time;
    this.onMessage(r);
    return this.out;
  }

  /** At session end: facts for the session record, one record per media stream, last diagnostics. */
  finish(): { facts: SessionFacts; streams: StreamRecord[]; diagnostics: DiagnosticRecord[] } {
    this.out = [];
    this.transactions.finish();
    this.finishNetStreams();
    for (const m of this.allMedia) for (const p of m.finish()) this.emit(p.code, p.message, p.at, p.context);
    for (const t of this.tracks.values()) for (const p of t.finish()) this.emit(p.code, p.message, p.at, p.context);
    const streams = this.allMedia.filter((m) => m.hasMedia || m.use.role !== null || m.dataMessages > 0).map((m) => this.streamRecord(m));
    const tcUrl = this.connectFields?.tcUrl ?? null;
    for (const s of streams)
      for (const p of checkStream(s, this.target, typeof tcUrl === 'string' ? tcUrl : null))
        this.emit(p.code, p.message, { dir: s.dir, ...(s.firstFrame === null ? {} : { frame: s.firstFrame }), ...(s.startTime === null ? {} : { time: s.startTime }) }, p.context);
    const diagnostics = this.out;
    this.out = [];
    return { facts: this.facts(), streams, diagnostics };
  }

  // ------------------------------------------------------------------------------------------
  // messages

  private strict(dir: Direction): boolean {
    return this.startSeen === true && !this.lossy[dir];
  }

  private emit(code: DiagnosticCode, message: string, at: At, context?: Context): void {
    this.out.push(diagnosticRecord(this.id, code, message, at, context));
  }

  /** Emit once per key. */
  private once(key: string, code: DiagnosticCode, message: string, at: At, context?: Context): void {
    if (this.reported.has(key)) return;
    this.reported.add(key);
    this.emit(code, message, at, context);
  }

  private onMessage(r: MessageRecord): void {
    const mark = this.out.length;
    this.onMessageFields(r);
    // Bytes of this message were lost or cut off by the snap length (zeros in the body): what its
    // fields seem to say may be the hole's doing, so no diagnostic is raised from them.
    if ((r.lost ?? 0) > 0) this.out.length = mark;
  }

  private onMessageFields(r: MessageRecord): void {
    this.chunks.onMessage(r);
    this.flow.onMessage(r);
    const t = r.typeId;
    if (t >= 1 && t <= 6) {
      this.onControl(r);
      return;
    }
    if (r.dir === 'c2s' && this.connectCount === 0 && this.strict('c2s') && !(t === 20 || t === 17 ? r.name === 'connect' : false)) {
      if (!this.reportedConnectMissing) {
        this.reportedConnectMissing = true;
        this.emit('session.connect.missing', `${r.name ?? r.typeName} before any connect`, atOf(r));
      }
    }
    if (t === 20 || t === 17) this.onCommand(r);
    else if (t === 18 || t === 15) this.onDataMessage(r);
    else if (t === 8 || t === 9) {
      if (r.media !== undefined) this.onMedia(r, t, r.media, r.timestamp, r.length);
    } else if (t === 22 && r.aggregate !== undefined) {
      for (const tag of r.aggregate.tags) {
        if ((tag.typeId === 8 || tag.typeId === 9) && tag.media !== undefined) this.onMedia(r, tag.typeId, tag.media, tag.timestamp, tag.length);
      }
    }
  }

  /** Protocol control (types 1-6): the chunk layer's and flow control's, StreamBegin the NetStream's. */
  private onControl(r: MessageRecord): void {
    this.chunks.onControl(r);
    const c = r.control;
    if (c === undefined) return;
    switch (c.kind) {
      case 'set-chunk-size':
        this.chunks.onSetChunkSize(r, c.chunkSize);
        return;
      case 'abort':
        this.chunks.onAbort(r, c.csid);
        return;
      case 'acknowledgement':
        this.flow.onAcknowledgement(r, c.sequenceNumber);
        return;
      case 'window-ack-size':
        this.flow.onWindowAckSize(r.dir, c.windowSize);
        return;
      case 'set-peer-bandwidth':
        this.flow.onPeerBandwidth(r, c);
        return;
      case 'user-control':
        if (c.event === 0 && c.streamId !== undefined) {
          // Some servers send it right after createStream, before the play.
          if (this.streamBegun.size < MAX_NETSTREAMS) this.streamBegun.add(c.streamId);
          const ns = this.netStreams.get(c.streamId);
          if (ns?.use != null) {
            ns.use.streamBegin = true;
            this.step(ns.use, 'StreamBegin', r);
          }
        }
        return;
    }
  }

  // ------------------------------------------------------------------------------------------
  // commands and transactions

  private onCommand(r: MessageRecord): void {
    const name = r.name;
    if (name === undefined) return;
    const cmd: CommandFields = r.command ?? {};
    const tx = r.transactionId;
    if (REPLIES.has(name)) {
      this.onReply(r, name, tx, cmd);
      return;
    }
    if (name === 'onStatus') {
      this.onStatus(r, cmd.status ?? null);
      return;
    }
    if (this.transactions.onStatusAnswer(r, name)) return;
    const call = this.transactions.onCall(r, name, tx);
    if (name === 'connect' && call !== null) this.connectCall = call;
    switch (name) {
      case 'connect':
        this.onConnect(r, cmd);
        break;
      case 'publish':
        this.onPublishOrPlay(r, 'publish', cmd.streamName, cmd.publishType);
        break;
      case 'play':
      case 'play2':
        this.onPublishOrPlay(r, 'play', cmd.streamName, undefined);
        break;
      case 'deleteStream':
      case 'closeStream': {
        const sid = name === 'deleteStream' ? cmd.streamId : r.streamId;
        const ns = sid === undefined ? undefined : this.netStreams.get(sid);
        if (ns !== undefined) ns.closedTime = r.time;
        break;
      }
      case 'releaseStream':
      case 'FCPublish':
      case 'createStream':
      case 'FCSubscribe':
        if (this.sessionSteps.length < MAX_STEPS) this.sessionSteps.push({ step: name, dir: r.dir, frame: r.frame, time: r.time });
        break;
      default:
        break;
    }
    // A reply that came before this call (its direction was resyncing) answers it now.
    const o = call === null ? undefined : this.transactions.takeOrphan(call);
    if (o !== undefined && call !== null) this.onReply(o.r, o.name, call.transactionId, o.cmd);
  }

  private onConnect(r: MessageRecord, cmd: CommandFields): void {
    this.connectCount++;
    if (this.connectCount > 1) {
      this.emit('session.connect.repeated', `connect number ${this.connectCount} on the same connection`, atOf(r));
      return;
    }
    this.connectFields = cmd;
    if (this.sessionSteps.length < MAX_STEPS) this.sessionSteps.push({ step: 'connect', dir: r.dir, frame: r.frame, time: r.time });
    if (cmd.app === undefined || cmd.app === '') {
      this.emit('session.connect.no-app', `connect without ${cmd.app === undefined ? 'an app property' : 'an application name (app is empty)'}`, atOf(r));
    }
  }

  /** A _result/_error: paired by the transactions; connect's and createStream's answers tell the session more. */
  private onReply(r: MessageRecord, name: string, tx: number | undefined, cmd: CommandFields): void {
    const call = this.transactions.onReply(r, name, tx, cmd);
    if (call === null) return;
    if (call.name === 'connect') {
      this.onConnectReply(r, name, cmd.status ?? null, call);
      return;
    }
    if (call.name === 'createStream' && name === '_result' && cmd.streamId !== undefined) {
      const ns = this.netStream(cmd.streamId);
      if (ns !== null) ns.createdFrame = r.frame;
      if (this.sessionSteps.length < MAX_STEPS) this.sessionSteps.push({ step: 'createStream-result', dir: r.dir, frame: r.frame, time: r.time });
    }
  }

  private onConnectReply(r: MessageRecord, name: string, status: StatusInfo | null, call: Call): void {
    this.connectStatus = status;
    const props = r.args?.[0];
    const info = r.args?.[1];
    const fmsVer = prop(props, 'fmsVer');
    if (typeof fmsVer === 'string') this.fmsVer = fmsVer;
    this.enhanced.onConnectReply(props, info);
    if (this.sessionSteps.length < MAX_STEPS) this.sessionSteps.push({ step: 'connect-result', dir: r.dir, frame: r.frame, time: r.time });
    if (name === '_result' && status?.level !== 'error') {
      this.connectOutcome = 'success';
      return;
    }
    this.transactions.countError();
    this.connectRejected(r, status, call);
  }

  private connectRejected(r: MessageRecord, status: StatusInfo | null, call: Call | null): void {
    const description = status?.description ?? '';
    const auth = parseAuthDescription(description);
    const ctx = (extra: Context): Context => ({ ...(status?.code === undefined ? {} : { statusCode: status.code }), ...extra });
    const quoted = description === '' ? '' : `: "${description}"`;
    const callAt = call === null ? '' : ` (connect in frame ${call.at.frame})`;
    if (auth === null) {
      this.connectOutcome = 'rejected';
      this.emit('session.connect.rejected', `connect rejected${callAt}: ${status?.code ?? 'no status code'}${quoted}`, atOf(r), ctx({}));
      return;
    }
    const actx = ctx({ ...(auth.authmod === null ? {} : { authmod: auth.authmod }), ...(auth.reason === null ? {} : { reason: auth.reason }) });
    const method = auth.authmod === null ? 'authentication' : `${auth.authmod} authentication`;
    if (auth.kind === 'required') {
      this.connectOutcome = 'auth-required';
      this.emit('session.auth.required', `the server requires ${method}${callAt}${quoted}`, atOf(r), actx);
    } else if (auth.kind === 'challenge') {
      this.connectOutcome = 'auth-challenge';
      this.emit('session.auth.challenge', `${method} challenge (reason=needauth)${callAt}: the client must reconnect with the response`, atOf(r), actx);
    } else {
      this.connectOutcome = 'auth-failed';
      this.emit('session.auth.failed', `${method} failed (reason=${auth.reason ?? 'unknown'})${callAt}${quoted}`, atOf(r), actx);
    }
  }

  // ------------------------------------------------------------------------------------------
  // NetStreams: publish and play flows

  /** The NetStream with this id, created on first use (null past the cap). */
  private netStream(id: number): NetStream | null {
    let ns = this.netStreams.get(id);
    if (ns === undefined) {
      if (this.netStreams.size >= MAX_NETSTREAMS) return null;
      ns = { id, createdFrame: null, use: null, closedTime: null };
      this.netStreams.set(id, ns);
    }
    return ns;
  }

  private step(use: Use, step: string, r: MessageRecord): void {
    if (use.steps.length < MAX_STEPS && !use.steps.some((s) => s.step === step)) use.steps.push({ step, dir: r.dir, frame: r.frame, time: r.time });
  }

  private onPublishOrPlay(r: MessageRecord, role: 'publish' | 'play', name: string | undefined, publishType: string | undefined): void {
    const sid = r.streamId;
    const ns = this.netStream(sid);
    const at = atOf(r);
    if (ns === null) return;
    if (name === undefined || name === '') {
      this.emit('session.stream.no-name', `${role} without a stream name`, at);
    } else if (!this.names.includes(name) && this.names.length < MAX_NAMES) {
      this.names.push(name);
    }
    if (this.strict(r.dir) && !this.lossy.s2c && (sid === 0 || ns.createdFrame === null)) {
      this.emit('session.stream.unknown-id', `${role}${name === undefined ? '' : ` "${name}"`} on message stream ${sid}, ${sid === 0 ? 'the connection itself' : 'which no createStream reply returned'}`, at, { streamId: sid });
    }
    if (role === 'publish' && (publishType === undefined || !PUBLISH_TYPES.has(publishType))) {
      this.emit('session.publish.bad-type', publishType === undefined ? 'publish without a type (live, record or append)' : `publish type "${publishType}" (expected live, record or append)`, at, publishType === undefined ? undefined : { publishType });
    }
    const use: Use = {
      role,
      name: name ?? null,
      publishType: role === 'publish' ? (publishType ?? null) : null,
      at: { ...at, frame: r.frame, time: r.time },
      outcome: null,
      statusCode: null,
      startLatencyMs: null,
      startedTime: null,
      streamBegin: false,
      steps: this.sessionSteps.slice(0, MAX_STEPS - 8),
      media: null,
    };
    use.steps.push({ step: role, dir: r.dir, frame: r.frame, time: r.time });
    ns.use = use;
    ns.closedTime = null;
    // A new publish/play starts a new media stream in its direction.
    const dir: Direction = role === 'publish' ? 'c2s' : 's2c';
    const existing = this.media.get(`${dir}|${sid}`);
    if (existing !== undefined && existing.use.role === null && (dir === 's2c' || !this.strict('c2s'))) {
      // Media decoded before its publish/play: the command surfaced late from a resyncing
      // direction (or a server sent the media first). It is this publish/play's stream.
      existing.use = use;
      use.media = existing;
    } else {
      use.media = this.allMedia.length < MAX_MEDIA_STREAMS ? this.newMediaStream(dir, sid, use) : (existing ?? null);
    }
    // Statuses that came before this command (its direction was resyncing) answer it now.
    const orphans = this.orphanStatuses.get(sid);
    if (orphans !== undefined) {
      this.orphanStatuses.delete(sid);
      for (const o of orphans) if (o.r.time >= r.time) this.onStatus(o.r, o.cmd.status ?? null);
    }
  }

  private newMediaStream(dir: Direction, sid: number, use: StreamUse): MediaStream {
    const m = new MediaStream(
      sid,
      dir,
      use,
      () => this.strict(dir),
      () => !this.lossy[dir],
    );
    this.media.set(`${dir}|${sid}`, m);
    this.allMedia.push(m);
    return m;
  }

  /** The media stream of (dir, stream id), created on first use (null past the cap). */
  private tracksOf(m: MediaStream): StreamTracks {
    let t = this.tracks.get(m);
    if (t === undefined) {
      t = new StreamTracks(
        m,
        (sid, dir) =>
          new MediaStream(
            sid,
            dir,
            m.use,
            () => this.strict(dir),
            () => !this.lossy[dir],
          ),
      );
      this.tracks.set(m, t);
    }
    return t;
  }

  private mediaStream(dir: Direction, sid: number): MediaStream | null {
    const m = this.media.get(`${dir}|${sid}`);
    if (m !== undefined) return m;
    return this.allMedia.length >= MAX_MEDIA_STREAMS ? null : this.newMediaStream(dir, sid, { role: null, name: null, publishType: null });
  }

  /** The NetStream an s2c message on `sid` belongs to: stream 0 means the only active one. */
  private useFor(sid: number, role: 'publish' | 'play' | null): NetStream | undefined {
    const ns = this.netStreams.get(sid);
    if (ns?.use != null) return ns;
    if (sid !== 0) return undefined;
    const candidates = [...this.netStreams.values()].filter((n) => n.use !== null && (role === null || n.use.role === role) && n.closedTime === null);
    return candidates.length === 1 ? candidates[0] : undefined;
  }

  /**
   * The NetStream a server-to-client media or data message belongs to. Stream 0 is the connection
   * itself; node-media-server 4 sends a player's media and data there, so with exactly one active
   * play it is taken as that stream's (and reported once).
   */
  private playedStream(r: MessageRecord, what: string): NetStream | undefined {
    const own = this.netStreams.get(r.streamId);
    if (own?.use != null || r.streamId !== 0) return own;
    const ns = this.useFor(0, 'play');
    if (ns !== undefined && this.startSeen === true) {
      this.once('data0', 'session.stream.data-on-stream-zero', `${what} for stream ${ns.id} ("${ns.use?.name ?? ''}") sent on message stream 0`, atOf(r), { streamId: ns.id });
    }
    return ns;
  }

  private onStatus(r: MessageRecord, status: StatusInfo | null): void {
    const code = status?.code ?? '';
    if (code.startsWith('NetConnection.Connect.')) {
      if (code === 'NetConnection.Connect.ReconnectRequest') {
        const tcUrl = prop(r.args?.[1], 'tcUrl');
        const resolved = typeof tcUrl === 'string' ? resolveTcUrl(tcUrl, this.connectFields?.tcUrl) : null;
        const caps = this.connectFields?.capsEx;
        const unannounced = this.connectFields !== null && (caps === undefined || (caps & CAPS_EX_RECONNECT) === 0) ? ' (the client did not announce Reconnect in capsEx)' : '';
        const to = typeof tcUrl === 'string' ? ` to ${tcUrl}${resolved !== null && resolved !== tcUrl ? ` (${resolved})` : ''}` : '';
        this.emit('session.connect.reconnect-request', `the server asks the client to reconnect${to}${unannounced}`, atOf(r), typeof tcUrl === 'string' ? { tcUrl, ...(resolved === null ? {} : { resolved }) } : undefined);
      } else if ((code === 'NetConnection.Connect.Rejected' || code === 'NetConnection.Connect.Failed' || status?.level === 'error') && (this.connectOutcome === null || this.connectOutcome === 'success')) {
        this.transactions.countError();
        this.connectRejected(r, status, this.connectCall);
      }
      return;
    }
    const ns = this.useFor(r.streamId, null);
    const use = ns?.use;
    if (status === null) return;
    if (ns === undefined || use == null) {
      if (this.startSeen !== true || this.lossy.c2s) {
        const list = this.orphanStatuses.get(r.streamId) ?? [];
        if (list.length < 4 && (list.length > 0 || this.orphanStatuses.size < MAX_NETSTREAMS)) {
          list.push({ name: 'onStatus', r, cmd: { status } });
          this.orphanStatuses.set(r.streamId, list);
        }
      }
      return;
    }
    const short = code.replace(/^NetStream\./, '');
    if (short !== '') this.step(use, short, r);
    const isError = status.level === 'error' || /\.(BadName|Denied|Failed|StreamNotFound|NoSupportedTrackFound|FileStructureInvalid)$/.test(code);
    const decided = use.outcome !== null;
    if (isError) {
      if (!decided) this.decide(use, 'rejected', code, r);
      const quoted = status.description === undefined || status.description === '' ? '' : ` "${status.description}"`;
      const what = `${use.name === null ? '' : `"${use.name}": `}${code}${quoted}`;
      if (use.role === 'publish') {
        this.emit(code === 'NetStream.Publish.BadName' ? 'session.publish.bad-name' : 'session.publish.rejected', `publish ${what}`, atOf(r), { statusCode: code });
      } else if (use.role === 'play') {
        this.emit('session.play.rejected', `play ${what}`, atOf(r), { statusCode: code });
      }
      return;
    }
    if (!decided && ((use.role === 'publish' && code === 'NetStream.Publish.Start') || (use.role === 'play' && (code === 'NetStream.Play.Start' || code === 'NetStream.Play.Reset')))) {
      this.decide(use, 'started', code, r);
    }
  }

  private decide(use: Use, outcome: FlowOutcome, code: string, r: MessageRecord): void {
    use.outcome = outcome;
    use.statusCode = code;
    use.startLatencyMs = msBetween(use.at.time, r.time);
    if (outcome === 'started') use.startedTime = r.time;
  }

  private onDataMessage(r: MessageRecord): void {
    const name = r.name;
    const cmd: CommandFields = r.command ?? {};
    const d = r.dir;
    if (d === 's2c') {
      if (name === '@setDataFrame') this.once('setdataframe', 'session.play.setdataframe', `@setDataFrame("${cmd.dataName ?? ''}") sent to a player`, atOf(r));
      const ns = this.playedStream(r, name ?? r.typeName);
      const sid = ns?.id ?? r.streamId;
      const m = this.mediaStream(d, sid);
      const isMeta = name === 'onMetaData' || (name === '@setDataFrame' && cmd.dataName === 'onMetaData');
      m?.onData(isMeta ? cmd.metadata : undefined, atOf(r));
      if (m != null && isMeta) this.tracksOf(m).onMetadata(cmd.metadata, atOf(r));
      if (ns?.use != null && name !== undefined) this.step(ns.use, isMeta ? 'metadata' : name, r);
      return;
    }
    // c2s: a publisher's data.
    const ns = this.netStreams.get(r.streamId);
    const m = this.mediaStream(d, r.streamId);
    if (m === null) return;
    this.beforePublishCheck(r, ns, m);
    const isMeta = name === 'onMetaData' || (name === '@setDataFrame' && cmd.dataName === 'onMetaData');
    if (name === 'onMetaData') this.once(`bare:${r.streamId}`, 'session.publish.bare-onmetadata', 'onMetaData sent directly instead of @setDataFrame("onMetaData", ...)', atOf(r));
    m.onData(isMeta ? cmd.metadata : undefined, atOf(r));
    if (isMeta) this.tracksOf(m).onMetadata(cmd.metadata, atOf(r));
    if (ns?.use != null && isMeta) this.step(ns.use, 'metadata', r);
  }

  private onMedia(r: MessageRecord, typeId: 8 | 9, media: MediaInfo, timestamp: number, length: number): void {
    const d = r.dir;
    const ns = d === 's2c' ? this.playedStream(r, r.typeName) : this.netStreams.get(r.streamId);
    const sid = ns?.id ?? r.streamId;
    const m = this.mediaStream(d, sid);
    if (m === null) return;
    if (d === 'c2s') this.beforePublishCheck(r, ns, m);
    this.enhanced.onMedia(r, media, this.connectFields);
    const at = { ...atOf(r), frame: r.frame, time: r.time };
    // E-RTMP ModEx TimestampOffsetNano refines the message's time below a millisecond.
    const t = media.nanoOffset === undefined ? timestamp : timestamp + media.nanoOffset / 1e6;
    for (const p of this.tracksOf(m).onMedia(typeId, media, t, length, at)) this.emit(p.code, p.message, p.at, p.context);
    const use = ns?.use;
    if (use != null && use.media === m) {
      const track = typeId === 9 ? 'video' : 'audio';
      if (media.content === 'config') this.step(use, `${track}-config`, r);
      else if (media.content === 'frames') {
        this.step(use, `first-${track}`, r);
        if (typeId === 9 && 'frameTypeName' in media && media.frameTypeName === 'key') this.step(use, 'first-keyframe', r);
      }
    }
  }

  /** Media or metadata from the client on a stream it is not publishing (once per media stream). */
  private beforePublishCheck(r: MessageRecord, ns: NetStream | undefined, m: MediaStream): void {
    if (ns?.use?.role === 'publish' || !this.strict('c2s') || this.beforePublish.has(m)) return;
    this.beforePublish.add(m);
    this.emit('session.publish.media-before-publish', `${r.name ?? r.typeName} on message stream ${r.streamId} before publish`, atOf(r), { streamId: r.streamId });
  }

  // ------------------------------------------------------------------------------------------
  // end of session

  private finishNetStreams(): void {
    for (const ns of this.netStreams.values()) {
      const use = ns.use;
      if (use === null) continue;
      const m = use.media;
      if (use.outcome === null) {
        use.outcome = 'no-answer';
        // The capture lost bytes of the server's direction: the answer may be among them.
        if (!this.lossy.s2c)
          this.emit(
            use.role === 'publish' ? 'session.publish.no-start' : 'session.play.no-start',
            `${use.role}${use.name === null ? '' : ` "${use.name}"`} got no ${use.role === 'publish' ? 'NetStream.Publish.Start' : 'NetStream.Play.Start'} nor an error`,
            use.at,
          );
      }
      if (use.role === 'publish' && m !== null && m.codedFrames > 0 && m.metadata === null && this.strict('c2s')) {
        this.emit('session.publish.no-metadata', `"${use.name ?? ''}" was published without @setDataFrame("onMetaData", ...)`, use.at);
      }
      if (use.role === 'play' && use.outcome === 'started' && !this.lossy.s2c) {
        if (!use.streamBegin && !this.streamBegun.has(ns.id) && this.startSeen === true) {
          this.emit('session.play.no-stream-begin', `no StreamBegin for stream ${ns.id} before or after ${use.statusCode ?? 'Play.Start'}`, use.at, { streamId: ns.id });
        }
        const end = ns.closedTime ?? this.lastTime;
        if (m !== null && m.codedFrames === 0 && use.startedTime !== null && end !== null && end - use.startedTime >= NO_MEDIA_AFTER_S) {
          this.emit('session.play.no-media', `no audio or video in the ${round(end - use.startedTime, 3)} s after play of "${use.name ?? ''}" started`, use.at, { seconds: round(end - use.startedTime, 3) });
        }
      }
    }
  }

  private facts(): SessionFacts {
    const c = this.connectFields;
    const roles = new Set([...this.netStreams.values()].map((n) => n.use?.role).filter((x) => x != null));
    const streamIds: Record<string, NetStreamFacts> = {};
    for (const ns of [...this.netStreams.values()].sort((a, b) => a.id - b.id)) {
      const u = ns.use;
      streamIds[String(ns.id)] = {
        streamId: ns.id,
        createdFrame: ns.createdFrame,
        role: u?.role ?? null,
        name: u?.name ?? null,
        publishType: u?.publishType ?? null,
        outcome: u?.outcome ?? null,
        statusCode: u?.statusCode ?? null,
        startLatencyMs: u?.startLatencyMs ?? null,
        steps: u?.steps ?? [],
      };
    }
    return {
      app: c?.app ?? null,
      tcUrl: c?.tcUrl ?? null,
      flashVer: c?.flashVer ?? null,
      swfUrl: c?.swfUrl ?? null,
      pageUrl: c?.pageUrl ?? null,
      objectEncoding: c?.objectEncoding ?? null,
      connect: {
        outcome: this.connectOutcome ?? (this.connectCall !== null && this.connectCall.reply === null ? 'no-answer' : null),
        code: this.connectStatus?.code ?? null,
        description: this.connectStatus?.description ?? null,
        latencyMs: this.connectCall?.latencyMs ?? null,
        fmsVer: this.fmsVer,
      },
      role: roles.size === 0 ? null : roles.size > 1 ? 'mixed' : ([...roles][0] ?? null),
      streamNames: [...this.names],
      streamIds,
      transactions: this.transactions.facts(),
      enhanced: this.enhanced.facts(c),
      flowControl: this.flow.facts(),
      chunkLayer: this.chunks.facts(),
      startSeen: this.startSeen === true,
    };
  }

  private streamRecord(m: MediaStream): StreamRecord {
    const video = m.videoStats();
    const audio = m.audioStats();
    const tracks = this.tracks.get(m)?.records({ video, audio });
    const use = m.use;
    const u = use as Partial<Use>;
    return {
      type: 'stream',
      session: this.id.session,
      client: this.id.client,
      server: this.id.server,
      streamId: m.streamId,
      dir: m.dir,
      role: use.role,
      name: use.name,
      app: this.connectFields?.app ?? null,
      publishType: use.publishType,
      outcome: u.outcome ?? null,
      video,
      audio,
      ...(tracks === undefined ? {} : { tracks }),
      avDriftMs: m.avDriftMs(),
      metadata: m.metadata,
      dataMessages: m.dataMessages,
      firstFrame: m.firstFrame,
      lastFrame: m.lastFrame,
      startTime: m.startTime,
      endTime: m.endTime,
      durationMs: m.durationMs(),
    };
  }
}
