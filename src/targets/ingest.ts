/**
 * Ingest targets (`--target youtube|twitch|facebook|generic`): what each service documents about
 * the streams it ingests, and the check of a published stream against it. Every number here is
 * quoted in docs/ingest-targets.md with its source; a requirement the sources did not give is
 * left out (null), never guessed.
 *
 * Pure: a stream record (and the session's tcUrl) in, problems out. Without a target only the
 * codec-format check runs (chroma and bit depth that few decoders accept).
 */
import type { DiagnosticCode } from '../core/diagnostics.js';
import type { StreamRecord, VideoStats } from '../records/index.js';

export const TARGETS = ['youtube', 'twitch', 'facebook', 'generic'] as const;
export type IngestTarget = (typeof TARGETS)[number];

export function isTarget(v: string): v is IngestTarget {
  return (TARGETS as readonly string[]).includes(v);
}

/** A bitrate range for pictures up to `height` lines at up to `fps` frames per second (kbit/s). */
type BitrateRow = { readonly height: number; readonly fps: number; readonly minKbps: number | null; readonly maxKbps: number };

export type TargetSpec = {
  readonly name: string;
  /** Video codecs accepted (rtmpscope's names: avc, hevc, av1, vp9, ...). */
  readonly videoCodecs: readonly string[];
  /** AVC profiles documented as accepted (null: none documented beyond the codec). */
  readonly avcProfiles: readonly string[] | null;
  /** The longest keyframe interval accepted, ms. */
  readonly maxKeyframeIntervalMs: number;
  /** Bitrate ranges by resolution and frame rate, smallest first (empty: none documented). */
  readonly bitrates: readonly BitrateRow[];
  readonly audioCodecs: readonly string[];
  /** AAC object types accepted (2 = LC), null: any. */
  readonly aacObjectTypes: readonly number[] | null;
  readonly sampleRates: readonly number[] | null;
  readonly maxChannels: number | null;
  readonly maxAudioKbps: number | null;
  /** Audio must be present. */
  readonly audioRequired: boolean;
  readonly rtmpsRequired: boolean;
  /** Where the numbers come from (docs/ingest-targets.md has the quotes). */
  readonly source: string;
};

const MBPS = 1000;

/** Profiles most hardware decoders and every ingest service handle; beyond them, chroma or depth few decoders take. */
const AVC_COMMON_PROFILES = ['Constrained Baseline', 'Baseline', 'Main', 'Extended', 'High', 'Constrained High', 'Progressive High'];

export const TARGET_SPECS: Readonly<Record<IngestTarget, TargetSpec>> = {
  youtube: {
    name: 'YouTube',
    videoCodecs: ['avc', 'hevc', 'av1'],
    avcProfiles: null,
    maxKeyframeIntervalMs: 4000,
    bitrates: [
      { height: 720, fps: 30, minKbps: 3 * MBPS, maxKbps: 8 * MBPS },
      { height: 720, fps: 60, minKbps: 3 * MBPS, maxKbps: 8 * MBPS },
      { height: 1080, fps: 30, minKbps: 3 * MBPS, maxKbps: 8 * MBPS },
      { height: 1080, fps: 60, minKbps: 4 * MBPS, maxKbps: 10 * MBPS },
      { height: 1440, fps: 30, minKbps: 5 * MBPS, maxKbps: 25 * MBPS },
      { height: 1440, fps: 60, minKbps: 6 * MBPS, maxKbps: 30 * MBPS },
      { height: 2160, fps: 30, minKbps: 8 * MBPS, maxKbps: 35 * MBPS },
      { height: 2160, fps: 60, minKbps: 10 * MBPS, maxKbps: 40 * MBPS },
    ],
    audioCodecs: ['aac'],
    aacObjectTypes: [2],
    sampleRates: null,
    maxChannels: null,
    maxAudioKbps: null,
    audioRequired: false,
    rtmpsRequired: false,
    source: 'YouTube Help 2853702 (live encoder settings, bitrates); YouTube stream health ("keyframe frequency of four seconds or less")',
  },
  twitch: {
    name: 'Twitch',
    videoCodecs: ['avc'],
    avcProfiles: null,
    maxKeyframeIntervalMs: 2000,
    bitrates: [{ height: 100_000, fps: 1000, minKbps: null, maxKbps: 6 * MBPS }],
    audioCodecs: ['aac', 'mp3'],
    aacObjectTypes: [2],
    sampleRates: [44100, 48000],
    maxChannels: 2,
    maxAudioKbps: 320,
    audioRequired: false,
    rtmpsRequired: false,
    source: 'Twitch Help "Broadcast Requirements"; Twitch Creator Camp "Broadcast Recommendations"',
  },
  facebook: {
    name: 'Facebook',
    videoCodecs: ['avc'],
    avcProfiles: ['Constrained Baseline', 'Baseline', 'Main', 'High', 'Constrained High', 'Progressive High'],
    maxKeyframeIntervalMs: 4000,
    bitrates: [
      { height: 360, fps: 30, minKbps: 400, maxKbps: 1000 },
      { height: 480, fps: 30, minKbps: 600, maxKbps: 2000 },
      { height: 720, fps: 30, minKbps: 1500, maxKbps: 4000 },
      { height: 720, fps: 60, minKbps: 2250, maxKbps: 6000 },
      { height: 1080, fps: 30, minKbps: 3000, maxKbps: 6000 },
      { height: 1080, fps: 60, minKbps: 4500, maxKbps: 9000 },
    ],
    audioCodecs: ['aac'],
    aacObjectTypes: [2],
    sampleRates: [44100, 48000],
    maxChannels: 2,
    maxAudioKbps: 256,
    audioRequired: true,
    rtmpsRequired: true,
    source: 'Meta for Developers, Live Video API reference ("Recommended Settings")',
  },
  generic: {
    name: 'a generic ingest',
    videoCodecs: ['avc'],
    avcProfiles: AVC_COMMON_PROFILES,
    maxKeyframeIntervalMs: 4000,
    bitrates: [],
    audioCodecs: ['aac', 'mp3'],
    aacObjectTypes: null,
    sampleRates: [44100, 48000],
    maxChannels: 2,
    maxAudioKbps: null,
    audioRequired: false,
    rtmpsRequired: false,
    source: 'what the three services all take, with the 4 s keyframe limit of YouTube and Facebook (docs/ingest-targets.md, generic)',
  },
};

