/**
 * The captures named on the command line: files as given, directories searched recursively for
 * capture files. In a directory a file is a capture when its first bytes are a pcap or pcapng
 * magic (whatever its name: tcpdump -C/-G rotations are named file.pcap1, file-0800, …); other
 * files are passed over silently. Entries are taken in name order (byte-wise), so a run's output
 * order never depends on the file system. Symbolic links to files are followed, links to
 * directories are not (no cycles). What cannot be read is reported as one line each and skipped.
 */
import { closeSync, lstatSync, openSync, readdirSync, readSync, statSync, type Stats } from 'node:fs';
import { join } from 'node:path';
import { UserError } from '../io/input.js';
import type { CaptureSource } from '../session/multi.js';

/** How deep directories are followed at most. */
const MAX_DEPTH = 32;

export type ExpandedInputs = {
  readonly sources: CaptureSource[];
  /** One line per entry that could not be read (for stderr). */
  readonly problems: string[];
};

function why(e: unknown): string {
  const code = (e as NodeJS.ErrnoException).code;
  return code === 'ENOENT' ? 'no such file' : code === 'EACCES' ? 'permission denied' : code === 'ELOOP' ? 'too many symbolic links' : (code ?? String(e));
}

/** The first 12 bytes are a pcap global header or a pcapng Section Header Block. */
function looksLikeCapture(path: string): boolean {
  const fd = openSync(path, 'r');
  try {
    const b = Buffer.alloc(12);
    if (readSync(fd, b, 0, 12, 0) < 12) return false;
    const m = b.readUInt32LE(0);
    if (m === 0x0a0d0d0a) return b.readUInt32LE(8) === 0x1a2b3c4d || b.readUInt32LE(8) === 0x4d3c2b1a;
    return m === 0xa1b2c3d4 || m === 0xa1b23c4d || m === 0xd4c3b2a1 || m === 0x4d3cb2a1;
  } finally {
    closeSync(fd);
  }
}

/**
 * Files and directories → the captures to read, in order. A named file is always taken (if it is
 * not a capture, reading it says so); only files found inside directories are checked by magic.
 * Throws a UserError when nothing usable is left.
 */
export function expandInputs(args: readonly string[]): ExpandedInputs {
  const sources: CaptureSource[] = [];
  const problems: string[] = [];
  const walk = (dir: string, depth: number) => {
    let names: string[];
    try {
      names = readdirSync(dir);
    } catch (e) {
      problems.push(`${dir}: cannot read the directory (${why(e)})`);
      return;
    }
    names.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
    for (const n of names) {
      const p = join(dir, n);
      let st: Stats;
      try {
        st = statSync(p);
      } catch (e) {
        problems.push(`${p}: cannot read (${why(e)})`);
        continue;
      }
      if (st.isDirectory()) {
        if (lstatSync(p).isSymbolicLink()) continue;
        if (depth >= MAX_DEPTH) problems.push(`${p}: not searched (more than ${MAX_DEPTH} directories deep)`);
        else walk(p, depth + 1);
        continue;
      }
      if (!st.isFile() || st.size === 0) continue;
      try {
        if (looksLikeCapture(p)) sources.push({ path: p, name: p, size: st.size });
      } catch (e) {
        problems.push(`${p}: cannot read (${why(e)})`);
      }
    }
  };
  for (const a of args) {
    let st: Stats;
    try {
      st = statSync(a);
    } catch (e) {
      problems.push(`${a}: ${why(e) === 'no such file' ? 'no such file or directory' : `cannot read (${why(e)})`}`);
      continue;
    }
    if (st.isDirectory()) {
      const before = sources.length;
      walk(a, 1);
      if (sources.length === before) problems.push(`${a}: no pcap or pcapng capture in this directory`);
    } else if (st.isFile() && st.size === 0) problems.push(`${a}: empty file; a pcap or pcapng capture was expected`);
    else sources.push({ path: a, name: a, size: st.size });
  }
  if (sources.length === 0) {
    throw new UserError(problems.length === 1 ? (problems[0] as string) : `nothing to read: ${problems.length} inputs could not be used (${problems[0] ?? ''} …)`);
  }
  return { sources, problems };
}
