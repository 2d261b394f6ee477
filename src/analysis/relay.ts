/**
 * Relay checks: a capture (or the proxy, which sees both legs) that holds a publisher of
 * app/stream and a player of the same app/stream on the same server, their media overlapping in
 * time, shows what the server did with the media in between. Each pair is compared once, when
 * the second of the two stream records goes by (stream records come at the end of a session):
 *   - the publisher sent video (or audio) and the player got none of it, though it got the other
 *     kind: the server dropped it (E-RTMP video through a server that reads only legacy FLV
 *     headers: nginx-rtmp 1.2.2 reads the ExHeader byte's high nibble as the legacy frame type,
 *     never sees a keyframe and never starts the video);
 *   - the player got coded frames but no sequence header although the publisher sent one;
 *   - tracks of the publisher that the player never got.
 * Each diagnostic belongs to the player's session and names the likely cause.
 *
 * Bounded: at most MAX_KEYS app/stream keys with MAX_PER_KEY stream records each (the oldest
 * make room).
 */
import type { AudioStats, DiagnosticRecord, MessageRecord, StreamRecord, VideoStats } from '../records/index.js';
import { atOf, diagnosticRecord, type At } from './emit.js';

const MAX_KEYS = 64;
const MAX_PER_KEY = 16;

/** The stream name a server keys on: the part before any query string (stream keys, tokens). */
export function baseName(name: string): string {
  const q = name.indexOf('?');
  return q < 0 ? name : name.slice(0, q);
}

type Stats = VideoStats | AudioStats;

/** A stream record and where its diagnostics point (its first media message). */
type Entry = { readonly rec: StreamRecord; readonly at: At };

const frames = (s: Stats | null | undefined): number => s?.frames ?? 0;

/** Codecs whose frames cannot be decoded without a sequence header. */
const NEEDS_CONFIG = new Set(['avc', 'hevc', 'av1', 'vvc', 'aac']);

type Track = { readonly kind: 'video' | 'audio'; readonly trackId: number; readonly stats: Stats };

/** A stream record's tracks by kind:trackId (track 0 alone for a stream without Multitrack). */
function tracksOf(r: StreamRecord): Map<string, Track> {
  const out = new Map<string, Track>();
  if (r.tracks === undefined) {
    if (r.video !== null) out.set('video:0', { kind: 'video', trackId: 0, stats: r.video });
    if (r.audio !== null) out.set('audio:0', { kind: 'audio', trackId: 0, stats: r.audio });
    return out;
  }
  for (const t of r.tracks) {
    const stats = t.video ?? t.audio;
    if (stats !== null) out.set(`${t.kind}:${t.trackId}`, { kind: t.kind, trackId: t.trackId, stats });
  }
  return out;
}

function overlap(a: StreamRecord, b: StreamRecord): boolean {
  if (a.startTime === null || a.endTime === null || b.startTime === null || b.endTime === null) return false;
  return a.startTime <= b.endTime && b.startTime <= a.endTime;
}

function describe(kind: 'video' | 'audio', s: Stats): string {
  const f = s.fourCc === null ? '' : ` "${s.fourCc}"`;
  return `${s.codec.toUpperCase()}${f} ${kind}`;
}

export class RelayAnalysis {
  /** server|app|name → the stream records seen for it. */
  private readonly byKey = new Map<string, Entry[]>();
  /** session|streamId → the locator of the first media message a player got (where a relay diagnostic points). */
  private readonly firstMedia = new Map<string, At>();
  /** The player sessions' connect fourCcList (null: none sent). */
  private readonly fourCcLists = new Map<number, readonly string[] | null>();

  /** A client's connect: what it declared (for the cause of a drop). */
  onConnect(session: number, fourCcList: unknown): void {
    if (this.fourCcLists.size >= 4 * MAX_KEYS && !this.fourCcLists.has(session)) return;
    this.fourCcLists.set(session, Array.isArray(fourCcList) ? fourCcList.filter((x): x is string => typeof x === 'string').slice(0, 64) : null);
  }

  /** Media sent to a client (s2c): the first of each stream is kept as the locator. */
  onPlayerMedia(r: MessageRecord): void {
    const key = `${r.session}|${r.streamId}`;
    if (this.firstMedia.has(key) || this.firstMedia.size >= 4 * MAX_KEYS) return;
    this.firstMedia.set(key, atOf(r));
  }

