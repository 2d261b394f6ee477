/**
 * One media stream: the audio and video one message stream id carries in one direction during one
 * publish or play. Fed media headers (as the message records carry them) with their RTMP
 * timestamps, it keeps O(1) state per track — counts, running min/max/sum, the current 1-second
 * bitrate window — and reports the problems that need the stream's history: coded frames before
 * any sequence header, a first video frame that is not a keyframe, keyframe intervals over 4 s,
 * timestamps that go back or jump forward more than 1 s, audio/video drift over 1 s, and a
 * configuration change mid-stream. At the end it compares the metadata with what was sent.
 *
 * Problems that frames missing from the capture could fake (jumps, long keyframe intervals, drift,
 * steps back after a resync) are counted in the stats but reported only while the direction has
 * lost nothing (`complete`).
 *
 * Timestamps are 32-bit and wrap (after ~49.7 days, or earlier for peers that start high): a step
 * back of more than 2^31 is taken as a wrap and unwrapped, never as a regression. Only coded
 * frames count for timestamps and rates: sequence headers are often sent with timestamp 0 in the
 * middle of a stream.
 */
import type { DiagnosticCode, Direction } from '../core/diagnostics.js';
import type { MediaInfo } from '../rtmp/messages.js';
import { AUDIO_FOURCCS, VIDEO_FOURCCS, fourCcFromNumber, SOUND_FORMATS, LEGACY_VIDEO_CODECS, h264LevelName, h264ProfileName } from '../media/index.js';
import type { AudioStats, RangeMs, VideoStats } from '../records/index.js';
import { round, type At, type Context } from './emit.js';

/** A problem found by a stream, turned into a diagnostic record by the session. */
export type StreamProblem = { readonly code: DiagnosticCode; readonly message: string; readonly at: At; readonly context?: Context };

export const KEYFRAME_INTERVAL_LIMIT_MS = 4000;
export const TIMESTAMP_JUMP_MS = 1000;
export const AV_DRIFT_LIMIT_MS = 1000;
const WRAP = 2 ** 32;
const METADATA_MAX_KEYS = 40;
const METADATA_MAX_STRING = 256;

/** Codecs whose coded frames cannot be decoded without a sequence header first. */
const VIDEO_NEEDS_CONFIG = new Set(['avc', 'hevc', 'av1', 'vvc']);
const AUDIO_NEEDS_CONFIG = new Set(['aac']);
/** Codecs that Enhanced RTMP introduced (for "videocodecid 7 while the stream is HEVC/AV1"). */
const ENHANCED_ONLY_VIDEO = new Set(['hevc', 'av1', 'vp9', 'vp8', 'vvc']);

function isKey(m: MediaInfo): boolean {
  return 'frameTypeName' in m && (m.frameTypeName === 'key' || m.frameTypeName === 'generated-key');
}

/** Per-track timestamp and rate bookkeeping. */
class Track {
  frames = 0;
  bytes = 0;
  sequenceHeaders = 0;
  regressions = 0;
  jumps = 0;
  first: number | null = null;
  last: number | null = null;
  /** Unwrapped timestamp of the previous coded frame. */
  private prev: number | null = null;
  private epoch = 0;
  /**
   * Sliding 1-s window for the peak rate: bytes per distinct millisecond timestamp (a frame whose
   * timestamp does not advance joins the newest entry), so at most 1001 entries are live.
   */
  private readonly winTs: number[] = [];
  private readonly winBytes: number[] = [];
  private winHead = 0;
  private winSum = 0;
  private maxWindowBytes: number | null = null;

  /** Unwrap a 32-bit timestamp against the previous one. */
  unwrap(ts: number): number {
    let u = ts + this.epoch * WRAP;
    if (this.prev !== null && u < this.prev - WRAP / 2) {
      this.epoch++;
      u += WRAP;
    }
    return u;
  }

  /** Count a coded frame; returns how far it stepped from the previous frame (null for the first). */
  add(unwrapped: number, bytes: number): number | null {
    const step = this.prev === null ? null : unwrapped - this.prev;
    if (step !== null && step < 0) this.regressions++;
    if (step !== null && step > TIMESTAMP_JUMP_MS) this.jumps++;
    this.frames++;
    this.bytes += bytes;
    this.first ??= unwrapped;
    this.last = this.last === null ? unwrapped : Math.max(this.last, unwrapped);
    this.prev = unwrapped;
    this.slide(unwrapped, bytes);
    return step;
  }

