/**
 * A capture file as NDJSON lines, in memory: for golden files and tests (the CLI streams instead).
 */
import { readFileChunks } from '../io/input.js';
import type { AnalyzerOptions } from '../session/analyzer.js';
import { analyzeStream } from '../session/run.js';
import { toJson } from '../core/text.js';

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
