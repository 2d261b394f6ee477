/**
 * One RTMP session: a chunk decoder per direction, fed the reassembled bytes, and the checks that
 * need both directions (handshake echoes and digests). Emits handshake, message and diagnostic
 * records; the session summary comes from the analyzer at close. Synchronous, no I/O.
 */
import { ByteRing } from './wire.js';
import { CATALOGUE, diag, type Diagnostic, type DiagnosticCode, type Direction } from '../core/diagnostics.js';
import { BufferBudget, ChunkDecoder, type ByteMeta, type HandshakePart, type RtmpEvent, type RtmpMessage } from '../rtmp/chunk-decoder.js';
import { decodeFirstBlock, decodeSecondBlock } from '../rtmp/handshake.js';
import { decodeMessageBody } from '../rtmp/messages.js';
import { buildDiagnosticRecord, type ChunkTuple, type DiagnosticRecord, type HandshakeRecord, type MessageRecord, type OutputRecord, type RtmpeFacts } from '../records/index.js';
import { DiagnosticLimiter, SessionAnalysis, type SessionFacts } from '../analysis/index.js';
import type { IngestTarget } from '../targets/ingest.js';
import type { Layout } from './midstream.js';
import { RtmpeHandshake } from './rtmpe-facts.js';
import { RepeatLimiter } from '../analysis/repeat-limiter.js';
import { LOSS_CODES, type PayloadSink } from '../extract/sink.js';

export type SessionIdentity = {
  readonly session: number;
  readonly conn: number;
  readonly client: string;
  readonly server: string;
};

type Side = {
  /** Created at the first byte we can decode from (mid-stream: the first plausible chunk header). */
  decoder: ChunkDecoder | null;
  messages: number;
};

function seconds(m: ByteMeta): number {
  return m.sec + m.nsec / 1e9;
}

export class RtmpSession {
  private readonly sides: Record<Direction, Side>;
  private out: OutputRecord[] = [];
  private c0Time: number | null = null;
  private c1: { block: Uint8Array; digest: Uint8Array | null; lost: number } | null = null;
  private s1: { block: Uint8Array; digest: Uint8Array | null; lost: number } | null = null;
  private readonly analysis: SessionAnalysis;
  private readonly limiter = new DiagnosticLimiter();
  private readonly repeats = new RepeatLimiter();
  private facts: SessionFacts | null = null;
  /** Bytes of messages in progress, both directions together. */
  private readonly budget: BufferBudget;
  private readonly rtmpe = new RtmpeHandshake();
  /** RTMPE content arrives decrypted (the proxy terminates RTMPE). */
  private readonly decrypted: boolean;
  private readonly layouts: Readonly<Record<Direction, Layout>> | undefined;
  /** Extraction: whole bodies and losses go there (null: not extracting). */
  private readonly payloads: PayloadSink | null;
  /** Wire excerpts (off: null): each direction's recent bytes. */
  private readonly wire: Readonly<Record<Direction, ByteRing>> | null;
  private readonly wireBytes: number;

  constructor(
    readonly id: SessionIdentity,
    /** The handshake is not in the capture: decode from the first plausible chunk header on. */
    private readonly midStream: boolean,
    /** Cap on the bytes messages in progress may hold on this connection (default 8 MiB). */
    connBuffer?: number,
    opts: {
      /** RTMPE content arrives decrypted (the proxy terminates RTMPE). */
      readonly decrypted?: boolean;
      /** Mid-stream: how each direction's first bytes were found to begin (midstream.ts); default: scan. */
      readonly layouts?: Readonly<Record<Direction, Layout>>;
      /** False when another transport frames the messages (RTMFP flows): no chunk-layer checks. */
      readonly chunked?: boolean;
      /** A budget shared across sessions (the analyzer's, the proxy's), or none. */
      readonly shared?: BufferBudget | null;
      /** The ingest service published streams are checked against (--target). */
      readonly target?: IngestTarget | null;
      /** Extraction (src/extract): decode whole media bodies and hand them there. */
      readonly payloads?: PayloadSink | null;
      /** Attach each handshake part's and message's first bytes from the wire (the TUI's hex view; session/wire.ts). */
      readonly wireExcerpt?: number;
    } = {},
  ) {
    this.decrypted = opts.decrypted === true;
    this.budget = new BufferBudget(connBuffer, opts.shared ?? null);
    this.sides = { c2s: { decoder: null, messages: 0 }, s2c: { decoder: null, messages: 0 } };
    this.layouts = opts.layouts;
    this.payloads = opts.payloads ?? null;
    this.wireBytes = opts.wireExcerpt ?? 0;
    this.wire = this.wireBytes > 0 ? { c2s: new ByteRing(), s2c: new ByteRing() } : null;
    this.analysis = new SessionAnalysis(id, { chunked: opts.chunked ?? true, target: opts.target ?? null });
  }

