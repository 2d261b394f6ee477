/**
 * The HTML report's data: records → one report model per capture, built incrementally from the
 * record stream (analyzeStream's sink) without holding the records. Per session: a ladder of the
 * conversation (handshake, commands and replies with latencies, control, stream starts,
 * diagnostics), plots on a bounded time grid (series.ts) and the diagnostics with their
 * explanations. Everything here is bounded whatever the capture holds: plotted sessions, streams
 * and tracks, ladder rows and diagnostics are capped, and what a cap left out is counted.
 *
 * Text from the wire goes through clean() (control characters, line separators and bidi
 * overrides) and is cut to a bounded length; the renderer escapes it for HTML.
 *
 * Pure: no I/O, no clock.
 */
import { CATALOGUE, type Direction, type Severity } from '../core/diagnostics.js';
import type { DiagnosticRecord, HandshakeRecord, MessageRecord, OutputRecord, SessionRecord, StreamRecord } from '../records/index.js';
import type { MediaInfo } from '../rtmp/messages.js';
import { trackParts } from '../analysis/tracks.js';
import { carryForward, FrameClock, Grid, round3 } from './series.js';
import { streamFacts, sessionFacts, wireText, type Fact } from './facts.js';

export { wireText };

export type PlotKind = 'bitrate' | 'intervals' | 'drift' | 'timestamps' | 'chunks' | 'acks';
export type SeriesStyle = 'line' | 'step' | 'points' | 'marker';

export type PlotSeries = { readonly label: string; readonly style: SeriesStyle; readonly values: readonly (number | null)[] };
export type Plot = { readonly kind: PlotKind; readonly title: string; readonly unit: string; readonly series: readonly PlotSeries[] };

export type LadderKind = 'handshake' | 'command' | 'reply' | 'control' | 'data' | 'media' | 'diagnostic';
export type LadderEvent = {
  /** Seconds since the capture's first record. */
  readonly t: number | null;
  readonly frame: number | null;
  /** null: not tied to a direction (some diagnostics). */
  readonly dir: Direction | null;
  readonly kind: LadderKind;
  readonly label: string;
  readonly note: string | null;
  /** Replies: ms since the call they answer (capture time). */
  readonly latencyMs: number | null;
  /** Diagnostics: index into the session's `diagnostics`. */
  readonly diag: number | null;
};

export type DiagItem = {
  readonly code: string;
  readonly severity: Severity;
  readonly message: string;
  readonly explain: string;
  readonly t: number | null;
  readonly frame: number | null;
  readonly dir: Direction | null;
};

export type StreamReport = { readonly label: string; readonly facts: readonly Fact[] };

export type SessionReport = {
  readonly session: number;
  readonly title: string;
  readonly facts: readonly Fact[];
  readonly streams: readonly StreamReport[];
  /** Bucket start times of every plot of the session (seconds since the capture's first record). */
  readonly x: readonly number[];
  /** Bucket width, seconds. */
  readonly bucket: number;
  readonly plots: readonly Plot[];
  /** Why the session has no plots (null when it has them or had nothing to plot). */
  readonly plotsOmitted: string | null;
  readonly ladder: readonly LadderEvent[];
  readonly ladderOmitted: number;
  readonly diagnostics: readonly DiagItem[];
  readonly diagnosticsOmitted: number;
};

export type CaptureReport = {
  readonly name: string;
  readonly summary: readonly Fact[];
  readonly sessions: readonly SessionReport[];
  readonly sessionsOmitted: number;
  /** Diagnostics not tied to a session (capture, net, tcp). */
  readonly diagnostics: readonly DiagItem[];
  readonly diagnosticsOmitted: number;
};

/** The whole report: a list of captures (several captures give one report). */
export type ReportModel = { readonly version: 1; readonly captures: readonly CaptureReport[] };

export type ReportLimits = {
  /** Buckets per session grid (series points). */
  readonly maxBuckets?: number;
  /** Sessions reported at all; beyond, only counted. */
  readonly maxSessions?: number;
  /** Sessions with plots; beyond, a session gets its ladder and diagnostics only. */
  readonly maxPlotSessions?: number;
  /** Media streams (stream id × direction) and tracks per stream plotted per session. */
  readonly maxStreams?: number;
  readonly maxTracks?: number;
  /** Ladder rows per session (diagnostics not counted), and diagnostics per session. */
  readonly maxLadder?: number;
  readonly maxDiagnostics?: number;
};

