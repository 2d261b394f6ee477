/**
 * `rtmpscope diff`: two sessions aligned phase by phase (handshake, connect, replies, command
 * order, chunk and flow-control settings, timing, codec configuration and media, metadata,
 * E-RTMP negotiation, diagnostics). Only what differs is listed, ranked by how likely it explains
 * a failure: an outcome that differs (one side rejected, the other accepted) first, then errors
 * only one side has, then what servers decide on (app, stream name, codec format), then habits
 * (command order, chunk sizes), then what is only informative (versions, timing).
 *
 * Fields that always differ between two runs (ports, times, frame numbers, epochs, byte counts)
 * are never compared.
 */
import { CATALOGUE } from '../core/diagnostics.js';
import type { AudioStats, StreamRecord, VideoStats } from '../records/index.js';
import type { SessionDigest } from './load.js';

export type Phase = 'outcome' | 'diagnostics' | 'connect' | 'replies' | 'media' | 'commands' | 'chunk-and-flow' | 'handshake' | 'metadata' | 'ertmp' | 'timing';

export type Difference = {
  readonly phase: Phase;
  readonly what: string;
  readonly a: string;
  readonly b: string;
  /** How likely this explains a failure (higher first). */
  readonly weight: number;
  /** Why it matters, when that is not obvious. */
  readonly note?: string;
};

/** Weights: the order of the report. */
const W = { outcome: 100, errorOnly: 80, decisive: 60, format: 50, warnOnly: 45, gop: 40, habit: 30, flow: 20, cosmetic: 10, timing: 5 } as const;

const NONE = '—';

function show(v: unknown): string {
  if (v === null || v === undefined) return NONE;
  if (typeof v === 'string') return v;
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  return JSON.stringify(v);
}

class Diffs {
  readonly list: Difference[] = [];
  add(phase: Phase, what: string, a: unknown, b: unknown, weight: number, note?: string): void {
    const sa = show(a);
    const sb = show(b);
    if (sa === sb) return;
    this.list.push(note === undefined ? { phase, what, a: sa, b: sb, weight } : { phase, what, a: sa, b: sb, weight, note });
  }
}

/** The stream a session is about: its first published stream, else its first played one, else the first. */
function mainStream(d: SessionDigest): StreamRecord | null {
  return d.streams.find((s) => s.role === 'publish') ?? d.streams.find((s) => s.role === 'play') ?? d.streams[0] ?? null;
}

function outcomeText(d: SessionDigest): string {
  const r = d.record;
  if (r === null) return 'session not finished in the capture';
  const connect = r.connect;
  if (connect !== undefined && connect.outcome !== 'success' && connect.outcome !== null) return `connect ${connect.outcome}${connect.code === null ? '' : ` (${connect.code})`}`;
  const s = mainStream(d);
  if (s === null || s.role === null) return connect?.outcome === 'success' ? 'connected, no publish or play' : 'no connect';
  return `${s.role} ${s.outcome ?? 'no answer'}`;
}

function statusCode(d: SessionDigest): string | null {
  const s = mainStream(d);
  if (s === null) return null;
  const ids = d.record?.streamIds;
  return ids?.[String(s.streamId)]?.statusCode ?? null;
}

export function compareSessions(a: SessionDigest, b: SessionDigest): Difference[] {
  const out = new Diffs();
  outcome(a, b, out);
  diagnostics(a, b, out);
  connect(a, b, out);
  replies(a, b, out);
  media(a, b, out);
  commands(a, b, out);
  chunkAndFlow(a, b, out);
  handshake(a, b, out);
  ertmp(a, b, out);
  timing(a, b, out);
  const order: readonly Phase[] = ['outcome', 'diagnostics', 'connect', 'replies', 'media', 'commands', 'chunk-and-flow', 'handshake', 'metadata', 'ertmp', 'timing'];
  return out.list
    .map((d, i) => ({ d, i }))
    .sort((x, y) => y.d.weight - x.d.weight || order.indexOf(x.d.phase) - order.indexOf(y.d.phase) || x.i - y.i)
    .map((x) => x.d);
}

