/**
 * The session overview (the detail pane while the sessions pane has focus): what the session is
 * and whether it is healthy, on one screen.
 *
 * Contract:
 * - `StreamMeters` counts, per media stream of a session (message stream id and direction), the
 *   media bytes and video frames of each second of capture time in a ring of `METER_SECONDS`
 *   buckets; at most `MAX_METERED_STREAMS` streams a session (later ones are not metered).
 *   Memory is fixed whatever the session's length; a push is O(1) (O(gap) up to the ring's size
 *   when seconds are skipped).
 * - `overviewLines(session, width, height?)` is pure: it reads the session's record (its facts
 *   arrive when the connection ends), its `stream` records and its meters, and returns flat detail
 *   lines no wider than `width` (long values wrap or are clipped). Before the session record only
 *   what the messages told is shown (role, app/stream, the meters), with a line saying the rest
 *   comes when the session ends. With a `height` (the pane's lines) that cannot hold every line,
 *   lines are dropped by rank, least useful first (step details, the fps sparkline, the
 *   endpoints, problem codes, the bitrate sparkline, then connect, steps, chunk sizes), never
 *   what each stream is (codec, size, fps, bitrate, keyframe interval) nor the problem count
 *   unless even those do not fit (then the first lines and the problem count), and a last line
 *   says how many were left out.
 */
import type { SessionRecord, StreamRecord } from '../records/index.js';
import { clean, clip, isObj, num, str, thousands } from './format.js';
import type { ColorRole } from './theme.js';
import type { DetailLine } from './tree.js';

/** Seconds of history each meter keeps. */
export const METER_SECONDS = 60;
/** Streams metered per session. */
export const MAX_METERED_STREAMS = 8;
/** Stream records kept per session for the overview. */
export const MAX_STREAM_RECORDS = 16;

/** One stream's per-second media bytes and video frames, for the last METER_SECONDS seconds. */
export class Meter {
  readonly bytes = new Float64Array(METER_SECONDS);
  readonly frames = new Uint32Array(METER_SECONDS);
  /** The second of the newest bucket (capture time, floor), or null before the first message. */
  last: number | null = null;
  /** The second of the first message. */
  first: number | null = null;
  /** What the last video and audio configurations said (codec, profile, size...), for open sessions. */
  video: string | null = null;
  audio: string | null = null;

  add(time: number, bytes: number, videoFrame: boolean): void {
    const sec = Math.floor(time);
    if (this.last === null) this.last = this.first = sec;
    else if (sec > this.last) {
      const gap = Math.min(sec - this.last, METER_SECONDS);
      for (let k = 1; k <= gap; k++) {
        const i = (((this.last + k) % METER_SECONDS) + METER_SECONDS) % METER_SECONDS;
        this.bytes[i] = 0;
        this.frames[i] = 0;
      }
      this.last = sec;
    } else if (sec <= this.last - METER_SECONDS) return; // older than the ring
    const i = ((sec % METER_SECONDS) + METER_SECONDS) % METER_SECONDS;
    this.bytes[i]! += bytes;
    if (videoFrame) this.frames[i]!++;
    if (this.first !== null && sec < this.first) this.first = sec;
  }

  /** The buckets oldest first, `count` of them ending at the newest second. */
  series(which: 'bytes' | 'frames', count = METER_SECONDS): number[] {
    if (this.last === null) return [];
    const n = Math.min(count, METER_SECONDS, this.last - (this.first ?? this.last) + 1);
    const src = which === 'bytes' ? this.bytes : this.frames;
    const out: number[] = [];
    for (let s = this.last - n + 1; s <= this.last; s++) out.push(src[((s % METER_SECONDS) + METER_SECONDS) % METER_SECONDS]!);
    return out;
  }
}

/** The meters of one session, by `${dir}:${streamId}`. */
export class StreamMeters {
  readonly byKey = new Map<string, Meter>();
  /** Media messages of streams beyond MAX_METERED_STREAMS (not metered). */
  unmetered = 0;

  /** One audio (8) or video (9) message. */
  add(dir: 'c2s' | 's2c', streamId: number, typeId: number, time: number, length: number): void {
    const key = `${dir}:${streamId}`;
    let m = this.byKey.get(key);
    if (m === undefined) {
      if (this.byKey.size >= MAX_METERED_STREAMS) {
        this.unmetered++;
        return;
      }
      m = new Meter();
      this.byKey.set(key, m);
    }
    m.add(time, length, typeId === 9);
  }

