/**
 * The cut sweep over captures, as a table: `node dist/scripts/cut-sweep.js CAPTURE… [--rtmp-port P]`.
 * Per capture: cuts, the worst precision and recall over them, and the mean recall.
 */
import { readFileSync } from 'node:fs';
import { basename } from 'node:path';
import { sweep } from '../test/builders/cut-sweep.js';

const args = process.argv.slice(2);
const ports: number[] = [];
const files: string[] = [];
for (let i = 0; i < args.length; i++) {
  if (args[i] === '--rtmp-port') ports.push(Number(args[++i]));
  else files.push(args[i] as string);
}
const verbose = process.env['SWEEP_VERBOSE'] === '1';
console.log('| capture | cuts | min precision | min recall | mean recall | messages recoverable (mean) |');
console.log('|---|---:|---:|---:|---:|---:|');
for (const f of files) {
  const rs = sweep(new Uint8Array(readFileSync(f)), ports.length > 0 ? { rtmpPorts: ports } : {});
  if (verbose) for (const r of rs) console.log(`  cut ${r.cut}: recoverable ${r.recoverable} decoded ${r.decoded} matched ${r.matched} found ${r.found} P ${r.precision.toFixed(4)} R ${r.recall.toFixed(4)}`);
  const minP = Math.min(...rs.map((r) => r.precision));
  const minR = Math.min(...rs.map((r) => r.recall));
  const meanR = rs.reduce((a, r) => a + r.recall, 0) / rs.length;
  const meanRec = rs.reduce((a, r) => a + r.recoverable, 0) / rs.length;
  console.log(`| ${basename(f)} | ${rs.length} | ${minP.toFixed(4)} | ${minR.toFixed(4)} | ${meanR.toFixed(4)} | ${meanRec.toFixed(0)} |`);
}
