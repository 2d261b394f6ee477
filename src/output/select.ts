/**
 * `export` selection, so that common cuts need no jq: a record filter applied as records stream
 * out (nothing is held back). Options:
 *
 *   --session N[,M…]   records of these sessions (repeatable); CAPTURE#N: session N of that capture
 *                      only (named as in the `capture` field, or by its file name)
 *   --stream NAME      stream records named NAME; from the publish/play of NAME on, the messages
 *                      of its message stream and the session's diagnostics; the session records
 *                      of the sessions that used it
 *   --type T[,U…]      record types (session, handshake, message, diagnostic, stream, capture) or
 *                      message kinds (command, data, audio, video, control)
 *   --dir c2s|s2c      records of one direction (records without a direction pass)
 *   --frames A-B       records whose frame (or, for session and stream records, whose frame
 *                      range) falls in A..B (A- and -B leave a side open)
 *
 * The capture record passes every filter but --type. Filters combine with AND.
 *
 * With several captures each capture is filtered on its own (session numbers, stream ids and
 * frame numbers are per capture): a plain `--session N` keeps session N of every capture,
 * `CAPTURE#N` adds session N of the one capture it names; a capture that no entry applies to
 * keeps only its capture record when --session is given.
 */
import { basename, resolve } from 'node:path';
import { UserError } from '../io/input.js';
import type { MessageRecord, OutputRecord } from '../records/index.js';

export const SELECT_OPTIONS = {
  session: { type: 'string', multiple: true },
  stream: { type: 'string', multiple: true },
  type: { type: 'string', multiple: true },
  dir: { type: 'string' },
  frames: { type: 'string' },
} as const;

export type SelectValues = {
  session?: string[] | undefined;
  stream?: string[] | undefined;
  type?: string[] | undefined;
  dir?: string | undefined;
  frames?: string | undefined;
};

const RECORD_TYPES = new Set(['session', 'handshake', 'message', 'diagnostic', 'stream', 'capture']);
const MESSAGE_KINDS: Readonly<Record<string, (m: MessageRecord) => boolean>> = {
  command: (m) => m.typeId === 20 || m.typeId === 17,
  data: (m) => m.typeId === 18 || m.typeId === 15,
  audio: (m) => m.typeId === 8,
  video: (m) => m.typeId === 9,
  control: (m) => m.typeId >= 1 && m.typeId <= 6,
};

/** Bound on the (session, stream id) pairs --stream follows. */
const MAX_FOLLOWED = 65536;

function list(v: readonly string[] | undefined): string[] {
  return (v ?? [])
    .flatMap((x) => x.split(','))
    .map((x) => x.trim())
    .filter((x) => x.length > 0);
}

/** `CAPTURE#N` → its capture part, null for a plain number. */
function capturePart(entry: string): string | null {
  const i = entry.lastIndexOf('#');
  return i < 0 ? null : entry.slice(0, i);
}

/** Does `spec` (before the '#') name the capture called `name`: the same name, file name or path? */
export function namesCapture(spec: string, name: string): boolean {
  return spec === name || spec === basename(name) || resolve(spec) === resolve(name);
}

/** The captures named by `--session CAPTURE#N` entries (in order, repeated as given). */
export function namedCaptures(v: SelectValues): string[] {
  return list(v.session)
    .map(capturePart)
    .filter((c): c is string => c !== null);
}

/** A usage error for a `CAPTURE#N` naming none of `names`. */
export function checkNamedCaptures(v: SelectValues, names: readonly string[]): void {
  for (const c of namedCaptures(v)) if (!names.some((n) => namesCapture(c, n))) throw new UserError(`--session ${c}#…: no capture of this run is named '${c}'`, 2);
}

export class RecordSelection {
  private readonly sessions: ReadonlySet<number> | null;
  private readonly names: ReadonlySet<string> | null;
  private readonly types: ReadonlySet<string> | null;
  private readonly dir: 'c2s' | 's2c' | null;
  private readonly frames: readonly [number, number] | null;
  /** --stream: "session:streamId" pairs whose publish/play named a wanted stream, and their sessions. */
  private readonly followed = new Set<string>();
  private readonly followedSessions = new Set<number>();

