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
 *   resync is skipped and counted; nothing is glued across the hole.
 */
import { diag, type Diagnostic, type Direction } from '../core/diagnostics.js';
import { HANDSHAKE_SIZE } from './handshake.js';
import { isEncryptedVersion, isRtmpVersion } from './detect.js';
import { findResync, type KnownStream } from './resync.js';

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
};

export type ChunkInfo = {
  readonly fmt: 0 | 1 | 2 | 3;
  /** Stream offset of the chunk's basic header. */
  readonly offset: number;
  readonly headerLength: number;
  readonly payloadLength: number;
  readonly frame: number;
};

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
  /** Body bytes kept for every other message (commands, data, control, shared objects). */
  readonly maxCommandBytes?: number;
  /** Chunk boundaries recorded per message. */
  readonly maxChunkInfo?: number;
  /** Connection id for locators. */
  readonly conn?: number;
  /** The handshake was not captured: start directly in the chunk phase (at a chunk boundary). */
  readonly skipHandshake?: boolean;
  /** Stream offset of the first byte that will be pushed (for mid-stream starts). */
  readonly startOffset?: number;
  /** The start of this direction is not in the capture: find the first chunk boundary by scanning. */
  readonly startInDesync?: boolean;
};

/** Bytes kept while scanning for a chunk boundary; older ones are counted as skipped. */
const SCAN_MAX = 256 * 1024;

const DEFAULTS = {
  maxMediaBytes: 4096,
  maxCommandBytes: 1024 * 1024,
  maxChunkInfo: 1024,
};

export const DEFAULT_CHUNK_SIZE = 128;
const MAX_HEADER = 18;

/** Per chunk-stream state: the previous header and the message being assembled. */
type ChunkStream = {
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
};

/** Audio and video: only the tag header and small configuration records are of interest. */
const MEDIA_TYPES = new Set([8, 9]);

export class ChunkDecoder {
  private readonly opts: typeof DEFAULTS;
  private readonly side: 'client' | 'server';
  private phase: 'hs0' | 'hs1' | 'hs2' | 'chunks' | 'encrypted' | 'desync';
  /** Bytes of the current handshake block gathered so far. */
  private hsBuf: Uint8Array | null = null;
  private hsFill = 0;
  private hsOffset = 0;
  private hsFirstFrame = 0;
  /** Stream offset of the next byte pushed. */
  private pos = 0;
  chunkSize = DEFAULT_CHUNK_SIZE;
  /** The chunk size in force is known, not guessed (decoded from the start, or set by a message we saw). */
  private chunkSizeConfirmed: boolean;
  private readonly streams = new Map<number, ChunkStream>();
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

  constructor(dir: Direction, options: ChunkDecoderOptions = {}) {
    this.dir = dir;
    this.side = dir === 'c2s' ? 'client' : 'server';
    this.conn = options.conn;
    this.opts = {
      maxMediaBytes: options.maxMediaBytes ?? DEFAULTS.maxMediaBytes,
      maxCommandBytes: options.maxCommandBytes ?? DEFAULTS.maxCommandBytes,
      maxChunkInfo: options.maxChunkInfo ?? DEFAULTS.maxChunkInfo,
    };
    this.phase = options.startInDesync === true ? 'desync' : options.skipHandshake === true ? 'chunks' : 'hs0';
    this.chunkSizeConfirmed = options.startInDesync !== true;
    this.pos = options.startOffset ?? 0;
    this.scanStart = this.pos;
  }

  get state(): 'handshake' | 'chunks' | 'encrypted' | 'desync' {
    return this.phase === 'chunks' || this.phase === 'encrypted' || this.phase === 'desync' ? this.phase : 'handshake';
  }

