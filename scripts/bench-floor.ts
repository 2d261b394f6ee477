/**
 * The benchmark's floor: read every record of a classic pcap with pcap-parser and do nothing
 * else. Prints the record count.
 */
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const pcapParser = require('pcap-parser') as { parse(path: string): NodeJS.EventEmitter };
process.noDeprecation = true; // pcap-parser uses `new Buffer`
let n = 0;
const p = pcapParser.parse(process.argv[2] ?? '');
p.on('packet', () => n++);
p.on('end', () => process.stdout.write(`${n}\n`));
p.on('error', (e: Error) => {
  process.stderr.write(`${e.message}\n`);
  process.exitCode = 1;
});
