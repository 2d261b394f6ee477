/**
 * Command-line parsing shared by every command: node:util parseArgs, with its errors turned into
 * our own one-line usage errors (its text spans lines and suggests `-- "--bogus"`), close names
 * suggested for a mistyped command or option, and `--debug` noted from the parsed options for the
 * one top-level error handler (main.ts).
 */
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { UserError } from '../io/input.js';

/** Set once a command's options are parsed with `--debug`: internal errors then show in full. */
let debugGiven = false;

export function debugRequested(): boolean {
  return debugGiven;
}

/** Edit distance (insertions, deletions, substitutions, adjacent swaps) between two short words. */
export function editDistance(a: string, b: string): number {
  const d: number[][] = Array.from({ length: a.length + 1 }, (_, i) => Array.from({ length: b.length + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)));
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const row = d[i] as number[];
      const up = d[i - 1] as number[];
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let v = Math.min((up[j] as number) + 1, (row[j - 1] as number) + 1, (up[j - 1] as number) + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) v = Math.min(v, ((d[i - 2] as number[])[j - 2] as number) + 1);
      row[j] = v;
    }
  }
  return (d[a.length] as number[])[b.length] as number;
}

/** The names within a small edit distance of `word` (closest first), for "did you mean …?". */
export function closeNames(word: string, names: readonly string[]): string[] {
  const limit = word.length <= 4 ? 1 : 2;
  return names
    .map((n) => ({ n, d: editDistance(word.toLowerCase(), n) }))
    .filter((x) => x.d <= limit)
    .sort((x, y) => x.d - y.d)
    .map((x) => x.n);
}

/**
 * parseArgs' error as one line of ours: the option it names, what is wrong with it, and where to
 * look (`rtmpscope <command> --help`). `options` are the command's option names, for suggestions.
 */
export function argError(e: unknown, command: string | null, options: readonly string[] = []): string {
  const err = e as NodeJS.ErrnoException;
  const message = String(err.message ?? e);
  const name = /'(-[^' ]+)/.exec(message)?.[1] ?? '';
  const see = ` (see rtmpscope${command === null ? '' : ` ${command}`} --help)`;
  switch (err.code) {
    case 'ERR_PARSE_ARGS_UNKNOWN_OPTION': {
      const like = name.startsWith('--') ? closeNames(name.slice(2), options) : [];
      return like.length > 0 ? `unknown option '${name}' (did you mean --${like[0]}?)` : `unknown option '${name}'${see}`;
    }
    case 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE':
      return /does not take an argument/.test(message) ? `${name} takes no value${see}` : `${name} needs a value${see}`;
    case 'ERR_PARSE_ARGS_UNEXPECTED_POSITIONAL':
      return `unexpected argument '${/'([^']*)'/.exec(message)?.[1] ?? ''}'${see}`;
    default:
      return `${message.split('\n')[0]}${see}`;
  }
}

/** Whether `e` is one of parseArgs' own errors (bad command-line syntax). */
export function isArgError(e: unknown): boolean {
  return e instanceof TypeError && ((e as NodeJS.ErrnoException).code?.startsWith('ERR_PARSE_ARGS') ?? false);
}

/**
 * parseArgs for `command` (null: the top level): a syntax error becomes a one-line UserError
 * (exit 2), and `--debug`, when the command's options include it, is noted for the error handler.
 */
export function parseCommandArgs<T extends ParseArgsConfig>(command: string | null, config: T): ReturnType<typeof parseArgs<T>> {
  let parsed: ReturnType<typeof parseArgs<T>>;
  try {
    parsed = parseArgs(config);
  } catch (e) {
    if (isArgError(e)) throw new UserError(argError(e, command, Object.keys(config.options ?? {})), 2);
    throw e;
  }
  if ((parsed.values as Record<string, unknown>)['debug'] === true) debugGiven = true;
  return parsed;
}
