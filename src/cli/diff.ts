/**
 * `rtmpscope diff A B [--format text|json]`: two sessions (`capture` or `capture#session`)
 * compared phase by phase (src/diff/), only what differs, the likeliest cause of a failure first.
 * Exit status as diff(1): 0 the same, 1 different, 2 trouble (usage, unreadable input).
 */
import { existsSync } from 'node:fs';
import { openInput, UserError } from '../io/input.js';
import { analyzeStream } from '../session/run.js';
import { clean } from '../core/text.js';
import { DigestCollector, MAX_SESSIONS, pickSession, type SessionDigest } from '../diff/load.js';
import { compareSessions, type Difference } from '../diff/compare.js';
import { ANALYZER_OPTIONS, analyzerOptions, openOutput } from './common.js';
import { statusExplanation } from '../core/statuses.js';
import { wrap } from './explain.js';
import { parseCommandArgs } from './args.js';

const HELP = `rtmpscope diff A B — compare two sessions, phase by phase

  A, B                  a capture (its first publishing session, else its first session) or
                        CAPTURE#N for session N (as numbered by rtmpscope summary)
  --format text|json    output format (default text)
  -o, --output FILE     write to FILE instead of stdout
  Common options (see rtmpscope --help) apply to both captures.

Only what differs is printed, the likeliest explanation of a failure first (one side rejected
where the other was accepted, errors only one side raised, app/stream name, codec format, then
habits: command order, chunk sizes, handshake, timing). Exit status: 0 same, 1 different,
2 trouble.`;

type Side = { readonly spec: string; readonly path: string; readonly session: number | null };

/** `capture#N` → path and session; a path that exists as given wins (a file name may hold '#'). */
function parseSide(spec: string): Side {
  const i = spec.lastIndexOf('#');
  if (i < 0 || existsSync(spec)) return { spec, path: spec, session: null };
  const n = spec.slice(i + 1);
  if (!/^[0-9]+$/.test(n) || Number(n) < 1) throw new UserError(`${spec}: the session after '#' must be a number from 1 (see rtmpscope summary)`, 2);
  return { spec, path: spec.slice(0, i), session: Number(n) };
}

async function load(side: Side, opts: ReturnType<typeof analyzerOptions>): Promise<SessionDigest> {
  if (side.path === '-') throw new UserError('diff reads two capture files, not standard input', 2);
  const input = await openInput(side.path);
  const c = new DigestCollector(side.session);
  await analyzeStream(side.path, input, (recs) => c.records(recs), opts);
  const d = pickSession(c, side.session);
  if (d === null) {
    if (side.session !== null) throw new UserError(`${side.spec}: the capture has no RTMP session ${side.session}${c.dropped > 0 ? ` kept (only the first ${MAX_SESSIONS} are)` : ''}`);
    throw new UserError(`${side.spec}: no RTMP session in the capture`);
  }
  return d;
}

function describe(d: SessionDigest): string {
  const r = d.record;
  const s = d.streams.find((x) => x.role === 'publish') ?? d.streams[0];
  const who = r === null ? '' : `${r.client} → ${r.server}`;
  const what = s === undefined ? (r?.app ?? '') : `${s.role ?? 'stream'} ${s.app ?? r?.app ?? '?'}/${s.name ?? '?'}`;
  return clean(`session ${d.session}  ${who}  ${what}`);
}

function cut(s: string, n = 160): string {
  const c = clean(s);
  return c.length > n ? `${c.slice(0, n - 1)}…` : c;
}

/** One explanation line for a status code named in a note (`rtmpscope explain CODE`). */
function noteLines(d: Difference): string[] {
  if (d.note === undefined) return [];
  const lines = wrap(clean(d.note), 100, '       ');
  const m = /explain (\S+)`/.exec(d.note);
  const ex = m?.[1] === undefined ? null : statusExplanation(m[1]);
  if (ex !== null) lines.unshift(...wrap(ex.meaning, 100, '       '));
  return lines;
}

function renderText(a: Side, b: Side, da: SessionDigest, db: SessionDigest, diffs: readonly Difference[]): string {
  const out = [`A  ${clean(a.spec)}  ${describe(da)}`, `B  ${clean(b.spec)}  ${describe(db)}`, ''];
  if (diffs.length === 0) {
    out.push('no differences (ports, times, frame numbers and byte counts are not compared)');
    return out.join('\n') + '\n';
  }
  out.push(`${diffs.length} difference${diffs.length === 1 ? '' : 's'}, the likeliest explanation of a failure first:`, '');
  diffs.forEach((d, i) => {
    out.push(`${String(i + 1).padStart(3)}. [${d.phase}] ${clean(d.what)}`);
    out.push(`       A: ${cut(d.a)}`);
    out.push(`       B: ${cut(d.b)}`);
    for (const l of noteLines(d)) out.push(l);
  });
  return out.join('\n') + '\n';
}

export async function run(argv: string[]): Promise<void> {
  const { values, positionals } = parseCommandArgs('diff', {
    args: argv,
    allowPositionals: true,
    options: {
      format: { type: 'string', default: 'text' },
      output: { type: 'string', short: 'o' },
      debug: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
      ...ANALYZER_OPTIONS,
    },
  });
  if (values.help) {
    process.stdout.write(HELP + '\n');
    return;
  }
  if (values.format !== 'text' && values.format !== 'json') throw new UserError(`--format must be text or json, not '${values.format}'`, 2);
  if (positionals.length !== 2) throw new UserError(`diff takes two captures (A B), not ${positionals.length}`, 2);
  const [a, b] = positionals.map(parseSide) as [Side, Side];
  try {
    const opts = analyzerOptions(values);
    const da = await load(a, opts);
    const db = await load(b, opts);
    const diffs = compareSessions(da, db);
    const text = values.format === 'json' ? JSON.stringify({ a: { capture: a.path, session: da.session }, b: { capture: b.path, session: db.session }, same: diffs.length === 0, differences: diffs }, null, 2) + '\n' : renderText(a, b, da, db, diffs);
    if (values.output === undefined) process.stdout.write(text);
    else {
      const o = openOutput(values.output);
      await o.write(text);
      await o.close();
    }
    process.exitCode = diffs.length === 0 ? 0 : 1;
  } catch (e) {
    // diff(1): trouble is 2, whatever the cause (1 means "different")
    if (e instanceof UserError && e.exitCode !== 2) throw new UserError(e.message, 2);
    throw e;
  }
}