  /** Add a frame to the window of the last second (timestamps in (t - 1000, t]) and track its peak. */
  private slide(t: number, bytes: number): void {
    const last = this.winTs.length - 1;
    if (last >= this.winHead && t <= this.winTs[last]!) this.winBytes[last]! += bytes;
    else {
      this.winTs.push(t);
      this.winBytes.push(bytes);
    }
    this.winSum += bytes;
    while (this.winTs[this.winHead]! <= t - 1000) this.winSum -= this.winBytes[this.winHead++]!;
    if (this.winHead >= 1024) {
      this.winTs.splice(0, this.winHead);
      this.winBytes.splice(0, this.winHead);
      this.winHead = 0;
    }
    this.maxWindowBytes = Math.max(this.maxWindowBytes ?? 0, this.winSum);
  }

  /** Media time covered, counting the last frame as lasting one average frame interval. */
  spanMs(): number | null {
    if (this.first === null || this.last === null || this.frames < 2 || this.last <= this.first) return null;
    return ((this.last - this.first) * this.frames) / (this.frames - 1);
  }

  /**
   * Average over the span; peak over sliding 1-s windows (over the span itself when the stream
   * is shorter than a second). The span is a window too, so the peak is never below the average:
   * a stream little longer than a second can have two keyframes a second apart that no 1-s window
   * holds together.
   */
  bitrate(): { avg: number | null; max: number | null } {
    const span = this.spanMs();
    const avg = span === null ? null : (this.bytes * 8) / span;
    const peak = this.maxWindowBytes === null ? null : (this.maxWindowBytes * 8) / (span === null ? 1000 : Math.min(1000, span));
    return {
      avg: avg === null ? null : round(avg, 1),
      max: peak === null ? null : round(Math.max(peak, avg ?? 0), 1),
    };
  }
}

type VideoConfigFacts = Pick<VideoStats, 'codecString' | 'profile' | 'level' | 'width' | 'height' | 'chromaFormat' | 'bitDepth'> & {
  readonly fps: number | null;
};
type AudioConfigFacts = Pick<AudioStats, 'codecString' | 'objectType' | 'objectTypeName' | 'sampleRate' | 'channels'> & {
  /** HE-AAC: the core rate, which metadata sometimes gives instead of the output rate. */
  readonly coreSampleRate: number | null;
};

/** HEVC and VVC records: the same facts under the same names, avgFrameRate in frames per 256 s. */
function recordFacts(
  codecString: string | undefined,
  c: { readonly profileName?: string; readonly width?: number; readonly height?: number; readonly chromaFormat?: string },
  level: string | undefined,
  bitDepth: number | undefined,
  avgFrameRate: number | undefined,
): VideoConfigFacts {
  return {
    codecString: codecString ?? null,
    profile: c.profileName ?? null,
    level: level ?? null,
    width: c.width ?? null,
    height: c.height ?? null,
    chromaFormat: c.chromaFormat ?? null,
    bitDepth: bitDepth ?? null,
    fps: avgFrameRate !== undefined && avgFrameRate > 0 ? round(avgFrameRate / 256, 3) : null,
  };
}

function videoConfigFacts(m: MediaInfo): VideoConfigFacts | null {
  const c = m.config;
  if (c === undefined) return null;
  switch (c.codec) {
    case 'avc': {
      const s = c.sps;
      return {
        codecString: c.codecString,
        profile: s?.profileName ?? h264ProfileName(c.profileIdc, c.profileCompatibility),
        level: s?.level ?? h264LevelName(c.profileIdc, c.profileCompatibility, c.levelIdc),
        width: s?.width ?? null,
        height: s?.height ?? null,
        chromaFormat: s?.chromaFormat ?? null,
        bitDepth: s?.bitDepthLuma ?? null,
        fps: s?.fps ?? null,
      };
    }
    case 'hevc':
      return recordFacts(c.codecString, c, c.level, c.bitDepthLuma, c.avgFrameRate);
    case 'av1':
      return {
        codecString: c.codecString ?? null,
        profile: c.profileName ?? null,
        level: c.seqLevelIdx0 === undefined ? null : String(c.seqLevelIdx0),
        width: c.width ?? null,
        height: c.height ?? null,
        chromaFormat: c.chromaFormat ?? null,
        bitDepth: c.bitDepth ?? null,
        fps: c.fps ?? null,
      };
    case 'vvc':
      return recordFacts(undefined, c, c.level, c.bitDepth, c.avgFrameRate);
    default:
      return null;
  }
}