  /** A message framed by another transport (RTMFP flows): recorded and analysed as a chunked one. */
  message(dir: Direction, m: RtmpMessage): OutputRecord[] {
    this.out = [];
    this.sides[dir].messages++;
    this.onMessage(dir, m);
    this.payloads?.message(this.id, dir, m);
    return this.emit([], this.out);
  }

  /** A handshake record of another transport's handshake (RTMFP startup): the analysis sees the start. */
  handshake(r: HandshakeRecord): OutputRecord[] {
    return this.emit([], [r]);
  }

  /**
   * Every record of this session goes out through here: the analysis sees it (all of them, so
   * losses make it lenient), then diagnostics pass the limiter. A resync that skipped nothing
   * (decoding resumed right at a hole's end, or at the first byte of a mid-stream capture) says
   * nothing the gap or `tcp.start-unseen` did not: the analysis sees it, the output does not.
   */
  private emit(out: OutputRecord[], recs: readonly OutputRecord[]): OutputRecord[] {
    for (const r0 of recs) {
      const r = this.wire === null ? r0 : this.withWire(r0);
      const derived = r.type === 'handshake' || r.type === 'message' || r.type === 'diagnostic' ? this.analysis.onRecord(r) : [];
      const noise = r.type === 'diagnostic' && r.code === 'rtmp.chunk.resync' && r.context?.['skippedBytes'] === 0;
      if (noise) {
        // a resync that skipped nothing: the analysis saw it, the output does not
      } else if (r.type === 'message') {
        if (this.repeats.admit(r, (d) => this.limiter.admit(d) && out.push(d))) out.push(r);
      } else if (r.type !== 'diagnostic' || this.limiter.admit(r)) out.push(r);
      for (const d of derived) if (this.limiter.admit(d)) out.push(d);
    }
    return out;
  }

  /** A diagnostic of this session raised outside it (TCP gaps, resets): analysed and limited. */
  observe(d: DiagnosticRecord): OutputRecord[] {
    return this.emit([], [d]);
  }

  /** A handshake part or message with its first bytes from the wire, when still held. */
  private withWire(r: OutputRecord): OutputRecord {
    if ((r.type !== 'handshake' && r.type !== 'message') || this.wire === null) return r;
    // Up to the item's own end: a handshake part's length, a message's last chunk.
    let n = this.wireBytes;
    if (r.type === 'handshake') n = Math.min(n, r.part === 'C0' || r.part === 'S0' ? 1 : 1536);
    else {
      const last = r.chunks.list[r.chunks.list.length - 1];
      if (last !== undefined && r.chunks.list.length === r.chunks.count) n = Math.min(n, last[1] + last[2] + last[3] - r.offset);
    }
    const wire = this.wire[r.dir].excerpt(r.offset, n);
    return wire === null ? r : { ...r, wire };
  }

  data(dir: Direction, bytes: Uint8Array, offset: number, meta: ByteMeta): OutputRecord[] {
    this.wire?.[dir].append(bytes, offset);
    const recs = this.dataRaw(dir, bytes, offset, meta);
    // Most pushes (a packet in the middle of a message) complete nothing: no second array.
    return recs.length === 0 ? recs : this.emit([], recs);
  }

  private dataRaw(dir: Direction, bytes: Uint8Array, offset: number, meta: ByteMeta): OutputRecord[] {
    this.out = [];
    const side = this.sides[dir];
    if (side.decoder === null) {
      // Without the start of this direction, the first chunk boundary is found by scanning
      // (unless the held bytes showed where the handshake stands).
      const layout = this.layouts?.[dir] ?? 'none';
      const tail = layout === 'handshake-tail';
      const resync = !tail && (offset > 0 || (this.midStream && layout !== 'handshake' && layout !== 'second-block'));
      const second = !resync && layout === 'second-block';
      side.decoder = new ChunkDecoder(dir, { conn: this.id.conn, startInDesync: resync, startAtSecondBlock: second, skipHandshake: tail, startOffset: offset, budget: this.budget, decrypted: this.decrypted, payloads: this.payloads !== null });
    }
    for (const e of side.decoder.push(bytes, meta)) this.onEvent(dir, e);
    return this.out;
  }

