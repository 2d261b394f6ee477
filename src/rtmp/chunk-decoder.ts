/**
 * One direction of an RTMP connection: ordered bytes in, handshake parts and complete messages
 * out (RTMP 1.0 §5.2 handshake, §5.3 chunking). A resumable push machine: input may be split at
 * any byte and the events are the same; it never throws on peer input.
 *
 * Invariants:
 * - Bounded buffering. In sync, the only bytes carried across pushes outside messages are one
 *   chunk header (at most 18 bytes, plus the 4 that tell whether a type-3 header repeats an
 *   extended timestamp) and the handshake block being assembled (1536 bytes); payload bytes are
 *   copied straight into the message they belong to, and only up to `maxMediaBytes` (media) or
 *   `maxCommandBytes` (everything else) per message, counted in the connection's budget: lengths
 *   from the wire never size an allocation beyond those caps. Out of sync, the bytes scanned for
 *   a chunk boundary are held in the scan window (scan-window.ts), at most 256 KiB, older ones
 *   counted as skipped. Under a guessed chunk size one completed message may be held until the
 *   header after it parses.
 * - Set Chunk Size and Abort received in this direction are applied by the decoder itself, at
 *   the message boundary where they complete.
 * - Extended timestamps on type-3 chunks: when the previous header of the chunk stream carried
 *   one, the next 4 bytes are compared with it (repeated = the spec/FFmpeg convention; different =
 *   omitted, the old librtmp convention). Each peer's convention is counted.
 * - A `gap` (bytes lost in the capture) puts the decoder out of sync: everything until the next
 *   resync is skipped and counted; nothing is glued across the hole. Bytes held while scanning
 *   keep the frame and time they arrived with, so messages decoded from them carry true locators.
 * - What a loss makes unknowable is never filled in silently. After a loss (or from a mid-stream
 *   start) a chunk stream's absolute timestamp is unknown until a type-0 header gives it again:
 *   type 1/2/3 headers only carry deltas, and the lost bytes may have held more of them. Such
 *   messages carry `unknown: ['timestamp']`, and their timestamp counts on from the last one known
 *   (0 when none), so differences along the chunk stream stay exact. A type-1 header may start a
 *   chunk stream whose type-0 header was never captured: its message stream id is then unknown
 *   too (`'streamId'`, reported as 0). A type-3 header after a loss is decoded only once a type
 *   0/1/2 header of its chunk stream was seen since: it might continue a message whose start was
 *   lost — unless a backfill (backfill.ts) confirmed, by headers landing exactly on the resync
 *   position, what the chunk stream's previous message was. And every message header after a loss must be plausible (resync.ts), or the decoder
 *   goes out of sync again instead of decoding payload bytes as headers.
 * - While the chunk size in force is a guess (inferred without a multi-chunk message to prove it),
 *   a wrong guess must be caught before it produces a message: chunks are expected one message
 *   at a time (a message's continuation comes before any other header), and a message longer
 *   than every one already proven is held back until the header after it parses — read with a
 *   size too large, its last bytes would be the next chunk's header. Two multi-chunk messages
 *   that complete this way prove the size.
 */
import { ChunkStreams, type ChunkStream } from './chunk-streams.js';
import { u24, u32 } from '../core/byte-reader.js';
import { diag, type Diagnostic, type Direction } from '../core/diagnostics.js';
import { HandshakeAssembler } from './handshake-assembler.js';
import { MEDIA_TYPES } from '../media/retention.js';
import { appendPayload, growBody, PAYLOAD_TYPES, type BodySink, type MessageInProgress } from './message-body.js';
import { backfill, type Backfill } from './backfill.js';
import { findResync, plausibleMessageHeader, sizeBeforeHole, type KnownStream } from './resync.js';
import { SCAN_MAX, ScanWindow, type Replay } from './scan-window.js';
import { BufferBudget, FIRST_BODY } from './buffer-budget.js';
import type { ByteMeta, ChunkDecoderOptions, RtmpEvent, RtmpMessage, UnknownField } from './chunk-types.js';

export type * from './chunk-types.js';
export { BufferBudget, DEFAULT_CONN_BUFFER } from './buffer-budget.js';
export { STREAM_COST } from './chunk-streams.js';

/** Bookkeeping counted in the budget: per chunk stream, per message in progress, per chunk listed. */
const MSG_COST = 512;
const CHUNK_INFO_COST = 64;

const EMPTY = new Uint8Array(0);

const DEFAULTS = {
  maxMediaBytes: 4096,
  // Enough for every tag header, small enough to be an on-heap typed array (no ArrayBuffer per frame).
  mediaHead: 64,
  maxCommandBytes: 1024 * 1024,
  maxChunkInfo: 1024,
};