export type TargetProblem = { readonly code: DiagnosticCode; readonly message: string; readonly context: Readonly<Record<string, string | number | boolean>> };

/** A video format few decoders accept: chroma other than 4:2:0, or more than 8 bits (null: a common one). */
export function uncommonFormat(v: VideoStats): string | null {
  const parts: string[] = [];
  if (v.chromaFormat !== null && v.chromaFormat !== '4:2:0' && v.chromaFormat !== '4:0:0') parts.push(`${v.chromaFormat} chroma`);
  if (v.bitDepth !== null && v.bitDepth > 8 && v.codec === 'avc') parts.push(`${v.bitDepth}-bit`);
  if (parts.length === 0) return null;
  return `${codecLabel(v)} (${parts.join(', ')})`;
}

function codecLabel(v: VideoStats): string {
  const name = v.codec === 'avc' ? 'H.264' : v.codec === 'hevc' ? 'HEVC' : v.codec.toUpperCase();
  return v.profile === null ? name : `${name} ${v.profile}`;
}

/** The longest stretch without a keyframe the record shows (a lower bound when only one keyframe came). */
export function keyframeSpanMs(v: VideoStats): number | null {
  const spans: number[] = [];
  if (v.keyframeIntervalMs !== null) spans.push(v.keyframeIntervalMs.max);
  if (v.keyframes <= 1 && v.firstTimestamp !== null && v.lastTimestamp !== null) spans.push(v.lastTimestamp - v.firstTimestamp);
  return spans.length === 0 ? null : Math.max(...spans);
}

/** Checks of one stream: the format check always, the target's when one is given (published streams only). */
export function checkStream(s: StreamRecord, target: IngestTarget | null, tcUrl: string | null): TargetProblem[] {
  const out: TargetProblem[] = [];
  const v = s.video;
  if (target === null) {
    const odd = v === null ? null : uncommonFormat(v);
    if (odd !== null && v !== null)
      out.push({ code: 'stream.video.uncommon-format', message: `${odd}: few players, browsers and hardware decoders can decode it`, context: { profile: v.profile ?? '', chromaFormat: v.chromaFormat ?? '', bitDepth: v.bitDepth ?? 0 } });
    return out;
  }
  if (s.role !== 'publish') return out;
  const spec = TARGET_SPECS[target];
  const ctx = { target };
  if (v !== null) videoChecks(v, spec, ctx, out);
  audioChecks(s, spec, ctx, out);
  if (spec.rtmpsRequired && tcUrl !== null && !/^rtmps:/i.test(tcUrl)) {
    out.push({ code: 'target.transport', message: `${spec.name} requires RTMPS; this publish connected with ${tcUrl.split(':')[0] ?? 'rtmp'}://`, context: ctx });
  }
  return out;
}

type Ctx = { readonly target: IngestTarget };

