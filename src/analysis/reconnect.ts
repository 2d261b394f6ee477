/**
 * The client's reaction to an E-RTMP Reconnect Request (onStatus NetConnection.Connect.ReconnectRequest,
 * E-RTMP v2 "Reconnect Request"): the server asks the client to open a new connection, to the
 * tcUrl it names (absolute, or relative to the connection's own tcUrl) or else the same one; the
 * client keeps streaming on the old connection up to a suitable media boundary, connects anew,
 * and then closes the old connection.
 *
 * Across the sessions of a capture (or the proxy's), a request is answered when a later `connect`
 * comes from the same client host: `session.connect.reconnected` says to which tcUrl (and whether
 * it is the one asked for) and whether the old connection was still open (make before break, as
 * the spec describes) or already closed (the stream had a gap). A request still unanswered when
 * the capture ends is `session.connect.reconnect-ignored`, with what the client did instead: kept
 * the connection (and how many media messages it sent after the request) or closed it without
 * reconnecting. A client that never reacts to the request is what FFmpeg 8.1 does (its rtmpproto
 * has no handling of it).
 *
 * Contract: pure; fed every output record in order; bounded (MAX_PENDING requests followed, the
 * oldest given up first, and the per-session state is small and fixed).
 */
import type { DiagnosticRecord, MessageRecord, OutputRecord } from '../records/index.js';
import { atOf, diagnosticRecord, msBetween, round, type At, type SessionIdentity } from './emit.js';
import { resolveTcUrl } from './negotiation.js';

export const MAX_PENDING = 64;
const MAX_TCURLS = 4096;

/** A Reconnect Request waiting for the client's new connection; the session that got it. */
type Pending = SessionIdentity & {
  readonly host: string;
  readonly at: At;
  readonly time: number;
  /** The tcUrl the request named (as sent) and resolved against the connection's; null: none. */
  readonly tcUrl: string | null;
  readonly target: string | null;
  mediaAfter: number;
  closedAt: number | null;
};

/** "10.0.0.1:5000" → "10.0.0.1", "[::1]:5000" → "[::1]". */
function hostOf(address: string): string {
  const i = address.lastIndexOf(':');
  return i > 0 && /^\d+$/.test(address.slice(i + 1)) ? address.slice(0, i) : address;
}

function normalise(url: string): string {
  const r = resolveTcUrl(url, undefined) ?? url;
  return r.endsWith('/') ? r.slice(0, -1) : r;
}

export class ReconnectAnalysis {
  /** session → its connect's tcUrl (the base a relative request tcUrl resolves against). */
  private readonly tcUrls = new Map<number, string>();
  private readonly pending: Pending[] = [];

  onRecord(r: OutputRecord): DiagnosticRecord[] {
    if (r.type === 'session') {
      this.tcUrls.delete(r.session);
      // A connection still open when the capture ended ('eof', 'evicted') was not closed.
      const closed = r.end === 'fin' || r.end === 'rst' || r.end === 'reused';
      if (closed) for (const p of this.pending) if (p.session === r.session && p.closedAt === null) p.closedAt = r.endTime;
      return [];
    }
    if (r.type !== 'message') return [];
    if ((r.typeId === 8 || r.typeId === 9) && r.dir === 'c2s') {
      for (const p of this.pending) if (p.session === r.session) p.mediaAfter++;
      return [];
    }
    if (r.typeId !== 20 && r.typeId !== 17) return [];
    if (r.dir === 'c2s' && r.name === 'connect') return this.onConnect(r);
    if (r.dir === 's2c' && r.name === 'onStatus') this.onStatus(r);
    return [];
  }

  /** At the end of the capture: every request nobody answered. */
  finish(): DiagnosticRecord[] {
    const out = this.pending.map((p) => this.ignored(p));
    this.pending.length = 0;
    this.tcUrls.clear();
    return out;
  }

  private onStatus(r: MessageRecord): void {
    const cmd = r.command ?? {};
    if (cmd.status?.code !== 'NetConnection.Connect.ReconnectRequest') return;
    const info = r.args?.[1];
    const raw = info !== null && typeof info === 'object' && !Array.isArray(info) ? (info as Record<string, unknown>)['tcUrl'] : undefined;
    const tcUrl = typeof raw === 'string' ? raw : null;
    const base = this.tcUrls.get(r.session);
    const target = tcUrl === null ? (base ?? null) : resolveTcUrl(tcUrl, base);
    if (this.pending.some((p) => p.session === r.session)) return; // a repeated request: the first one counts
    if (this.pending.length >= MAX_PENDING) this.pending.shift();
    this.pending.push({ session: r.session, client: r.client, server: r.server, host: hostOf(r.client), at: atOf(r), time: r.time, tcUrl, target, mediaAfter: 0, closedAt: null });
  }

  private onConnect(r: MessageRecord): DiagnosticRecord[] {
    const cmd = r.command ?? {};
    const tcUrl = typeof cmd.tcUrl === 'string' ? cmd.tcUrl : null;
    if (tcUrl !== null && (this.tcUrls.size < MAX_TCURLS || this.tcUrls.has(r.session))) this.tcUrls.set(r.session, tcUrl);
    const host = hostOf(r.client);
    const i = this.pending.findIndex((p) => r.session > p.session && p.host === host && r.time >= p.time);
    if (i < 0) return [];
    const p = this.pending[i]!;
    this.pending.splice(i, 1);
    const matches = p.target === null || tcUrl === null ? null : normalise(p.target) === normalise(tcUrl);
    const overlap = p.closedAt === null;
    const after = round(msBetween(p.time, r.time) / 1000, 3);
    const where = tcUrl === null ? 'without a tcUrl' : `to ${tcUrl}`;
    const asked = matches === false ? ` (the server asked for ${p.target ?? ''})` : '';
    const how = overlap ? 'while the old connection was still open (make before break)' : `after closing the old connection ${round(msBetween(p.closedAt ?? p.time, r.time) / 1000, 3)} s earlier (the stream had a gap)`;
    const msg = `the client reconnected ${where}${asked} in session ${r.session}, ${after} s after the server's Reconnect Request, ${how}`;
    return [
      diagnosticRecord(p, 'session.connect.reconnected', msg, p.at, {
        newSession: r.session,
        afterS: after,
        makeBeforeBreak: overlap,
        ...(tcUrl === null ? {} : { tcUrl }),
        ...(matches === null ? {} : { tcUrlAsRequested: matches }),
      }),
    ];
  }

  private ignored(p: Pending): DiagnosticRecord {
    const requested = p.target === null ? '' : ` to ${p.target}`;
    const did =
      p.closedAt === null
        ? `kept the connection open to the end of the capture and sent ${p.mediaAfter} more media message(s)`
        : `sent ${p.mediaAfter} more media message(s) and closed the connection ${round(msBetween(p.time, p.closedAt) / 1000, 3)} s later without reconnecting`;
    return diagnosticRecord(p, 'session.connect.reconnect-ignored', `the server asked the client to reconnect${requested}; no new connection came from the client: it ${did}`, p.at, {
      reaction: p.closedAt === null ? 'none' : 'closed',
      mediaAfter: p.mediaAfter,
      ...(p.tcUrl === null ? {} : { tcUrl: p.tcUrl }),
    });
  }
}
