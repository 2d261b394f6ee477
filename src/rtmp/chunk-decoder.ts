/**
 * One direction of an RTMP connection: ordered bytes in, handshake parts and complete messages
 * out (RTMP 1.0 §5.2 handshake, §5.3 chunking). A resumable push machine: input may be split at
 * any byte and the events are the same; it never throws on peer input.
 *
 * Invariants:
 * - Only chunk *headers* are ever buffered across pushes (at most 18 bytes); payload bytes are
 *   copied straight into the message they belong to, and only up to `maxBodyBytes` (media) or
 *   `maxCommandBytes` (everything else) per message: lengths from the wire never size an
 *   allocation beyond those caps.
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
 *   lost. And every message header after a loss must be plausible (resync.ts), or the decoder
 *   goes out of sync again instead of decoding payload bytes as headers.
 * - While the chunk size in force is a guess (inferred without a multi-chunk message to prove it),
 *   a wrong guess must be caught before it produces a message: chunks are expected one message
 *   at a time (a message's continuation comes before any other header), and a message longer
 *   than every one already proven is held back until the header after it parses — read with a
 *   size too large, its last bytes would be the next chunk's header. Two multi-chunk messages
 *   that complete this way prove the size.
 */
import { LruList, type LruLinks } from '../core/lru.js';
import { diag, type Diagnostic, type Direction } from '../core/diagnostics.js';
import { HANDSHAKE_SIZE } from './handshake.js';
import { isEncryptedVersion, isRtmpVersion } from './detect.js';
import { findResync, plausibleMessageHeader, sizeBeforeHole, type KnownStream } from './resync.js';

export type ByteMeta = { readonly frame: number; readonly sec: number; readonly nsec: number };

export type HandshakePart = {
  readonly kind: 'handshake';
  readonly part: 'C0' | 'C1' | 'C2' | 'S0' | 'S1' | 'S2';
  /** Stream offset of the part's first byte. */
  readonly offset: number;
  readonly frame: number;
  readonly sec: number;
  readonly nsec: number;
  /** C0/S0: the version byte. */
  readonly version?: number;
  /** C1/S1/C2/S2: the 1536 bytes (a copy; renderers must not serialise it). */
  readonly block?: Uint8Array;
  /** Bytes of the block the capture lost (zeros in `block`): its digest and echo cannot be checked. */
  readonly lost?: number;
};

export type ChunkInfo = {
  readonly fmt: 0 | 1 | 2 | 3;
  /** Stream offset of the chunk's basic header. */
  readonly offset: number;
  readonly headerLength: number;
  readonly payloadLength: number;
  readonly frame: number;
};

/** Header fields a loss made unknowable (see the invariants above). */
export type UnknownField = 'timestamp' | 'streamId';

export type RtmpMessage = {
  readonly kind: 'message';
  readonly csid: number;
  readonly typeId: number;
  readonly streamId: number;
  /** Absolute timestamp (ms, uint32, wraps). */
  readonly timestamp: number;
  readonly length: number;
  /** The first min(length, cap) bytes of the body (a copy). */
  readonly body: Uint8Array;
  /** True when the body was cut at the cap (media payloads are not kept). */
  readonly bodyTruncated: boolean;
  /** The header form that started the message, and whether it used an extended timestamp. */
  readonly fmt: 0 | 1 | 2 | 3;
  readonly extendedTimestamp: boolean;
  /** Body bytes the capture lost inside this message (a gap within a chunk's payload). */
  readonly lost: number;
  /** Present when a loss made header fields unknowable: their values are then not the sender's. */
  readonly unknown?: readonly UnknownField[];
  /**
   * Decoding with `payloads` (extraction), audio, video and aggregate messages only: the whole
   * body; null when it could not be kept whole (the budget refused it, or bytes were lost).
   */
  readonly payload?: Uint8Array | null;
  /** Chunk boundaries (the first `maxChunkInfo` of them) and the total chunk count. */
  readonly chunks: readonly ChunkInfo[];
  readonly chunkCount: number;
  /** Stream offset of the first chunk header. */
  readonly offset: number;
  readonly firstFrame: number;
  /** Frame in which the last byte arrived. */
  readonly frame: number;
  readonly sec: number;
  readonly nsec: number;
};

export type ChunkSizeChange = { readonly kind: 'chunk-size'; readonly size: number; readonly frame: number };

export type Encrypted = { readonly kind: 'encrypted'; readonly version: number; readonly frame: number };

export type Desync = {
  readonly kind: 'desync';
  /** Stream offset where decoding lost the chunk boundaries. */
  readonly offset: number;
  readonly frame: number;
  /** Messages in progress that were dropped (their remaining bytes cannot be placed). */
  readonly droppedMessages: number;
};

export type Resync = {
  readonly kind: 'resync';
  /** Stream offset of the chunk header decoding resumed at. */
  readonly offset: number;
  /** Bytes that were captured but skipped while looking for it. */
  readonly skipped: number;
  /** Chunk size in force from here (inferred when it changed). */
  readonly chunkSize: number;
  readonly chunkSizeInferred: boolean;
  readonly frame: number;
};

export type RtmpEvent = HandshakePart | RtmpMessage | ChunkSizeChange | Encrypted | Desync | Resync | Diagnostic;