  gap(dir: Direction, length: number, meta: ByteMeta): OutputRecord[] {
    this.out = [];
    this.payloads?.loss(this.id, dir, `${length} bytes not captured`);
    const d = this.sides[dir].decoder;
    if (d !== null) for (const e of d.gap(length, meta)) this.onEvent(dir, e);
    return this.emit([], this.out);
  }

  /** Flush the decoders; then the analysis's last diagnostics and one record per media stream. */
  finish(): OutputRecord[] {
    this.out = [];
    for (const dir of ['c2s', 's2c'] as const) {
      const d = this.sides[dir].decoder;
      if (d !== null) for (const e of d.finish()) this.onEvent(dir, e);
    }
    const out = this.emit([], this.out);
    for (const d of this.repeats.finish()) if (this.limiter.admit(d)) out.push(d);
    this.payloads?.end(this.id);
    const end = this.analysis.finish();
    for (const d of end.diagnostics) if (this.limiter.admit(d)) out.push(d);
    this.facts = end.facts;
    out.push(...end.streams);
    return out;
  }

  /** After finish(): the facts to merge into the session record, and the diagnostic counts. */
  sessionFacts(): (SessionFacts & { rtmpe?: RtmpeFacts; diagnosticCounts: Record<string, number> }) | null {
    if (this.facts === null) return null;
    const rtmpe = this.rtmpe.facts(this.decrypted);
    return { ...this.facts, ...(rtmpe === null ? {} : { rtmpe }), diagnosticCounts: this.limiter.counts(this.id.session) };
  }

  /** Bytes this session's decoders hold against its budget (messages in progress, chunk-stream state). */
  get held(): number {
    return this.budget.used;
  }

  /** Is `b` this session's budget? */
  owns(b: BufferBudget): boolean {
    return b === this.budget;
  }

  /** Free at least `bytes` if possible (least recently used chunk streams first); the bytes freed. */
  shed(bytes: number): number {
    let freed = 0;
    for (const dir of ['c2s', 's2c'] as const) {
      const d = this.sides[dir].decoder;
      if (d !== null && freed < bytes) freed += d.shed(bytes - freed);
    }
    return freed;
  }

  stats(): {
    messageCount: { c2s: number; s2c: number };
    chunkSize: { c2s: number; s2c: number };
    type3ExtendedTimestamp: { c2s: 'repeated' | 'omitted' | 'mixed' | null; s2c: 'repeated' | 'omitted' | 'mixed' | null };
  } {
    const conv = (d: Direction) => {
      const c = this.sides[d].decoder?.etsConvention ?? { repeated: 0, omitted: 0 };
      return c.repeated > 0 && c.omitted > 0 ? 'mixed' : c.repeated > 0 ? 'repeated' : c.omitted > 0 ? 'omitted' : null;
    };
    return {
      messageCount: { c2s: this.sides.c2s.messages, s2c: this.sides.s2c.messages },
      chunkSize: { c2s: this.sides.c2s.decoder?.chunkSize ?? 128, s2c: this.sides.s2c.decoder?.chunkSize ?? 128 },
      type3ExtendedTimestamp: { c2s: conv('c2s'), s2c: conv('s2c') },
    };
  }

