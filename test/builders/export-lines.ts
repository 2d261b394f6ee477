/**
 * A capture file as NDJSON lines, in memory: for golden files and tests (the CLI streams instead).
 */
import { readFileChunks } from '../../src/io/input.js';
import type { AnalyzerOptions } from '../../src/session/analyzer.js';
import { analyzeStream } from '../../src/session/run.js';
import { toJson } from '../../src/core/text.js';

export async function exportLines(file: string, opts: AnalyzerOptions = {}): Promise<string[]> {
  const lines: string[] = [];
  await analyzeStream(
    file,
    readFileChunks(file),
    (recs) => {
      for (const r of recs) lines.push(toJson(r));
    },
    opts,
  );
  return lines;
}