export const DEFAULT_CHUNK_SIZE = 128;
/**
 * The smallest chunk size taken for granted when the size in force is a guess: the protocol's
 * initial size, below which no peer in use sets it (a message no longer than this is one chunk).
 */
const MIN_GUESSED_CHUNK = DEFAULT_CHUNK_SIZE;

const MAX_HEADER = 18;

export class ChunkDecoder {
  private readonly opts: typeof DEFAULTS;
  private readonly side: 'client' | 'server';
  private phase: 'handshake' | 'chunks' | 'encrypted' | 'desync';
  /** The handshake, assembled while `phase` is 'handshake'. */
  private readonly handshake: HandshakeAssembler;
  /** Stream offset of the next byte pushed. */
  private pos = 0;
  chunkSize = DEFAULT_CHUNK_SIZE;
  /** The chunk size in force is known, not guessed (decoded from the start, or set by a message we saw). */
  private chunkSizeConfirmed: boolean;
  /** The chunk streams (their state counted in the budget); `streams` is its map. */
  private readonly table: ChunkStreams;
  private readonly streams: Map<number, ChunkStream>;
  /** Header bytes carried over from the previous push. */
  private readonly head = new Uint8Array(MAX_HEADER + 4);
  private headLen = 0;
  /** Current chunk: its stream and payload bytes still to read. */
  private cur: ChunkStream | null = null;
  private curLeft = 0;
  private out: RtmpEvent[] = [];
  private meta: ByteMeta = { frame: 0, sec: 0, nsec: 0 };
  /** Type-3 extended-timestamp convention counts for this peer. */
  readonly etsConvention = { repeated: 0, omitted: 0 };
  /** rtmp.chunk.ets-omitted was reported (once per peer). */
  private etsOmittedReported = false;
  private readonly dir: Direction;
  private readonly conn: number | undefined;
  /** Bytes were lost before (mid-stream start, or a desync): headers are checked for plausibility. */
  private lossy: boolean;
  /** Input still to process in this call: pushed bytes, preceded by scanned bytes being replayed. */
  private queue: Replay = [];
  /** The chunk stream of the last chunk header (whose message may want its next chunk). */
  private lastStream: ChunkStream | null = null;
  /** A message completed under a guessed chunk size, emitted once the next header parses. */
  private held: RtmpMessage | null = null;
  /** Longest message proven (followed by a header that parsed) under the guessed chunk size. */
  private provenLength = 0;
  /** Multi-chunk messages proven under the guessed chunk size. */
  private provenMulti = 0;
  /**
   * While the chunk size is a guess: the longest message length it is known to cover, from
   * messages whose reading a chain of headers decided from their own header (a resync position,
   * or a rescan). A message no longer than this is one chunk (or spans chunks exactly as one of
   * those did) whatever the true size; any longer one is rescanned from its header before a byte
   * of it is read, so a guess above the true size never reads a continuation header as payload.
   */
  private coveredLength = 0;
  private readonly budget: BufferBudget;
  private readonly payloads: boolean;
  /** Message bodies are allocated from the budget; caps are reported as diagnostics. */
  private readonly sink: BodySink;
  /** finish() in progress: no more bytes will come. */
  private final = false;
  /** The bytes held while out of sync. */
  private readonly window: ScanWindow;
  /** The scanned bytes are all there will be before a hole or the end: resync decides now. */
  private scanFinal = false;
  /** Where the last rescan() began: the header there is not rescanned twice. */
  private rescanAt = -1;
  /** The scan in progress began at a header that parsed (rescan()): nothing was lost before it. */
  private rescanning = false;

  constructor(dir: Direction, options: ChunkDecoderOptions = {}) {
    this.dir = dir;
    this.side = dir === 'c2s' ? 'client' : 'server';
    this.conn = options.conn;
    this.budget = options.budget ?? new BufferBudget();
    this.table = new ChunkStreams(this.budget, (s) => {
      if (this.lastStream === s) this.lastStream = null;
    });
    this.streams = this.table.map;
    this.opts = {
      maxMediaBytes: options.maxMediaBytes ?? DEFAULTS.maxMediaBytes,
      mediaHead: options.mediaHead ?? DEFAULTS.mediaHead,
      maxCommandBytes: options.maxCommandBytes ?? DEFAULTS.maxCommandBytes,
      maxChunkInfo: options.maxChunkInfo ?? DEFAULTS.maxChunkInfo,
    };
    this.payloads = options.payloads === true;
    this.sink = { budget: this.budget, mediaHead: this.opts.mediaHead, capped: (message, offset) => this.out.push(this.diag('rtmp.message.buffer-cap', message, offset)) };
    this.phase = options.startInDesync === true ? 'desync' : options.skipHandshake === true ? 'chunks' : 'handshake';
    this.handshake = new HandshakeAssembler(this.side, options.decrypted === true, options.startAtSecondBlock === true);
    this.chunkSizeConfirmed = options.startInDesync !== true;
    this.lossy = options.startInDesync === true;
    this.pos = options.startOffset ?? 0;
    this.window = new ScanWindow(this.pos);
  }