export type ChunkDecoderOptions = {
  /** Body bytes kept for audio/video messages (sequence headers are far smaller). */
  readonly maxMediaBytes?: number;
  /**
   * Media bytes kept before looking at the tag header (0: no look, keep up to maxMediaBytes); the
   * rest is kept only for sequence headers, metadata and multitrack/ModEx forms.
   */
  readonly mediaHead?: number;
  /** Body bytes kept for every other message (commands, data, control, shared objects). */
  readonly maxCommandBytes?: number;
  /** Chunk boundaries recorded per message. */
  readonly maxChunkInfo?: number;
  /**
   * Keep the whole body of audio, video and aggregate messages in `payload` (for extraction; off:
   * no cost). Those bodies count against the budget like any other.
   */
  readonly payloads?: boolean;
  /** Connection id for locators. */
  readonly conn?: number;
  /** The handshake was not captured: start directly in the chunk phase (at a chunk boundary). */
  readonly skipHandshake?: boolean;
  /**
   * The bytes after an RTMPE handshake arrive decrypted (the proxy terminates RTMPE and pushes
   * the plaintext): decode them as chunks instead of passing them over as encrypted.
   */
  readonly decrypted?: boolean;
  /** Stream offset of the first byte that will be pushed (for mid-stream starts). */
  readonly startOffset?: number;
  /** The start of this direction is not in the capture: find the first chunk boundary by scanning. */
  readonly startInDesync?: boolean;
  /** The capture starts this direction at its second handshake block (C2/S2), chunks after it. */
  readonly startAtSecondBlock?: boolean;
  /**
   * Bytes that bodies of messages in progress may hold, shared by both directions of a connection
   * (default: a budget of DEFAULT_CONN_BUFFER for this decoder alone).
   */
  readonly budget?: BufferBudget;
};

/** Largest first allocation for a non-media body (never more than its first bytes); it doubles as bytes arrive, up to its cap. */
const FIRST_BODY = 4096;
/** Smallest body allocation. */
const MIN_BODY = 64;
/** Bookkeeping counted in the budget: per chunk stream, per message in progress, per chunk listed. */
export const STREAM_COST = 320;
const MSG_COST = 512;
const CHUNK_INFO_COST = 64;

/** Default cap on the bytes held by messages in progress on one connection. */
export const DEFAULT_CONN_BUFFER = 8 * 1024 * 1024;

/**
 * The bytes held by message bodies still being assembled, against a limit: peers (or damage) that
 * open many huge messages at once cannot make the decoder allocate more than this.
 */
export class BufferBudget {
  used = 0;
  /**
   * Beyond the limit, small bodies (a whole message of at most FIRST_BODY bytes: commands,
   * control, media tag headers) may still take this much, so a peer that fills the budget with
   * huge messages does not blind the decoder to the small commands that follow.
   */
  readonly reserve: number;
  /** Refusals (a take that did not fit). */
  refused = 0;
  /**
   * `parent`: a budget shared with other connections (the analyzer's or the proxy's across
   * sessions); a take must fit both.
   */
  constructor(
    readonly limit: number = DEFAULT_CONN_BUFFER,
    readonly parent: BufferBudget | null = null,
  ) {
    this.reserve = Math.min(1024 * 1024, Math.max(FIRST_BODY * 16, limit >> 3));
  }
  take(n: number, small = false): boolean {
    // The shared budget refuses small takes only at twice its limit: a connection within its own
    // limits can still decode its commands and control messages (Set Chunk Size above all) when
    // huge bodies elsewhere filled the shared budget.
    const p = this.parent;
    if (this.used + n > this.limit + (small ? this.reserve : 0) || (p !== null && !(small ? p.takeShared(n, this) : p.take(n)))) {
      this.refused++;
      return false;
    }
    this.used += n;
    return true;
  }
  give(n: number): void {
    this.used -= n;
    this.parent?.give(n);
  }

  /**
   * Of a shared budget: when it is full, asked to free room held by connections costlier than
   * `requester` (true when it freed some). Unset: nothing is freed.
   */
  shedder: ((requester: BufferBudget, wanted: number) => boolean) | null = null;

  /** A small take on a shared budget: beyond it, the costliest other connection sheds first. */
  private takeShared(n: number, requester: BufferBudget): boolean {
    while (this.used + n > this.limit) {
      if (this.shedder === null || !this.shedder(requester, n)) return false;
    }
    this.used += n;
    return true;
  }
}

const EMPTY = new Uint8Array(0);

/** Bytes kept while scanning for a chunk boundary; older ones are counted as skipped. */
const SCAN_MAX = 256 * 1024;
/** Pushes remembered (frame and time of their bytes) in the scan window. */
const MAX_MARKS = 4096;

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

/** Per chunk-stream state: the previous header and the message being assembled. */
type ChunkStream = LruLinks & {
  readonly csid: number;
  timestamp: number;
  /** Timestamp field of the last header: delta for fmt 1/2, absolute for fmt 0. */
  delta: number;
  length: number;
  typeId: number;
  streamId: number;
  /** The last fmt 0/1/2 header carried an extended timestamp. */
  extended: boolean;
  /** The 32-bit value of that extended timestamp field. */
  extendedValue: number;
  /** Message being assembled, or null between messages. */
  msg: Partial | null;
  seen: boolean;
  /** The absolute timestamp is known (a type-0 header since the last loss). */
  tsKnown: boolean;
  /** The message stream id is known (a type-0 header of this chunk stream was captured). */
  sidKnown: boolean;
  /** Since the last loss no type 0/1/2 header came: a type-3 header cannot be placed. */
  needHeader: boolean;
};