const DEFAULTS: Required<ReportLimits> = {
  maxBuckets: 400,
  maxSessions: 200,
  maxPlotSessions: 24,
  maxStreams: 8,
  maxTracks: 8,
  maxLadder: 300,
  maxDiagnostics: 200,
};

const other = (d: Direction): Direction => (d === 'c2s' ? 's2c' : 'c2s');

type TrackState = { readonly key: string; readonly kind: 'video' | 'audio'; lastTs: number | null; started: boolean; keySeen: boolean };
type StreamState = {
  readonly key: string;
  readonly streamId: number;
  readonly dir: Direction;
  readonly tracks: Map<string, TrackState>;
  lastVideo: number | null;
  lastAudio: number | null;
  tracksOmitted: boolean;
};

class SessionState {
  grid: Grid | null = null;
  readonly ladder: (LadderEvent & { readonly seq: number })[] = [];
  ladderOmitted = 0;
  /** Ladder rows other than diagnostics. */
  ladderRows = 0;
  readonly diags: DiagItem[] = [];
  diagsOmitted = 0;
  record: SessionRecord | null = null;
  readonly streamRecords: StreamRecord[] = [];
  streamRecordsOmitted = 0;
  readonly streams = new Map<string, StreamState>();
  readonly streamNames = new Map<number, string>();
  /** Calls awaiting a reply: `${dir}:${transactionId}` → time and name. */
  readonly calls = new Map<string, { readonly time: number; readonly name: string }>();
  /** publish/play awaiting onStatus, by stream id. */
  readonly starts = new Map<number, { readonly time: number; readonly name: string }>();
  readonly window: { c2s: number | null; s2c: number | null } = { c2s: null, s2c: null };
  readonly acked: { c2s: number | null; s2c: number | null } = { c2s: null, s2c: null };
  chunkInit = false;
  seq = 0;

  constructor(
    readonly session: number,
    readonly client: string,
    readonly server: string,
    /** Whether the session is among those plotted (its grid starts at its first timed record). */
    readonly plotSlot: boolean,
    private readonly maxBuckets: number,
  ) {}

  /** The session's grid from capture time `t` on (null: not plotted, or no time known yet). */
  gridAt(t: number): Grid | null {
    if (this.grid === null && this.plotSlot && Number.isFinite(t)) this.grid = new Grid(t, { maxBuckets: this.maxBuckets });
    return this.grid;
  }
}

/** Builds one capture's report from its records, pushed in batches as analyzeStream delivers them. */
export class ReportBuilder {
  private readonly limits: Required<ReportLimits>;
  private readonly sessions = new Map<number, SessionState>();
  private sessionsOmitted = 0;
  private plotted = 0;
  private base = Number.POSITIVE_INFINITY;
  private captureRecord: OutputRecord | null = null;
  private readonly diags: DiagItem[] = [];
  private diagsOmitted = 0;
  /** Diagnostics keep absolute times until the base is final. */
  private readonly absTimes = new WeakMap<object, number>();
  private readonly clock = new FrameClock();

  constructor(
    private readonly name: string,
    limits: ReportLimits = {},
  ) {
    this.limits = { ...DEFAULTS, ...limits };
  }

  push(records: readonly OutputRecord[]): void {
    for (const r of records) this.record(r);
  }

  private record(r: OutputRecord): void {
    if ('time' in r && typeof r.time === 'number' && Number.isFinite(r.time)) {
      if (r.time < this.base) this.base = r.time;
      if (r.type === 'message' || r.type === 'handshake') this.clock.note(r.frame, r.time);
    }
    switch (r.type) {
      case 'capture':
        this.captureRecord = r;
        return;
      case 'diagnostic':
        return this.diagnostic(r);
      case 'handshake': {
        const s = this.state(r.session, r.client, r.server, r.time);
        if (s !== null) this.handshake(s, r);
        return;
      }
      case 'message': {
        const s = this.state(r.session, r.client, r.server, r.time);
        if (s !== null) this.message(s, r);
        return;
      }
      case 'stream': {
        const s = this.state(r.session, r.client, r.server, r.startTime ?? Number.NaN);
        if (s === null) return;
        if (s.streamRecords.length < this.limits.maxStreams * 2) s.streamRecords.push(r);
        else s.streamRecordsOmitted++;
        return;
      }
      case 'session': {
        const s = this.state(r.session, r.client, r.server, r.startTime);
        if (s !== null) s.record = r;
        else this.sessionsOmitted++;
        return;
      }
    }
  }

