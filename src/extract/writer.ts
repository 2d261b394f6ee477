/**
 * One stream as one FLV file, written as its messages complete: header, an onMetaData first (the
 * stream's own when it came before any media, with the extractor's properties spliced in; else
 * one of ours), then every tag at its timestamp — audio and video bodies unchanged (legacy or
 * Enhanced: E-RTMP's tag bodies are Enhanced FLV's), aggregates split into their tags, data
 * messages as script tags (AMF3 data messages converted to AMF0: amf3-data.ts). Across a loss the gap policy (policy.ts) drops what cannot be decoded.
 * At close the header's audio/video flags and the metadata's counts are patched in place.
 *
 * Memory is flat: a tag is written when its message completes and nothing of it is kept.
 * Output failures (disk full…) stop this file, reported once; they never throw to the decoder.
 */
import { decodeAudioHeader } from '../media/audio.js';
import { decodeVideoHeader } from '../media/video.js';
import { FLAGS_OFFSET, TAG_AUDIO, TAG_SCRIPT, TAG_VIDEO, fileHeader, headerFlags, splitAggregate, tag } from './flv.js';
import { amf0ScriptData } from './amf3-data.js';
import { amfDouble, isOnMetaData, ownMetadata, scriptData, spliceMetadata } from './metadata.js';
import { GapPolicy, type GapEpisode, type TagKind } from './policy.js';

/** Where a stream's bytes go: a file written in order, patched at known offsets at the end. */
export interface FlvOut {
  readonly path: string;
  write(parts: readonly Uint8Array[]): void;
  patch(position: number, bytes: Uint8Array): void;
  close(): void;
}

/** The properties the extractor adds to the first onMetaData (numbers, patched at close). */
export const GAPS_PROPERTY = 'rtmpscopeGaps';
export const DROPPED_PROPERTY = 'rtmpscopeDroppedTags';
const PROPERTIES = [GAPS_PROPERTY, DROPPED_PROPERTY];

export type WriterStats = {
  /** Coded video frames written (what a demuxer counts as video packets). */
  readonly videoFrames: number;
  readonly audio: number;
  /** Other tags: video configuration/metadata, script data. */
  readonly other: number;
  readonly gaps: number;
  readonly dropped: number;
};

/** What a media tag is, for the gap policy. */
export function tagKind(type: number, data: Uint8Array): TagKind {
  if (type === TAG_VIDEO) {
    const h = decodeVideoHeader(data);
    if (h.content !== 'frames') return 'other';
    return h.frameType === 1 || h.frameType === 4 ? 'video-key' : 'video-frame';
  }
  if (type === TAG_AUDIO) return decodeAudioHeader(data).content === 'frames' ? 'audio-frame' : 'other';
  return 'other';
}

export class FlvStreamWriter {
  private out: FlvOut | null = null;
  private state: 'pending' | 'open' | 'skipped' | 'failed' | 'closed' = 'pending';
  private pos = 0;
  /** File offsets of the added properties' 8 number bytes. */
  private offsets: Record<string, number> = {};
  private audioSeen = false;
  private videoSeen = false;
  private videoFrames = 0;
  private audio = 0;
  private other = 0;
  private readonly policy: GapPolicy;

  constructor(
    /** Called at the first tag: where to write, or null to skip this stream. */
    private readonly opener: () => FlvOut | null,
    private readonly onEpisode: (e: GapEpisode) => void,
    private readonly onError: (path: string, e: unknown) => void,
    /** Anything else worth one line (AMF3 data values that could not be converted). */
    private readonly onNote: (line: string) => void = () => {},
  ) {
    // Episodes of a stream not opened yet wait: a stream left out reports none.
    this.policy = new GapPolicy((e) => (this.state === 'pending' ? this.waiting.push(e) : this.state !== 'skipped' && onEpisode(e)));
  }

  private waiting: GapEpisode[] = [];

  get path(): string | null {
    return this.out?.path ?? null;
  }

  get written(): boolean {
    return this.state === 'open' || (this.state === 'closed' && this.out !== null);
  }

  /** Messages may have been lost here (see GapPolicy). */
  loss(why: string, quiet = false): void {
    this.policy.loss(why, quiet);
  }

