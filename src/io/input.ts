/**
 * Input adapter: a capture path (or `-` for stdin) as a stream of byte chunks. The file is never
 * read whole; problems a user can fix (missing path, a directory, a TTY on stdin) become
 * `UserError`s with one clear line.
 */
import { closeSync, createReadStream, fstatSync, openSync, readSync, statSync } from 'node:fs';

export class UserError extends Error {
  constructor(
    message: string,
    readonly exitCode = 1,
  ) {
    super(message);
    this.name = 'UserError';
  }
}

/** Read size: large enough to amortise per-chunk work, small enough to keep memory flat. */
const CHUNK = 64 * 1024;
/** Reads between two yields to the event loop (so a UI stays responsive during a load). */
const READS_PER_YIELD = 32;

/**
 * A file's bytes, read synchronously into ONE reused buffer: no allocation per read, so memory
 * stays flat however large the file. Each yielded chunk is valid only until the consumer asks for
 * the next one (the decoders copy what they keep; test/cli checks that with a poisoned reader).
 * Every few reads it yields to the event loop. Closing the iteration closes the file.
 */
export async function* readFileChunks(path: string, chunkSize = CHUNK): AsyncGenerator<Uint8Array> {
  const fd = openSync(path, 'r');
  // A small file gets a buffer its size (many small captures in one run: no 64 KiB each).
  chunkSize = Math.min(chunkSize, Math.max(4096, fstatSync(fd).size + 1));
  const buf = new Uint8Array(chunkSize);
  try {
    for (let reads = 1; ; reads++) {
      const n = readSync(fd, buf, 0, chunkSize, null);
      if (n === 0) return;
      yield n === chunkSize ? buf : buf.subarray(0, n);
      if (reads % READS_PER_YIELD === 0) await new Promise<void>((r) => setImmediate(r));
    }
  } finally {
    closeSync(fd);
  }
}

export async function openInput(path: string): Promise<AsyncIterable<Uint8Array>> {
  if (path === '-') {
    if (process.stdin.isTTY) {
      throw new UserError('no capture on standard input: pipe one in (e.g. `tcpdump -w - | rtmpscope export -`) or give a file path');
    }
    return process.stdin;
  }
  let st;
  try {
    st = statSync(path);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new UserError(`${path}: no such file; give the path of a .pcap or .pcapng capture`);
    if (code === 'EACCES') throw new UserError(`${path}: permission denied`);
    throw new UserError(`${path}: cannot open (${code ?? String(e)})`);
  }
  if (st.isDirectory()) throw new UserError(`${path}: is a directory; give the path of a .pcap or .pcapng capture`);
  if (st.size === 0 && st.isFile()) throw new UserError(`${path}: empty file; a pcap or pcapng capture was expected`);
  if (!st.isFile()) return createReadStream(path, { highWaterMark: CHUNK });
  return readFileChunks(path);
}