type Partial = {
  body: Uint8Array;
  kept: number;
  received: number;
  lost: number;
  fmt: 0 | 1 | 2 | 3;
  extended: boolean;
  chunks: ChunkInfo[];
  chunkCount: number;
  offset: number;
  firstFrame: number;
  unknown: UnknownField[];
  /** Body bytes this message may keep (its length, or less when capped); `body` grows towards it. */
  cap: number;
  /** A media body kept only as far as its tag header, until the header says it is a config. */
  checkMedia: boolean;
  /** Bookkeeping bytes taken from the budget for this message (besides its body). */
  owed: number;
  /** With `payloads`: the whole body so far (grown as bytes arrive), null when not kept; and its fill. */
  full: Uint8Array | null;
  fullLen: number;
};

/** Types whose whole body `payloads` keeps: audio, video, aggregate. */
const PAYLOAD_TYPES = new Set([8, 9, 22]);

/** Audio and video: only the tag header and small configuration records are of interest. */
const MEDIA_TYPES = new Set([8, 9]);

/**
 * Does this media message carry more than a tag header of interest — a sequence header (codec
 * configuration), E-RTMP metadata or multichannel configuration, or a form whose effective packet
 * type is only known further in (ModEx, multitrack)?
 */
function mediaBodyWanted(typeId: number, b: Uint8Array): boolean {
  const b0 = b[0];
  if (b0 === undefined) return false;
  if (typeId === 9) {
    if ((b0 & 0x80) !== 0) {
      const pt = b0 & 0x0f;
      return pt === 0 || pt === 4 || pt === 5 || pt === 6 || pt === 7;
    }
    const codec = b0 & 0x0f;
    return (codec === 7 || codec === 12 || codec === 13) && b[1] === 0;
  }
  const fmt = b0 >> 4;
  if (fmt === 9) {
    const pt = b0 & 0x0f;
    return pt === 0 || pt === 4 || pt === 5 || pt === 7;
  }
  return fmt === 10 && b[1] === 0;
}

export class ChunkDecoder {
  private readonly opts: typeof DEFAULTS;
  private readonly side: 'client' | 'server';
  private phase: 'hs0' | 'hs1' | 'hs2' | 'chunks' | 'encrypted' | 'desync';
  /** Bytes of the current handshake block gathered so far. */
  private hsBuf: Uint8Array | null = null;
  private hsFill = 0;
  private hsOffset = 0;
  /** Stream offset of the next byte pushed. */
  private pos = 0;
  chunkSize = DEFAULT_CHUNK_SIZE;
  /** The chunk size in force is known, not guessed (decoded from the start, or set by a message we saw). */
  private chunkSizeConfirmed: boolean;
  private readonly streams = new Map<number, ChunkStream>();
  /** The chunk streams, least recently used first (the one forgotten at the --conn-buffer cap). */
  private readonly lru = new LruList<ChunkStream>();
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
  private readonly dir: Direction;
  private readonly conn: number | undefined;
  /** Bytes were lost before (mid-stream start, or a desync): headers are checked for plausibility. */
  private lossy: boolean;
  /** Input still to process in this call: pushed bytes, preceded by scanned bytes being replayed. */
  private queue: { data: Uint8Array; meta: ByteMeta }[] = [];
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

  constructor(dir: Direction, options: ChunkDecoderOptions = {}) {
    this.dir = dir;
    this.side = dir === 'c2s' ? 'client' : 'server';
    this.conn = options.conn;
    this.budget = options.budget ?? new BufferBudget();
    this.opts = {
      maxMediaBytes: options.maxMediaBytes ?? DEFAULTS.maxMediaBytes,
      mediaHead: options.mediaHead ?? DEFAULTS.mediaHead,
      maxCommandBytes: options.maxCommandBytes ?? DEFAULTS.maxCommandBytes,
      maxChunkInfo: options.maxChunkInfo ?? DEFAULTS.maxChunkInfo,
    };
    this.decrypted = options.decrypted === true;
    this.payloads = options.payloads === true;
    this.phase = options.startInDesync === true ? 'desync' : options.skipHandshake === true ? 'chunks' : options.startAtSecondBlock === true ? 'hs2' : 'hs0';
    if (this.phase === 'hs2') this.hsBuf = new Uint8Array(HANDSHAKE_SIZE);
    this.chunkSizeConfirmed = options.startInDesync !== true;
    this.lossy = options.startInDesync === true;
    this.pos = options.startOffset ?? 0;
    this.scanStart = this.pos;
  }

