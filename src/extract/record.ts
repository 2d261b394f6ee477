/**
 * Extraction into a directory, as `extract --dir` and `proxy --record` do it: one file per stream,
 * named by files.ts (never replacing one), and one line per file written.
 */
import { statSync } from 'node:fs';
import { UserError } from '../io/input.js';
import { clean } from '../core/text.js';
import { Extractor, describe, type ExtractedStream, type StreamInfo } from './extractor.js';
import { baseName, createUnique } from './files.js';

/** The line a written file gets: `wrote PATH: session 1 c2s stream 1 'live/test' (publish), …`. */
export function writtenLine(s: ExtractedStream): string {
  const t = s.stats;
  const gaps = t.gaps === 0 ? 'no gap' : `${t.gaps} gap${t.gaps === 1 ? '' : 's'}, ${t.dropped} tags dropped`;
  return `wrote ${clean(s.path)}: ${describe(s.info)}, ${t.videoFrames} video frames, ${t.audio} audio and ${t.other} other tags, ${gaps}`;
}

/** A usable output directory, or a usage error naming the option. */
export function requireDirectory(dir: string, option: string): void {
  let ok: boolean;
  try {
    ok = statSync(dir).isDirectory();
  } catch {
    ok = false;
  }
  if (!ok) throw new UserError(`${option} ${dir}: not a directory`, 2);
}

/** An extractor writing every stream `select` accepts into `dir`; every line goes to `note`. */
export function directoryExtractor(dir: string, note: (line: string) => void, select: (i: StreamInfo) => boolean = () => true): Extractor {
  return new Extractor({
    open: (info) => (select(info) ? createUnique(dir, baseName(info)) : null),
    note,
    closed: (s) => note(writtenLine(s)),
  });
}