  get state(): 'handshake' | 'chunks' | 'encrypted' | 'desync' {
    return this.phase;
  }

  /** Ordered bytes of this direction. `data` may be a view valid only during the call. */
  push(data: Uint8Array, meta: ByteMeta): RtmpEvent[] {
    this.out = [];
    this.reportShed();
    // The queue is empty between calls: the pushed bytes go straight in, replays (if any) after.
    this.segment(data, { frame: meta.frame, sec: meta.sec, nsec: meta.nsec });
    this.run();
    this.reportForgotten();
    return this.out;
  }

  /** Process the queue. Resyncing puts the scanned bytes back at its front (no recursion). */
  private run(): void {
    for (let seg = this.queue.shift(); seg !== undefined; seg = this.queue.shift()) this.segment(seg.data, seg.meta);
  }

  /** Decode one segment of bytes; a resync inside it queues the rest (and the replay) in front. */
  private segment(data: Uint8Array, meta: ByteMeta): void {
    this.meta = meta;
    let p = 0;
    const n = data.length;
    while (p < n) {
      switch (this.phase) {
        case 'handshake': {
          const r = this.handshake.push(data, p, this.pos, this.meta, this.out, (code, message, offset) => this.diag(code, message, offset));
          this.pos += r.taken;
          p += r.taken;
          if (r.done !== null) this.phase = r.done;
          break;
        }
        case 'chunks':
          p = this.chunks(data, p);
          break;
        case 'encrypted':
          this.pos += n - p;
          p = n;
          break;
        case 'desync': {
          // Fill the scan window (never past SCAN_MAX: a full window decides), then try.
          const take = Math.min(n - p, SCAN_MAX - this.window.length);
          this.window.append(data.subarray(p, p + take), this.meta);
          this.pos += take;
          p += take;
          const final = this.scanFinal || this.window.length >= SCAN_MAX;
          // After an undecided attempt, try again once the window has grown by a quarter: the
          // scan costs about the window's size, so this keeps it linear however small the pushes.
          if (!final && this.window.length < this.window.triedAt + Math.max(512, this.window.triedAt >> 2)) break;
          const replay = this.resyncOnce(final);
          if (replay !== null) {
            if (p < n) replay.push({ data: data.subarray(p), meta });
            this.queue = replay.concat(this.queue);
            p = n;
          }
          break;
        }
      }
    }
  }

  // ---- resync -------------------------------------------------------------------------------

  /**
   * One attempt on the scan window. When decoding can resume, returns the scanned bytes from the
   * resume point on, split where their pushes began (each with its own frame and time), to be
   * decoded next; null when it cannot yet.
   */
  private resyncOnce(final: boolean): Replay | null {
    if (this.window.length === 0) return null;
    const known = this.knownStreams();
    const buf = this.window.bytes();
    // A position a non-final attempt ruled out stays ruled out as bytes arrive (the known streams
    // and chunk size do not change while out of sync), so the next attempt goes on from where the
    // last stopped; a final attempt (which accepts shorter chains) looks at the whole window.
    const from = final ? 0 : Math.max(0, Math.min(this.window.length, this.window.resumeAt - this.window.start));
    const r = findResync(buf, this.chunkSize, known, final, this.chunkSizeConfirmed, from);
    if (r.kind !== 'found') {
      this.window.triedAt = r.kind === 'more' ? this.window.length : 0;
      this.window.resumeAt = r.kind === 'more' ? this.window.start + r.at : this.window.start;
      if (r.kind === 'none') {
        // Nothing plausible anywhere: all but a header's worth of bytes are skipped for good.
        this.window.dropFront(Math.max(0, this.window.length - MAX_HEADER));
      }
      return null;
    }
    // Whole messages before the position whose headers inherit from a state nobody saw (backfill.ts).
    const bf = r.at > 0 ? backfill(buf, r.at, r.chunkSize, known) : null;
    return bf === null ? this.resume(r.at, r.chunkSize, r.evidence) : this.resume(bf.at, r.chunkSize, r.evidence, bf);
  }

  /** The chunk streams whose type, length and stream id a type-2 header may inherit. */
  private knownStreams(): Map<number, KnownStream> {
    const known = new Map<number, KnownStream>();
    for (const [csid, st] of this.streams) if (st.seen) known.set(csid, { typeId: st.typeId, length: st.length, streamId: st.streamId, exact: !st.needHeader && st.msg === null });
    return known;
  }

