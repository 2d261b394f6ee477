/**
 * Extraction: the payload sink that turns each published or played stream of each session into
 * an FLV file (writer.ts). A stream is a message stream id in one direction: `publish` sent on
 * stream id N makes the client's audio/video/data on N a published stream, `play` on N makes the
 * server's on N a played one; `deleteStream`/`closeStream`, a new publish/play on the same id, and
 * the end of the session close it. Media on a stream id no publish or play was seen for (the
 * capture starts mid-session) is extracted too, named by its id, from its first keyframe.
 *
 * Synchronous, no I/O of its own: files are opened through `open` (null skips a stream) and
 * everything worth telling goes to `note` as one line (wire text cleaned).
 */
import type { Direction } from '../core/diagnostics.js';
import { clean } from '../core/text.js';
import type { RtmpMessage } from '../rtmp/chunk-decoder.js';
import { decodeMessageBody } from '../rtmp/messages.js';
import type { PayloadSink, SinkSession } from './sink.js';
import type { GapEpisode } from './policy.js';
import { FlvStreamWriter, type FlvOut, type WriterStats } from './writer.js';

export type StreamInfo = {
  readonly session: number;
  readonly client: string;
  readonly server: string;
  /** c2s: published by the client; s2c: played from the server. */
  readonly dir: Direction;
  readonly streamId: number;
  readonly role: 'publish' | 'play';
  /** The application (connect's `app`), null when the connect was not captured. */
  readonly app: string | null;
  /** The stream name as sent in publish/play, null when neither was captured. */
  readonly name: string | null;
};

export type ExtractedStream = { readonly info: StreamInfo; readonly path: string; readonly stats: WriterStats };

export type ExtractorEvents = {
  /** Where to write a stream (at its first tag), or null to leave it out. */
  open(info: StreamInfo): FlvOut | null;
  /** One line for the user (stderr). */
  note(line: string): void;
  /** A stream's file is complete. */
  closed?(s: ExtractedStream): void;
};

/** Streams open at once, over all sessions: beyond, further streams are left out (each said once). */
export const MAX_OPEN_STREAMS = 256;
/** Streams followed per session: a new one beyond closes the session's oldest (a peer cannot grow the state without bound). */
export const MAX_SESSION_STREAMS = 64;

type Entry = {
  readonly info: StreamInfo;
  readonly writer: FlvStreamWriter;
  /** Opened by media on stream id 0 or an unknown one: the next stream id seen in its direction is its own. */
  adoptable: boolean;
};

type SessionState = {
  readonly id: SinkSession;
  app: string | null;
  /** Open streams by `${dir}:${streamId}` (one entry may have several keys: see resolve()). */
  readonly streams: Map<string, Entry>;
};

/** What a user reads of a stream: `session 1 c2s stream 1 'live/test' (publish)`. */
export function describe(i: StreamInfo): string {
  const name = i.name === null ? 'unnamed' : `'${clean(i.app === null ? i.name : `${i.app}/${i.name}`)}'`;
  return `session ${i.session} ${i.dir} stream ${i.streamId} ${name} (${i.role})`;
}

function describeEpisode(e: GapEpisode): string {
  const dropped = e.droppedVideo + e.droppedAudio === 0 ? 'nothing dropped' : `${e.droppedVideo} video and ${e.droppedAudio} audio tags dropped`;
  const where = e.after === null ? 'before its first tag' : `after ${e.after} ms`;
  const until = e.resumedAt === null ? 'to the end' : `until ${e.resumedAt} ms`;
  return `gap ${where} (${e.reasons.map(clean).join('; ')}): ${dropped} ${until}`;
}

export class Extractor implements PayloadSink {
  private readonly sessions = new Map<number, SessionState>();
  /** Streams written, in the order they closed. */
  readonly written: ExtractedStream[] = [];
  /** Output failures. */
  failures = 0;
  private open = 0;

  constructor(private readonly events: ExtractorEvents) {}

  message(id: SinkSession, dir: Direction, m: RtmpMessage): void {
    const s = this.session(id);
    const t = m.typeId;
    if (t === 20 || t === 17) {
      if (dir === 'c2s') this.command(s, m);
      return;
    }
    if (t !== 8 && t !== 9 && t !== 22 && t !== 18 && t !== 15) return;
    let e = this.resolve(s, dir, m);
    if (e === undefined) {
      // Media without a publish or play seen: the capture started mid-session (data alone opens nothing).
      if (t === 18 || t === 15) return;
      e = this.openStream(s, dir, m.streamId, null);
      e.adoptable = m.streamId === 0 || m.unknown?.includes('streamId') === true;
      e.writer.loss('the start of the stream is not in the capture', true);
    }
    e.writer.message(t, m.timestamp, m.body, m.bodyTruncated, m.payload);
  }