  /** A media message's configuration (sequence header), summarised for the live overview. */
  configure(dir: 'c2s' | 's2c', streamId: number, typeId: number, media: unknown): void {
    const m = this.byKey.get(`${dir}:${streamId}`);
    if (m === undefined || !isObj(media) || !isObj(media['config'])) return;
    const c = media['config'];
    const codec = str(c, 'codec') ?? str(media, 'codec') ?? '?';
    if (typeId === 9) {
      // AVC keeps the SPS facts under `sps`; HEVC and AV1 at the top.
      const f = isObj(c['sps']) ? c['sps'] : c;
      const w = num(f, 'width');
      const h = num(f, 'height');
      m.video = clean(join([codec, str(f, 'profileName'), str(f, 'level'), w === undefined || h === undefined ? null : `${w}×${h}`]));
    } else {
      const rate = num(c, 'sampleRate') ?? num(media, 'soundRateHz');
      const ch = num(c, 'channels') ?? num(media, 'soundChannels');
      m.audio = clean(join([codec, str(c, 'objectTypeName'), rate === undefined ? null : `${thousands(rate)} Hz`, ch === undefined ? null : `${ch} ch`]));
    }
  }

  get(dir: 'c2s' | 's2c', streamId: number): Meter | undefined {
    return this.byKey.get(`${dir}:${streamId}`);
  }
}

const BARS = '▁▂▃▄▅▆▇█';

/** A sparkline of the values scaled to their maximum (a blank for zero). */
export function sparkline(values: readonly number[]): string {
  let max = 0;
  for (const v of values) if (v > max) max = v;
  if (max === 0) return values.map(() => '▁').join('');
  return values.map((v) => (v <= 0 ? ' ' : BARS[Math.min(BARS.length - 1, Math.floor((v / max) * (BARS.length - 1) + 0.5))]!)).join('');
}

/** What the overview reads of a session (a `SessionEntry`; a plain object in tests). */
export type OverviewSession = {
  readonly id: number;
  readonly client: string;
  readonly server: string;
  readonly record: SessionRecord | null;
  readonly role: string;
  readonly appStream: string;
  readonly transport: string | null;
  readonly problemCount: number;
  readonly worst: 'info' | 'warn' | 'error' | null;
  readonly startTime: number;
  readonly lastTime: number;
  readonly streamRecords: readonly StreamRecord[];
  readonly meters: StreamMeters;
  /** Diagnostic codes seen live (first few), for open sessions. */
  readonly problemCodes: ReadonlyMap<string, number>;
  /** Records past the UI's row cap: counted (meters, problems), not in the timeline. */
  readonly dropped?: number;
};

/** How readily a line is dropped when the pane is short (see `fit`): 0 never. */
type Rank = 0 | 1 | 2 | 3 | 4;
type Out = { lines: DetailLine[]; ranks: Rank[]; n: number; rank: Rank };

/** A line at the current rank (`o.rank`). */
function push(o: Out, depth: number, label: string, value?: string, role?: ColorRole): void {
  const l: { id: string; depth: number; label: string; value?: string; role?: ColorRole; hasChildren: boolean; open: boolean } = {
    id: `ov/${o.n++}`,
    depth,
    label,
    hasChildren: false,
    open: false,
  };
  if (value !== undefined) l.value = value;
  if (role !== undefined) l.role = role;
  o.lines.push(l);
  o.ranks.push(o.rank);
}

/** Run `f` with lines pushed at `rank`. */
function ranked(o: Out, rank: Rank, f: () => void): void {
  const was = o.rank;
  o.rank = rank;
  f();
  o.rank = was;
}

/** Drop the highest-ranked lines (latest first) until they fit `height` with a note of how many went. */
function fit(o: Out, height: number | undefined): DetailLine[] {
  if (height === undefined || o.lines.length <= height) return o.lines;
  const keep = o.ranks.map(() => true);
  let kept = o.lines.length;
  const room = Math.max(1, height - 1);
  for (let rank = 4; rank > 0 && kept > room; rank--) {
    for (let i = o.lines.length - 1; i >= 0 && kept > room; i--) {
      if (o.ranks[i] === rank && keep[i]) {
        keep[i] = false;
        kept--;
      }
    }
  }
  let out = o.lines.filter((_, i) => keep[i]);
  // Still too many (only rank 0 is left): the first lines, and the last one, the problem count.
  if (out.length > room) out = room === 1 ? out.slice(0, 1) : [...out.slice(0, room - 1), out[out.length - 1]!];
  const hidden = o.lines.length - out.length;
  out.push({ id: 'ov/hidden', depth: 0, label: `${hidden} more line${hidden === 1 ? '' : 's'} in a taller terminal`, role: 'dim', hasChildren: false, open: false });
  return out;
}

function kbps(v: number | null | undefined): string | null {
  return v === null || v === undefined ? null : `${thousands(Math.round(v))} kb/s`;
}