  /** Decoding resumes at scan[at] with chunk size `chunkSize`: the scanned bytes from there, to be decoded next. */
  private resume(at: number, chunkSize: number, evidence: number, assumed?: Backfill): Replay {
    // A rescan that found the message where it began and only raised the guess is the guess
    // being checked, as the first resync's diagnostic says: it is not reported again.
    const quiet = this.rescanning && this.window.skipped + at === 0 && evidence === 0;
    // Only a rescan that lost nothing keeps what the guess was shown to cover: after lost bytes
    // (a Set Chunk Size may have been among them) every message is checked again.
    if (!(this.rescanning && this.window.skipped + at === 0)) this.coveredLength = 0;
    if (this.rescanning) {
      this.rescanning = false;
      // The scan from a header that parsed skipped bytes after all: they may have held headers,
      // so chunk boundaries were lost there as after a gap.
      if (this.window.skipped + at > 0) this.out.push({ kind: 'desync', offset: this.rescanAt, frame: this.meta.frame, droppedMessages: this.forgetAfterLoss() });
    }
    if (assumed !== undefined) {
      this.assume(assumed.streams, at);
      // The headers that landed on the position decided how the messages before it are read.
      if (!this.chunkSizeConfirmed) this.coveredLength = Math.max(this.coveredLength, assumed.covered);
    }
    const inferred = chunkSize !== this.chunkSize;
    this.chunkSize = chunkSize;
    if (evidence > 0) this.chunkSizeConfirmed = true;
    if (inferred) {
      this.provenLength = 0;
      this.provenMulti = 0;
    }
    const skipped = this.window.skipped + at;
    const resumeAt = this.window.start + at;
    const { replay, frame } = this.window.replayFrom(resumeAt, this.meta.frame);
    if (!quiet) this.out.push({ kind: 'resync', offset: resumeAt, skipped, chunkSize, chunkSizeInferred: inferred, frame });
    this.window.release(resumeAt);
    // The chain that chose this position decided how its first message is read.
    this.rescanAt = resumeAt;
    this.phase = 'chunks';
    this.pos = resumeAt;
    return replay;
  }

  /**
   * Chunk streams whose previous message a backfill assumed (type and length; it ended before the
   * resume point): their type-2/3 headers are decoded from it. Timestamp and message stream id stay
   * unknown unless a type-0 header of the chunk stream survived.
   */
  private assume(streams: ReadonlyMap<number, KnownStream>, at: number): void {
    for (const [csid, k] of streams) {
      let s = this.streams.get(csid);
      if (s === undefined) {
        s = this.table.create(csid, this.window.start + at);
        s.streamId = 0;
      }
      s.typeId = k.typeId;
      s.length = k.length;
      s.seen = true;
      s.needHeader = false;
      s.tsKnown = false;
    }
  }

  /**
   * `length` bytes of this direction were lost. Inside the payload of the current chunk the
   * boundaries are still known: the message just has a hole. Anywhere else the chunk headers
   * were lost with the bytes, so decoding goes out of sync until a boundary is found again.
   */
  gap(length: number, meta: ByteMeta): RtmpEvent[] {
    this.out = [];
    this.meta = { frame: meta.frame, sec: meta.sec, nsec: meta.nsec };
    // Bytes scanned so far end here for good: decide on them before the hole, not after it.
    if (this.phase === 'desync') {
      this.settle();
      this.meta = { frame: meta.frame, sec: meta.sec, nsec: meta.nsec };
    }
    if (this.phase === 'chunks' && this.headLen === 0 && this.cur !== null && this.curLeft >= length && this.cur.msg !== null) {
      const m = this.cur.msg;
      m.received += length;
      m.lost += length;
      // Zeros stand in, as far as the body's first allocation goes (made now if no byte came yet).
      if (m.body.length === 0 && m.cap > 0) growBody(this.sink, m, Math.min(m.cap, m.checkMedia ? this.opts.mediaHead : FIRST_BODY));
      if (m.kept < m.body.length) m.kept = Math.min(m.body.length, m.kept + length);
      this.curLeft -= length;
      this.pos += length;
      if (this.curLeft === 0) this.endChunk(this.cur);
      return this.out;
    }
    if (this.phase === 'handshake' && this.handshake.lose(length)) {
      // A hole inside a handshake block: its position is known, its bytes are not.
      this.pos += length;
      return this.out;
    }
    if (this.phase === 'desync') {
      // Bytes already scanned before the hole cannot continue across it.
      this.window.skipped += this.window.length;
    } else if (this.phase !== 'encrypted') {
      // A header carried over from the last push is cut by the hole: its bytes are skipped.
      const carried = this.headLen;
      this.headLen = 0;
      this.enterDesync(this.pos - carried);
      this.window.skipped += carried;
    }
    this.headLen = 0;
    this.pos += length;
    this.window.reset(this.pos);
    return this.out;
  }