  private state(session: number, client: string, server: string, time: number): SessionState | null {
    let s = this.sessions.get(session);
    if (s !== undefined) return s;
    // Beyond the cap a session is left out (counted when its session record comes).
    if (this.sessions.size >= this.limits.maxSessions) return null;
    const plotted = this.plotted < this.limits.maxPlotSessions;
    if (plotted) this.plotted++;
    s = new SessionState(session, client, server, plotted, this.limits.maxBuckets);
    s.gridAt(time);
    this.sessions.set(session, s);
    return s;
  }

  private addLadder(s: SessionState, e: Omit<LadderEvent, 't'>, time: number | undefined): void {
    if (e.kind !== 'diagnostic') {
      if (s.ladderRows >= this.limits.maxLadder) {
        s.ladderOmitted++;
        return;
      }
      s.ladderRows++;
    }
    const ev = { ...e, t: null, seq: s.seq++ };
    if (time !== undefined && Number.isFinite(time)) this.absTimes.set(ev, time);
    s.ladder.push(ev);
  }

  private handshake(s: SessionState, r: HandshakeRecord): void {
    const g = s.gridAt(r.time);
    if (!s.chunkInit && g !== null) {
      // RTMP's chunk size until a Set Chunk Size.
      s.chunkInit = true;
      g.add('chunk|c2s', r.time, 128);
      g.add('chunk|s2c', r.time, 128);
    }
    const notes: string[] = [];
    if (r.handshake !== undefined) notes.push(r.handshake);
    if (r.peerVersion !== undefined) notes.push(`version ${wireText(r.peerVersion)}`);
    if (r.echoes === false && r.digestValid !== true) notes.push('does not echo');
    if (r.encrypted === true) notes.push('encrypted');
    this.addLadder(s, { frame: r.frame, dir: r.dir, kind: 'handshake', label: r.part, note: notes.length > 0 ? notes.join(', ') : null, latencyMs: null, diag: null }, r.time);
  }

