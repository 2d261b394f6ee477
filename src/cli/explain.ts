/**
 * `rtmpscope explain CODE…`: the whole explanation of a diagnostic code (tables cut them) or of a
 * server status code (NetStream.Publish.BadName, NetConnection.Connect.Rejected, _error, …) with
 * its likely causes and fixes per server family. `--list` names every code.
 */
import { CATALOGUE, type DiagnosticCode } from '../core/diagnostics.js';
import { STATUSES, statusExplanation } from '../core/statuses.js';
import { UserError } from '../io/input.js';
import { parseCommandArgs } from './args.js';

const HELP = `rtmpscope explain CODE…   the whole explanation of a diagnostic code (e.g. session.publish.bad-name)
                          or of a server status code (e.g. NetStream.Publish.BadName, _error)
  --list                  every code that can be explained`;

/** Words wrapped at `width` columns, each line indented by `indent`. */
export function wrap(text: string, width: number, indent = ''): string[] {
  const lines: string[] = [];
  let line = '';
  for (const word of text.split(/\s+/).filter((w) => w.length > 0)) {
    if (line.length > 0 && indent.length + line.length + 1 + word.length > width) {
      lines.push(indent + line);
      line = word;
    } else line = line.length === 0 ? word : `${line} ${word}`;
  }
  if (line.length > 0) lines.push(indent + line);
  return lines;
}

/** The explanation of one code as lines, or null when it is not known. */
export function explainLines(code: string, width = 100): string[] | null {
  if (Object.hasOwn(CATALOGUE, code)) {
    const e = CATALOGUE[code as DiagnosticCode];
    return [`${code} (diagnostic, ${e.severity})`, ...wrap(e.explain, width, '  ')];
  }
  const s = statusExplanation(code);
  if (s === null) return null;
  const out = [`${s.code} (server status, level ${s.level})`, ...wrap(s.meaning, width, '  ')];
  for (const [server, note] of Object.entries(s.servers)) {
    out.push('', `  ${server}:`, ...wrap(note, width, '    '));
  }
  return out;
}

/** Codes sharing the most (and longest) name parts with `code`, best first. */
function near(code: string): string[] {
  const all = [...Object.keys(CATALOGUE), ...STATUSES.map((s) => s.code)];
  const parts = code
    .toLowerCase()
    .split(/[.\-_]/)
    .filter((p) => p.length > 2);
  const score = (c: string) => parts.reduce((n, p) => n + (c.toLowerCase().includes(p) ? p.length : 0), 0);
  return all
    .map((c) => ({ c, s: score(c) }))
    .filter((x) => x.s > 0)
    .sort((x, y) => y.s - x.s)
    .slice(0, 5)
    .map((x) => x.c);
}

export async function run(argv: string[]): Promise<void> {
  const { values, positionals } = parseCommandArgs('explain', { args: argv, allowPositionals: true, options: { list: { type: 'boolean', default: false }, help: { type: 'boolean', short: 'h', default: false } } });
  if (values.help) {
    process.stdout.write(HELP + '\n');
    return;
  }
  if (values.list) {
    process.stdout.write([...Object.keys(CATALOGUE), ...STATUSES.map((s) => s.code)].join('\n') + '\n');
    return;
  }
  if (positionals.length === 0) throw new UserError(`explain: no code given\n${HELP}`, 2);
  const width = Math.max(40, Math.min(process.stdout.columns ?? 100, 120));
  const blocks: string[] = [];
  for (const code of positionals) {
    const lines = explainLines(code, width);
    if (lines === null) {
      const like = near(code);
      throw new UserError(`explain: unknown code '${code}'${like.length > 0 ? ` (did you mean ${like.join(', ')}?)` : ' (rtmpscope explain --list names them)'}`, 2);
    }
    blocks.push(lines.join('\n'));
  }
  process.stdout.write(blocks.join('\n\n') + '\n');
}
