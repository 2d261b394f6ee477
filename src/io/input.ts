/**
 * Input adapter: a capture path (or `-` for stdin) as a stream of byte chunks. The file is never
 * read whole; problems a user can fix (missing path, a directory, a TTY on stdin) become
 * `UserError`s with one clear line.
 */
import { createReadStream, promises as fsp } from 'node:fs';

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
const CHUNK = 256 * 1024;

export async function openInput(path: string): Promise<AsyncIterable<Uint8Array>> {
  if (path === '-') {
    if (process.stdin.isTTY) {
      throw new UserError('no capture on standard input: pipe one in (e.g. `tcpdump -w - | rtmpscope export -`) or give a file path');
    }
    return process.stdin;
  }
  let st;
  try {
    st = await fsp.stat(path);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new UserError(`${path}: no such file; give the path of a .pcap or .pcapng capture`);
    if (code === 'EACCES') throw new UserError(`${path}: permission denied`);
    throw new UserError(`${path}: cannot open (${code ?? String(e)})`);
  }
  if (st.isDirectory()) throw new UserError(`${path}: is a directory; give the path of a .pcap or .pcapng capture`);
  if (st.size === 0 && st.isFile()) throw new UserError(`${path}: empty file; a pcap or pcapng capture was expected`);
  return createReadStream(path, { highWaterMark: CHUNK });
}