function outcome(a: SessionDigest, b: SessionDigest, out: Diffs): void {
  const oa = outcomeText(a);
  const ob = outcomeText(b);
  if (oa !== ob) {
    const bad = [a, b].find((d) => /rejected|no answer|failed|auth/.test(outcomeText(d)));
    const code = bad === undefined ? null : (statusCode(bad) ?? bad.record?.connect?.code ?? null);
    out.add('outcome', 'outcome', oa, ob, W.outcome, code === null ? undefined : `see \`rtmpscope explain ${code}\``);
  }
  out.add('outcome', 'status code', statusCode(a), statusCode(b), W.outcome - 1);
  out.add('outcome', 'how the connection ended', a.record?.end, b.record?.end, W.habit);
}

function diagnostics(a: SessionDigest, b: SessionDigest, out: Diffs): void {
  const codes = (d: SessionDigest) => new Set(Object.keys(d.record?.diagnosticCounts ?? {}).concat(d.diagnostics.map((x) => x.code)));
  const ca = codes(a);
  const cb = codes(b);
  for (const code of [...new Set([...ca, ...cb])].sort()) {
    if (ca.has(code) === cb.has(code)) continue;
    const sev = (CATALOGUE as Record<string, { severity: string } | undefined>)[code]?.severity ?? 'info';
    const first = [...a.diagnostics, ...b.diagnostics].find((x) => x.code === code);
    const weight = sev === 'error' ? W.errorOnly : sev === 'warn' ? W.warnOnly : W.cosmetic;
    out.add('diagnostics', `${sev} ${code}`, ca.has(code) ? 'raised' : NONE, cb.has(code) ? 'raised' : NONE, weight, first?.message);
  }
}

const CONNECT_DECISIVE = new Set(['app', 'tcUrl', 'objectEncoding']);
const CONNECT_SKIP = new Set(['fourCcList', 'videoFourCcInfoMap', 'audioFourCcInfoMap', 'capsEx']);

/** tcUrl without the port (an ephemeral or local difference that says nothing). */
function tcUrlShape(v: unknown): unknown {
  return typeof v === 'string' ? v.replace(/^(\w+:\/\/[^/:]+):1935(?=\/|$)/, '$1') : v;
}

function connect(a: SessionDigest, b: SessionDigest, out: Diffs): void {
  // Names servers decide on matter when an outcome differs or failed; both accepted, they are
  // only what each side was told to use.
  const accepted = outcomeText(a) === outcomeText(b) && /started|connected/.test(outcomeText(a));
  const decisive = accepted ? W.habit - 10 : W.decisive;
  const oa = a.connect ?? {};
  const ob = b.connect ?? {};
  for (const k of [...new Set([...Object.keys(oa), ...Object.keys(ob)])].sort()) {
    if (CONNECT_SKIP.has(k)) continue;
    const va = k === 'tcUrl' ? tcUrlShape(oa[k]) : oa[k];
    const vb = k === 'tcUrl' ? tcUrlShape(ob[k]) : ob[k];
    out.add('connect', `connect ${k}`, va, vb, CONNECT_DECISIVE.has(k) ? decisive : W.cosmetic);
  }
  const sa = mainStream(a);
  const sb = mainStream(b);
  out.add('connect', 'role', a.record?.role, b.record?.role, W.decisive);
  out.add('connect', 'stream name', sa?.name, sb?.name, decisive);
  out.add('connect', 'publish type', sa?.publishType, sb?.publishType, decisive - 5);
}

function replies(a: SessionDigest, b: SessionDigest, out: Diffs): void {
  const line = (d: SessionDigest) => d.replies.map((r) => `${r.code ?? r.name}${r.description === null ? '' : ` "${r.description}"`}`);
  const la = line(a);
  const lb = line(b);
  const n = Math.max(la.length, lb.length);
  for (let i = 0; i < n; i++) {
    if (la[i] === lb[i]) continue;
    const codeA = a.replies[i]?.code ?? null;
    const codeB = b.replies[i]?.code ?? null;
    const error = [a.replies[i], b.replies[i]].some((r) => r?.level === 'error' || r?.name === '_error');
    out.add('replies', `server reply ${i + 1}`, la[i], lb[i], codeA === codeB ? W.cosmetic : error ? W.decisive + 5 : W.habit);
  }
  out.add('replies', 'server version (fmsVer)', a.record?.connect?.fmsVer, b.record?.connect?.fmsVer, W.cosmetic);
}

function videoFields(v: VideoStats | null): Record<string, unknown> {
  if (v === null) return { 'video codec': null };
  return {
    'video codec': v.fourCc === null ? v.codec : `${v.codec} (${v.fourCc}, Enhanced RTMP)`,
    'video profile': v.profile,
    'video level': v.level,
    'chroma format': v.chromaFormat,
    'bit depth': v.bitDepth,
    resolution: v.width === null || v.height === null ? null : `${v.width}x${v.height}`,
    'frame rate (measured)': v.fps.measured,
    'B-frames (composition time)': v.compositionTime,
  };
}

