/**
 * What `rtmpscope diff` keeps of a capture: per RTMP session, the facts a comparison needs (the
 * session and stream records, the handshake, the connect command object, the commands in order
 * and the server's status replies, the diagnostics), never the media. Bounded: at most
 * MAX_SESSIONS sessions are kept (or only the one named by `capture#N`), and per session at most
 * MAX_ITEMS commands, replies and diagnostics.
 */
import type { DiagnosticRecord, HandshakeRecord, MessageRecord, OutputRecord, SessionRecord, StreamRecord } from '../records/index.js';

export const MAX_SESSIONS = 256;
const MAX_ITEMS = 256;

export type Reply = { readonly name: string; readonly code: string | null; readonly level: string | null; readonly description: string | null; readonly streamId: number };

export type SessionDigest = {
  readonly session: number;
  record: SessionRecord | null;
  readonly streams: StreamRecord[];
  readonly handshake: HandshakeRecord[];
  /** The connect command object, as decoded. */
  connect: Readonly<Record<string, unknown>> | null;
  /** The client's commands and data messages (names), in order. */
  readonly commands: string[];
  /** The server's status replies (onStatus, _result/_error with an info object), in order. */
  readonly replies: Reply[];
  readonly diagnostics: DiagnosticRecord[];
};

function newDigest(session: number): SessionDigest {
  return { session, record: null, streams: [], handshake: [], connect: null, commands: [], replies: [], diagnostics: [] };
}

function statusOf(args: readonly unknown[] | undefined): { code: string | null; level: string | null; description: string | null } | null {
  for (const a of args ?? []) {
    if (a !== null && typeof a === 'object' && !Array.isArray(a)) {
      const o = a as Record<string, unknown>;
      if (typeof o['code'] === 'string') {
        return { code: o['code'], level: typeof o['level'] === 'string' ? o['level'] : null, description: typeof o['description'] === 'string' ? o['description'] : null };
      }
    }
  }
  return null;
}

/** Collects the digests of a capture's sessions (all of them up to MAX_SESSIONS, or only `only`). */
export class DigestCollector {
  readonly sessions = new Map<number, SessionDigest>();
  /** Sessions seen beyond MAX_SESSIONS (not kept). */
  dropped = 0;

  constructor(private readonly only: number | null = null) {}

  private digest(session: number): SessionDigest | null {
    if (this.only !== null && session !== this.only) return null;
    let d = this.sessions.get(session);
    if (d === undefined) {
      if (this.sessions.size >= MAX_SESSIONS) {
        this.dropped++;
        return null;
      }
      d = newDigest(session);
      this.sessions.set(session, d);
    }
    return d;
  }

  records(recs: readonly OutputRecord[]): void {
    for (const r of recs) {
      if (r.type === 'capture') continue;
      if (r.type === 'diagnostic') {
        if (r.session === null) continue;
        const d = this.digest(r.session);
        if (d !== null && d.diagnostics.length < MAX_ITEMS) d.diagnostics.push(r);
        continue;
      }
      const d = this.digest(r.session);
      if (d === null) continue;
      if (r.type === 'session') d.record = r;
      else if (r.type === 'stream') d.streams.push(r);
      else if (r.type === 'handshake') d.handshake.push(r);
      else this.message(d, r);
    }
  }

  private message(d: SessionDigest, m: MessageRecord): void {
    if (m.name === undefined || m.typeId === 8 || m.typeId === 9) return;
    if (m.dir === 'c2s') {
      if (m.name === 'connect' && d.connect === null) {
        const obj = m.args?.[0];
        if (obj !== null && typeof obj === 'object' && !Array.isArray(obj)) d.connect = obj;
      }
      if (d.commands.length < MAX_ITEMS) d.commands.push(m.name);
      return;
    }
    const st = statusOf(m.args);
    if (st !== null && d.replies.length < MAX_ITEMS) d.replies.push({ name: m.name, ...st, streamId: m.streamId });
  }
}

/** The session a side of the diff stands for: the one named, else the first publish, else the first. */
export function pickSession(c: DigestCollector, wanted: number | null): SessionDigest | null {
  if (wanted !== null) return c.sessions.get(wanted) ?? null;
  const all = [...c.sessions.values()].sort((a, b) => a.session - b.session);
  return all.find((d) => d.record?.role === 'publish' || d.record?.role === 'mixed') ?? all[0] ?? null;
}