  /** Ordered bytes of this direction. `data` may be a view valid only during the call. */
  push(data: Uint8Array, meta: ByteMeta): RtmpEvent[] {
    this.out = [];
    this.meta = { frame: meta.frame, sec: meta.sec, nsec: meta.nsec };
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
        case 'desync':
          this.scanAppend(data.subarray(p));
          this.pos += n - p;
          p = n;
          this.tryResync(false);
          break;
      }
    }
    return this.out;
  }

  // ---- resync -------------------------------------------------------------------------------

  private scan = new Uint8Array(0);
  private scanLen = 0;
  /** Stream offset of scan[0]. */
  private scanStart = 0;
  /** Captured bytes skipped since the last desync. */
  private skipped = 0;

  private scanAppend(d: Uint8Array): void {
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
      const grown = new Uint8Array(Math.min(SCAN_MAX, Math.max(this.scanLen + d.length, this.scan.length * 2, 4096)));
      grown.set(this.scan.subarray(0, this.scanLen));
      this.scan = grown;
    }
    this.scan.set(d, this.scanLen);
    this.scanLen += d.length;
  }

  private tryResync(final: boolean): void {
    // Resuming can desync again (a bad chain further on); each round consumes scan bytes.
    for (let round = 0; round < 64 && this.phase === 'desync' && this.scanLen > 0; round++) {
      if (!this.resyncOnce(final)) return;
    }
  }

  /** One attempt; true when decoding resumed. */
  private resyncOnce(final: boolean): boolean {
    const known = new Map<number, KnownStream>();
    for (const [csid, st] of this.streams) if (st.seen) known.set(csid, { typeId: st.typeId, length: st.length, streamId: st.streamId });
    const buf = this.scan.subarray(0, this.scanLen);
    const r = findResync(buf, this.chunkSize, known, final || this.scanLen >= SCAN_MAX, this.chunkSizeConfirmed);
    if (r.kind !== 'found') {
      if (r.kind === 'none') {
        // Nothing plausible anywhere: all but a header's worth of bytes are skipped for good.
        const drop = Math.max(0, this.scanLen - MAX_HEADER);
        this.scan.copyWithin(0, drop, this.scanLen);
        this.scanLen -= drop;
        this.scanStart += drop;
        this.skipped += drop;
      }
      return false;
    }
    const inferred = r.chunkSize !== this.chunkSize;
    this.chunkSize = r.chunkSize;
    if (r.evidence > 0) this.chunkSizeConfirmed = true;
    const skipped = this.skipped + r.at;
    const resumeAt = this.scanStart + r.at;
    this.out.push({ kind: 'resync', offset: resumeAt, skipped, chunkSize: r.chunkSize, chunkSizeInferred: inferred, frame: this.meta.frame });
    const rest = this.scan.slice(r.at, this.scanLen);
    this.scan = new Uint8Array(0);
    this.scanLen = 0;
    this.skipped = 0;
    this.phase = 'chunks';
    const end = this.pos;
    this.pos = resumeAt;
    this.chunks(rest, 0);
    this.pos = end;
    return true;
  }

  /**
   * `length` bytes of this direction were lost. Inside the payload of the current chunk the
   * boundaries are still known: the message just has a hole. Anywhere else the chunk headers
   * were lost with the bytes, so decoding goes out of sync until a boundary is found again.
   */
  gap(length: number, meta: ByteMeta): RtmpEvent[] {
    this.out = [];
    this.meta = { frame: meta.frame, sec: meta.sec, nsec: meta.nsec };
    if (this.phase === 'chunks' && this.headLen === 0 && this.cur !== null && this.curLeft >= length && this.cur.msg !== null) {
      const m = this.cur.msg;
      m.received += length;
      m.lost += length;
      if (m.kept < m.body.length) m.kept = Math.min(m.body.length, m.kept + length); // zeros stand in
      this.curLeft -= length;
      this.pos += length;
      if (this.curLeft === 0) this.endChunk(this.cur);
      return this.out;
    }
    if ((this.phase === 'hs1' || this.phase === 'hs2') && this.hsFill + length < HANDSHAKE_SIZE) {
      // A hole inside a handshake block: its position is known, its bytes are not.
      this.hsFill += length;
      this.hsDamaged = true;
      this.pos += length;
      return this.out;
    }
    if (this.phase === 'desync') {
      // Bytes already scanned before the hole cannot continue across it.
      this.skipped += this.scanLen;
      this.scanLen = 0;
    } else if (this.phase !== 'encrypted') {
      this.enterDesync(this.pos);
    }
    this.headLen = 0;
    this.pos += length;
    this.scanStart = this.pos;
    return this.out;
  }

  private hsDamaged = false;

  finish(): RtmpEvent[] {
    this.out = [];
    if (this.phase === 'desync' && this.scanLen > 0) {
      this.final = true;
      this.tryResync(true);
    }
    if (this.phase === 'chunks' && this.headLen > 0) {
      // A type-3 header waiting to see whether 4 extended-timestamp bytes follow: none will.
      this.final = true;
      const carried = this.head.slice(0, this.headLen);
      this.headLen = 0;
      this.pos -= carried.length;
      this.chunks(carried, 0);
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
    this.hsFirstFrame = this.meta.frame;
    if (isRtmpVersion(v) && isEncryptedVersion(v)) this.encryptedVersion = v;
    return p + 1;
  }

  private encryptedVersion = 0;
  /** finish() in progress: no more bytes will come. */
  private final = false;

  private handshakeBlock(data: Uint8Array, p: number): number {
    const buf = this.hsBuf as Uint8Array;
    if (this.hsFill === 0) {
      this.hsOffset = this.pos;
      this.hsFirstFrame = this.meta.frame;
    }
    const take = Math.min(HANDSHAKE_SIZE - this.hsFill, data.length - p);
    buf.set(data.subarray(p, p + take), this.hsFill);
    this.hsFill += take;
    this.pos += take;
    if (this.hsFill === HANDSHAKE_SIZE) {
      const first = this.phase === 'hs1';
      const part = this.side === 'client' ? (first ? 'C1' : 'C2') : first ? 'S1' : 'S2';
      this.out.push({ kind: 'handshake', part, offset: this.hsOffset, block: buf, ...this.meta });
      if (first) {
        this.phase = 'hs2';
        this.hsBuf = new Uint8Array(HANDSHAKE_SIZE);
        this.hsFill = 0;
      } else {
        this.hsBuf = null;
        if (this.encryptedVersion !== 0) {
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
          this.chunks(surplus, 0);
        }
        continue;
      }
      const used = this.header(data, p, n);
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
    if (this.phase !== 'chunks') {
      if (this.phase === 'desync') {
        // Lost the boundaries inside this push: what follows is scanned for a new one.
        this.scanStart = this.pos;
        this.scanAppend(data.subarray(p));
      }
      this.pos += n - p;
      return n;
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
    if (s === undefined) {
      s = { csid, timestamp: 0, delta: 0, length: 0, typeId: 0, streamId: 0, extended: false, extendedValue: 0, msg: null, seen: false };
      this.streams.set(csid, s);
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
    if (fmt !== 0 && !s.seen) {
      // Nothing to inherit from: the stream is corrupt or we are not at a chunk boundary.
      this.out.push(
        this.diag('rtmp.chunk.no-previous-header', `chunk stream ${csid} starts with a type-${fmt} header, which needs a previous header`, startOffset),
      );
      this.enterDesync(startOffset);
      return q - at;
    }
    // Commit the header.
    const starting = s.msg === null;
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
      s.msg = null;
      if (fmt === 1 || fmt === 2) s.timestamp = (s.timestamp + s.delta) >>> 0;
    }
    s.seen = true;
    const headerLength = q - at;
    if (s.msg === null) {
      const cap = MEDIA_TYPES.has(s.typeId) ? this.opts.maxMediaBytes : this.opts.maxCommandBytes;
      s.msg = {
        body: new Uint8Array(Math.min(s.length, cap)),
        kept: 0,
        received: 0,
        lost: 0,
        fmt,
        extended: fmt === 3 ? s.extended : ext,
        chunks: [],
        chunkCount: 0,
        offset: startOffset,
        firstFrame: this.meta.frame,
      };
    }
    const m = s.msg;
    const payloadLength = Math.min(this.chunkSize, s.length - m.received);
    m.chunkCount++;
    if (m.chunks.length < this.opts.maxChunkInfo) {
      m.chunks.push({ fmt, offset: startOffset, headerLength, payloadLength, frame: this.meta.frame });
    }
    this.cur = s;
    this.curLeft = payloadLength;
    if (payloadLength === 0) this.endChunk(s);
    return headerLength;
  }

  private enterDesync(offset: number): void {
    this.phase = 'desync';
    this.cur = null;
    this.curLeft = 0;
    this.headLen = 0;
    let dropped = 0;
    for (const st of this.streams.values()) {
      if (st.msg !== null) {
        dropped++;
        st.msg = null;
      }
    }
    this.scanLen = 0;
    this.scanStart = this.pos;
    this.skipped = 0;
    this.out.push({ kind: 'desync', offset, frame: this.meta.frame, droppedMessages: dropped });
  }

  private appendPayload(s: ChunkStream, data: Uint8Array, p: number, take: number): void {
    const m = s.msg as Partial;
    const room = m.body.length - m.kept;
    if (room > 0) {
      const k = Math.min(room, take);
      m.body.set(data.subarray(p, p + k), m.kept);
      m.kept += k;
    }
    m.received += take;
  }

  private endChunk(s: ChunkStream): void {
    this.cur = null;
    const m = s.msg as Partial;
    if (m.received < s.length) return;
    s.msg = null;
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
      fmt: m.fmt,
      extendedTimestamp: m.extended,
      chunks: m.chunks,
      chunkCount: m.chunkCount,
      offset: m.offset,
      firstFrame: m.firstFrame,
      ...this.meta,
    };
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
      if (s !== undefined && s.msg !== null) s.msg = null;
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
