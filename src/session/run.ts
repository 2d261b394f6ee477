/**
 * Drive a capture through the decoders: the one place that loops over input chunks. Shared by
 * every command that reads a capture (export, summary, the TUI's loader).
 */
import { createCaptureDecoder } from '../capture/decoder.js';
import type { CaptureEvent } from '../capture/types.js';
import { UserError } from '../io/input.js';
import { Analyzer, type AnalyzerOptions } from './analyzer.js';
import type { OutputRecord } from '../records/index.js';
import { capYoungGeneration } from './young-generation.js';

export type RecordSink = (records: readonly OutputRecord[]) => void | Promise<void>;

/** Records handed to the sink at once at most: what one capture record produces streams out in batches. */
const MAX_BATCH = 256;

export async function analyzeStream(name: string, input: AsyncIterable<Uint8Array>, sink: RecordSink, opts: AnalyzerOptions = {}): Promise<void> {
  const decoder = createCaptureDecoder();
  const analyzer = new Analyzer(opts);
  let batch: OutputRecord[] = [];
  const flush = async () => {
    const b = batch;
    batch = [];
    opts.observe?.(b);
    await sink(b);
  };
  // Indexed loops: for-of in an async function allocates an iterator result per element.
  const take = async (events: readonly CaptureEvent[]) => {
    for (let i = 0; i < events.length; i++) {
      const ev = events[i]!;
      if (ev.kind === 'fatal') throw new UserError(`${name}: ${ev.message}`);
      const recs = analyzer.records(ev);
      if (Array.isArray(recs)) {
        for (let j = 0; j < recs.length; j++) {
          batch.push(recs[j] as OutputRecord);
          if (batch.length >= MAX_BATCH) await flush();
        }
      } else {
        for (const r of recs) {
          batch.push(r);
          if (batch.length >= MAX_BATCH) await flush();
        }
      }
    }
  };
  for await (const chunk of input) {
    capYoungGeneration();
    // A plain Uint8Array view: every stage slices it, and Buffer#subarray is several times slower.
    const c = chunk;
    await take(decoder.push(new Uint8Array(c.buffer, c.byteOffset, c.byteLength)));
    if (batch.length > 0) await flush();
  }
  await take(decoder.finish());
  for (const r of analyzer.finishRecords()) {
    batch.push(r);
    if (batch.length >= MAX_BATCH) await flush();
  }
  await flush();
}