function audioConfigFacts(m: MediaInfo): AudioConfigFacts | null {
  const c = m.config;
  if (c === undefined) return null;
  switch (c.codec) {
    case 'aac': {
      const out = c.extensionSampleRate ?? c.sampleRate ?? null;
      return {
        codecString: c.codecString,
        objectType: c.audioObjectType,
        objectTypeName: c.objectTypeName,
        sampleRate: out,
        channels: c.ps === true ? 2 : (c.channels ?? null),
        coreSampleRate: c.sampleRate ?? null,
      };
    }
    case 'opus':
      return { codecString: 'opus', objectType: null, objectTypeName: null, sampleRate: 48000, channels: c.channels ?? null, coreSampleRate: c.inputSampleRate ?? null };
    case 'flac':
      return { codecString: 'flac', objectType: null, objectTypeName: null, sampleRate: c.sampleRate ?? null, channels: c.channels ?? null, coreSampleRate: null };
    default:
      return null;
  }
}

function sameJson(a: unknown, b: unknown): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

/** A codec named by onMetaData's videocodecid (legacy id, FourCC number or FourCC text). */
export function metadataVideoCodec(v: unknown): string | null {
  if (typeof v === 'number') {
    const legacy = LEGACY_VIDEO_CODECS.get(v);
    if (legacy !== undefined) return legacy;
    const f = fourCcFromNumber(v);
    return f === undefined ? null : (VIDEO_FOURCCS.get(f.text) ?? null);
  }
  if (typeof v === 'string') return VIDEO_FOURCCS.get(v) ?? null;
  return null;
}

/** A codec named by onMetaData's audiocodecid (legacy sound format, FourCC number or FourCC text). */
export function metadataAudioCodec(v: unknown): string | null {
  if (typeof v === 'number') {
    if (Number.isInteger(v) && v >= 0 && v <= 15 && v !== 9) {
      const c = SOUND_FORMATS[v]?.[1];
      return c === undefined || c === 'unknown' ? null : c;
    }
    const f = fourCcFromNumber(v);
    return f === undefined ? null : (AUDIO_FOURCCS.get(f.text) ?? null);
  }
  if (typeof v === 'string') return AUDIO_FOURCCS.get(v) ?? null;
  return null;
}

/** Scalar fields of an onMetaData object, capped. */
export function metadataScalars(md: unknown): Record<string, string | number | boolean> | null {
  if (md === null || typeof md !== 'object' || Array.isArray(md)) return null;
  const out: Record<string, string | number | boolean> = {};
  let n = 0;
  for (const [k, v] of Object.entries(md as Record<string, unknown>)) {
    if (n >= METADATA_MAX_KEYS) break;
    if (k === '__proto__') continue;
    if (typeof v === 'number' || typeof v === 'boolean') out[k] = v;
    else if (typeof v === 'string') out[k] = v.length > METADATA_MAX_STRING ? v.slice(0, METADATA_MAX_STRING) : v;
    else continue;
    n++;
  }
  return out;
}

export type StreamUse = {
  readonly role: 'publish' | 'play' | null;
  readonly name: string | null;
  readonly publishType: string | null;
};

/** A sequence header's facts against the last one's: `stream.config-changed` when they differ. Returns the new facts. */
function configChange<T>(track: 'video' | 'audio', last: T | null, next: T, describe: (c: T) => string, at: At, out: StreamProblem[]): T {
  if (last !== null && !sameJson(last, next)) {
    out.push({ code: 'stream.config-changed', message: `${track} sequence header changed mid-stream: ${describe(last)} → ${describe(next)}`, at, context: { track } });
  }
  return next;
}