  private onEvent(dir: Direction, e: RtmpEvent): void {
    switch (e.kind) {
      case 'handshake':
        this.onHandshake(dir, e);
        return;
      case 'message':
        this.sides[dir].messages++;
        this.onMessage(dir, e);
        this.payloads?.message(this.id, dir, e);
        return;
      case 'diagnostic':
        if (this.payloads !== null && LOSS_CODES.has(e.code)) this.payloads.loss(this.id, dir, e.message);
        this.out.push(this.diagRecord(e));
        return;
      case 'encrypted':
        this.out.push(this.diagRecord(diag('rtmp.handshake.encrypted', `RTMPE type ${this.rtmpe.type || e.version}: the rest of this direction is RC4-encrypted; reading it needs an endpoint (rtmpscope proxy terminates RTMPE)`, { frame: e.frame, dir })));
        return;
      case 'desync':
        this.payloads?.loss(this.id, dir, `chunk boundaries lost at offset ${e.offset}`);
        this.out.push(
          this.diagRecord(
            diag('rtmp.chunk.desync', `chunk boundaries lost at offset ${e.offset}${e.droppedMessages > 0 ? `; ${e.droppedMessages} message(s) in progress dropped` : ''}`, { frame: e.frame, dir, offset: e.offset }, { droppedMessages: e.droppedMessages }),
          ),
        );
        return;
      case 'resync':
        this.out.push(
          this.diagRecord(
            diag(
              e.chunkSizeInferred ? 'rtmp.chunk.size-inferred' : 'rtmp.chunk.resync',
              `decoding resumed at offset ${e.offset} after skipping ${e.skipped} captured bytes${e.chunkSizeInferred ? `; chunk size ${e.chunkSize} inferred (a guess checked against the following headers; any size above the longest message decodes the same)` : ''}`,
              { frame: e.frame, dir, offset: e.offset },
              { skippedBytes: e.skipped, chunkSize: e.chunkSize },
            ),
          ),
        );
        return;
      case 'chunk-size':
        return;
    }
  }

  private locator(dir: Direction, meta: ByteMeta, offset: number) {
    return {
      session: this.id.session,
      client: this.id.client,
      server: this.id.server,
      dir,
      frame: meta.frame,
      time: seconds(meta),
      offset,
    };
  }

  private onHandshake(dir: Direction, h: HandshakePart): void {
    const t = seconds(h);
    if (h.part === 'C0') this.c0Time = t;
    const elapsedMs = this.c0Time === null ? 0 : Math.round((t - this.c0Time) * 1e6) / 1e3;
    const base = { type: 'handshake' as const, ...this.locator(dir, h, h.offset), part: h.part, elapsedMs };
    let rec: HandshakeRecord;
    const block = h.block;
    if (h.part === 'C0' || h.part === 'S0') {
      const v = h.version as number;
      this.rtmpe.version(h.part === 'C0' ? 'client' : 'server', v);
      rec = { ...base, version: v, encrypted: v !== 3 && [6, 8, 9, 10].includes(v) };
    } else if (block !== undefined && (h.part === 'C1' || h.part === 'S1')) {
      const side = h.part === 'C1' ? 'client' : 'server';
      const f = decodeFirstBlock(block, side);
      const lost = h.lost ?? 0;
      if (side === 'client') this.c1 = { block, digest: f.digest, lost };
      else this.s1 = { block, digest: f.digest, lost };
      // Bytes lost inside the block (zeros here): its digest cannot be checked.
      rec =
        lost > 0
          ? { ...base, epoch: f.time, peerVersion: f.version, handshake: f.handshake === 'unknown-digest' ? 'digest' : f.handshake, scheme: f.scheme, digestValid: null, lost }
          : { ...base, epoch: f.time, peerVersion: f.version, handshake: f.handshake, scheme: f.scheme, digestValid: f.digestValid, ...this.dhKey(h, side, block, f.scheme) };
      if (f.handshake === 'unknown-digest' && lost === 0) {
        this.out.push(this.diagRecord(diag('rtmp.handshake.digest-unverified', `${h.part} announces version ${f.version} but carries no digest that verifies`, { frame: h.frame, dir, offset: h.offset })));
      }
    } else if (block !== undefined) {
      // C2 answers S1; S2 answers C1.
      const peer = h.part === 'C2' ? this.s1 : this.c1;
      const f = decodeSecondBlock(block, h.part === 'C2' ? 'client' : 'server', peer?.block ?? null, peer?.digest ?? null, this.rtmpe.type);
      const lost = h.lost ?? 0;
      // With bytes lost in this block or in the one it answers, echo and digest cannot be checked.
      const unknown = lost > 0 || (peer?.lost ?? 0) > 0;
      rec = unknown ? { ...base, epoch: f.time, epoch2: f.time2, echoes: null, digestValid: null, ...(lost > 0 ? { lost } : {}) } : { ...base, epoch: f.time, epoch2: f.time2, echoes: f.echoes, digestValid: f.digestValid };
      if (peer !== null && !unknown && f.echoes !== true && f.digestValid !== true) {
        const code: DiagnosticCode = h.part === 'C2' ? 'rtmp.handshake.c2-invalid' : 'rtmp.handshake.s2-invalid';
        this.out.push(this.diagRecord(diag(code, `${h.part} neither echoes ${h.part === 'C2' ? 'S1' : 'C1'} nor carries a valid digest`, { frame: h.frame, dir, offset: h.offset })));
      }
    } else {
      rec = base;
    }
    this.out.push(rec);
  }

