/**
 * Capture-file entry point: sniffs the first four bytes and hands the stream to the classic pcap
 * or the pcapng decoder.
 *
 * Contract (see types.ts for the event shapes):
 * - Sans-IO push machine: `push(chunk)` any number of times with chunks of any size (including
 *   1 byte or 0), then `finish()` once. Same events whatever the chunking (only `data` views
 *   differ in which buffer they point into).
 * - Accepted: pcap magic a1b2c3d4 (µs) and a1b23c4d (ns) in either byte order; pcapng (first
 *   block type 0a0d0d0a). Anything else yields exactly one `fatal` event and nothing more; so do
 *   empty input ("empty file") and input shorter than the format's header.
 * - Concatenated files (`cat a.pcap b.pcapng | rtmpscope export -`): a new pcap global header or
 *   pcapng Section Header Block right after the last record of a file starts the next file, in
 *   either format, byte order and timestamp resolution; frames keep counting across files and
 *   each file emits its own `header` events.
 * - Never throws on file content. After a fatal event or finish(), pushes return no events.
 * - Diagnostic locators: `at.frame` is the frame number the damaged record would have had;
 *   `context.fileOffset` is the byte offset of that record/block in the file.
 */
import { PcapDecoder } from './pcap.js';
import { PcapngDecoder } from './pcapng.js';
import { captureFileStart, type UnitFramer } from './framer.js';
import type { CaptureDecoder, CaptureEvent } from './types.js';

const SNIFF_LEN = 4;
const NONE: readonly CaptureEvent[] = Object.freeze([]);

export function createCaptureDecoder(): CaptureDecoder {
  return new SniffingCaptureDecoder();
}

class SniffingCaptureDecoder implements CaptureDecoder {
  private readonly head = new Uint8Array(SNIFF_LEN);
  private headLen = 0;
  private inner: UnitFramer | null = null;
  private done = false;

  push(chunk: Uint8Array): readonly CaptureEvent[] {
    if (this.inner !== null) {
      const events = this.inner.push(chunk);
      return this.inner.handoff === null ? events : this.nextFile(events);
    }
    if (this.done) return NONE;
    const take = Math.min(SNIFF_LEN - this.headLen, chunk.length);
    this.head.set(chunk.subarray(0, take), this.headLen);
    this.headLen += take;
    if (this.headLen < SNIFF_LEN) return NONE;
    const sniffed = sniff(this.head);
    if (typeof sniffed === 'string') {
      this.done = true;
      return [{ kind: 'fatal', message: sniffed }];
    }
    this.inner = sniffed;
    const first = sniffed.push(this.head);
    const rest = this.push(chunk.subarray(take));
    if (first.length === 0) return rest;
    return rest.length === 0 ? first : first.concat(rest);
  }

  /** The current file handed off to the next one (the framer recognised its header). */
  private nextFile(before: readonly CaptureEvent[]): readonly CaptureEvent[] {
    let out = before;
    let pieces: readonly Uint8Array[] = [];
    for (let h = this.inner?.handoff ?? null; h !== null;) {
      const first = h.rest[0] as Uint8Array;
      const kind = captureFileStart(new DataView(first.buffer, first.byteOffset, first.byteLength), 0);
      const next = kind === 'pcapng' ? new PcapngDecoder(h.frame, h.offset) : new PcapDecoder(h.frame, h.offset);
      this.inner = next;
      pieces = h.rest.concat(pieces);
      h = null;
      while (pieces.length > 0 && h === null) {
        const events = next.push(pieces[0] as Uint8Array);
        pieces = pieces.slice(1);
        if (events.length > 0) out = out.concat(events);
        // A file holding nothing but its header is followed at once by the next.
        h = next.handoff;
      }
    }
    return out;
  }

  finish(): readonly CaptureEvent[] {
    if (this.inner !== null) return this.inner.finish();
    if (this.done) return NONE;
    this.done = true;
    if (this.headLen === 0) return [{ kind: 'fatal', message: 'empty file: no capture data to read' }];
    return [
      {
        kind: 'fatal',
        message: `file too short to be a capture (${this.headLen} byte${this.headLen === 1 ? '' : 's'}); rtmpscope reads pcap and pcapng files`,
      },
    ];
  }
}

/** A decoder for the format the magic names, or the one-line reason it is not a capture. */
function sniff(h: Uint8Array): UnitFramer | string {
  const b0 = h[0] ?? 0;
  const b1 = h[1] ?? 0;
  const b2 = h[2] ?? 0;
  const b3 = h[3] ?? 0;
  const be = ((b0 << 24) | (b1 << 16) | (b2 << 8) | b3) >>> 0;
  const le = ((b3 << 24) | (b2 << 16) | (b1 << 8) | b0) >>> 0;
  if (be === 0x0a0d0d0a) return new PcapngDecoder();
  if (be === 0xa1b2c3d4 || le === 0xa1b2c3d4 || be === 0xa1b23c4d || le === 0xa1b23c4d) return new PcapDecoder();
  const bytes = `${hex2(b0)} ${hex2(b1)} ${hex2(b2)} ${hex2(b3)}`;
  if (be === 0xa1b2cd34 || le === 0xa1b2cd34) {
    return `unsupported capture format: modified (Kuznetzov) pcap (magic ${bytes}); convert it with "editcap -F pcap" first`;
  }
  if (b0 === 0x1f && b1 === 0x8b) {
    return `not a pcap or pcapng capture (starts with bytes ${bytes}: gzip-compressed); decompress it first`;
  }
  if (be === 0x28b52ffd) {
    return `not a pcap or pcapng capture (starts with bytes ${bytes}: zstd-compressed); decompress it first`;
  }
  const text = isTextByte(b0) && isTextByte(b1) && isTextByte(b2) && isTextByte(b3) ? ', looks like text' : '';
  return `not a pcap or pcapng capture (starts with bytes ${bytes}${text}); rtmpscope reads pcap and pcapng files`;
}

function hex2(b: number): string {
  return b.toString(16).padStart(2, '0');
}

function isTextByte(b: number): boolean {
  return (b >= 0x20 && b < 0x7f) || b === 0x09 || b === 0x0a || b === 0x0d;
}