export class MediaStream {
  readonly video = new Track();
  readonly audio = new Track();
  videoCodec: string | null = null;
  videoCodecId: number | null = null;
  videoFourCc: string | null = null;
  videoEnhanced = false;
  audioCodec: string | null = null;
  audioSoundFormat: number | null = null;
  audioFourCc: string | null = null;
  private nominalAudio: { sampleRate: number | null; channels: number | null } = { sampleRate: null, channels: null };
  private videoConfig: VideoConfigFacts | null = null;
  private audioConfig: AudioConfigFacts | null = null;
  private reportedNoVideoConfig = false;
  private reportedNoAudioConfig = false;
  private firstVideoChecked = false;
  keyframes = 0;
  private lastKey: number | null = null;
  private lastKeyAt: At | null = null;
  private keyIntervals: { min: number; max: number; sum: number; n: number } | null = null;
  private compositionTime = false;
  private lastAudioTs: number | null = null;
  private lastVideoTs: number | null = null;
  private drift: number | null = null;
  private driftArmed = true;
  metadata: Record<string, string | number | boolean> | null = null;
  metadataAt: At | null = null;
  dataMessages = 0;
  firstFrame: number | null = null;
  lastFrame: number | null = null;
  startTime: number | null = null;
  endTime: number | null = null;
  /** Media messages of any kind (sequence headers included). */
  mediaMessages = 0;

  constructor(
    readonly streamId: number,
    readonly dir: Direction,
    /** The publish/play the stream belongs to (adopted later when its command surfaces late). */
    public use: StreamUse,
    /** Order checks (first frame, sequence headers) need the start of the stream in the capture. */
    private readonly startSeen: () => boolean,
    /** Rates measured from the stream mean something only when the capture lost none of it. */
    private readonly complete: () => boolean = () => true,
  ) {}

  get hasMedia(): boolean {
    return this.mediaMessages > 0;
  }

  get codedFrames(): number {
    return this.video.frames + this.audio.frames;
  }

  /** A data message (metadata or other) on the stream. */
  onData(metadata: unknown, at: At): void {
    this.dataMessages++;
    if (metadata !== undefined) {
      const md = metadataScalars(metadata);
      if (md !== null) {
        this.metadata = md;
        this.metadataAt = at;
      }
    }
  }

  /** One audio (8) or video (9) message or aggregate sub-tag. */
  onMedia(typeId: 8 | 9, m: MediaInfo, timestamp: number, length: number, at: At & { frame: number; time: number }): StreamProblem[] {
    const out: StreamProblem[] = [];
    this.mediaMessages++;
    this.firstFrame ??= at.frame;
    this.lastFrame = at.frame;
    this.startTime ??= at.time;
    this.endTime = at.time;
    if (typeId === 9) this.onVideo(m, timestamp, length, at, out);
    else this.onAudio(m, timestamp, length, at, out);
    return out;
  }

  private onVideo(m: MediaInfo, timestamp: number, length: number, at: At, out: StreamProblem[]): void {
    if (m.codec !== 'none' && m.codec !== 'unknown') {
      this.videoCodec = m.codec;
      this.videoEnhanced = m.ex;
      this.videoCodecId = !m.ex && 'codecId' in m ? (m.codecId ?? null) : null;
      this.videoFourCc = m.fourCc ?? null;
    }
    if (m.content === 'config') {
      this.video.sequenceHeaders++;
      const f = videoConfigFacts(m);
      if (f !== null) this.videoConfig = configChange('video', this.videoConfig, f, describeVideo, at, out);
      return;
    }
    if (m.content !== 'frames') return;
    // VP9: the picture size comes from a keyframe's uncompressed header (vpcC has none).
    const kf = m.keyframeHeader;
    if (kf !== undefined && (this.videoConfig === null || this.videoConfig.width === null)) {
      this.videoConfig = { codecString: this.videoConfig?.codecString ?? null, profile: `Profile ${kf.profile}`, level: null, width: kf.width, height: kf.height, chromaFormat: kf.chromaFormat, bitDepth: kf.bitDepth, fps: null };
    }
    const ts = this.video.unwrap(timestamp);
    const key = isKey(m);
    if (!this.firstVideoChecked) {
      this.firstVideoChecked = true;
      if (!key && this.startSeen()) {
        out.push({ code: 'stream.video.first-frame-not-key', message: `the first video frame (timestamp ${timestamp}) is ${'frameTypeName' in m ? (m.frameTypeName ?? 'unknown') : 'unknown'}, not a keyframe`, at });
      }
    }
    if (this.video.sequenceHeaders === 0 && !this.reportedNoVideoConfig && VIDEO_NEEDS_CONFIG.has(m.codec) && this.startSeen()) {
      this.reportedNoVideoConfig = true;
      out.push({ code: 'stream.video.no-sequence-header', message: `${m.codec.toUpperCase()} video frames before any video sequence header`, at, context: { codec: m.codec } });
    }
    if ('compositionTime' in m && m.compositionTime !== undefined && m.compositionTime !== 0) this.compositionTime = true;
    const step = this.video.add(ts, length);
    this.timestampChecks('video', step, timestamp, at, out);
    if (key) {
      this.keyframes++;
      if (this.lastKey !== null) {
        const iv = ts - this.lastKey;
        if (iv >= 0) {
          const k = this.keyIntervals;
          this.keyIntervals = k === null ? { min: iv, max: iv, sum: iv, n: 1 } : { min: Math.min(k.min, iv), max: Math.max(k.max, iv), sum: k.sum + iv, n: k.n + 1 };
          if (iv > KEYFRAME_INTERVAL_LIMIT_MS && this.complete()) {
            out.push({ code: 'stream.video.keyframe-interval', message: `${round(iv / 1000, 3)} s since the previous keyframe (more than 4 s)`, at, context: { intervalMs: iv } });
          }
        }
      }
      this.lastKey = ts;
      this.lastKeyAt = at;
    }
    this.lastVideoTs = ts;
    this.driftCheck(at, out);
  }