  /** RTMPE C1/S1 whose digest located the DH key: the key fact, and a warning for an unusable key. */
  private dhKey(h: HandshakePart, side: 'client' | 'server', block: Uint8Array, scheme: 0 | 1 | null): { dhKey?: { offset: number; valid: boolean } } {
    if (scheme === null || !this.rtmpe.active) return {};
    const k = this.rtmpe.firstBlock(side, block, scheme);
    if (!k.valid) {
      this.out.push(this.diagRecord(diag('rtmp.handshake.rtmpe-key-invalid', `${h.part}'s DH public key at offset ${k.offset} is not in 1 < y < p-1`, { frame: h.frame, dir: side === 'client' ? 'c2s' : 's2c', offset: h.offset + k.offset })));
    }
    return { dhKey: k };
  }

  private onMessage(dir: Direction, m: RtmpMessage): void {
    const d = decodeMessageBody(m.typeId, m.body, m.timestamp, m.bodyTruncated, m.length);
    const list = new Array<ChunkTuple>(m.chunks.length);
    for (let i = 0; i < list.length; i++) {
      const c = m.chunks[i]!;
      list[i] = [c.fmt, c.offset, c.headerLength, c.payloadLength, c.frame];
    }
    // Built field by field, in the record's documented key order (no spread copies: one record
    // per message is the hot path); `chunks` comes after the optional body fields.
    const r: { -readonly [K in keyof MessageRecord]?: MessageRecord[K] } = {
      type: 'message',
      session: this.id.session,
      client: this.id.client,
      server: this.id.server,
      dir,
      frame: m.frame,
      time: seconds(m),
      offset: m.offset,
      firstFrame: m.firstFrame,
      csid: m.csid,
      typeId: m.typeId,
      typeName: d.typeName,
      streamId: m.streamId,
      timestamp: m.timestamp,
      length: m.length,
    };
    if (d.name !== undefined) r.name = d.name;
    if (d.transactionId !== undefined) r.transactionId = d.transactionId;
    if (d.args !== undefined) r.args = d.args;
    if (d.command !== undefined && Object.keys(d.command).length > 0) r.command = d.command;
    if (d.control !== undefined) r.control = d.control;
    if (d.media !== undefined) r.media = d.media;
    if (d.sharedObject !== undefined) r.sharedObject = d.sharedObject;
    if (d.aggregate !== undefined) r.aggregate = d.aggregate;
    if (d.rawHex !== undefined) r.rawHex = d.rawHex;
    r.chunks = { count: m.chunkCount, fmt: m.fmt, extendedTimestamp: m.extendedTimestamp, list };
    if (m.lost > 0) r.lost = m.lost;
    if (m.unknown !== undefined && m.unknown.length > 0) r.unknown = m.unknown;
    this.out.push(r as MessageRecord);
    if (m.lost > 0) {
      this.out.push(this.diagRecord(diag('rtmp.message.damaged', `${m.lost} of the ${m.length} body bytes were not captured; fields decoded from the body may be wrong`, { frame: m.frame, dir, offset: m.offset }, { lostBytes: m.lost })));
      // AMF errors in a body with a hole are expected; do not report them as peer errors.
      return;
    }
    for (const p of d.problems) {
      const ctx = p.offset === undefined ? undefined : { bodyOffset: p.offset };
      this.out.push(this.diagRecord(diag(p.code, p.message, { frame: m.frame, dir, offset: m.offset }, ctx)));
    }
    for (const code of d.media?.problems ?? []) {
      this.out.push(this.diagRecord(diag(code, `${d.typeName}: ${CATALOGUE[code].explain}`, { frame: m.frame, dir, offset: m.offset })));
    }
  }

  private diagRecord(d: Diagnostic): DiagnosticRecord {
    return sessionDiagnostic(this.id, d);
  }
}

/** A diagnostic of a session as its record (the session's number and endpoints). */
export function sessionDiagnostic(id: Pick<SessionIdentity, 'session' | 'client' | 'server'>, d: Diagnostic): DiagnosticRecord {
  // The decoders' locators carry no capture time: the record's frame locates it.
  return buildDiagnosticRecord(id, { dir: d.at.dir, frame: d.at.frame, offset: d.at.offset }, d);
}