function videoChecks(v: VideoStats, spec: TargetSpec, ctx: Ctx, out: TargetProblem[]): void {
  if (!spec.videoCodecs.includes(v.codec)) {
    out.push({ code: 'target.video.codec', message: `${spec.name} does not document ${codecLabel(v)} as an ingest codec (documented: ${spec.videoCodecs.join(', ')})`, context: { ...ctx, codec: v.codec } });
  } else {
    const odd = uncommonFormat(v);
    const profiles = v.codec === 'avc' ? (spec.avcProfiles ?? AVC_COMMON_PROFILES) : null;
    if (odd !== null || (profiles !== null && v.profile !== null && !profiles.includes(v.profile))) {
      out.push({ code: 'target.video.codec', message: `${spec.name} does not take ${odd ?? codecLabel(v)}: encode 8-bit 4:2:0 (x264: -pix_fmt yuv420p, -profile:v high)`, context: { ...ctx, codec: v.codec, profile: v.profile ?? '' } });
    }
  }
  const span = keyframeSpanMs(v);
  if (span !== null && span > spec.maxKeyframeIntervalMs * 1.05) {
    const s = spec.maxKeyframeIntervalMs / 1000;
    const rate = v.fps.measured ?? v.fps.config;
    const g = rate === null ? `-g ${s} × frame rate` : `-g ${Math.round(s * rate)} at ${rate} fps`;
    out.push({
      code: 'target.video.keyframe-interval',
      message: `${Math.round(span) / 1000} s between keyframes${v.keyframes <= 1 ? ' (or more: no second keyframe came)' : ''}; ${spec.name} wants one at least every ${s} s (ffmpeg: ${g}, or -force_key_frames "expr:gte(t,n_forced*${s})")`,
      context: { ...ctx, intervalMs: span, limitMs: spec.maxKeyframeIntervalMs },
    });
  }
  const kbps = v.bitrateKbps.avg;
  const fps = v.fps.measured ?? v.fps.config;
  if (kbps !== null && v.height !== null && spec.bitrates.length > 0) {
    const h = Math.min(v.width ?? v.height, v.height);
    const row = spec.bitrates.find((r) => h <= r.height && (fps ?? 30) <= r.fps * 1.05) ?? spec.bitrates[spec.bitrates.length - 1];
    if (row !== undefined && ((row.minKbps !== null && kbps < row.minKbps) || kbps > row.maxKbps)) {
      const range = row.minKbps === null ? `at most ${row.maxKbps} kbit/s` : `${row.minKbps}-${row.maxKbps} kbit/s`;
      out.push({
        code: 'target.video.bitrate',
        message: `video at ${kbps} kbit/s (${v.width ?? '?'}x${v.height}${fps === null ? '' : ` @ ${fps} fps`}); ${spec.name} documents ${range} for it`,
        context: { ...ctx, kbps, minKbps: row.minKbps ?? 0, maxKbps: row.maxKbps },
      });
    }
  }
}

function audioChecks(s: StreamRecord, spec: TargetSpec, ctx: Ctx, out: TargetProblem[]): void {
  const a = s.audio;
  if (a === null) {
    if (spec.audioRequired && s.video !== null) out.push({ code: 'target.audio', message: `no audio: ${spec.name} requires both audio and video`, context: { ...ctx, problem: 'missing' } });
    return;
  }
  const problems: string[] = [];
  if (!spec.audioCodecs.includes(a.codec)) problems.push(`codec ${a.codec} (documented: ${spec.audioCodecs.join(', ')})`);
  else if (a.codec === 'aac' && spec.aacObjectTypes !== null && a.objectType !== null && !spec.aacObjectTypes.includes(a.objectType)) problems.push(`${a.objectTypeName ?? `AAC object type ${a.objectType}`} (documented: AAC-LC)`);
  if (spec.sampleRates !== null && a.sampleRate !== null && !spec.sampleRates.includes(a.sampleRate)) problems.push(`${a.sampleRate} Hz (documented: ${spec.sampleRates.join(' or ')} Hz)`);
  if (spec.maxChannels !== null && a.channels !== null && a.channels > spec.maxChannels) problems.push(`${a.channels} channels (documented: at most ${spec.maxChannels})`);
  if (spec.maxAudioKbps !== null && a.bitrateKbps.avg !== null && a.bitrateKbps.avg > spec.maxAudioKbps * 1.05) problems.push(`${a.bitrateKbps.avg} kbit/s (documented: at most ${spec.maxAudioKbps})`);
  if (problems.length > 0) out.push({ code: 'target.audio', message: `audio ${problems.join('; ')}: not what ${spec.name} documents`, context: { ...ctx, problem: problems[0] ?? '' } });
}
