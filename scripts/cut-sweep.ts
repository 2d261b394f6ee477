/**
 * The cut sweep over captures, as a table:
 * `node dist/scripts/cut-sweep.js CAPTURE… [--rtmp-port P] [--tshark N]`.
 * Per capture: cuts, the worst and median precision and recall over them, the mean number of
 * recoverable messages, and with `--tshark N` tshark's share of the recoverable messages on N of
 * the same cuts spread over them (editcap + tshark, told the capture's server ports).
 */
import { readFileSync } from 'node:fs';
import type { MessageRecord } from '../src/records/index.js';
import { basename } from 'node:path';
import { analyzeEvents, captureEvents, cutEvents, cutPoints, messages, missedMessages, sweep, tsharkShare } from '../test/builders/cut-sweep.js';

const args = process.argv.slice(2);
const ports: number[] = [];
const files: string[] = [];
let tsharkCuts = 0;
for (let i = 0; i < args.length; i++) {
  if (args[i] === '--rtmp-port') ports.push(Number(args[++i]));
  else if (args[i] === '--tshark') tsharkCuts = Number(args[++i]);
  else files.push(args[i] as string);
}
/** SWEEP_VERBOSE=1: one line per cut; 2: and the messages each cut misses, with the diagnostics of its decode. */
const verbosity = Number(process.env['SWEEP_VERBOSE'] ?? '0');
const verbose = verbosity >= 1;
const median = (xs: readonly number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 === 1 ? (s[m] as number) : ((s[m - 1] as number) + (s[m] as number)) / 2;
};
const pair = (xs: readonly number[]): string => `${Math.min(...xs).toFixed(3)} / ${median(xs).toFixed(3)}`;
console.log(`| capture | cuts | precision min / median | recall min / median |${tsharkCuts > 0 ? ' tshark min / median (cuts) |' : ''} recoverable (mean) |`);
console.log(`|---|---:|---:|---:|${tsharkCuts > 0 ? '---:|' : ''}---:|`);
for (const f of files) {
  const opts = ports.length > 0 ? { rtmpPorts: ports } : {};
  const events = captureEvents(new Uint8Array(readFileSync(f)));
  const intact = analyzeEvents(events, opts);
  const points = cutPoints(events, intact);
  const rs = sweep(new Uint8Array(readFileSync(f)), opts, points);
  if (verbose) {
    for (const r of rs) {
      console.log(`  cut ${r.cut}: recoverable ${r.recoverable} decoded ${r.decoded} matched ${r.matched} found ${r.found} P ${r.precision.toFixed(4)} R ${r.recall.toFixed(4)}`);
      if (verbosity < 2 || (r.found === r.recoverable && r.matched === r.decoded)) continue;
      const cut = analyzeEvents(cutEvents(events, r.cut), opts);
      const show = (what: string, m: MessageRecord): void => {
        const chunks = m.chunks.list.map((c) => `${c[0]}@${c[4]}:${c[3]}`).join(' ');
        console.log(`    ${what} ${m.dir} ${m.client} csid ${m.csid} type ${m.typeId} len ${m.length} frames ${m.firstFrame}-${m.frame} chunks ${chunks}`);
      };
      for (const m of missedMessages(messages(intact), messages(cut), r.cut)) show('missed', m);
      // Decoded from the cut but not in the intact decode: wrong (the precision's misses).
      for (const m of missedMessages(messages(cut), messages(intact), 0)) show('wrong', m);
      for (const d of cut) if (d.type === 'diagnostic' && d.code.startsWith('rtmp')) console.log(`    ${JSON.stringify(d).slice(0, 300)}`);
    }
  }
  let tshark = '';
  if (tsharkCuts > 0) {
    const servers = new Set<number>();
    for (const r of intact) if (r.type === 'message') servers.add(Number(r.server.slice(r.server.lastIndexOf(':') + 1)));
    const every = Math.max(1, Math.ceil(rs.length / tsharkCuts));
    const shares = rs.filter((_, i) => i % every === 0).map((r) => tsharkShare(f, r.cut, [...servers, ...ports], r.recoverable));
    tshark = ` ${pair(shares)} (${shares.length}) |`;
  }
  const meanRec = rs.reduce((a, r) => a + r.recoverable, 0) / rs.length;
  console.log(`| ${basename(f)} | ${rs.length} | ${pair(rs.map((r) => r.precision))} | ${pair(rs.map((r) => r.recall))} |${tshark} ${meanRec.toFixed(0)} |`);
}
