/**
 * E-RTMP tracks: one media stream may carry several audio and video tracks (Multitrack packets:
 * OneTrack, ManyTracks, ManyTracksManyCodecs). Track 0 is the default track: plain (non-multitrack)
 * media is track 0, and a stream's `video`/`audio` figures are track 0's. Every other trackId
 * gets a MediaStream of its own (one media kind each), so its frames, rates, keyframe interval and
 * timestamps are measured apart and stream-level checks (fps, metadata mismatch, drift) never mix
 * tracks. onMetaData's videoTrackIdInfoMap/audioTrackIdInfoMap entries are held against the
 * track they name; a track the map describes that never carried media is a diagnostic.
 *
 * Bounded: at most MAX_TRACKS tracks per media kind are measured; further ones are counted only.
 */
import type { Direction } from '../core/diagnostics.js';
import type { MediaInfo } from '../rtmp/messages.js';
import { MediaStream, metadataScalars, type StreamProblem } from './media-stream.js';
import type { At } from './emit.js';
import type { AudioStats, TrackForm, TrackKind, TrackRecord, VideoStats } from '../records/index.js';

export const MAX_TRACKS = 16;

/** One track's share of a media message. */
export type TrackPart = { readonly trackId: number; readonly form: TrackForm; readonly media: MediaInfo; readonly length: number };

/**
 * Splits a media message into per-track parts: a plain message is track 0 whole; a Multitrack
 * message gives one part per track with the track's codec, FourCC, composition time and decoded
 * configuration, its length the track's media bytes.
 */
export function trackParts(m: MediaInfo, length: number): TrackPart[] {
  const mt = m.multitrack;
  if (mt === undefined) return [{ trackId: 0, form: 'plain', media: m, length }];
  const { multitrack: _mt, trackConfigs, config: _config, trackSyncframes, ...rest } = m;
  const parts: TrackPart[] = [];
  for (const t of mt.tracks) {
    const config = trackConfigs?.find((c) => c.trackId === t.trackId)?.config;
    const syncframe = trackSyncframes?.find((c) => c.trackId === t.trackId)?.syncframe;
    const ct = 'compositionTime' in t ? t.compositionTime : undefined;
    const media = {
      ...rest,
      codec: t.codec,
      fourCc: t.fourCc,
      ...(ct === undefined ? {} : { compositionTime: ct }),
      ...(config === undefined ? {} : { config }),
      ...(syncframe === undefined ? {} : { syncframe }),
      bodyOffset: t.bodyOffset,
      bodyLength: t.bodyLength,
    } as MediaInfo;
    parts.push({ trackId: t.trackId, form: mt.typeName, media, length: t.bodyLength });
  }
  return parts;
}

type Extra = { readonly kind: TrackKind; readonly trackId: number; readonly stream: MediaStream };

/** The tracks of one media stream beside its default track (the MediaStream itself). */
export class StreamTracks {
  private readonly extra = new Map<string, Extra>();
  private readonly forms = new Map<string, Set<TrackForm>>();
  private multitrackSeen = false;
  private capped = 0;
  private infoMaps: { readonly video: Record<string, unknown> | null; readonly audio: Record<string, unknown> | null } = { video: null, audio: null };
  private infoMapAt: At = {};

  constructor(
    readonly main: MediaStream,
    private readonly make: (streamId: number, dir: Direction) => MediaStream,
  ) {}

  /** One audio (8) or video (9) message: each track's part goes to its own stream. */
  onMedia(typeId: 8 | 9, media: MediaInfo, timestamp: number, length: number, at: At & { frame: number; time: number }): StreamProblem[] {
    const kind: TrackKind = typeId === 9 ? 'video' : 'audio';
    if (media.multitrack !== undefined) this.multitrackSeen = true;
    const out: StreamProblem[] = [];
    for (const part of trackParts(media, length)) {
      const key = `${kind}:${part.trackId}`;
      let forms = this.forms.get(key);
      if (forms === undefined) {
        if (this.forms.size >= 2 * MAX_TRACKS) {
          this.capped++;
          continue;
        }
        forms = new Set();
        this.forms.set(key, forms);
      }
      forms.add(part.form);
      if (part.trackId === 0) {
        out.push(...this.main.onMedia(typeId, part.media, timestamp, part.length, at));
        continue;
      }
      const s = this.stream(kind, part.trackId);
      if (s === null) continue;
      for (const p of s.onMedia(typeId, part.media, timestamp, part.length, at)) out.push(onTrack(p, kind, part.trackId));
    }
    return out;
  }