function ms(v: number | null | undefined): string {
  if (v === null || v === undefined) return '?';
  return v >= 10_000 ? `${(v / 1000).toFixed(1)} s` : `${Math.round(v)} ms`;
}

function join(parts: readonly (string | null | undefined | false)[]): string {
  return parts.filter((p): p is string => typeof p === 'string' && p !== '').join('  ');
}

/** A video track in two lines: what it is, then its rates. */
function videoLines(v: NonNullable<StreamRecord['video']>): [string, string] {
  const fps = v.fps.measured ?? v.fps.config;
  const gop = v.keyframeIntervalMs === null ? null : `keyframe every ${ms(v.keyframeIntervalMs.avg)}`;
  return [
    join([
      clean(v.codec),
      v.profile === null ? null : clean(v.profile) + (v.level === null ? '' : ` ${clean(v.level)}`),
      v.width === null || v.height === null ? 'size ?' : `${v.width}×${v.height}`,
      fps === null ? null : `${fps.toFixed(fps < 10 ? 2 : 1)} fps`,
    ]),
    join([kbps(v.bitrateKbps.avg), v.bitrateKbps.max === null ? null : `(max ${thousands(Math.round(v.bitrateKbps.max))})`, gop]) || 'no coded frames',
  ];
}

function pushVideo(o: Out, label: string, v: NonNullable<StreamRecord['video']>): void {
  const [what, rates] = videoLines(v);
  push(o, 1, label, what, 'video');
  push(o, 1, `${' '.repeat(label.length + 2)}${rates}`, undefined, 'video');
}

function audioLine(a: NonNullable<StreamRecord['audio']>): string {
  return join([clean(a.codec), a.objectTypeName === null ? null : clean(a.objectTypeName), a.sampleRate === null ? null : `${thousands(a.sampleRate)} Hz`, a.channels === null ? null : `${a.channels} ch`, kbps(a.bitrateKbps.avg)]);
}

function arrowOf(dir: 'c2s' | 's2c'): string {
  return dir === 'c2s' ? 'c→s' : 's→c';
}

/** Sparklines of a stream's meter, fitted to the width. */
function meterLines(o: Out, m: Meter | undefined, width: number): void {
  if (m === undefined || m.last === null) return;
  const n = Math.max(4, Math.min(METER_SECONDS, width - 22));
  const bytes = m.series('bytes', n);
  const frames = m.series('frames', n);
  const peak = Math.max(...bytes);
  ranked(o, 2, () => push(o, 1, `kb/s ${sparkline(bytes.map((b) => b))}`, `peak ${thousands(Math.round((peak * 8) / 1000))}`, 'accent'));
  if (frames.some((f) => f > 0)) ranked(o, 4, () => push(o, 1, `fps  ${sparkline(frames)}`, `peak ${Math.max(...frames)}`, 'video'));
}