  /** Decode what the scan window holds, as far as it can be decoded; nothing continues it. */
  private settle(): void {
    // A rescan (from a header that parsed) cut short by a hole or the end is not decided on what
    // is left: decoding goes on from its header under the guess, whose checks apply as before.
    // Only a size its own continuation headers show: with none, the message is not read under a
    // size nothing supports, and what is left is scanned as after a loss.
    while (this.desynced() && this.rescanning) {
      const size = sizeBeforeHole(this.window.bytes(), this.knownStreams(), Math.max(1, this.coveredLength));
      if (size === null) break;
      this.queue = this.resume(0, size, 0);
      this.run();
    }
    const was = this.scanFinal;
    this.scanFinal = true;
    // Each found resync decodes at least one header, so this ends.
    while (this.desynced() && this.window.length > 0) {
      const replay = this.resyncOnce(true);
      if (replay === null) break;
      this.queue = replay;
      this.run();
    }
    this.scanFinal = was;
  }

  finish(): RtmpEvent[] {
    this.out = [];
    this.reportShed();
    // No more bytes will come: what is still scanned is decided now.
    this.final = true;
    this.scanFinal = true;
    if (this.phase === 'desync') this.settle();
    if (this.phase === 'chunks' && this.headLen > 0) {
      // A type-3 header waiting to see whether 4 extended-timestamp bytes follow: none will.
      const carried = this.head.slice(0, this.headLen);
      this.headLen = 0;
      this.pos -= carried.length;
      this.queue.push({ data: carried, meta: this.meta });
      this.run();
      if (this.desynced()) this.settle();
    }
    if (this.held !== null) {
      // The input ends exactly where the held message does: as consistent as a header after it.
      const m = this.held;
      this.held = null;
      if (this.phase === 'chunks' && this.headLen === 0 && this.curLeft === 0) this.emit(m);
    }
    for (const [csid, s] of this.streams) {
      if (s.msg !== null) {
        this.out.push(this.diag('rtmp.message.incomplete', `message on chunk stream ${csid} ended early: ${s.msg.received} of ${s.length} bytes`, s.msg.offset));
      }
    }
    return this.out;
  }

  // ---- chunks -------------------------------------------------------------------------------

  private chunks(data: Uint8Array, p: number): number {
    const n = data.length;
    while (p < n && this.phase === 'chunks') {
      if (this.cur !== null && this.curLeft > 0) {
        const take = Math.min(this.curLeft, n - p);
        appendPayload(this.sink, this.cur, this.cur.msg as MessageInProgress, data, p, take);
        p += take;
        this.pos += take;
        this.curLeft -= take;
        if (this.curLeft === 0) this.endChunk(this.cur);
        continue;
      }
      // Parse a header, from carried-over bytes plus this push when needed.
      if (this.headLen > 0) {
        const had = this.headLen;
        const take = Math.min(MAX_HEADER + 4 - had, n - p);
        this.head.set(data.subarray(p, p + take), had);
        const used = this.header(this.head, 0, had + take);
        if (this.desynced()) {
          // The rejected header began in the carried bytes: scanning starts with them.
          this.headLen = 0;
          this.window.append(this.head.subarray(0, had), this.meta);
          return p;
        }
        if (used < 0) {
          // Still not enough: keep everything.
          this.headLen = had + take;
          this.pos += take;
          return n;
        }
        this.headLen = 0;
        if (used >= had) {
          this.pos += used - had;
          p += used - had;
        } else {
          // The header was shorter than what we carried (a type-3 peek that found no extended
          // timestamp): the surplus carried bytes come next in the stream.
          const surplus = this.head.slice(used, had);
          this.pos -= surplus.length;
          const q = this.chunks(surplus, 0);
          if (this.desynced()) {
            this.window.append(surplus.subarray(q), this.meta);
            this.pos += surplus.length - q;
            return p;
          }
        }
        continue;
      }
      const used = this.header(data, p, n);
      if (this.desynced()) return p; // scanning starts at the rejected header
      if (used < 0) {
        const rest = n - p;
        this.head.set(data.subarray(p, n), 0);
        this.headLen = rest;
        this.pos += rest;
        return n;
      }
      p += used;
      this.pos += used;
    }
    return p;
  }

