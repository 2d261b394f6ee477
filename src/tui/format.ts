/**
 * Text for the TUI: the kind of a timeline record (which picks its colour), its one-line summary,
 * and the column helpers every pane uses.
 *
 * Contract: pure functions over output records; never throw on any record the analyzer emits (all
 * body fields are `unknown` here and read through guards). Every string that came from the wire
 * passes through `clean()` before it reaches the terminal: a peer controls stream names and AMF
 * strings, and an escape sequence in them must not drive the user's terminal. Widths count one
 * column per UTF-16 code unit after cleaning (East Asian wide characters may misalign a row, never
 * the terminal state).
 */
import type { DiagnosticRecord, HandshakeRecord, MessageRecord } from '../records/index.js';
import { clean } from '../core/text.js';

// The one sanitiser, shared with the tables and the CLI's messages.
export { clean };

/** What the timeline shows: handshake parts, messages and the session's diagnostics. */
export type TimelineRecord = HandshakeRecord | MessageRecord | DiagnosticRecord;

export const KINDS = ['control', 'command', 'data', 'audio', 'video', 'aggregate', 'handshake', 'diagnostic', 'other'] as const;
export type Kind = (typeof KINDS)[number];

/** RTMP message type id → kind (RTMP 1.0 §5.4, §7.1). */
const TYPE_KIND: Readonly<Record<number, Kind>> = {
  1: 'control',
  2: 'control',
  3: 'control',
  4: 'control',
  5: 'control',
  6: 'control',
  8: 'audio',
  9: 'video',
  15: 'data',
  16: 'data',
  17: 'command',
  18: 'data',
  19: 'data',
  20: 'command',
  22: 'aggregate',
};

export function kindOfType(typeId: number): Kind {
  return TYPE_KIND[typeId] ?? 'other';
}

export function kindOf(r: TimelineRecord): Kind {
  if (r.type === 'handshake') return 'handshake';
  if (r.type === 'diagnostic') return 'diagnostic';
  return kindOfType(r.typeId);
}

/** Short type labels for the timeline's type column. */
const TYPE_SHORT: Readonly<Record<number, string>> = {
  1: 'SetChunk',
  2: 'Abort',
  3: 'Ack',
  4: 'UserCtl',
  5: 'WinAck',
  6: 'PeerBW',
  8: 'Audio',
  9: 'Video',
  15: 'AMF3 Data',
  16: 'AMF3 SO',
  17: 'AMF3 Cmd',
  18: 'AMF0 Data',
  19: 'AMF0 SO',
  20: 'AMF0 Cmd',
  22: 'Aggregate',
};

export function typeLabel(r: TimelineRecord): string {
  return typeLabelOf(r.type, r.type === 'message' ? r.typeId : 0, r.type === 'diagnostic' ? r.severity : 'info');
}

/** `typeLabel` from a row's columns (record type, message type id, diagnostic severity). */
export function typeLabelOf(type: TimelineRecord['type'], typeId: number, severity: 'info' | 'warn' | 'error'): string {
  if (type === 'handshake') return 'Handshake';
  if (type === 'diagnostic') return severity === 'error' ? 'ERROR' : severity === 'warn' ? 'WARN' : 'INFO';
  return TYPE_SHORT[typeId] ?? `Type ${typeId}`;
}

/** Truncate to `width` columns (with `…`) and pad to exactly `width`. */
export function fit(s: string, width: number, align: 'left' | 'right' = 'left'): string {
  if (width <= 0) return '';
  if (s.length > width) return width === 1 ? '…' : s.slice(0, width - 1) + '…';
  return align === 'left' ? s.padEnd(width) : s.padStart(width);
}

/** Truncate without padding. */
export function clip(s: string, width: number): string {
  if (width <= 0) return '';
  return s.length > width ? (width === 1 ? '…' : s.slice(0, width - 1) + '…') : s;
}

export function arrow(dir: 'c2s' | 's2c' | undefined): string {
  return dir === 'c2s' ? '→' : dir === 's2c' ? '←' : ' ';
}

