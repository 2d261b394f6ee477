/**
 * The chunk layer of one session, as its message records show it: chunk stream ids (>= 32 trips
 * nginx-rtmp), Set Chunk Size values outside what servers accept, Abort, and control messages off
 * chunk stream 2 / message stream 0. (The type-3 extended-timestamp convention each peer follows
 * is the chunk decoder's to count and report: the session record's `type3ExtendedTimestamp`.)
 *
 * Not for messages framed without RTMP chunks (RTMFP flows): then only the Set Chunk Size values
 * and Aborts are recorded.
 *
 * Contract: pure and synchronous, fed the session's message records in order; lists capped.
 */
import type { ChunkLayerFacts, MessageRecord } from '../records/index.js';
import { atOf, perDir, type SessionContext } from './emit.js';

export const CHUNK_SIZE_SMALL = 128;
export const CHUNK_SIZE_LARGE = 65536;
export const CHUNK_SIZE_HUGE = 10 * 1024 * 1024;
export const CSID_HIGH = 32;
const MAX_CHUNK_SIZES = 16;

export class ChunkLayer {
  private readonly chunkSizes = perDir<number[]>(() => []);
  private readonly maxCsid = perDir<number | null>(() => null);
  private readonly aborts = { c2s: 0, s2c: 0 };

  /** `chunked`: false for messages framed without RTMP chunks (RTMFP flows). */
  constructor(
    private readonly ctx: SessionContext,
    private readonly chunked: boolean,
  ) {}

  /** Every message: its chunk stream id. */
  onMessage(r: MessageRecord): void {
    if (!this.chunked) return;
    const d = r.dir;
    this.maxCsid[d] = Math.max(this.maxCsid[d] ?? 0, r.csid);
    if (r.csid >= CSID_HIGH) {
      this.ctx.once(`csid:${d}`, 'rtmp.chunk.csid-high', `chunk stream id ${r.csid} (nginx-rtmp closes the connection at 32 and above by default)`, atOf(r), { csid: r.csid });
    }
  }

  /** A protocol control message (types 1-6): it belongs on chunk stream 2, message stream 0. */
  onControl(r: MessageRecord): void {
    if (this.chunked && (r.csid !== 2 || r.streamId !== 0)) {
      this.ctx.once(`ctl:${r.dir}:${r.typeId}`, 'rtmp.control.wrong-stream', `${r.typeName} on chunk stream ${r.csid}, message stream ${r.streamId} (expected chunk stream 2, stream 0)`, atOf(r), { csid: r.csid, streamId: r.streamId, typeId: r.typeId });
    }
  }

  onSetChunkSize(r: MessageRecord, s: number): void {
    const sizes = this.chunkSizes[r.dir];
    if (sizes.length < MAX_CHUNK_SIZES) sizes.push(s);
    if (s === 0) return; // rtmp.chunk.size-out-of-range, from the chunk decoder
    if (s < CHUNK_SIZE_SMALL) this.ctx.emit('rtmp.chunk.size-small', `Set Chunk Size ${s} (below 128; SRS rejects it)`, atOf(r), { chunkSize: s });
    else if (s > CHUNK_SIZE_HUGE) this.ctx.emit('rtmp.chunk.size-huge', `Set Chunk Size ${s} (above 10 MiB; nginx-rtmp drops the connection)`, atOf(r), { chunkSize: s });
    else if (s > CHUNK_SIZE_LARGE) this.ctx.emit('rtmp.chunk.size-large', `Set Chunk Size ${s} (above 65536)`, atOf(r), { chunkSize: s });
  }

  onAbort(r: MessageRecord, csid: number): void {
    this.aborts[r.dir]++;
    this.ctx.emit('rtmp.chunk.abort', `Abort Message for chunk stream ${csid}`, atOf(r), { csid });
  }

  facts(): ChunkLayerFacts {
    return {
      chunkSizes: { c2s: this.chunkSizes.c2s, s2c: this.chunkSizes.s2c },
      maxCsid: { c2s: this.maxCsid.c2s, s2c: this.maxCsid.s2c },
      aborts: { ...this.aborts },
    };
  }
}