  private message(s: SessionState, r: MessageRecord): void {
    const g = s.gridAt(r.time);
    if (g !== null) {
      // Bytes the peer has not acknowledged yet, where a window or acknowledgements exist.
      const d = r.dir;
      if (s.window[d] !== null || s.acked[d] !== null) g.add(`unacked|${d}`, r.time, r.offset + r.length - (s.acked[d] ?? 0));
    }
    if (r.typeId === 8 || r.typeId === 9) return this.media(s, r);
    const ctl = r.control;
    if (ctl !== undefined) {
      if (ctl.kind === 'acknowledgement' && typeof ctl.sequenceNumber === 'number') {
        s.acked[other(r.dir)] = ctl.sequenceNumber;
        return;
      }
      if (ctl.kind === 'set-chunk-size' && typeof ctl.chunkSize === 'number') g?.add(`chunk|${r.dir}`, r.time, ctl.chunkSize);
      if (ctl.kind === 'window-ack-size' && typeof ctl.windowSize === 'number') {
        s.window[r.dir] = ctl.windowSize;
        g?.add(`window|${r.dir}`, r.time, ctl.windowSize);
      }
      const label = ctl.kind === 'user-control' && ctl.eventName !== undefined ? wireText(ctl.eventName) : r.typeName;
      const note =
        ctl.kind === 'set-chunk-size'
          ? `${ctl.chunkSize ?? '?'} bytes`
          : ctl.kind === 'window-ack-size'
            ? `${ctl.windowSize ?? '?'} bytes`
            : ctl.kind === 'set-peer-bandwidth'
              ? `${ctl.windowSize ?? '?'} bytes, ${wireText(ctl.limitTypeName ?? '?')}`
              : ctl.kind === 'user-control' && ctl.streamId !== undefined
                ? `stream ${ctl.streamId}`
                : null;
      this.addLadder(s, { frame: r.frame, dir: r.dir, kind: 'control', label, note, latencyMs: null, diag: null }, r.time);
      return;
    }
    if (r.name === undefined) {
      this.addLadder(s, { frame: r.frame, dir: r.dir, kind: 'data', label: r.typeName, note: `${r.length} bytes`, latencyMs: null, diag: null }, r.time);
      return;
    }
    const name = wireText(r.name);
    const cmd = r.command ?? {};
    const status = typeof cmd.status?.code === 'string' ? wireText(cmd.status.code) : null;
    const isCommand = r.typeId === 20 || r.typeId === 17;
    const tid = r.transactionId;
    if (isCommand && (r.name === '_result' || r.name === '_error') && tid !== undefined) {
      const key = `${other(r.dir)}:${tid}`;
      const call = s.calls.get(key);
      s.calls.delete(key);
      const latency = call === undefined ? null : round3((r.time - call.time) * 1000);
      const note = [call === undefined ? null : `${call.name} (${tid})`, status].filter((x) => x !== null).join(' · ');
      this.addLadder(s, { frame: r.frame, dir: r.dir, kind: 'reply', label: name, note: note === '' ? null : note, latencyMs: latency, diag: null }, r.time);
      return;
    }
    if (isCommand && r.name === 'onStatus') {
      const start = s.starts.get(r.streamId);
      if (start !== undefined) s.starts.delete(r.streamId);
      const latency = start === undefined ? null : round3((r.time - start.time) * 1000);
      this.addLadder(s, { frame: r.frame, dir: r.dir, kind: 'reply', label: name, note: status, latencyMs: latency, diag: null }, r.time);
      return;
    }
    if (isCommand && tid !== undefined && tid > 0 && s.calls.size < 256) s.calls.set(`${r.dir}:${tid}`, { time: r.time, name });
    if (isCommand && (r.name === 'publish' || r.name === 'play') && s.starts.size < 64) {
      s.starts.set(r.streamId, { time: r.time, name });
      if (typeof cmd.streamName === 'string' && s.streamNames.size < 64) s.streamNames.set(r.streamId, wireText(cmd.streamName));
    }
    const note = typeof cmd.streamName === 'string' ? wireText(cmd.streamName) : r.name === 'connect' && typeof cmd.app === 'string' ? `app ${wireText(cmd.app)}` : status;
    const label = tid !== undefined && tid > 0 ? `${name} (${tid})` : name;
    this.addLadder(s, { frame: r.frame, dir: r.dir, kind: isCommand ? 'command' : 'data', label, note, latencyMs: null, diag: null }, r.time);
  }

  private media(s: SessionState, r: MessageRecord): void {
    const kind = r.typeId === 9 ? 'video' : 'audio';
    const key = `${r.streamId}|${r.dir}`;
    let st = s.streams.get(key);
    if (st === undefined) {
      if (s.streams.size >= this.limits.maxStreams) return;
      st = { key, streamId: r.streamId, dir: r.dir, tracks: new Map(), lastVideo: null, lastAudio: null, tracksOmitted: false };
      s.streams.set(key, st);
    }
    const parts = r.media === undefined ? [{ trackId: 0, media: {} as MediaInfo, length: r.length }] : trackParts(r.media, r.length);
    const g = s.grid;
    for (const p of parts) {
      const tkey = p.trackId === 0 ? kind : `${kind} ${p.trackId}`;
      let tr = st.tracks.get(tkey);
      if (tr === undefined) {
        if (st.tracks.size >= this.limits.maxTracks) {
          st.tracksOmitted = true;
          continue;
        }
        tr = { key: tkey, kind, lastTs: null, started: false, keySeen: false };
        st.tracks.set(tkey, tr);
      }
      const m = p.media as { content?: string; frameType?: number; codec?: string };
      const series = `${key}|${tkey}`;
      g?.add(`bytes|${series}`, r.time, p.length);
      const coded = m.content === undefined || m.content === 'frames';
      if (!coded) continue;
      g?.add(`ts|${series}`, r.time, r.timestamp / 1000);
      const interval = tr.lastTs === null ? null : r.timestamp - tr.lastTs;
      const isKey = kind === 'video' && m.frameType === 1;
      if (kind === 'video' && interval !== null) {
        g?.add(`iv|${series}`, r.time, interval);
      }
      if (isKey) g?.add(`key|${series}`, r.time, interval ?? 0);
      tr.lastTs = r.timestamp;
      if (!tr.started) {
        tr.started = true;
        const codec = typeof m.codec === 'string' ? wireText(m.codec) : null;
        this.addLadder(s, { frame: r.frame, dir: r.dir, kind: 'media', label: `${tkey} starts`, note: [this.streamName(s, st), codec].filter((x) => x !== null).join(' · '), latencyMs: null, diag: null }, r.time);
      }
      if (isKey && !tr.keySeen) {
        tr.keySeen = true;
        this.addLadder(s, { frame: r.frame, dir: r.dir, kind: 'media', label: `first keyframe`, note: `${this.streamName(s, st)} · ${tkey}`, latencyMs: null, diag: null }, r.time);
      }
      if (p.trackId !== 0) continue;
      if (kind === 'video') st.lastVideo = r.timestamp;
      else st.lastAudio = r.timestamp;
      if (st.lastVideo !== null && st.lastAudio !== null) g?.add(`drift|${key}`, r.time, st.lastAudio - st.lastVideo);
    }
  }