  /**
   * Parse one chunk header at b[at..end). Returns its length, or -1 when more bytes are needed.
   * On success sets `cur`/`curLeft` and updates the chunk stream state.
   */
  private header(b: Uint8Array, at: number, end: number): number {
    // Stream offset of b[at]: when parsing carried-over bytes, they started headLen bytes ago.
    const startOffset = b === this.head ? this.pos - this.headLen : this.pos;
    const b0 = b[at] as number;
    const fmt = (b0 >> 6) as 0 | 1 | 2 | 3;
    let csid = b0 & 0x3f;
    let p = at + 1;
    if (csid === 0) {
      if (p + 1 > end) return -1;
      csid = 64 + (b[p] as number);
      p += 1;
    } else if (csid === 1) {
      if (p + 2 > end) return -1;
      csid = 64 + (b[p] as number) + 256 * (b[p + 1] as number);
      p += 2;
    }
    const mhLen = fmt === 0 ? 11 : fmt === 1 ? 7 : fmt === 2 ? 3 : 0;
    if (p + mhLen > end) return -1;
    let s = this.streams.get(csid);
    // Least recently used first: a flood of new chunk streams evicts its own, not the busy ones.
    if (s !== undefined && s !== this.lastStream) this.table.touch(s);
    s ??= this.table.create(csid, startOffset);
    let ts = 0;
    let ext = false;
    if (fmt <= 2) {
      ts = ((b[p] as number) << 16) | ((b[p + 1] as number) << 8) | (b[p + 2] as number);
      ext = ts === 0xffffff;
    }
    let q = p + mhLen;
    let extValue = 0;
    let etsOmitted = false;
    if (ext) {
      if (q + 4 > end) return -1;
      extValue = u32(b, q);
      q += 4;
    } else if (fmt === 3 && s.extended) {
      // Type-3 after an extended-timestamp header: repeated (spec, FFmpeg) or omitted (old librtmp)?
      // At the very end of the input there is nothing to compare with: take it as omitted.
      if (q + 4 > end && !this.final) return -1;
      if (q + 4 <= end && u32(b, q) === s.extendedValue) {
        q += 4;
        this.etsConvention.repeated++;
      } else {
        this.etsConvention.omitted++;
        etsOmitted = true;
      }
    }
    if (fmt !== 0 && !s.seen && !(fmt === 1 && this.lossy)) {
      // Nothing to inherit from: the stream is corrupt or we are not at a chunk boundary. (After a
      // loss a type-1 header may open a chunk stream: its type-0 header was not captured. Any
      // other is our misplacement, not the peer's error: no diagnostic then.)
      if (!this.lossy) {
        this.out.push(this.diag('rtmp.chunk.no-previous-header', `chunk stream ${csid} starts with a type-${fmt} header, which needs a previous header`, startOffset));
      }
      this.enterDesync(startOffset);
      return 0;
    }
    if (this.lossy) {
      // After a loss, a header that could not have been sent means we are not at a chunk
      // boundary after all (a resync on payload bytes, or a chunk size guessed wrong): scan again
      // rather than decode payload as headers. So does a type-3 header nobody can place.
      const plausible =
        (fmt === 3 ? !(s.needHeader && s.msg === null) : s.msg === null && plausibleMessageHeader(fmt, ts, fmt <= 1 ? (b[p + 6] as number) : s.typeId, fmt <= 1 ? u24(b, p + 3) : s.length, fmt === 0 ? readU32LE(b, p + 7) : -1)) &&
        // With a guessed size, the message in progress must continue right here.
        (this.chunkSizeConfirmed || this.lastStream === null || this.lastStream.msg === null || (fmt === 3 && s === this.lastStream));
      if (!plausible) {
        this.enterDesync(startOffset);
        return 0;
      }
      if (this.held !== null) {
        // The message before this header ended where a header could start: it is proven.
        const m = this.held;
        this.held = null;
        this.provenLength = Math.max(this.provenLength, m.length);
        if (m.chunkCount > 1 && ++this.provenMulti >= 2) this.chunkSizeConfirmed = true;
        this.emit(m);
      }
      if (!this.chunkSizeConfirmed && s.msg === null && startOffset !== this.rescanAt && (fmt <= 1 ? u24(b, p + 3) : s.length) > Math.max(MIN_GUESSED_CHUNK, this.coveredLength)) {
        this.rescan(startOffset);
        return 0;
      }
    }
    // Commit the header.
    const starting = s.msg === null;
    if (!s.seen && fmt === 1) {
      // Opened by a type-1 header after a loss: no base timestamp, no message stream id.
      s.timestamp = 0;
      s.streamId = 0;
    }
    if (fmt === 0) {
      s.tsKnown = true;
      s.sidKnown = true;
    }
    if (fmt !== 3) s.needHeader = false;
    this.lastStream = s;
    if (fmt === 0) {
      s.timestamp = ext ? extValue : ts;
      s.delta = s.timestamp;
      s.length = u24(b, p + 3);
      s.typeId = b[p + 6] as number;
      s.streamId = readU32LE(b, p + 7);
    } else if (fmt === 1 || fmt === 2) {
      s.delta = ext ? extValue : ts;
      if (fmt === 1) {
        s.length = u24(b, p + 3);
        s.typeId = b[p + 6] as number;
      }
      if (starting) s.timestamp = (s.timestamp + s.delta) >>> 0;
    } else if (starting && s.seen) {
      s.timestamp = (s.timestamp + s.delta) >>> 0;
    }
    if (fmt <= 2) {
      s.extended = ext;
      s.extendedValue = extValue;
    }
    if (!starting && fmt !== 3) {
      // A new header in the middle of a message: the old message is abandoned.
      this.out.push(this.diag('rtmp.chunk.interrupted', `chunk stream ${csid}: a type-${fmt} header arrived before the message in progress was complete (${(s.msg as MessageInProgress).received} of its bytes)`, startOffset));
      this.table.dropMessage(s);
      if (fmt === 1 || fmt === 2) s.timestamp = (s.timestamp + s.delta) >>> 0;
    }
    s.seen = true;
    if (etsOmitted && !this.etsOmittedReported) {
      // Once per peer, at the first committed header that left it out.
      this.etsOmittedReported = true;
      this.out.push(this.diag('rtmp.chunk.ets-omitted', `the ${this.dir === 'c2s' ? 'client' : 'server'} omits the extended timestamp on type-3 chunks (chunk stream ${csid})`, startOffset, { csid }));
    }
    const headerLength = q - at;
    if (s.msg === null) {
      const media = MEDIA_TYPES.has(s.typeId);
      const cap = Math.min(s.length, media ? this.opts.maxMediaBytes : this.opts.maxCommandBytes);
      const checkMedia = media && this.opts.mediaHead > 0 && cap > this.opts.mediaHead;
      // The body is allocated as its bytes arrive (appendPayload); only bookkeeping is taken now.
      const owed = this.table.take(MSG_COST, s, csid, startOffset) ? MSG_COST : 0;
      const unknown: UnknownField[] = [];
      if (!s.tsKnown) unknown.push('timestamp');
      if (!s.sidKnown) unknown.push('streamId');
      s.msg = {
        unknown,
        body: EMPTY,
        owed,
        cap,
        checkMedia,
        kept: 0,
        received: 0,
        lost: 0,
        fmt,
        extended: fmt === 3 ? s.extended : ext,
        chunks: [],
        chunkCount: 0,
        offset: startOffset,
        firstFrame: this.meta.frame,
        full: this.payloads && PAYLOAD_TYPES.has(s.typeId) ? EMPTY : null,
        fullLen: 0,
      };
    }
    const m = s.msg;
    const payloadLength = Math.min(this.chunkSize, s.length - m.received);
    m.chunkCount++;
    if (m.chunks.length < this.opts.maxChunkInfo && this.budget.take(CHUNK_INFO_COST, true)) {
      m.owed += CHUNK_INFO_COST;
      m.chunks.push({ fmt, offset: startOffset, headerLength, payloadLength, frame: this.meta.frame });
    }
    this.cur = s;
    this.curLeft = payloadLength;
    if (payloadLength === 0) this.endChunk(s);
    return headerLength;
  }