  /** An onMetaData object: its per-track info maps are kept for the end. */
  onMetadata(md: unknown, at: At): void {
    if (md === null || typeof md !== 'object' || Array.isArray(md)) return;
    const o = md as Record<string, unknown>;
    const map = (v: unknown): Record<string, unknown> | null => (v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : null);
    const video = map(o['videoTrackIdInfoMap']);
    const audio = map(o['audioTrackIdInfoMap']);
    if (video === null && audio === null) return;
    this.infoMaps = { video, audio };
    this.infoMapAt = at;
  }

  private stream(kind: TrackKind, trackId: number): MediaStream | null {
    const key = `${kind}:${trackId}`;
    const e = this.extra.get(key);
    if (e !== undefined) return e.stream;
    if (this.extra.size >= 2 * MAX_TRACKS) return null;
    const stream = this.make(this.main.streamId, this.main.dir);
    this.extra.set(key, { kind, trackId, stream });
    return stream;
  }

  /** End of the stream: per-track metadata checks and the tracks' own end checks. */
  finish(): StreamProblem[] {
    const out: StreamProblem[] = [];
    for (const kind of ['video', 'audio'] as const) {
      const map = this.infoMaps[kind];
      if (map === null) continue;
      for (const [id, entry] of Object.entries(map).slice(0, MAX_TRACKS)) {
        const trackId = Number(id);
        if (!Number.isInteger(trackId) || trackId < 0 || trackId > 255) continue;
        if (!this.forms.has(`${kind}:${trackId}`)) {
          out.push({
            code: 'stream.track.described-not-sent',
            message: `onMetaData's ${kind}TrackIdInfoMap describes ${kind} track ${trackId}, but no ${kind} arrived on that track`,
            at: this.infoMapAt,
            context: { track: kind, trackId },
          });
          continue;
        }
        if (trackId !== 0) this.extra.get(`${kind}:${trackId}`)?.stream.onData(entry, this.infoMapAt);
      }
    }
    for (const e of this.extra.values()) for (const p of e.stream.finish()) out.push(onTrack(p, e.kind, e.trackId));
    return out;
  }

  /** The stream record's `tracks` (undefined when the stream never used a Multitrack packet). */
  records(main: { readonly video: VideoStats | null; readonly audio: AudioStats | null }): TrackRecord[] | undefined {
    if (!this.multitrackSeen) return undefined;
    const out: TrackRecord[] = [];
    const entry = (kind: TrackKind, trackId: number): Readonly<Record<string, string | number | boolean>> | null => {
      const v = this.infoMaps[kind]?.[String(trackId)];
      return v === undefined ? null : metadataScalars(v);
    };
    for (const [key, forms] of this.forms) {
      const [kind, id] = key.split(':') as [TrackKind, string];
      const trackId = Number(id);
      const s = trackId === 0 ? null : (this.extra.get(key)?.stream ?? null);
      const video = kind === 'video' ? (trackId === 0 ? main.video : (s?.videoStats() ?? null)) : null;
      const audio = kind === 'audio' ? (trackId === 0 ? main.audio : (s?.audioStats() ?? null)) : null;
      out.push({ kind, trackId, forms: [...forms], metadata: entry(kind, trackId), video, audio });
    }
    out.sort((a, b) => (a.kind === b.kind ? a.trackId - b.trackId : a.kind === 'video' ? -1 : 1));
    return out;
  }

  /** Tracks past the cap (not measured). */
  get cappedParts(): number {
    return this.capped;
  }
}

/** A problem of a non-default track: named and located as that track's. */
function onTrack(p: StreamProblem, kind: TrackKind, trackId: number): StreamProblem {
  return { ...p, message: `${kind} track ${trackId}: ${p.message}`, context: { ...(p.context ?? {}), trackId } };
}