  private onAudio(m: MediaInfo, timestamp: number, length: number, at: At, out: StreamProblem[]): void {
    if (m.codec !== 'none' && m.codec !== 'unknown') {
      this.audioCodec = m.codec;
      this.audioFourCc = m.fourCc ?? null;
      this.audioSoundFormat = !m.ex && 'soundFormat' in m ? (m.soundFormat ?? null) : null;
      if ('soundRateHz' in m && m.soundRateHz !== undefined) {
        this.nominalAudio = { sampleRate: m.soundRateHz, channels: 'soundChannels' in m ? (m.soundChannels ?? null) : null };
      }
    }
    if (m.content === 'config') {
      this.audio.sequenceHeaders++;
      const f = audioConfigFacts(m);
      if (f !== null) this.audioConfig = configChange('audio', this.audioConfig, f, describeAudio, at, out);
      return;
    }
    if (m.content !== 'frames') return;
    // AC-3 / E-AC-3: no configuration record; rate and channels come from the first syncframe.
    const sf = m.syncframe;
    if (sf !== undefined && this.audioConfig === null) {
      this.audioConfig = { codecString: sf.codec === 'ac3' ? 'ac-3' : 'ec-3', objectType: null, objectTypeName: null, sampleRate: sf.sampleRate, channels: sf.channels, coreSampleRate: null };
    }
    const ts = this.audio.unwrap(timestamp);
    if (this.audio.sequenceHeaders === 0 && !this.reportedNoAudioConfig && AUDIO_NEEDS_CONFIG.has(m.codec) && this.startSeen()) {
      this.reportedNoAudioConfig = true;
      out.push({ code: 'stream.audio.no-sequence-header', message: `${m.codec.toUpperCase()} audio frames before the audio sequence header`, at, context: { codec: m.codec } });
    }
    const step = this.audio.add(ts, length);
    this.timestampChecks('audio', step, timestamp, at, out);
    this.lastAudioTs = ts;
    this.driftCheck(at, out);
  }

  private timestampChecks(track: 'audio' | 'video', step: number | null, timestamp: number, at: At, out: StreamProblem[]): void {
    // Frames missing from the capture look like jumps; resynchronised headers can look like steps back.
    if (step === null || !this.complete()) return;
    if (step < 0) {
      out.push({ code: 'stream.timestamp.regression', message: `${track} timestamp went back by ${-step} ms (to ${timestamp})`, at, context: { track, stepMs: step } });
    } else if (step > TIMESTAMP_JUMP_MS) {
      out.push({ code: 'stream.timestamp.jump', message: `${track} timestamp jumped forward by ${step} ms (to ${timestamp})`, at, context: { track, stepMs: step } });
    }
  }

  private driftCheck(at: At, out: StreamProblem[]): void {
    if (this.lastAudioTs === null || this.lastVideoTs === null) return;
    const d = Math.abs(this.lastAudioTs - this.lastVideoTs);
    this.drift = Math.max(this.drift ?? 0, d);
    if (d > AV_DRIFT_LIMIT_MS && this.driftArmed && this.complete()) {
      this.driftArmed = false;
      const ahead = this.lastAudioTs > this.lastVideoTs ? 'audio' : 'video';
      out.push({ code: 'stream.av-drift', message: `audio and video timestamps are ${d} ms apart (${ahead} ahead)`, at, context: { driftMs: d } });
    } else if (d <= AV_DRIFT_LIMIT_MS / 2) {
      this.driftArmed = true;
    }
  }