  private streamName(s: SessionState, st: StreamState): string {
    const n = s.streamNames.get(st.streamId);
    return n === undefined ? `stream ${st.streamId} ${st.dir}` : `${n} (${st.dir})`;
  }

  private diagnostic(r: DiagnosticRecord): void {
    const item: DiagItem = {
      code: wireText(r.code),
      severity: r.severity,
      message: wireText(r.message),
      explain: (CATALOGUE as Record<string, { explain: string } | undefined>)[r.code]?.explain ?? '',
      t: null,
      frame: r.frame ?? null,
      dir: r.dir ?? null,
    };
    // Some diagnostics carry a frame only: their time is the frame's.
    const time = r.time ?? (r.frame === undefined ? null : this.clock.at(r.frame));
    if (time !== null) this.absTimes.set(item, time);
    if (r.session === null) {
      if (this.diags.length < this.limits.maxDiagnostics) this.diags.push(item);
      else this.diagsOmitted++;
      return;
    }
    const s = this.state(r.session, r.client ?? '?', r.server ?? '?', r.time ?? Number.NaN);
    if (s === null) return;
    if (s.diags.length >= this.limits.maxDiagnostics) {
      s.diagsOmitted++;
      return;
    }
    s.diags.push(item);
    this.addLadder(s, { frame: item.frame, dir: item.dir, kind: 'diagnostic', label: item.code, note: item.message, latencyMs: null, diag: s.diags.length - 1 }, time ?? undefined);
  }

  private rel(o: object, fallback: number | null): number | null {
    const abs = this.absTimes.get(o);
    if (abs === undefined) return fallback;
    return round3(abs - this.base);
  }

  /** The capture's report; the builder is not used after. */
  finish(): CaptureReport {
    if (!Number.isFinite(this.base)) this.base = 0;
    const sessions: SessionReport[] = [];
    const nums = [...this.sessions.keys()].sort((a, b) => a - b);
    for (const n of nums) {
      const s = this.sessions.get(n);
      if (s !== undefined) sessions.push(this.sessionReport(s));
    }
    const c = this.captureRecord;
    const summary: Fact[] = [];
    if (c !== null && c.type === 'capture') {
      summary.push(['format', c.format ?? 'unknown'], ['frames', String(c.frames)], ['TCP connections', String(c.tcpConnections)], ['RTMP sessions', String(c.rtmpSessions)]);
    }
    return {
      name: wireText(this.name),
      summary,
      sessions,
      sessionsOmitted: this.sessionsOmitted,
      diagnostics: this.diags.map((d) => ({ ...d, t: this.rel(d, null) })),
      diagnosticsOmitted: this.diagsOmitted,
    };
  }