  /**
   * One complete message of the stream: `payload` is the whole body of audio, video and aggregate
   * messages (null when not whole); data messages use `body` unless it was cut.
   */
  message(typeId: number, timestamp: number, body: Uint8Array, bodyTruncated: boolean, payload: Uint8Array | null | undefined): void {
    if (this.state === 'skipped' || this.state === 'failed' || this.state === 'closed') return;
    if (typeId === TAG_AUDIO || typeId === TAG_VIDEO) {
      if (payload == null) this.policy.damaged(tagKind(typeId, body), `${typeId === TAG_VIDEO ? 'a video' : 'an audio'} message at ${timestamp} ms was not captured whole`);
      else this.media(typeId, timestamp, payload);
    } else if (typeId === 22) {
      if (payload == null) {
        this.policy.damaged('other', `an aggregate message at ${timestamp} ms was not captured whole`);
        return;
      }
      const { tags, rest } = splitAggregate(payload, timestamp);
      for (const t of tags) {
        if (t.type === TAG_AUDIO || t.type === TAG_VIDEO) this.media(t.type, t.timestamp, t.data);
        else if (t.type === TAG_SCRIPT) this.script(t.timestamp, t.data);
      }
      if (rest > 0) this.policy.loss(`${rest} bytes of an aggregate message at ${timestamp} ms do not form a tag`);
    } else if (typeId === 18 && !bodyTruncated) {
      this.script(timestamp, scriptData(body));
    } else if (typeId === 15 && !bodyTruncated) {
      // AMF3 data: FLV script data is AMF0 (amf3-data.ts).
      const s = amf0ScriptData(body);
      if (s !== null) this.script(timestamp, scriptData(s.data));
      // Said only of a stream being written (not of one left out).
      if (this.state !== 'open') return;
      if (s === null) this.onNote(`an AMF3 data message at ${timestamp} ms does not decode; not written`);
      else if (s.lossy > 0) this.onNote(`an AMF3 data message at ${timestamp} ms: ${s.lossy} value(s) that AMF0 script data cannot carry written as 'unsupported'`);
    }
  }

  /** The stream ended: patch the header and metadata, close the file. */
  close(): void {
    if (this.state === 'closed') return;
    this.policy.finish();
    const was = this.state;
    this.state = 'closed';
    if (was !== 'open' || this.out === null) return;
    const out = this.out;
    try {
      out.patch(FLAGS_OFFSET, Uint8Array.of(headerFlags(this.audioSeen, this.videoSeen)));
      out.patch(this.offsets[GAPS_PROPERTY] as number, amfDouble(this.policy.gaps));
      out.patch(this.offsets[DROPPED_PROPERTY] as number, amfDouble(this.policy.dropped));
      out.close();
    } catch (e) {
      this.onError(out.path, e);
    }
  }

  stats(): WriterStats {
    return { videoFrames: this.videoFrames, audio: this.audio, other: this.other, gaps: this.policy.gaps, dropped: this.policy.dropped };
  }

  private media(type: number, timestamp: number, data: Uint8Array): void {
    const kind = tagKind(type, data);
    if (!this.policy.admit(kind, timestamp) || !this.start(null)) return;
    if (type === TAG_VIDEO) this.videoSeen = true;
    else this.audioSeen = true;
    if (kind === 'video-key' || kind === 'video-frame') this.videoFrames++;
    else if (kind === 'audio-frame') this.audio++;
    else this.other++;
    this.emit(type, timestamp, data);
  }

  private script(timestamp: number, data: Uint8Array): void {
    if (this.state === 'pending' && isOnMetaData(data)) {
      // The stream's own metadata before any media: it becomes the file's first tag.
      if (this.start(data, timestamp)) this.other++;
      return;
    }
    if (!this.start(null)) return;
    this.other++;
    this.emit(TAG_SCRIPT, timestamp, data);
  }

  /**
   * Open the file at the first tag: the header, then the first onMetaData with our properties —
   * `meta` (the stream's own) spliced, or ours followed by `meta` when it cannot be spliced.
   * False when nothing may be written.
   */
  private start(meta: Uint8Array | null, timestamp = 0): boolean {
    if (this.state !== 'pending') return this.state === 'open';
    const out = this.opener();
    const waiting = this.waiting;
    this.waiting = [];
    if (out === null) {
      this.state = 'skipped';
      return false;
    }
    this.out = out;
    this.state = 'open';
    for (const e of waiting) this.onEpisode(e);
    this.write([fileHeader(true, true)]);
    const spliced = meta === null ? null : spliceMetadata(meta, PROPERTIES);
    const first = spliced ?? ownMetadata(PROPERTIES);
    for (const [name, at] of Object.entries(first.offsets)) this.offsets[name] = this.pos + 11 + at;
    this.emit(TAG_SCRIPT, spliced === null ? 0 : timestamp, first.data);
    if (meta !== null && spliced === null) this.emit(TAG_SCRIPT, timestamp, meta);
    return this.state === 'open';
  }

  private emit(type: number, timestamp: number, data: Uint8Array): void {
    this.write(tag(type, timestamp, data));
  }

  private write(parts: readonly Uint8Array[]): void {
    if (this.state !== 'open' || this.out === null) return;
    try {
      this.out.write(parts);
      for (const p of parts) this.pos += p.length;
    } catch (e) {
      this.state = 'failed';
      this.onError(this.out.path, e);
      try {
        this.out.close();
      } catch {
        // already reported
      }
    }
  }
}
