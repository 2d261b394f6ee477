/**
 * The benchmark's lowest floor: read a file with fs.readSync into one reused 64 KiB buffer (as
 * rtmpscope's reader does) and nothing else. Prints the byte count.
 */
import { closeSync, openSync, readSync } from 'node:fs';

const fd = openSync(process.argv[2] ?? '', 'r');
const buf = new Uint8Array(64 * 1024);
let total = 0;
for (let n = readSync(fd, buf, 0, buf.length, null); n > 0; n = readSync(fd, buf, 0, buf.length, null)) total += n;
closeSync(fd);
process.stdout.write(`${total}\n`);