  /** (A method, so that TypeScript does not narrow `phase` across calls that change it.) */
  private desynced(): boolean {
    return this.phase === 'desync';
  }

  /** Chunk boundaries are lost from stream offset `offset` on: scanning starts there. */
  private enterDesync(offset: number): void {
    this.phase = 'desync';
    this.lossy = true;
    this.cur = null;
    this.curLeft = 0;
    this.headLen = 0;
    let dropped = 0;
    if (this.held !== null) {
      // Completed under a guessed chunk size and not followed by a header: not trusted.
      dropped++;
      this.held = null;
    }
    this.lastStream = null;
    dropped += this.forgetAfterLoss();
    this.rescanning = false;
    this.window.reset(offset);
    this.window.skipped = 0;
    this.out.push({ kind: 'desync', offset, frame: this.meta.frame, droppedMessages: dropped });
  }

  /** Lost bytes may have held headers of any chunk stream: messages in progress are dropped (how many), timestamps unknown. */
  private forgetAfterLoss(): number {
    let dropped = 0;
    for (const st of this.streams.values()) {
      if (st.msg !== null) {
        dropped++;
        this.table.dropMessage(st);
      }
      st.tsKnown = false;
      st.needHeader = true;
    }
    return dropped;
  }

  /**
   * A message longer than the guessed chunk size starts here: scan again from its header (nothing
   * was lost) so that its own continuation headers show the size (resync.ts), rather than read it
   * under the guess. At most once per header: a resync that finds the same guess decodes it then.
   */
  private rescan(offset: number): void {
    this.phase = 'desync';
    this.cur = null;
    this.curLeft = 0;
    this.headLen = 0;
    this.lastStream = null;
    this.rescanAt = offset;
    this.rescanning = true;
    this.window.reset(offset);
    this.window.skipped = 0;
  }