/** The overview of one session as detail lines. */
export function overviewLines(s: OverviewSession, width: number, height?: number): DetailLine[] {
  const o: Out = { lines: [], ranks: [], n: 0, rank: 0 };
  const r = s.record;
  const w = Math.max(20, width);
  const state = r === null ? 'open' : `closed (${r.end}, ${r.duration.toFixed(1)} s)`;
  push(o, 0, `Session #${s.id}`, join([s.role === '' ? (r?.role ?? 'no publish/play') : s.role, s.appStream === '' ? null : s.appStream, s.transport ?? null, state]));
  ranked(o, 3, () => push(o, 1, clip(`${clean(s.client)} → ${clean(s.server)}`, w - 4), undefined, 'dim'));
  const dropped = s.dropped ?? 0;
  if (dropped > 0) push(o, 1, 'row cap', `${thousands(dropped)} later records counted, not in the timeline`, 'warn');
  if (r !== null && r.connect !== undefined && r.connect.outcome !== null) {
    const c = r.connect;
    ranked(o, 1, () => push(o, 1, 'connect', join([c.outcome, c.latencyMs === null ? null : ms(c.latencyMs), c.fmsVer === null ? null : clean(c.fmsVer)]), c.outcome === 'success' ? 'ok' : 'error'));
  }

  // Streams: the stream records (at the session's end), else what the meters saw so far.
  const shown = new Set<string>();
  for (const st of s.streamRecords) {
    const key = `${st.dir}:${st.streamId}`;
    shown.add(key);
    const outcome = st.outcome === null ? null : st.outcome;
    push(o, 0, `Stream ${st.streamId} ${arrowOf(st.dir)}`, join([st.role, st.name === null ? null : clean(st.name), outcome]), st.outcome === 'started' || st.outcome === null ? undefined : 'error');
    if (st.video !== null) pushVideo(o, 'video', st.video);
    if (st.audio !== null) push(o, 1, 'audio', audioLine(st.audio), 'audio');
    for (const t of st.tracks ?? []) {
      if (t.trackId === 0) continue;
      if (t.video !== null) pushVideo(o, `video track ${t.trackId}`, t.video);
      if (t.audio !== null) push(o, 1, `audio track ${t.trackId}`, audioLine(t.audio), 'audio');
    }
    const drift = st.avDriftMs;
    if (drift !== null) ranked(o, 1, () => push(o, 1, 'A/V drift', `${thousands(Math.round(drift))} ms max`, drift > 1000 ? 'warn' : undefined));
    meterLines(o, s.meters.get(st.dir, st.streamId), w);
  }
  for (const [key, m] of s.meters.byKey) {
    if (shown.has(key)) continue;
    const [dir, id] = key.split(':') as ['c2s' | 's2c', string];
    const bytes = m.series('bytes', 5);
    const frames = m.series('frames', 5);
    // The last complete seconds (the newest one is still filling).
    const done = bytes.length > 1 ? bytes.slice(0, -1) : bytes;
    const doneF = frames.length > 1 ? frames.slice(0, -1) : frames;
    const avg = done.reduce((a, b) => a + b, 0) / Math.max(1, done.length);
    const fps = doneF.reduce((a, b) => a + b, 0) / Math.max(1, doneF.length);
    push(o, 0, `Stream ${id} ${arrowOf(dir)}`, join(['live', `${thousands(Math.round((avg * 8) / 1000))} kb/s`, fps > 0 ? `${fps.toFixed(1)} fps` : null]));
    if (m.video !== null) push(o, 1, 'video', m.video, 'video');
    if (m.audio !== null) push(o, 1, 'audio', m.audio, 'audio');
    meterLines(o, m, w);
  }
  o.rank = 3;
  if (s.meters.unmetered > 0) push(o, 1, `${thousands(s.meters.unmetered)} media messages of further streams not metered`, undefined, 'dim');

  if (r === null) {
    push(o, 0, 'codecs, resolution and flow steps are known when the session ends', undefined, 'dim');
  } else {
    o.rank = 1;
    // Publish/play steps with the time since the previous step.
    for (const [sid, ns] of Object.entries(r.streamIds ?? {})) {
      if (ns.steps.length === 0) continue;
      push(o, 0, `Steps (stream ${clean(sid)})`, ns.startLatencyMs === null ? undefined : `start ${ms(ns.startLatencyMs)}`);
      let prev: number | null = null;
      let line = '';
      const flushLine = () => {
        if (line !== '') ranked(o, 4, () => push(o, 1, line));
        line = '';
      };
      for (const step of ns.steps) {
        const part = `${clean(step.step)} ${prev === null ? '' : `+${ms((step.time - prev) * 1000)}`}`.trim();
        prev = step.time;
        if (line !== '' && line.length + 3 + part.length > w - 4) flushLine();
        line = line === '' ? part : `${line} · ${part}`;
      }
      flushLine();
    }
    const sizes = r.chunkLayer?.chunkSizes;
    const now = `c→s ${thousands(r.chunkSize.c2s)}  s→c ${thousands(r.chunkSize.s2c)}`;
    const set = sizes !== undefined && sizes.c2s.length + sizes.s2c.length > 2 ? `set: c→s ${sizes.c2s.join(',') || '-'}; s→c ${sizes.s2c.join(',') || '-'}` : null;
    // The sizes set along the way beside the final ones when there is room, else on a line of their own.
    if (set !== null && 'Chunk size: '.length + now.length + set.length + 8 > w) {
      push(o, 0, 'Chunk size', now);
      ranked(o, 3, () => push(o, 1, clip(set, w - 6), undefined, 'dim'));
    } else push(o, 0, 'Chunk size', set === null ? now : `${now}  (${set})`);
  }
  o.rank = 0;

  // Problems: by code (the session record's counts, else those seen so far).
  const codes = r?.diagnosticCounts !== undefined ? new Map(Object.entries(r.diagnosticCounts)) : s.problemCodes;
  const total = r?.diagnosticCounts !== undefined ? [...codes.values()].reduce((a, b) => a + b, 0) : s.problemCount;
  if (total === 0) push(o, 0, 'Problems', 'none', 'ok');
  else {
    push(o, 0, 'Problems', `${thousands(total)}${s.worst === null ? '' : ` (worst: ${s.worst})`}`, s.worst ?? 'warn');
    o.rank = 2;
    for (const [code, n] of [...codes].slice(0, 8)) push(o, 1, clean(code), n > 1 ? `×${thousands(n)}` : undefined);
    o.rank = 3;
    if (codes.size > 8) push(o, 1, `… ${codes.size - 8} more codes`, undefined, 'dim');
  }
  return fit(o, height);
}