  /**
   * The stream a message belongs to. Media on stream id 0 (node-media-server sends played media
   * there) or on an id a loss made unknown belongs to the one stream of its direction, if there is
   * exactly one; and a stream opened that way takes the first stream id seen after it.
   */
  private resolve(s: SessionState, dir: Direction, m: RtmpMessage): Entry | undefined {
    const key = `${dir}:${m.streamId}`;
    const e = s.streams.get(key);
    if (e !== undefined) return e;
    const inDir = new Set<Entry>();
    for (const x of s.streams.values()) if (x.info.dir === dir) inDir.add(x);
    if (inDir.size !== 1) return undefined;
    const only = [...inDir][0] as Entry;
    if (!(m.streamId === 0 || m.unknown?.includes('streamId') === true || only.adoptable)) return undefined;
    only.adoptable = false;
    s.streams.set(key, only);
    return only;
  }

  loss(id: SinkSession, dir: Direction, why: string): void {
    const s = this.sessions.get(id.session);
    if (s === undefined) return;
    for (const e of new Set(s.streams.values())) if (e.info.dir === dir) e.writer.loss(why);
  }

  end(id: SinkSession): void {
    const s = this.sessions.get(id.session);
    if (s === undefined) return;
    for (const key of [...s.streams.keys()]) this.close(s, key);
    this.sessions.delete(id.session);
  }

  /** The input ended: every stream still open is closed. */
  finish(): void {
    for (const s of [...this.sessions.values()]) this.end(s.id);
  }

  private session(id: SinkSession): SessionState {
    let s = this.sessions.get(id.session);
    if (s === undefined) {
      s = { id, app: null, streams: new Map() };
      this.sessions.set(id.session, s);
    }
    return s;
  }

  private command(s: SessionState, m: RtmpMessage): void {
    const d = decodeMessageBody(m.typeId, m.body, m.timestamp, m.bodyTruncated, m.length);
    const c = d.command;
    switch (d.name) {
      case 'connect':
        if (c?.app !== undefined) s.app = c.app;
        return;
      case 'publish':
      case 'play':
        this.openStream(s, d.name === 'publish' ? 'c2s' : 's2c', m.streamId, c?.streamName ?? null);
        return;
      case 'deleteStream':
        if (c?.streamId !== undefined) for (const dir of ['c2s', 's2c']) this.close(s, `${dir}:${c.streamId}`);
        return;
      case 'closeStream':
        for (const dir of ['c2s', 's2c']) this.close(s, `${dir}:${m.streamId}`);
        return;
    }
  }

  private openStream(s: SessionState, dir: Direction, streamId: number, name: string | null): Entry {
    const key = `${dir}:${streamId}`;
    this.close(s, key);
    if (new Set(s.streams.values()).size >= MAX_SESSION_STREAMS) {
      const [oldest] = s.streams.keys();
      if (oldest !== undefined) this.close(s, oldest);
    }
    const info: StreamInfo = {
      session: s.id.session,
      client: s.id.client,
      server: s.id.server,
      dir,
      streamId,
      role: dir === 'c2s' ? 'publish' : 'play',
      app: s.app,
      name,
    };
    const writer = new FlvStreamWriter(
      () => this.opener(info),
      (e) => this.events.note(`${describe(info)}: ${describeEpisode(e)}`),
      (path, err) => {
        this.failures++;
        const code = (err as NodeJS.ErrnoException).code;
        this.events.note(`${clean(path)}: cannot write (${code ?? String(err)}); ${describe(info)} is incomplete`);
      },
      (line) => this.events.note(`${describe(info)}: ${line}`),
    );
    const e = { info, writer, adoptable: false };
    s.streams.set(key, e);
    return e;
  }

  /** A stream's first tag: its file, unless over the cap, not selected, or not creatable. */
  private opener(info: StreamInfo): FlvOut | null {
    if (this.open >= MAX_OPEN_STREAMS) {
      this.events.note(`${describe(info)}: not written (${MAX_OPEN_STREAMS} streams are open already)`);
      return null;
    }
    let out: FlvOut | null;
    try {
      out = this.events.open(info);
    } catch (err) {
      this.failures++;
      this.events.note(`${describe(info)}: not written (${err instanceof Error ? err.message : String(err)})`);
      return null;
    }
    if (out !== null) this.open++;
    return out;
  }

  private close(s: SessionState, key: string): void {
    const e = s.streams.get(key);
    if (e === undefined) return;
    for (const [k, x] of [...s.streams]) if (x === e) s.streams.delete(k);
    if (e.writer.path !== null) this.open--;
    e.writer.close();
    const path = e.writer.path;
    if (path === null || !e.writer.written) return;
    const done: ExtractedStream = { info: e.info, path, stats: e.writer.stats() };
    this.written.push(done);
    this.events.closed?.(done);
  }
}