  get state(): 'handshake' | 'chunks' | 'encrypted' | 'desync' {
    return this.phase === 'chunks' || this.phase === 'encrypted' || this.phase === 'desync' ? this.phase : 'handshake';
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
        case 'hs0':
          p = this.handshakeVersion(data, p);
          break;
        case 'hs1':
        case 'hs2':
          p = this.handshakeBlock(data, p);
          break;
        case 'chunks':
          p = this.chunks(data, p);
          break;
        case 'encrypted':
          this.pos += n - p;
          p = n;
          break;
        case 'desync': {
          // Fill the scan window (never past SCAN_MAX: a full window decides), then try.
          const take = Math.min(n - p, SCAN_MAX - this.scanLen);
          this.scanAppend(data.subarray(p, p + take));
          this.pos += take;
          p += take;
          const final = this.scanFinal || this.scanLen >= SCAN_MAX;
          // After an undecided attempt, try again once the window has grown by a quarter: the
          // scan costs about the window's size, so this keeps it linear however small the pushes.
          if (!final && this.scanLen < this.triedAt + Math.max(512, this.triedAt >> 2)) break;
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

  private scan = new Uint8Array(0);
  private scanLen = 0;
  /** Stream offset of scan[0]. */
  private scanStart = 0;
  /** Captured bytes skipped since the last desync. */
  private skipped = 0;
  /** Stream offset from which the next non-final attempt looks for a chunk header. */
  private scanResume = 0;
  /** Window size at the last attempt that could not decide yet (0: none since the window changed). */
  private triedAt = 0;
  /** Where (stream offset) the scanned bytes of each push begin, with that push's frame and time. */
  private marks: { at: number; meta: ByteMeta }[] = [];

  private scanAppend(d: Uint8Array): void {
    if (d.length === 0) return;
    const last = this.marks[this.marks.length - 1]?.meta;
    const m = this.meta;
    if (last === undefined || last.frame !== m.frame || last.sec !== m.sec || last.nsec !== m.nsec) {
      if (this.marks.length >= MAX_MARKS) this.thinMarks();
      this.marks.push({ at: this.scanStart + this.scanLen, meta: m });
    }
    if (this.scanLen + d.length > SCAN_MAX) {
      // Keep the newest half of the window: what falls out was scanned already and is skipped.
      const keep = Math.min(this.scanLen, SCAN_MAX >> 1);
      const drop = this.scanLen - keep;
      this.scan.copyWithin(0, drop, this.scanLen);
      this.scanLen = keep;
      this.scanStart += drop;
      this.skipped += drop;
      if (d.length > SCAN_MAX - keep) {
        const cut = d.length - (SCAN_MAX - keep);
        this.skipped += cut;
        this.scanStart += cut;
        d = d.subarray(cut);
      }
    }
    if (this.scan.length < this.scanLen + d.length) {
      const grown = new Uint8Array(Math.min(SCAN_MAX, Math.max(this.scanLen + d.length, this.scan.length * 2, 256)));
      grown.set(this.scan.subarray(0, this.scanLen));
      this.scan = grown;
    }
    this.scan.set(d, this.scanLen);
    this.scanLen += d.length;
    this.trimMarks();
  }

  /**
   * Tiny pushes (a peer or a capture with one byte per segment) would make a mark per byte: past
   * MAX_MARKS every second one goes, its bytes counted to the push before (an earlier frame).
   */
  private thinMarks(): void {
    this.marks = this.marks.filter((_, i) => i % 2 === 0);
  }

  /** Forget marks of bytes no longer in the scan window (keep the one covering scan[0]). */
  private trimMarks(): void {
    let i = 0;
    while (i + 1 < this.marks.length && (this.marks[i + 1] as { at: number }).at <= this.scanStart) i++;
    if (i > 0) this.marks.splice(0, i);
  }

  /** Empty the scan window; the next byte scanned is at stream offset `at`. */
  private resetScan(at: number): void {
    this.scanLen = 0;
    this.scanResume = at;
    this.triedAt = 0;
    this.scanStart = at;
    this.marks = [];
  }

  /**
   * One attempt on the scan window. When decoding can resume, returns the scanned bytes from the
   * resume point on, split where their pushes began (each with its own frame and time), to be
   * decoded next; null when it cannot yet.
   */
  private resyncOnce(final: boolean): { data: Uint8Array; meta: ByteMeta }[] | null {
    if (this.scanLen === 0) return null;
    const known = this.knownStreams();
    const buf = this.scan.subarray(0, this.scanLen);
    // A position a non-final attempt ruled out stays ruled out as bytes arrive (the known streams
    // and chunk size do not change while out of sync), so the next attempt goes on from where the
    // last stopped; a final attempt (which accepts shorter chains) looks at the whole window.
    const from = final ? 0 : Math.max(0, Math.min(this.scanLen, this.scanResume - this.scanStart));
    const r = findResync(buf, this.chunkSize, known, final, this.chunkSizeConfirmed, from);
    if (r.kind !== 'found') {
      this.triedAt = r.kind === 'more' ? this.scanLen : 0;
      this.scanResume = r.kind === 'more' ? this.scanStart + r.at : this.scanStart;
      if (r.kind === 'none') {
        // Nothing plausible anywhere: all but a header's worth of bytes are skipped for good.
        const drop = Math.max(0, this.scanLen - MAX_HEADER);
        this.scan.copyWithin(0, drop, this.scanLen);
        this.scanLen -= drop;
        this.scanStart += drop;
        this.skipped += drop;
        this.trimMarks();
      }
      return null;
    }
    return this.resume(r.at, r.chunkSize, r.evidence);
  }

  /** The chunk streams whose type, length and stream id a type-2 header may inherit. */
  private knownStreams(): Map<number, KnownStream> {
    const known = new Map<number, KnownStream>();
    for (const [csid, st] of this.streams) if (st.seen) known.set(csid, { typeId: st.typeId, length: st.length, streamId: st.streamId, exact: !st.needHeader && st.msg === null });
    return known;
  }

  /** Decoding resumes at scan[at] with chunk size `chunkSize`: the scanned bytes from there, to be decoded next. */
  private resume(at: number, chunkSize: number, evidence: number): { data: Uint8Array; meta: ByteMeta }[] {
    // A rescan that found the message where it began and only raised the guess is the guess
    // being checked, as the first resync's diagnostic says: it is not reported again.
    const quiet = this.rescanning && this.skipped + at === 0 && evidence === 0;
    // Only a rescan that lost nothing keeps what the guess was shown to cover: after lost bytes
    // (a Set Chunk Size may have been among them) every message is checked again.
    if (!(this.rescanning && this.skipped + at === 0)) this.coveredLength = 0;
    if (this.rescanning) {
      this.rescanning = false;
      // The scan from a header that parsed skipped bytes after all: they may have held headers,
      // so chunk boundaries were lost there as after a gap.
      if (this.skipped + at > 0) this.out.push({ kind: 'desync', offset: this.rescanAt, frame: this.meta.frame, droppedMessages: this.forgetAfterLoss() });
    }
    const inferred = chunkSize !== this.chunkSize;
    this.chunkSize = chunkSize;
    if (evidence > 0) this.chunkSizeConfirmed = true;
    if (inferred) {
      this.provenLength = 0;
      this.provenMulti = 0;
    }
    const skipped = this.skipped + at;
    const resumeAt = this.scanStart + at;
    const end = this.scanStart + this.scanLen;
    const replay: { data: Uint8Array; meta: ByteMeta }[] = [];
    let frame = this.meta.frame;
    for (let i = 0; i < this.marks.length; i++) {
      const m = this.marks[i] as { at: number; meta: ByteMeta };
      const from = Math.max(m.at, resumeAt);
      const to = Math.min(this.marks[i + 1]?.at ?? end, end);
      if (m.at <= resumeAt) frame = m.meta.frame;
      if (to > from) replay.push({ data: this.scan.slice(from - this.scanStart, to - this.scanStart), meta: m.meta });
    }
    if (!quiet) this.out.push({ kind: 'resync', offset: resumeAt, skipped, chunkSize, chunkSizeInferred: inferred, frame });
    this.scan = new Uint8Array(0);
    this.resetScan(resumeAt);
    this.skipped = 0;
    // The chain that chose this position decided how its first message is read.
    this.rescanAt = resumeAt;
    this.phase = 'chunks';
    this.pos = resumeAt;
    return replay;
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
      if (m.body.length === 0 && m.cap > 0) this.growBody(m, Math.min(m.cap, m.checkMedia ? this.opts.mediaHead : FIRST_BODY));
      if (m.kept < m.body.length) m.kept = Math.min(m.body.length, m.kept + length);
      this.curLeft -= length;
      this.pos += length;
      if (this.curLeft === 0) this.endChunk(this.cur);
      return this.out;
    }
    if ((this.phase === 'hs1' || this.phase === 'hs2') && this.hsFill + length < HANDSHAKE_SIZE) {
      // A hole inside a handshake block: its position is known, its bytes are not.
      this.hsFill += length;
      this.hsLost += length;
      this.pos += length;
      return this.out;
    }
    if (this.phase === 'desync') {
      // Bytes already scanned before the hole cannot continue across it.
      this.skipped += this.scanLen;
    } else if (this.phase !== 'encrypted') {
      // A header carried over from the last push is cut by the hole: its bytes are skipped.
      const carried = this.headLen;
      this.headLen = 0;
      this.enterDesync(this.pos - carried);
      this.skipped += carried;
    }
    this.headLen = 0;
    this.pos += length;
    this.resetScan(this.pos);
    return this.out;
  }

  /** Bytes of the current handshake block lost in the capture. */
  private hsLost = 0;
  /** The scanned bytes are all there will be before a hole or the end: resync decides now. */
  private scanFinal = false;

  /** Decode what the scan window holds, as far as it can be decoded; nothing continues it. */
  private settle(): void {
    // A rescan (from a header that parsed) cut short by a hole or the end is not decided on what
    // is left: decoding goes on from its header under the guess, whose checks apply as before.
    // Only a size its own continuation headers show: with none, the message is not read under a
    // size nothing supports, and what is left is scanned as after a loss.
    while (this.desynced() && this.rescanning) {
      const size = sizeBeforeHole(this.scan.subarray(0, this.scanLen), this.knownStreams(), Math.max(1, this.coveredLength));
      if (size === null) break;
      this.queue = this.resume(0, size, 0);
      this.run();
    }
    const was = this.scanFinal;
    this.scanFinal = true;
    // Each found resync decodes at least one header, so this ends.
    while (this.desynced() && this.scanLen > 0) {
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
        this.out.push(
          this.diag('rtmp.message.incomplete', `message on chunk stream ${csid} ended early: ${s.msg.received} of ${s.length} bytes`, s.msg.offset),
        );
      }
    }
    return this.out;
  }

