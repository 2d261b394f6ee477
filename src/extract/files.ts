/**
 * Extracted streams on disk: file names derived from session, app and stream name — wire text is
 * never a path as it came: only [A-Za-z0-9._-] survive (no '/', no '..', no control characters),
 * the query string of a stream name (often a stream key) is left out — and files created without
 * ever replacing one that exists (a numeric suffix is added instead).
 */
import { closeSync, openSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import type { StreamInfo } from './extractor.js';
import type { FlvOut } from './writer.js';

/** Longest name part kept from the wire. */
const MAX_PART = 48;

/** A wire string as a safe file-name part ('' when nothing of it is left). */
export function sanitize(s: string): string {
  return s
    .replace(/[^A-Za-z0-9._-]+/g, '_')
    .replace(/\.{2,}/g, '.')
    .replace(/^[._-]+|[._-]+$/g, '')
    .slice(0, MAX_PART)
    .replace(/[._-]+$/g, '');
}

/** `s1-live-test-publish`, `s3-live-test-play`, or `s2-stream1-publish` when nothing was named. */
export function baseName(i: StreamInfo): string {
  const app = i.app === null ? '' : sanitize(i.app);
  const name = i.name === null ? '' : sanitize(i.name.split('?')[0] ?? '');
  const parts = [`s${i.session}`];
  if (app !== '') parts.push(app);
  parts.push(name !== '' ? name : `stream${i.streamId}`);
  parts.push(i.role);
  return parts.join('-');
}

/** Synchronous file output (the decoders call in synchronously; a file write is short). */
export class FileOut implements FlvOut {
  private fd: number | null;
  constructor(
    readonly path: string,
    fd: number,
  ) {
    this.fd = fd;
  }

  write(parts: readonly Uint8Array[]): void {
    for (const p of parts) this.writeAll(p, null);
  }

  patch(position: number, bytes: Uint8Array): void {
    this.writeAll(bytes, position);
  }

  close(): void {
    if (this.fd === null) return;
    const fd = this.fd;
    this.fd = null;
    closeSync(fd);
  }

  private writeAll(b: Uint8Array, position: number | null): void {
    if (this.fd === null) throw new Error('closed');
    let done = 0;
    while (done < b.length) {
      const n = writeSync(this.fd, b, done, b.length - done, position === null ? null : position + done);
      done += n;
    }
  }
}

/** Create `path` (replacing it: the user named it). */
export function createFile(path: string): FileOut {
  return new FileOut(path, openSync(path, 'w'));
}

/** Largest numeric suffix tried before giving up. */
const MAX_SUFFIX = 999;

/** Create `base.flv` in `dir`, or `base-2.flv`, `base-3.flv`, … — never an existing file. */
export function createUnique(dir: string, base: string): FileOut {
  for (let i = 1; i <= MAX_SUFFIX; i++) {
    const path = join(dir, i === 1 ? `${base}.flv` : `${base}-${i}.flv`);
    try {
      return new FileOut(path, openSync(path, 'wx'));
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
    }
  }
  throw new Error(`${base}.flv and ${MAX_SUFFIX - 1} numbered variants exist already`);
}