  /** End of the stream: the checks that need all of it. */
  finish(): StreamProblem[] {
    const out: StreamProblem[] = [];
    // A long tail without a keyframe (or none at all) is a long keyframe interval too.
    if (this.video.frames > 0 && this.video.last !== null && this.complete()) {
      const since = this.lastKey ?? this.video.first;
      if (since !== null && this.video.last - since > KEYFRAME_INTERVAL_LIMIT_MS) {
        const ms = this.video.last - since;
        out.push({
          code: 'stream.video.keyframe-interval',
          message: this.lastKey === null ? `no keyframe in ${round(ms / 1000, 3)} s of video` : `${round(ms / 1000, 3)} s of video after the last keyframe without another one`,
          at: this.lastKeyAt ?? {},
          context: { intervalMs: ms },
        });
      }
    }
    this.metadataChecks(out);
    return out;
  }

  private metadataChecks(out: StreamProblem[]): void {
    const md = this.metadata;
    const at = this.metadataAt ?? {};
    if (md === null) return;
    const vc = md['videocodecid'];
    if (vc === 12 || vc === 13) {
      out.push({ code: 'stream.metadata.non-standard-codec-id', message: `onMetaData videocodecid ${vc} is a non-standard id (${vc === 12 ? 'HEVC' : 'AV1'})`, at, context: { videocodecid: vc } });
    }
    if (this.video.frames > 0 || this.video.sequenceHeaders > 0) {
      const metaCodec = metadataVideoCodec(vc);
      const streamCodec = this.videoCodec;
      if (metaCodec !== null && streamCodec !== null && streamCodec !== 'multiple' && metaCodec !== streamCodec) {
        if (vc === 7 && ENHANCED_ONLY_VIDEO.has(streamCodec)) {
          out.push({
            code: 'stream.metadata.legacy-codec-id',
            message: `onMetaData says videocodecid 7 (AVC) but the stream carries ${streamCodec.toUpperCase()}${this.videoEnhanced ? ' (Enhanced RTMP)' : ''}`,
            at,
            context: { videocodecid: 7, codec: streamCodec },
          });
        } else {
          out.push({ code: 'stream.metadata.codec-mismatch', message: `onMetaData videocodecid ${String(vc)} (${metaCodec}) but the stream carries ${streamCodec}`, at, context: { track: 'video', metadata: metaCodec, stream: streamCodec } });
        }
      }
      const cfg = this.videoConfig;
      const w = md['width'];
      const h = md['height'];
      if (cfg !== null && cfg.width !== null && cfg.height !== null && typeof w === 'number' && typeof h === 'number' && (Math.round(w) !== cfg.width || Math.round(h) !== cfg.height)) {
        out.push({ code: 'stream.metadata.size-mismatch', message: `onMetaData says ${w}x${h} but the sequence header says ${cfg.width}x${cfg.height}`, at, context: { metadataWidth: w, metadataHeight: h, width: cfg.width, height: cfg.height } });
      }
      const fr = typeof md['framerate'] === 'number' ? md['framerate'] : md['fps'];
      const measured = this.measuredFps();
      if (typeof fr === 'number' && fr > 0 && measured !== null && this.video.frames >= 10 && this.complete() && Math.abs(fr - measured) / fr > 0.2) {
        out.push({ code: 'stream.metadata.framerate-mismatch', message: `onMetaData framerate ${fr} but the timestamps give ${measured} fps`, at, context: { metadata: fr, measured } });
      }
    }
    if (this.audio.frames > 0 || this.audio.sequenceHeaders > 0) {
      const ac = md['audiocodecid'];
      const metaCodec = metadataAudioCodec(ac);
      const streamCodec = this.audioCodec;
      if (metaCodec !== null && streamCodec !== null && streamCodec !== 'multiple' && metaCodec !== streamCodec) {
        out.push({ code: 'stream.metadata.codec-mismatch', message: `onMetaData audiocodecid ${String(ac)} (${metaCodec}) but the stream carries ${streamCodec}`, at, context: { track: 'audio', metadata: metaCodec, stream: streamCodec } });
      }
      const cfg = this.audioConfig;
      if (cfg !== null) {
        const rate = md['audiosamplerate'];
        const stereo = md['stereo'];
        const problems: string[] = [];
        if (typeof rate === 'number' && rate > 0 && cfg.sampleRate !== null && rate !== cfg.sampleRate && rate !== cfg.coreSampleRate) {
          problems.push(`audiosamplerate ${rate} vs ${cfg.sampleRate} Hz`);
        }
        // stereo means two channels; FFmpeg writes stereo false for 5.1, which is no contradiction.
        if (typeof stereo === 'boolean' && cfg.channels !== null && cfg.channels <= 2 && stereo !== (cfg.channels === 2)) {
          problems.push(`stereo ${String(stereo)} vs ${cfg.channels} channel(s)`);
        }
        if (problems.length > 0) {
          out.push({ code: 'stream.metadata.audio-mismatch', message: `onMetaData disagrees with the audio sequence header: ${problems.join('; ')}`, at });
        }
      }
    }
  }