  // ---- handshake ----------------------------------------------------------------------------

  private handshakeVersion(data: Uint8Array, p: number): number {
    const v = data[p] as number;
    const part = this.side === 'client' ? 'C0' : 'S0';
    this.out.push({ kind: 'handshake', part, offset: this.pos, version: v, ...this.meta });
    this.pos++;
    if (!isRtmpVersion(v)) {
      this.out.push(this.diag('rtmp.handshake.bad-version', `${part} version ${v} is not an RTMP version (3, or 6/8/9/10 for RTMPE)`, this.pos - 1));
    }
    this.phase = 'hs1';
    this.hsBuf = new Uint8Array(HANDSHAKE_SIZE);
    this.hsFill = 0;
    this.hsOffset = this.pos;
    if (isRtmpVersion(v) && isEncryptedVersion(v)) this.encryptedVersion = v;
    return p + 1;
  }

  private encryptedVersion = 0;
  private readonly decrypted: boolean;
  /** finish() in progress: no more bytes will come. */
  private final = false;

  private handshakeBlock(data: Uint8Array, p: number): number {
    const buf = this.hsBuf as Uint8Array;
    if (this.hsFill === 0) this.hsOffset = this.pos;
    const take = Math.min(HANDSHAKE_SIZE - this.hsFill, data.length - p);
    buf.set(data.subarray(p, p + take), this.hsFill);
    this.hsFill += take;
    this.pos += take;
    if (this.hsFill === HANDSHAKE_SIZE) {
      const first = this.phase === 'hs1';
      const part = this.side === 'client' ? (first ? 'C1' : 'C2') : first ? 'S1' : 'S2';
      this.out.push({ kind: 'handshake', part, offset: this.hsOffset, block: buf, ...(this.hsLost > 0 ? { lost: this.hsLost } : {}), ...this.meta });
      this.hsLost = 0;
      if (first) {
        this.phase = 'hs2';
        this.hsBuf = new Uint8Array(HANDSHAKE_SIZE);
        this.hsFill = 0;
      } else {
        this.hsBuf = null;
        if (this.encryptedVersion !== 0 && !this.decrypted) {
          this.phase = 'encrypted';
          this.out.push({ kind: 'encrypted', version: this.encryptedVersion, frame: this.meta.frame });
        } else {
          this.phase = 'chunks';
        }
      }
    }
    return p + take;
  }