  onStream(r: StreamRecord): DiagnosticRecord[] {
    if (r.role === null || r.name === null || (r.role !== 'publish' && r.role !== 'play')) return [];
    const key = `${r.server}|${r.app ?? ''}|${baseName(r.name)}`;
    let list = this.byKey.get(key);
    if (list === undefined) {
      // A long proxy run sees many streams: the oldest key makes room.
      if (this.byKey.size >= MAX_KEYS) this.byKey.delete(this.byKey.keys().next().value as string);
      list = [];
      this.byKey.set(key, list);
    }
    const out: DiagnosticRecord[] = [];
    const entry: Entry = { rec: r, at: this.firstMedia.get(`${r.session}|${r.streamId}`) ?? { dir: r.dir, ...(r.firstFrame === null ? {} : { frame: r.firstFrame }) } };
    for (const other of list) {
      if (other.rec.role === r.role || other.rec.session === r.session || !overlap(other.rec, r)) continue;
      const [pub, player] = r.role === 'publish' ? [entry, other] : [other, entry];
      out.push(...this.compare(pub.rec, player.rec, player.at));
    }
    if (list.length >= MAX_PER_KEY) list.shift();
    list.push(entry);
    return out;
  }

  /** A session ended: its connect is no longer needed. */
  onSessionEnd(session: number): void {
    this.fourCcLists.delete(session);
    for (const k of this.firstMedia.keys()) if (k.startsWith(`${session}|`)) this.firstMedia.delete(k);
  }

  finish(): void {
    this.byKey.clear();
    this.fourCcLists.clear();
    this.firstMedia.clear();
  }

  private compare(pub: StreamRecord, player: StreamRecord, at: At): DiagnosticRecord[] {
    const out: DiagnosticRecord[] = [];
    const where = `"${player.app ?? ''}/${player.name ?? ''}" from session ${pub.session}`;
    for (const kind of ['video', 'audio'] as const) {
      const sent = pub[kind];
      const got = player[kind];
      const otherKind = kind === 'video' ? 'audio' : 'video';
      if (sent === null || frames(sent) === 0 || frames(got) > 0 || frames(player[otherKind]) === 0) continue;
      const message = `the player got ${frames(player[otherKind])} ${otherKind} frames but none of the ${frames(sent)} ${describe(kind, sent)} frames published as ${where}: ${this.dropCause(kind, sent, player.session)}`;
      out.push(diagnosticRecord(player, 'session.relay.media-dropped', message, at, { track: kind, publisherSession: pub.session, published: frames(sent), ...(sent.fourCc === null ? {} : { fourCc: sent.fourCc }) }));
    }
    const sentTracks = tracksOf(pub);
    const gotTracks = tracksOf(player);
    for (const [key, got] of gotTracks) {
      const sent = sentTracks.get(key);
      if (sent === undefined || frames(got.stats) === 0 || got.stats.sequenceHeaders > 0 || sent.stats.sequenceHeaders === 0 || !NEEDS_CONFIG.has(sent.stats.codec)) continue;
      const what = got.trackId === 0 ? describe(got.kind, got.stats) : `${describe(got.kind, got.stats)} (track ${got.trackId})`;
      out.push(
        diagnosticRecord(
          player,
          'session.relay.no-sequence-header',
          `the player got ${frames(got.stats)} ${what} frames but no sequence header, though the publisher of ${where} sent ${sent.stats.sequenceHeaders}: the server did not pass it on (it keeps no copy for late joiners, or none of this codec's E-RTMP SequenceStart)`,
          at,
          { track: got.kind, trackId: got.trackId, publisherSession: pub.session },
        ),
      );
    }
    const dropped = [...sentTracks.values()].filter((t) => t.trackId !== 0 && frames(t.stats) > 0 && frames(gotTracks.get(`${t.kind}:${t.trackId}`)?.stats) === 0);
    if (dropped.length > 0) {
      const names = dropped.map((t) => `${t.kind} track ${t.trackId} (${t.stats.codec})`).join(', ');
      out.push(
        diagnosticRecord(player, 'session.relay.track-dropped', `the publisher of ${where} sent ${names}; the player got none of it: the server does not relay E-RTMP multitrack, or passes on the default track only`, at, {
          publisherSession: pub.session,
          tracks: dropped.length,
        }),
      );
    }
    return out;
  }

  private dropCause(kind: 'video' | 'audio', sent: Stats, playerSession: number): string {
    const declared = this.fourCcLists.get(playerSession);
    if (sent.fourCc !== null) {
      const notListed = declared !== undefined && (declared === null || !(declared.includes(sent.fourCc) || declared.includes('*')));
      const why = notListed ? ` (the player's connect did not list "${sent.fourCc}" either)` : '';
      return `the server does not understand E-RTMP ${kind}${why}; nginx-rtmp 1.2.2, for one, reads the ExHeader byte as a legacy FLV header, never sees a keyframe and never starts the ${kind}`;
    }
    return `the server dropped it (servers wait for a keyframe or a sequence header before they relay ${kind}; the publisher's may not have reached it)`;
  }
}