  private reportForgotten(): void {
    const t = this.table;
    if (t.forgotten === 0 || t.forgottenAt === null) return;
    const at = t.forgottenAt;
    this.out.push(
      this.diag(
        'rtmp.chunk.stream-cap',
        `from chunk stream ${at.csid} on, ${t.forgotten} chunk stream(s) were forgotten (the least recently used, with any message in progress): the state of chunk streams and messages in progress on this connection filled its budget (limit ${this.budget.limit}, --conn-buffer)`,
        at.offset,
      ),
    );
    t.forgotten = 0;
    t.forgottenAt = null;
  }

  /**
   * Forget least recently used chunk streams (with their messages in progress) until `bytes` are
   * freed or none is left: asked when connections together fill the shared budget and this one
   * holds the most. Returns the bytes freed. Not during a push (the caller is another connection).
   */
  shed(bytes: number): number {
    return this.table.shed(bytes, [this.cur, this.lastStream]);
  }

  private reportShed(): void {
    if (this.table.shedCount === 0) return;
    this.out.push(
      this.diag(
        'rtmp.chunk.stream-cap',
        `${this.table.shedCount} chunk streams of this connection (the least recently used, with their messages in progress) were forgotten: all connections together filled the shared decode budget, and this one held the most`,
        this.pos,
      ),
    );
    this.table.shedCount = 0;
  }

  private endChunk(s: ChunkStream): void {
    this.cur = null;
    const m = s.msg as MessageInProgress;
    if (m.received < s.length) return;
    this.table.dropMessage(s);
    const msg: RtmpMessage = {
      kind: 'message',
      csid: s.csid,
      typeId: s.typeId,
      streamId: s.streamId,
      timestamp: s.timestamp,
      length: s.length,
      body: m.body,
      bodyTruncated: m.kept < s.length,
      lost: m.lost,
      ...(m.unknown.length > 0 ? { unknown: m.unknown } : {}),
      ...(this.payloads && PAYLOAD_TYPES.has(s.typeId) ? { payload: m.full !== null && m.lost === 0 && m.fullLen === s.length ? m.full.subarray(0, m.fullLen) : null } : {}),
      fmt: m.fmt,
      extendedTimestamp: m.extended,
      chunks: m.chunks,
      chunkCount: m.chunkCount,
      offset: m.offset,
      firstFrame: m.firstFrame,
      ...this.meta,
    };
    if (this.lossy && !this.chunkSizeConfirmed) this.coveredLength = Math.max(this.coveredLength, msg.chunkCount > 1 ? this.chunkSize : msg.length);
    if (this.lossy && !this.chunkSizeConfirmed && msg.length > this.provenLength) {
      this.held = msg; // until the next header shows where this message really ended
      return;
    }
    this.emit(msg);
  }

  private emit(msg: RtmpMessage): void {
    this.out.push(msg);
    this.applyControl(msg);
  }

  /** Set Chunk Size and Abort take effect in this direction as soon as they complete. */
  private applyControl(msg: RtmpMessage): void {
    if (msg.typeId === 1 && msg.body.length >= 4) {
      const raw = u32(msg.body, 0);
      const size = raw & 0x7fffffff;
      if (raw !== size) {
        this.out.push(this.diag('rtmp.chunk.size-top-bit', `Set Chunk Size has its top bit set (0x${raw.toString(16)}); the bit must be 0`, msg.offset));
      }
      if (size === 0) {
        this.out.push(this.diag('rtmp.chunk.size-out-of-range', 'Set Chunk Size of 0 ignored', msg.offset));
        return;
      }
      this.chunkSize = size;
      this.chunkSizeConfirmed = true;
      this.out.push({ kind: 'chunk-size', size, frame: msg.frame });
    } else if (msg.typeId === 2 && msg.body.length >= 4) {
      const csid = u32(msg.body, 0);
      const s = this.streams.get(csid);
      if (s !== undefined) this.table.dropMessage(s);
    }
  }

  private diag(code: Diagnostic['code'], message: string, offset: number, context?: Diagnostic['context']): Diagnostic {
    return diag(code, message, { frame: this.meta.frame, dir: this.dir, offset, ...(this.conn === undefined ? {} : { conn: this.conn }) }, context);
  }
}

function readU32LE(b: Uint8Array, at: number): number {
  return ((b[at] as number) | ((b[at + 1] as number) << 8) | ((b[at + 2] as number) << 16) | ((b[at + 3] as number) << 24)) >>> 0;
}