  // ---- chunks -------------------------------------------------------------------------------

  private chunks(data: Uint8Array, p: number): number {
    const n = data.length;
    while (p < n && this.phase === 'chunks') {
      if (this.cur !== null && this.curLeft > 0) {
        const take = Math.min(this.curLeft, n - p);
        this.appendPayload(this.cur, data, p, take);
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
          this.scanAppend(this.head.subarray(0, had));
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
            this.scanAppend(surplus.subarray(q));
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
    if (s !== undefined && s !== this.lastStream) this.lru.touch(s);
    if (s === undefined) {
      this.takeState(STREAM_COST, null, csid, startOffset);
      s = {
        csid, timestamp: 0, delta: 0, length: 0, typeId: 0, streamId: 0, extended: false, extendedValue: 0, msg: null, seen: false,
        tsKnown: false, sidKnown: false, needHeader: false, lruPrev: null, lruNext: null, lruIn: false,
      };
      this.streams.set(csid, s);
      this.lru.touch(s);
    }
    let ts = 0;
    let ext = false;
    if (fmt <= 2) {
      ts = ((b[p] as number) << 16) | ((b[p + 1] as number) << 8) | (b[p + 2] as number);
      ext = ts === 0xffffff;
    }
    let q = p + mhLen;
    let extValue = 0;
    if (ext) {
      if (q + 4 > end) return -1;
      extValue = readU32(b, q);
      q += 4;
    } else if (fmt === 3 && s.extended) {
      // Type-3 after an extended-timestamp header: repeated (spec, FFmpeg) or omitted (old librtmp)?
      // At the very end of the input there is nothing to compare with: take it as omitted.
      if (q + 4 > end && !this.final) return -1;
      if (q + 4 <= end && readU32(b, q) === s.extendedValue) {
        q += 4;
        this.etsConvention.repeated++;
      } else {
        this.etsConvention.omitted++;
      }
    }
    if (fmt !== 0 && !s.seen && !(fmt === 1 && this.lossy)) {
      // Nothing to inherit from: the stream is corrupt or we are not at a chunk boundary. (After a
      // loss a type-1 header may open a chunk stream: its type-0 header was not captured. Any
      // other is our misplacement, not the peer's error: no diagnostic then.)
      if (!this.lossy) {
        this.out.push(
          this.diag('rtmp.chunk.no-previous-header', `chunk stream ${csid} starts with a type-${fmt} header, which needs a previous header`, startOffset),
        );
      }
      this.enterDesync(startOffset);
      return 0;
    }
    if (this.lossy) {
      // After a loss, a header that could not have been sent means we are not at a chunk
      // boundary after all (a resync on payload bytes, or a chunk size guessed wrong): scan again
      // rather than decode payload as headers. So does a type-3 header nobody can place.
      const plausible =
        (fmt === 3
          ? !(s.needHeader && s.msg === null)
          : s.msg === null &&
            plausibleMessageHeader(fmt, ts, fmt <= 1 ? (b[p + 6] as number) : s.typeId, fmt <= 1 ? readU24(b, p + 3) : s.length, fmt === 0 ? readU32LE(b, p + 7) : -1)) &&
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
      if (!this.chunkSizeConfirmed && s.msg === null && startOffset !== this.rescanAt && (fmt <= 1 ? readU24(b, p + 3) : s.length) > Math.max(MIN_GUESSED_CHUNK, this.coveredLength)) {
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
      s.length = readU24(b, p + 3);
      s.typeId = b[p + 6] as number;
      s.streamId = readU32LE(b, p + 7);
    } else if (fmt === 1 || fmt === 2) {
      s.delta = ext ? extValue : ts;
      if (fmt === 1) {
        s.length = readU24(b, p + 3);
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
      this.out.push(
        this.diag('rtmp.chunk.interrupted', `chunk stream ${csid}: a type-${fmt} header arrived before the message in progress was complete (${(s.msg as Partial).received} of its bytes)`, startOffset),
      );
      this.dropMessage(s);
      if (fmt === 1 || fmt === 2) s.timestamp = (s.timestamp + s.delta) >>> 0;
    }
    s.seen = true;
    const headerLength = q - at;
    if (s.msg === null) {
      const media = MEDIA_TYPES.has(s.typeId);
      const cap = Math.min(s.length, media ? this.opts.maxMediaBytes : this.opts.maxCommandBytes);
      const checkMedia = media && this.opts.mediaHead > 0 && cap > this.opts.mediaHead;
      // The body is allocated as its bytes arrive (appendPayload); only bookkeeping is taken now.
      const owed = this.takeState(MSG_COST, s, csid, startOffset) ? MSG_COST : 0;
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
    this.resetScan(offset);
    this.skipped = 0;
    this.out.push({ kind: 'desync', offset, frame: this.meta.frame, droppedMessages: dropped });
  }

  /** Lost bytes may have held headers of any chunk stream: messages in progress are dropped (how many), timestamps unknown. */
  private forgetAfterLoss(): number {
    let dropped = 0;
    for (const st of this.streams.values()) {
      if (st.msg !== null) {
        dropped++;
        this.dropMessage(st);
      }
      st.tsKnown = false;
      st.needHeader = true;
    }
    return dropped;
  }

  /** Where the last rescan() began: the header there is not rescanned twice. */
  private rescanAt = -1;
  /** The scan in progress began at a header that parsed (rescan()): nothing was lost before it. */
  private rescanning = false;

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
    this.resetScan(offset);
    this.skipped = 0;
  }

  /** Drop the message in progress on `s` (if any), returning its bytes to the budget. */
  private dropMessage(s: ChunkStream): void {
    if (s.msg !== null) this.budget.give(s.msg.body.length + s.msg.owed + (s.msg.full?.length ?? 0));
    s.msg = null;
  }

  /**
   * Chunk-stream and message bookkeeping counts in the budget (--conn-buffer, and the shared one).
   * Beyond it, the least recently used chunk stream (other than `keep`) is forgotten, with its
   * message in progress, until the state fits: a later header that needed it is reported as such.
   * False when nothing is left to forget (the state is then held uncounted: one stream at most).
   */
  private takeState(n: number, keep: ChunkStream | null, csid: number, offset: number): boolean {
    while (!this.budget.take(n, true)) {
      let victim = this.lru.oldest();
      if (victim !== null && victim === keep) victim = victim.lruNext as ChunkStream | null;
      if (victim === null) return false;
      // Reported once per push (a flood forgets thousands): see reportForgotten.
      this.forgotten++;
      this.forgottenAt ??= { offset, csid };
      this.dropMessage(victim);
      this.streams.delete(victim.csid);
      this.lru.remove(victim);
      this.budget.give(STREAM_COST);
      if (this.lastStream === victim) this.lastStream = null;
    }
    return true;
  }

  /** Chunk streams forgotten by shed() (reported at the next push) and by takeState (at the end of this push). */
  private shedStreams = 0;
  private forgotten = 0;
  private forgottenAt: { offset: number; csid: number } | null = null;

  private reportForgotten(): void {
    if (this.forgotten === 0 || this.forgottenAt === null) return;
    const at = this.forgottenAt;
    this.out.push(
      this.diag(
        'rtmp.chunk.stream-cap',
        `from chunk stream ${at.csid} on, ${this.forgotten} chunk stream(s) were forgotten (the least recently used, with any message in progress): the state of chunk streams and messages in progress on this connection filled its budget (limit ${this.budget.limit}, --conn-buffer)`,
        at.offset,
      ),
    );
    this.forgotten = 0;
    this.forgottenAt = null;
  }

  /**
   * Forget least recently used chunk streams (with their messages in progress) until `bytes` are
   * freed or none is left: asked when connections together fill the shared budget and this one
   * holds the most. Returns the bytes freed. Not during a push (the caller is another connection).
   */
  shed(bytes: number): number {
    const before = this.budget.used;
    while (before - this.budget.used < bytes) {
      const victim = this.lru.oldest();
      if (victim === null || victim === this.cur || victim === this.lastStream) break;
      this.dropMessage(victim);
      this.streams.delete(victim.csid);
      this.lru.remove(victim);
      this.budget.give(STREAM_COST);
      this.shedStreams++;
    }
    return before - this.budget.used;
  }

  private reportShed(): void {
    if (this.shedStreams === 0) return;
    this.out.push(
      this.diag('rtmp.chunk.stream-cap', `${this.shedStreams} chunk streams of this connection (the least recently used, with their messages in progress) were forgotten: all connections together filled the shared decode budget, and this one held the most`, this.pos),
    );
    this.shedStreams = 0;
  }

  private bufferCapped(s: ChunkStream, kept: number): void {
    this.out.push(
      this.diag(
        'rtmp.message.buffer-cap',
        `chunk stream ${s.csid}: a ${s.length}-byte message keeps only its first ${kept} bytes: messages in progress on this connection already hold ${this.budget.used} bytes (limit ${this.budget.limit}, --conn-buffer)`,
        s.msg?.offset ?? this.pos,
      ),
    );
  }

  /** Grow a body to `size` bytes if the budget allows (a small message's first bytes may use its reserve). */
  private growBody(m: Partial, size: number): boolean {
    if (!this.budget.take(size - m.body.length, m.body.length === 0 && (m.cap <= FIRST_BODY || m.checkMedia))) return false;
    const grown = new Uint8Array(size);
    grown.set(m.body);
    m.body = grown;
    return true;
  }

  /** `payloads`: the whole body, grown by doubling as bytes arrive (never to a claimed length); dropped when the budget refuses. */
  private appendFull(s: ChunkStream, m: Partial, data: Uint8Array, p: number, take: number): void {
    const full = m.full as Uint8Array;
    if (m.fullLen + take > full.length) {
      const size = Math.min(s.length, Math.max(m.fullLen + take, full.length * 2, FIRST_BODY));
      if (!this.budget.take(size - full.length)) {
        this.budget.give(full.length);
        m.full = null;
        this.out.push(
          this.diag('rtmp.message.buffer-cap', `chunk stream ${s.csid}: the whole ${s.length}-byte body cannot be kept for extraction: messages in progress on this connection already hold ${this.budget.used} bytes (limit ${this.budget.limit}, --conn-buffer)`, m.offset),
        );
        return;
      }
      const grown = new Uint8Array(size);
      grown.set(full.subarray(0, m.fullLen));
      m.full = grown;
    }
    (m.full as Uint8Array).set(data.subarray(p, p + take), m.fullLen);
    m.fullLen += take;
  }

  private appendPayload(s: ChunkStream, data: Uint8Array, p: number, take: number): void {
    const m = s.msg as Partial;
    if (m.full !== null) this.appendFull(s, m, data, p, take);
    let at = p;
    let left = take;
    while (left > 0) {
      if (m.kept === m.body.length) {
        if (m.kept >= m.cap) break;
        let size: number;
        if (m.body.length === 0) {
          // First bytes: as many as arrived (at least MIN_BODY), never what the header promises.
          size = Math.min(m.cap, m.checkMedia ? this.opts.mediaHead : Math.min(FIRST_BODY, Math.max(MIN_BODY, left)));
        } else if (m.checkMedia) {
          // The tag header is in: keep the rest only for configuration and metadata.
          m.checkMedia = false;
          if (!mediaBodyWanted(s.typeId, m.body)) {
            m.cap = m.kept;
            break;
          }
          size = m.cap;
        } else {
          size = Math.min(m.cap, m.body.length * 2);
        }
        if (!this.growBody(m, size)) {
          this.bufferCapped(s, m.kept);
          m.cap = m.kept;
          break;
        }
        continue;
      }
      const k = Math.min(m.body.length - m.kept, left);
      m.body.set(data.subarray(at, at + k), m.kept);
      m.kept += k;
      at += k;
      left -= k;
    }
    m.received += take;
  }

  private endChunk(s: ChunkStream): void {
    this.cur = null;
    const m = s.msg as Partial;
    if (m.received < s.length) return;
    this.dropMessage(s);
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
      const raw = readU32(msg.body, 0);
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
      const csid = readU32(msg.body, 0);
      const s = this.streams.get(csid);
      if (s !== undefined) this.dropMessage(s);
    }
  }

  private diag(code: Diagnostic['code'], message: string, offset: number): Diagnostic {
    return diag(code, message, { frame: this.meta.frame, dir: this.dir, offset, ...(this.conn === undefined ? {} : { conn: this.conn }) });
  }
}

function readU24(b: Uint8Array, at: number): number {
  return ((b[at] as number) << 16) | ((b[at + 1] as number) << 8) | (b[at + 2] as number);
}

function readU32(b: Uint8Array, at: number): number {
  return (((b[at] as number) << 24) | ((b[at + 1] as number) << 16) | ((b[at + 2] as number) << 8) | (b[at + 3] as number)) >>> 0;
}

function readU32LE(b: Uint8Array, at: number): number {
  return ((b[at] as number) | ((b[at + 1] as number) << 8) | ((b[at + 2] as number) << 16) | ((b[at + 3] as number) << 24)) >>> 0;
}