  /** `capture`: the name of the capture being filtered (for `CAPTURE#N` entries). */
  constructor(v: SelectValues, capture?: string) {
    const entries = list(v.session);
    const sessions: number[] = [];
    for (const e of entries) {
      const c = capturePart(e);
      const n = c === null ? e : e.slice(c.length + 1);
      if (!/^[0-9]+$/.test(n) || Number(n) < 1 || c === '') throw new UserError(`--session must be a session number from 1, or CAPTURE#N, not '${e}'`, 2);
      if (c === null || (capture !== undefined && namesCapture(c, capture))) sessions.push(Number(n));
    }
    this.sessions = entries.length === 0 ? null : new Set(sessions);
    const names = v.stream ?? [];
    this.names = names.length === 0 ? null : new Set(names);
    const types = list(v.type);
    for (const t of types) if (!RECORD_TYPES.has(t) && MESSAGE_KINDS[t] === undefined) throw new UserError(`--type must be one of ${[...RECORD_TYPES, ...Object.keys(MESSAGE_KINDS)].join(', ')}, not '${t}'`, 2);
    this.types = types.length === 0 ? null : new Set(types);
    if (v.dir !== undefined && v.dir !== 'c2s' && v.dir !== 's2c') throw new UserError(`--dir must be c2s or s2c, not '${v.dir}'`, 2);
    this.dir = v.dir ?? null;
    this.frames = v.frames === undefined ? null : parseFrames(v.frames);
  }

  /** True when no option was given (nothing to filter). */
  static empty(v: SelectValues): boolean {
    return (v.session ?? []).length === 0 && (v.stream ?? []).length === 0 && (v.type ?? []).length === 0 && v.dir === undefined && v.frames === undefined;
  }

  filter(recs: readonly OutputRecord[]): OutputRecord[] {
    const out: OutputRecord[] = [];
    for (const r of recs) if (this.keep(r)) out.push(r);
    return out;
  }

  keep(r: OutputRecord): boolean {
    if (r.type === 'capture') return this.types === null || this.types.has('capture');
    if (this.sessions !== null && (r.session === null || !this.sessions.has(r.session))) return false;
    if (this.names !== null && !this.streamMatch(r)) return false;
    if (this.types !== null && !this.typeMatch(r)) return false;
    if (this.dir !== null && 'dir' in r && r.dir !== undefined && r.dir !== this.dir) return false;
    if (this.frames !== null && !this.frameMatch(r, this.frames)) return false;
    return true;
  }

  private streamMatch(r: OutputRecord): boolean {
    const names = this.names as ReadonlySet<string>;
    if (r.type === 'stream') return r.name !== null && names.has(r.name);
    if (r.type === 'session') return this.followedSessions.has(r.session);
    if (r.type === 'diagnostic') return r.session !== null && this.followedSessions.has(r.session);
    if (r.type !== 'message') return false;
    if (r.dir === 'c2s' && (r.name === 'publish' || r.name === 'play') && typeof r.args?.[1] === 'string' && names.has(r.args[1]) && this.followed.size < MAX_FOLLOWED) {
      this.followed.add(`${r.session}:${r.streamId}`);
      this.followedSessions.add(r.session);
    }
    return this.followed.has(`${r.session}:${r.streamId}`);
  }

  private typeMatch(r: OutputRecord): boolean {
    const types = this.types as ReadonlySet<string>;
    if (types.has(r.type)) return true;
    if (r.type !== 'message') return false;
    for (const t of types) if (MESSAGE_KINDS[t]?.(r) === true) return true;
    return false;
  }

  private frameMatch(r: OutputRecord, [from, to]: readonly [number, number]): boolean {
    if (r.type === 'session') return r.lastFrame >= from && r.firstFrame <= to;
    if (r.type === 'stream') return r.firstFrame === null || r.lastFrame === null || (r.lastFrame >= from && r.firstFrame <= to);
    const f = 'frame' in r ? r.frame : undefined;
    return f === undefined || (f >= from && f <= to);
  }
}

/** `A-B`, `A-`, `-B` or `A` (1-based frame numbers, inclusive). */
export function parseFrames(v: string): readonly [number, number] {
  const m = /^([0-9]*)(?:-([0-9]*))?$/.exec(v.trim());
  const from = m?.[1] === undefined || m[1] === '' ? 1 : Number(m[1]);
  const to = m === null ? NaN : m[2] === undefined ? from : m[2] === '' ? Number.MAX_SAFE_INTEGER : Number(m[2]);
  if (m === null || (m[1] === '' && (m[2] ?? '') === '') || !(from >= 1) || !(to >= from)) throw new UserError(`--frames must be A-B (frame numbers from 1, A ≤ B; A- or -B leave a side open), not '${v}'`, 2);
  return [from, to];
}

/** The selection the options ask for (of the capture called `capture`), or null when none was given. */
export function recordSelection(v: SelectValues, capture?: string): RecordSelection | null {
  return RecordSelection.empty(v) ? null : new RecordSelection(v, capture);
}

/** The selection options alone, as plain data (to hand to a worker thread). */
export function selectValues(v: SelectValues): SelectValues {
  return { session: v.session, stream: v.stream, type: v.type, dir: v.dir, frames: v.frames };
}