  private sessionReport(s: SessionState): SessionReport {
    const end = s.record === null ? null : round3(s.record.endTime - this.base);
    const diagnostics = s.diags.map((d) => ({ ...d, t: this.rel(d, end) }));
    // Ladder rows in capture order: by frame, then as they came.
    const ladder = s.ladder
      .map((e) => ({ e, t: e.kind === 'diagnostic' && e.diag !== null ? (diagnostics[e.diag]?.t ?? null) : this.rel(e, null) }))
      .sort((a, b) => (a.e.frame ?? Number.MAX_SAFE_INTEGER) - (b.e.frame ?? Number.MAX_SAFE_INTEGER) || a.e.seq - b.e.seq)
      .map(({ e, t }) => ({ t, frame: e.frame, dir: e.dir, kind: e.kind, label: e.label, note: e.note, latencyMs: e.latencyMs, diag: e.diag }));
    const labels = new Map<string, string>();
    for (const st of s.streams.values()) labels.set(st.key, this.streamName(s, st));
    const plots = s.grid === null ? [] : buildPlots(s.grid, s.streams, labels);
    const streams = s.streamRecords.map((r) => ({ label: `${r.role ?? r.dir} ${r.name === null ? `stream ${r.streamId}` : wireText(r.name)}`, facts: streamFacts(r) }));
    const client = wireText(s.client);
    const server = wireText(s.server);
    const r = s.record;
    return {
      session: s.session,
      title: `#${s.session} ${client} → ${server}${r?.app ? ` ${wireText(r.app)}` : ''}${r?.role ? ` (${r.role})` : ''}`,
      facts: r === null ? [['client → server', `${client} → ${server}`]] : sessionFacts(r),
      streams,
      x: s.grid === null ? [] : s.grid.xs(this.base),
      bucket: s.grid === null ? 0 : s.grid.width,
      plots,
      plotsOmitted: s.plotSlot ? null : `plots are drawn for the first ${this.limits.maxPlotSessions} sessions only`,
      ladder,
      ladderOmitted: s.ladderOmitted,
      diagnostics,
      diagnosticsOmitted: s.diagsOmitted,
    };
  }
}

function buildPlots(g: Grid, streams: ReadonlyMap<string, StreamState>, labels: ReadonlyMap<string, string>): Plot[] {
  const bitrate: PlotSeries[] = [];
  const intervals: PlotSeries[] = [];
  const drift: PlotSeries[] = [];
  const timestamps: PlotSeries[] = [];
  for (const st of streams.values()) {
    const name = labels.get(st.key) ?? st.key;
    for (const tr of st.tracks.values()) {
      const series = `${st.key}|${tr.key}`;
      const label = `${name} ${tr.key}`;
      if (g.has(`bytes|${series}`)) bitrate.push({ label, style: 'line', values: g.rate(`bytes|${series}`, 8 / 1000) });
      if (g.has(`iv|${series}`)) {
        intervals.push({ label: `${label} max`, style: 'points', values: g.values(`iv|${series}`, 'max') });
        intervals.push({ label: `${label} min`, style: 'points', values: g.values(`iv|${series}`, 'min') });
      }
      if (g.has(`key|${series}`)) intervals.push({ label: `${label} keyframes`, style: 'marker', values: g.values(`key|${series}`, 'max') });
      if (g.has(`ts|${series}`)) timestamps.push({ label, style: 'line', values: g.values(`ts|${series}`, 'last') });
    }
    if (g.has(`drift|${st.key}`)) {
      drift.push({ label: `${name} max`, style: 'line', values: g.values(`drift|${st.key}`, 'max') });
      drift.push({ label: `${name} min`, style: 'line', values: g.values(`drift|${st.key}`, 'min') });
    }
  }
  const chunks: PlotSeries[] = [];
  const acks: PlotSeries[] = [];
  for (const d of ['c2s', 's2c'] as const) {
    if (g.has(`chunk|${d}`)) chunks.push({ label: `chunk size ${d}`, style: 'step', values: carryForward(g.values(`chunk|${d}`, 'last')) });
    if (g.has(`unacked|${d}`)) acks.push({ label: `unacknowledged ${d}`, style: 'line', values: g.values(`unacked|${d}`, 'max') });
    if (g.has(`window|${d}`)) acks.push({ label: `window ${d}`, style: 'step', values: carryForward(g.values(`window|${d}`, 'last')) });
  }
  const plots: Plot[] = [
    { kind: 'bitrate', title: 'Bitrate', unit: 'kbit/s', series: bitrate },
    { kind: 'intervals', title: 'Frame intervals (keyframes marked)', unit: 'ms', series: intervals },
    { kind: 'drift', title: 'A/V timestamp drift (audio − video)', unit: 'ms', series: drift },
    { kind: 'timestamps', title: 'Media timestamps against capture time', unit: 's', series: timestamps },
    { kind: 'chunks', title: 'Chunk size', unit: 'bytes', series: chunks },
    { kind: 'acks', title: 'Acknowledgement window', unit: 'bytes', series: acks },
  ];
  return plots.filter((p) => p.series.some((se) => se.values.some((v) => v !== null)));
}

/** Captures' reports as one model. */
export function reportModel(captures: readonly CaptureReport[]): ReportModel {
  return { version: 1, captures };
}