function audioFields(au: AudioStats | null): Record<string, unknown> {
  if (au === null) return { 'audio codec': null };
  return { 'audio codec': au.objectTypeName ?? au.codec, 'sample rate': au.sampleRate, channels: au.channels };
}

const FORMAT_FIELDS = new Set(['video codec', 'video profile', 'chroma format', 'bit depth', 'audio codec']);

function media(a: SessionDigest, b: SessionDigest, out: Diffs): void {
  const sa = mainStream(a);
  const sb = mainStream(b);
  if (sa === null && sb === null) return;
  const sent = (s: StreamRecord | null) => s !== null && (s.video !== null || s.audio !== null);
  if (sent(sa) !== sent(sb)) {
    // one side sent no media at all: one line, not one per field
    const what = (s: StreamRecord | null) =>
      !sent(s) || s === null
        ? 'none'
        : [s.video === null ? null : [s.video.codec, s.video.profile, s.video.width === null ? null : `${s.video.width}x${s.video.height}`].filter((x) => x !== null).join(' '), s.audio === null ? null : (s.audio.objectTypeName ?? s.audio.codec)]
            .filter((x) => x !== null)
            .join(' + ');
    out.add('media', 'media sent', what(sa), what(sb), W.format);
    metadata(sa, sb, out);
    return;
  }
  const fa = { ...videoFields(sa?.video ?? null), ...audioFields(sa?.audio ?? null) };
  const fb = { ...videoFields(sb?.video ?? null), ...audioFields(sb?.audio ?? null) };
  for (const k of Object.keys({ ...fa, ...fb })) out.add('media', k, fa[k], fb[k], FORMAT_FIELDS.has(k) ? W.format : W.habit - 5);
  const gop = (s: StreamRecord | null) => (s?.video?.keyframeIntervalMs == null ? null : `${s.video.keyframeIntervalMs.max / 1000} s`);
  out.add('media', 'longest keyframe interval', gop(sa), gop(sb), W.gop);
  const ts = (s: StreamRecord | null) => (s === null ? null : `${(s.video?.timestampRegressions ?? 0) + (s.audio?.timestampRegressions ?? 0)} back, ${(s.video?.timestampJumps ?? 0) + (s.audio?.timestampJumps ?? 0)} jumps`);
  out.add('media', 'timestamp behaviour', ts(sa), ts(sb), W.gop);
  const seqHeaders = (s: StreamRecord | null) => (s === null ? null : `video ${s.video?.sequenceHeaders ?? 0}, audio ${s.audio?.sequenceHeaders ?? 0}`);
  out.add('media', 'sequence headers', seqHeaders(sa), seqHeaders(sb), W.format - 5);
  metadata(sa, sb, out);
}

/** onMetaData: which keys each side sent, and the values that describe the media. */
function metadata(sa: StreamRecord | null, sb: StreamRecord | null, out: Diffs): void {
  const ma = sa?.metadata ?? null;
  const mb = sb?.metadata ?? null;
  out.add('metadata', 'onMetaData sent', ma === null ? 'no' : 'yes', mb === null ? 'no' : 'yes', W.habit);
  if (ma === null || mb === null) return;
  const keys = (m: Readonly<Record<string, unknown>>) => Object.keys(m).sort();
  const onlyA = keys(ma).filter((k) => !(k in mb));
  const onlyB = keys(mb).filter((k) => !(k in ma));
  if (onlyA.length + onlyB.length > 0) out.add('metadata', 'onMetaData keys only on one side', onlyA.join(', ') || NONE, onlyB.join(', ') || NONE, W.cosmetic);
  for (const k of ['videocodecid', 'audiocodecid', 'encoder', 'stereo', 'audiosamplerate']) {
    if (k in ma && k in mb) out.add('metadata', `onMetaData ${k}`, ma[k], mb[k], k.endsWith('codecid') ? W.format - 10 : W.cosmetic);
  }
}

function commands(a: SessionDigest, b: SessionDigest, out: Diffs): void {
  // consecutive repeats collapsed: the order, not the count, is the habit
  const seq = (d: SessionDigest) => d.commands.filter((c, i) => c !== d.commands[i - 1]).join(' → ');
  out.add('commands', 'client command order', seq(a), seq(b), W.habit);
}

