/**
 * `rtmpscope extract CAPTURE [--session N] [--stream NAME] (-o FILE.flv | --dir DIR)`: each
 * published or played stream as an FLV file (src/extract), through the same decoding as export.
 * One line per file written, per gap and per stream left out goes to stderr.
 */
import { openInput, UserError } from '../io/input.js';
import { analyzeStream } from '../session/run.js';
import { Extractor, describe, type StreamInfo } from '../extract/extractor.js';
import { baseName, createFile, createUnique } from '../extract/files.js';
import { requireDirectory, writtenLine } from '../extract/record.js';
import type { FlvOut } from '../extract/writer.js';
import { ANALYZER_OPTIONS, analyzerOptions } from './common.js';
import { parseCommandArgs } from './args.js';

export const EXTRACT_USAGE = `Usage: rtmpscope extract <capture|-> (-o FILE.flv | --dir DIR) [--session N] [--stream NAME]

Writes each published or played stream of the capture as FLV (Enhanced FLV for E-RTMP streams):
onMetaData, sequence headers and every tag at its timestamp. Across a gap in the capture, frames
up to the next keyframe are dropped; the file's onMetaData counts the gaps (rtmpscopeGaps) and
the tags dropped (rtmpscopeDroppedTags), and stderr says where.
  -o, --output FILE   write the one selected stream to FILE (replaced if it exists)
  --dir DIR           write every selected stream to DIR as s<session>-<app>-<stream>-<role>.flv
                      (never replacing a file: -2, -3, … are added)
  --session N         only session N (as numbered by export and the summary)
  --stream NAME       only streams published or played as NAME (the query string may be left out)
  plus the common options of rtmpscope --help (--keylog, --conn-buffer, …)`;

export async function run(argv: string[]): Promise<void> {
  const { values, positionals } = parseCommandArgs('extract', {
    args: argv,
    allowPositionals: true,
    options: {
      output: { type: 'string', short: 'o' },
      dir: { type: 'string' },
      session: { type: 'string' },
      stream: { type: 'string' },
      debug: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
      ...ANALYZER_OPTIONS,
    },
  });
  if (values.help) {
    process.stdout.write(EXTRACT_USAGE + '\n');
    return;
  }
  const [path, extra] = positionals;
  if (path === undefined) throw new UserError('extract: no capture given (a path, or - for stdin)', 2);
  if (extra !== undefined) throw new UserError(`unexpected argument '${extra}'`, 2);
  const output = values.output;
  const dir = values.dir;
  if ((output === undefined) === (dir === undefined)) throw new UserError('extract: give either -o FILE.flv (one stream) or --dir DIR (every stream)', 2);
  if (dir !== undefined) requireDirectory(dir, '--dir');
  const session = values.session === undefined ? null : Number(values.session);
  if (session !== null && !(Number.isInteger(session) && session >= 1)) throw new UserError(`--session must be a session number (1, 2, …), not '${values.session}'`, 2);
  const stream = values.stream ?? null;
  const opts = analyzerOptions(values);

  const selected = (i: StreamInfo): boolean => (session === null || i.session === session) && (stream === null || (i.name !== null && (i.name === stream || i.name.split('?')[0] === stream)));
  let taken = false;
  let seen = 0;
  const note = (l: string) => process.stderr.write(`${l}\n`);
  const extractor = new Extractor({
    open(info): FlvOut | null {
      seen++;
      if (!selected(info)) return null;
      if (output !== undefined) {
        if (taken) {
          note(`not written: ${describe(info)} (-o takes one stream: choose with --session/--stream, or use --dir)`);
          return null;
        }
        taken = true;
        return createFile(output);
      }
      return createUnique(dir as string, baseName(info));
    },
    note,
    closed: (s) => note(writtenLine(s)),
  });
  const input = await openInput(path);
  await analyzeStream(path, input, () => {}, { ...opts, payloads: extractor });
  extractor.finish();
  if (extractor.failures > 0) throw new UserError(`${extractor.failures} file(s) could not be written in full`);
  if (extractor.written.length === 0) {
    throw new UserError(seen === 0 ? `${path}: no published or played stream with media` : `${path}: no stream matched --session/--stream (${seen} in the capture)`);
  }
}
