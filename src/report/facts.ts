/**
 * The report's fact lists: a session record and a stream record as [label, value] pairs of
 * short text (wire strings cleaned and cut). Pure.
 */
import type { SessionRecord, StreamRecord } from '../records/index.js';
import { clean } from '../core/text.js';

/** Longest wire string kept in a label or note. */
const MAX_TEXT = 160;

/** Wire text made safe to show: control characters replaced, cut to a bounded length. */
export function wireText(s: unknown): string {
  const str = typeof s === 'string' ? s : String(s);
  const c = clean(str.length > MAX_TEXT * 2 ? str.slice(0, MAX_TEXT * 2) : str);
  return c.length > MAX_TEXT ? c.slice(0, MAX_TEXT - 1) + '…' : c;
}

export type Fact = readonly [string, string];

function kbps(v: number | null | undefined): string | null {
  return v === null || v === undefined ? null : `${Math.round(v)} kbit/s`;
}

export function sessionFacts(r: SessionRecord): Fact[] {
  const f: Fact[] = [['client → server', `${wireText(r.client)} → ${wireText(r.server)}${r.clientGuessed ? ' (client guessed)' : ''}`]];
  f.push(['transport', r.transport]);
  if (r.app) f.push(['app', wireText(r.app)]);
  if (r.tcUrl) f.push(['tcUrl', wireText(r.tcUrl)]);
  if (r.flashVer) f.push(['flashVer', wireText(r.flashVer)]);
  if (r.role) f.push(['role', r.role]);
  if (r.connect !== undefined && r.connect.outcome !== null) {
    const lat = r.connect.latencyMs === null ? '' : ` in ${r.connect.latencyMs} ms`;
    f.push(['connect', `${r.connect.outcome}${r.connect.code ? ` (${wireText(r.connect.code)})` : ''}${lat}`]);
  }
  f.push(['duration', `${r.duration.toFixed(3)} s`]);
  f.push(['bytes c→s / s→c', `${r.bytes.c2s} / ${r.bytes.s2c}`]);
  f.push(['messages c→s / s→c', `${r.messageCount.c2s} / ${r.messageCount.s2c}`]);
  f.push(['chunk size c→s / s→c', `${r.chunkSize.c2s} / ${r.chunkSize.s2c}`]);
  const gaps = r.gaps.c2s.count + r.gaps.s2c.count;
  if (gaps > 0) f.push(['capture gaps', `${gaps} (${r.gaps.c2s.bytes + r.gaps.s2c.bytes} bytes lost)`]);
  f.push(['end', r.end]);
  return f;
}

export function streamFacts(r: StreamRecord): Fact[] {
  const f: Fact[] = [];
  f.push(['direction', `${r.dir}${r.outcome ? `, ${r.outcome}` : ''}`]);
  const v = r.video;
  if (v !== null) {
    const parts = [
      wireText(v.codecString ?? v.codec),
      v.profile === null ? null : wireText(v.profile),
      v.width !== null && v.height !== null ? `${v.width}×${v.height}` : null,
      v.fps.measured !== null ? `${v.fps.measured} fps` : null,
      kbps(v.bitrateKbps.avg),
      v.keyframeIntervalMs === null ? null : `keyframe every ${(v.keyframeIntervalMs.avg / 1000).toFixed(2)} s`,
    ];
    f.push(['video', parts.filter((x) => x !== null).join(', ')]);
  }
  const a = r.audio;
  if (a !== null) {
    const parts = [wireText(a.codecString ?? a.codec), a.objectTypeName === null ? null : wireText(a.objectTypeName), a.sampleRate === null ? null : `${a.sampleRate} Hz`, a.channels === null ? null : `${a.channels} ch`, kbps(a.bitrateKbps.avg)];
    f.push(['audio', parts.filter((x) => x !== null).join(', ')]);
  }
  if (r.tracks !== undefined) f.push(['tracks', String(r.tracks.length)]);
  if (r.avDriftMs !== null) f.push(['largest A/V drift', `${r.avDriftMs} ms`]);
  if (r.durationMs !== null) f.push(['media time', `${(r.durationMs / 1000).toFixed(3)} s`]);
  return f;
}