function chunkAndFlow(a: SessionDigest, b: SessionDigest, out: Diffs): void {
  const ca = a.record?.chunkLayer;
  const cb = b.record?.chunkLayer;
  for (const dir of ['c2s', 's2c'] as const) {
    const who = dir === 'c2s' ? 'client' : 'server';
    const sizes = (x: typeof ca) => (x === undefined ? null : x.chunkSizes[dir].length === 0 ? '128 (default)' : x.chunkSizes[dir].join(', '));
    out.add('chunk-and-flow', `${who} Set Chunk Size`, sizes(ca), sizes(cb), W.flow);
    out.add('chunk-and-flow', `${who} extended timestamp in type-3 chunks`, a.record?.type3ExtendedTimestamp[dir], b.record?.type3ExtendedTimestamp[dir], W.flow);
    const fa = a.record?.flowControl;
    const fb = b.record?.flowControl;
    out.add('chunk-and-flow', `${who} Window Acknowledgement Size`, fa?.windowAckSize[dir], fb?.windowAckSize[dir], W.flow);
    const pb = (x: typeof fa) => (x?.peerBandwidth[dir] == null ? null : `${x.peerBandwidth[dir].windowSize} ${x.peerBandwidth[dir].limitTypeName}`);
    out.add('chunk-and-flow', `${who} Set Peer Bandwidth`, pb(fa), pb(fb), W.flow);
    out.add('chunk-and-flow', `${who} acknowledgements honoured`, fa?.acknowledgements[dir].honoured, fb?.acknowledgements[dir].honoured, W.flow);
  }
}

function handshake(a: SessionDigest, b: SessionDigest, out: Diffs): void {
  for (const part of ['C0', 'C1', 'S0', 'S1'] as const) {
    const ha = a.handshake.find((h) => h.part === part);
    const hb = b.handshake.find((h) => h.part === part);
    if (part === 'C0' || part === 'S0') {
      out.add('handshake', `${part} version`, ha?.version, hb?.version, W.decisive - 10);
      continue;
    }
    const scheme = (h: typeof ha) => (h === undefined ? null : `${h.handshake ?? '?'}${h.scheme == null ? '' : ` (scheme ${h.scheme})`}`);
    out.add('handshake', `${part} handshake`, scheme(ha), scheme(hb), W.cosmetic + 5);
    out.add('handshake', `${part} version field`, ha?.peerVersion, hb?.peerVersion, W.cosmetic);
  }
  const c2 = (d: SessionDigest) => d.handshake.find((h) => h.part === 'C2')?.echoes ?? null;
  out.add('handshake', 'C2 echoes S1', c2(a), c2(b), W.cosmetic);
}

function ertmp(a: SessionDigest, b: SessionDigest, out: Diffs): void {
  const ea = a.record?.enhanced;
  const eb = b.record?.enhanced;
  out.add('ertmp', 'client fourCcList', ea?.fourCcList?.join(', '), eb?.fourCcList?.join(', '), W.habit);
  out.add('ertmp', 'client capsEx', ea?.capsExNames.join(', ') || null, eb?.capsExNames.join(', ') || null, W.habit);
  out.add('ertmp', 'server E-RTMP reply', ea?.server == null ? null : JSON.stringify(ea.server), eb?.server == null ? null : JSON.stringify(eb.server), W.habit);
}

/** Latencies: only when they differ by more than half and 100 ms (a loaded server, a slow auth backend). */
function timing(a: SessionDigest, b: SessionDigest, out: Diffs): void {
  const far = (x: number | null | undefined, y: number | null | undefined) => x != null && y != null && Math.abs(x - y) > 100 && Math.abs(x - y) > 0.5 * Math.max(x, y);
  const ca = a.record?.connect?.latencyMs;
  const cb = b.record?.connect?.latencyMs;
  if (far(ca, cb)) out.add('timing', 'connect answered after (ms)', ca, cb, W.timing);
  const sa = mainStream(a);
  const sb = mainStream(b);
  const la = sa === null ? null : a.record?.streamIds?.[String(sa.streamId)]?.startLatencyMs;
  const lb = sb === null ? null : b.record?.streamIds?.[String(sb.streamId)]?.startLatencyMs;
  if (far(la, lb)) out.add('timing', `${sa?.role ?? 'publish/play'} answered after (ms)`, la, lb, W.timing);
}