  measuredFps(): number | null {
    const span = this.video.first !== null && this.video.last !== null ? this.video.last - this.video.first : 0;
    if (this.video.frames < 2 || span <= 0) return null;
    return round(((this.video.frames - 1) * 1000) / span, 2);
  }

  videoStats(): VideoStats | null {
    if (this.video.frames === 0 && this.video.sequenceHeaders === 0 && this.videoCodec === null) return null;
    const cfg = this.videoConfig;
    const k = this.keyIntervals;
    const range: RangeMs | null = k === null ? null : { min: k.min, max: k.max, avg: round(k.sum / k.n, 1) };
    return {
      codec: this.videoCodec ?? 'unknown',
      codecId: this.videoCodecId,
      fourCc: this.videoFourCc,
      codecString: cfg?.codecString ?? null,
      profile: cfg?.profile ?? null,
      level: cfg?.level ?? null,
      width: cfg?.width ?? null,
      height: cfg?.height ?? null,
      chromaFormat: cfg?.chromaFormat ?? null,
      bitDepth: cfg?.bitDepth ?? null,
      fps: { config: cfg?.fps ?? null, measured: this.measuredFps() },
      frames: this.video.frames,
      keyframes: this.keyframes,
      keyframeIntervalMs: range,
      bytes: this.video.bytes,
      bitrateKbps: this.video.bitrate(),
      sequenceHeaders: this.video.sequenceHeaders,
      compositionTime: this.compositionTime,
      timestampRegressions: this.video.regressions,
      timestampJumps: this.video.jumps,
      firstTimestamp: this.video.first,
      lastTimestamp: this.video.last,
    };
  }

  audioStats(): AudioStats | null {
    if (this.audio.frames === 0 && this.audio.sequenceHeaders === 0 && this.audioCodec === null) return null;
    const cfg = this.audioConfig;
    const nominal = this.audioCodec !== null && !AUDIO_NEEDS_CONFIG.has(this.audioCodec) ? this.nominalAudio : { sampleRate: null, channels: null };
    return {
      codec: this.audioCodec ?? 'unknown',
      soundFormat: this.audioSoundFormat,
      fourCc: this.audioFourCc,
      codecString: cfg?.codecString ?? null,
      objectType: cfg?.objectType ?? null,
      objectTypeName: cfg?.objectTypeName ?? null,
      sampleRate: cfg?.sampleRate ?? nominal.sampleRate,
      channels: cfg?.channels ?? nominal.channels,
      frames: this.audio.frames,
      bytes: this.audio.bytes,
      bitrateKbps: this.audio.bitrate(),
      sequenceHeaders: this.audio.sequenceHeaders,
      timestampRegressions: this.audio.regressions,
      timestampJumps: this.audio.jumps,
      firstTimestamp: this.audio.first,
      lastTimestamp: this.audio.last,
    };
  }

  avDriftMs(): number | null {
    return this.drift;
  }

  durationMs(): number | null {
    const spans = [this.video, this.audio].filter((t) => t.first !== null && t.last !== null).map((t) => (t.last as number) - (t.first as number));
    return spans.length === 0 ? null : Math.max(...spans);
  }
}

function describeVideo(f: VideoConfigFacts): string {
  return [f.codecString, f.width !== null && f.height !== null ? `${f.width}x${f.height}` : null, f.profile].filter((x) => x !== null).join(' ');
}

function describeAudio(f: AudioConfigFacts): string {
  return [f.codecString, f.sampleRate !== null ? `${f.sampleRate} Hz` : null, f.channels !== null ? `${f.channels} ch` : null].filter((x) => x !== null).join(' ');
}