/** Seconds relative to a start, as `+12.345` (or `-0.001` when a record precedes it). */
export function relTime(t: number | undefined, start: number): string {
  if (t === undefined) return '';
  const d = t - start;
  return (d < 0 ? '-' : '+') + Math.abs(d).toFixed(3);
}

/** Capture time of day, UTC, as `12:34:56.789` (the date is in the detail pane). */
export function clockTime(t: number | undefined): string {
  if (t === undefined || !Number.isFinite(t) || Math.abs(t) > 8.64e12) return '';
  return new Date(t * 1000).toISOString().slice(11, 23);
}

export function thousands(n: number): string {
  return n.toLocaleString('en-US');
}

// --- reading body fields without trusting their shape ---

export function isObj(v: unknown): v is Readonly<Record<string, unknown>> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
export function str(o: unknown, k: string): string | undefined {
  if (!isObj(o)) return undefined;
  const v = o[k];
  return typeof v === 'string' ? v : undefined;
}
export function num(o: unknown, k: string): number | undefined {
  if (!isObj(o)) return undefined;
  const v = o[k];
  return typeof v === 'number' ? v : undefined;
}

/** A compact one-line rendering of a plain-JSON value (for summaries; capped). */
export function brief(v: unknown, max = 60): string {
  let s: string;
  if (typeof v === 'string') s = JSON.stringify(v);
  else if (v === null || typeof v !== 'object') s = String(v);
  else if (Array.isArray(v)) s = `[${v.length}]`;
  else s = `{${Object.keys(v).length}}`;
  return clip(clean(s), max);
}

function controlSummary(c: Readonly<Record<string, unknown>>): string {
  switch (c['kind']) {
    case 'set-chunk-size':
      return `Set Chunk Size ${num(c, 'chunkSize') ?? '?'}`;
    case 'abort':
      return `Abort csid ${num(c, 'csid') ?? '?'}`;
    case 'acknowledgement':
      return `Acknowledgement ${num(c, 'sequenceNumber') ?? '?'}`;
    case 'window-ack-size':
      return `Window Ack Size ${num(c, 'windowSize') ?? '?'}`;
    case 'set-peer-bandwidth':
      return `Set Peer Bandwidth ${num(c, 'windowSize') ?? '?'} ${str(c, 'limitTypeName') ?? ''}`.trimEnd();
    case 'user-control': {
      const parts = [str(c, 'eventName') ?? 'User Control'];
      const sid = num(c, 'streamId');
      if (sid !== undefined) parts.push(`stream ${sid}`);
      const bl = num(c, 'bufferLength');
      if (bl !== undefined) parts.push(`buffer ${bl} ms`);
      const ts = num(c, 'timestamp');
      if (ts !== undefined) parts.push(`ts ${ts}`);
      return parts.join(' ');
    }
    default:
      return clean(typeof c['kind'] === 'string' ? c['kind'] : 'control');
  }
}

function mediaSummary(m: Readonly<Record<string, unknown>>, video: boolean): string {
  const parts: string[] = [];
  if (video) {
    const ft = str(m, 'frameTypeName');
    if (ft !== undefined) parts.push(ft);
  }
  const codec = str(m, 'codec') ?? str(m, 'soundFormatName');
  if (codec !== undefined) parts.push(clean(codec));
  const pt = str(m, 'packetTypeName') ?? str(m, 'commandName');
  if (pt !== undefined) parts.push(pt);
  if (!video) {
    // AAC: the FLV tag header's rate and channels are fixed values the spec says to ignore; the
    // AudioSpecificConfig (in the sequence header) says what the stream is.
    const aac = num(m, 'soundFormat') === 10;
    const cfg = isObj(m['config']) ? m['config'] : undefined;
    const hz = aac ? (cfg === undefined ? undefined : (num(cfg, 'extensionSampleRate') ?? num(cfg, 'sampleRate'))) : num(m, 'soundRateHz');
    if (hz !== undefined) parts.push(`${hz} Hz`);
    const ch = aac ? (cfg === undefined ? undefined : cfg['ps'] === true ? 2 : num(cfg, 'channels')) : num(m, 'soundChannels');
    if (ch !== undefined) parts.push(ch === 1 ? 'mono' : ch === 2 ? 'stereo' : `${ch} ch`);
  }
  const cts = num(m, 'compositionTime');
  if (cts !== undefined && cts !== 0) parts.push(`cts ${cts}`);
  if (m['ex'] === true) parts.push('(enhanced)');
  const mt = m['multitrack'];
  if (isObj(mt) && Array.isArray(mt['tracks'])) parts.push(`${mt['tracks'].length} tracks`);
  const probs = m['problems'];
  if (Array.isArray(probs) && probs.length > 0) parts.push(`⚠ ${probs.length}`);
  return parts.length === 0 ? (video ? 'video' : 'audio') : parts.join(' ');
}

function commandSummary(r: MessageRecord): string {
  const name = clean(r.name ?? '');
  const parts = [name];
  if (r.transactionId !== undefined && r.transactionId !== 0) parts.push(`#${r.transactionId}`);
  const c = r.command;
  if (isObj(c)) {
    const app = str(c, 'app');
    if (app !== undefined) parts.push(`app=${clean(app)}`);
    const sn = str(c, 'streamName');
    if (sn !== undefined) parts.push(clean(sn));
    const pt = str(c, 'publishType');
    if (pt !== undefined) parts.push(`(${clean(pt)})`);
    const status = c['status'];
    const code = str(status, 'code');
    if (code !== undefined) parts.push(clean(code));
    const sid = num(c, 'streamId');
    if (sid !== undefined && name === '_result') parts.push(`stream ${sid}`);
    const dn = str(c, 'dataName');
    if (dn !== undefined) parts.push(clean(dn));
    const tcUrl = str(c, 'tcUrl');
    if (tcUrl !== undefined) parts.push(clean(tcUrl));
    if (parts.length > 1 + (r.transactionId ? 1 : 0)) return parts.join(' ');
  }
  // No typed fields: show the first meaningful argument.
  const first = (r.args ?? []).find((a) => a !== null);
  if (first !== undefined) parts.push(brief(first, 40));
  return parts.join(' ');
}

export function summarize(r: TimelineRecord): string {
  if (r.type === 'diagnostic') return `${r.code}: ${clean(r.message)}`;
  if (r.type === 'handshake') {
    const parts: string[] = [r.part];
    if (r.version !== undefined) parts.push(`version ${r.version}${r.encrypted === true ? ' (RTMPE)' : ''}`);
    if (r.handshake !== undefined) parts.push(r.handshake);
    if (r.peerVersion !== undefined) parts.push(clean(r.peerVersion));
    if (r.digestValid === true) parts.push('digest ✓');
    if (r.digestValid === false) parts.push('digest ✗');
    if (r.dhKey !== undefined) parts.push(r.dhKey.valid ? 'DH key ✓' : 'DH key ✗');
    if (r.echoes === true) parts.push('echoes peer');
    if (r.echoes === false) parts.push('does not echo peer');
    return parts.join(' ');
  }
  if (r.name !== undefined) return commandSummary(r);
  if (r.control !== undefined) return controlSummary(r.control);
  if (r.media !== undefined) return mediaSummary(r.media, r.typeId === 9);
  if (r.sharedObject !== undefined) {
    const so = r.sharedObject;
    const evs = so['events'];
    return `${clean(str(so, 'name') ?? '')} ${Array.isArray(evs) ? evs.length : 0} events`.trim();
  }
  if (r.aggregate !== undefined) return `${num(r.aggregate, 'count') ?? 0} sub-messages`;
  if (r.rawHex !== undefined) return `${r.length} bytes (raw)`;
  return clean(r.typeName);
}

/** Text the free-text filter searches: summary, type name, code and message, lower-cased. */
export function searchText(r: TimelineRecord): string {
  if (r.type === 'message') return `${summarize(r)} ${r.typeName}`.toLowerCase();
  if (r.type === 'diagnostic') return `${r.code} ${r.message} ${r.severity}`.toLowerCase();
  return `handshake ${summarize(r)}`.toLowerCase();
}
