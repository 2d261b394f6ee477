/**
 * TLS record framing for one direction of a reassembled TCP stream (RFC 8446 §5.1, RFC 5246
 * §6.2): bytes in, whole records out, however the records are split across segments. Memory is
 * bounded by the largest legal record (2^14 + 2048 bytes of body), never by a claimed length: a
 * header claiming more is not TLS.
 *
 * After a TCP gap (or a header that cannot be TLS) the framer scans for the next plausible record
 * header and offers that record to the caller, who accepts it only if it decrypts (an AEAD tag is
 * a strong check); a refused candidate is skipped one byte at a time. Offers are bounded per gap
 * by the caller.
 */
import type { ByteMeta } from '../rtmp/chunk-decoder.js';
import { u16 } from '../core/byte-reader.js';

export const MAX_RECORD_BODY = (1 << 14) + 2048;
export const TLS_HEADER = 5;

export type TlsRecord = {
  readonly type: number;
  readonly version: number;
  /** The 5 header bytes (a TLS 1.3 AEAD's additional data). */
  readonly header: Uint8Array;
  readonly body: Uint8Array;
  /** Stream offset of the header's first byte. */
  readonly offset: number;
  /** Where the record's last byte arrived. */
  readonly meta: ByteMeta;
};

export type FramerSink = {
  /** A record in sync. */
  record(r: TlsRecord): void;
  /** A candidate after lost sync: true takes it (the framer is in sync again), false skips it. */
  candidate(r: TlsRecord, skipped: number): boolean;
  /** The stream stopped looking like TLS records at `offset` (not after a gap). */
  desync(offset: number, meta: ByteMeta): void;
};

export function plausibleHeader(b: Uint8Array, i: number): boolean {
  const type = b[i]!;
  if (type < 20 || type > 24) return false;
  if (b[i + 1] !== 3 || b[i + 2]! > 4) return false;
  const len = u16(b, i + 3);
  return len > 0 && len <= MAX_RECORD_BODY;
}

export class RecordFramer {
  private buf = new Uint8Array(0);
  private start = 0;
  private end = 0;
  /** Stream offset of buf[start]. */
  private pos = 0;
  private inSync = true;
  /** Bytes dropped since sync was lost (gap bytes are the caller's). */
  private skipped = 0;
  private meta: ByteMeta = { frame: 0, sec: 0, nsec: 0 };

  constructor(startOffset = 0) {
    this.pos = startOffset;
  }

  get synced(): boolean {
    return this.inSync;
  }

  /** Bytes of a partial record (or scan window) held. */
  get held(): number {
    return this.end - this.start;
  }

  push(bytes: Uint8Array, meta: ByteMeta, sink: FramerSink): void {
    this.meta = meta;
    this.append(bytes);
    this.drain(sink);
  }

  /**
   * A hole of `length` bytes: a partial record held is lost with it. Returns the bytes of that
   * partial record (they count as lost too); the framer then scans for the next record.
   */
  gap(length: number): number {
    const partial = this.end - this.start;
    this.pos += partial + length;
    this.start = this.end = 0;
    this.inSync = false;
    this.skipped = 0;
    return partial;
  }

  private append(bytes: Uint8Array): void {
    const have = this.end - this.start;
    if (this.end + bytes.length > this.buf.length) {
      const need = have + bytes.length;
      const next = need > this.buf.length ? new Uint8Array(Math.max(need, this.buf.length * 2, 4096)) : this.buf;
      next.set(this.buf.subarray(this.start, this.end), 0);
      this.buf = next;
      this.start = 0;
      this.end = have;
    }
    this.buf.set(bytes, this.end);
    this.end += bytes.length;
  }

  private consume(n: number): void {
    this.start += n;
    this.pos += n;
    if (this.start === this.end) this.start = this.end = 0;
  }

  private recordAt(i: number, len: number): TlsRecord {
    const at = this.start + i;
    return {
      type: this.buf[at]!,
      version: u16(this.buf, at + 1),
      header: this.buf.slice(at, at + TLS_HEADER),
      body: this.buf.slice(at + TLS_HEADER, at + TLS_HEADER + len),
      offset: this.pos + i,
      meta: this.meta,
    };
  }

  private drain(sink: FramerSink): void {
    for (;;) {
      const have = this.end - this.start;
      if (this.inSync) {
        if (have < TLS_HEADER) return;
        if (!plausibleHeader(this.buf, this.start)) {
          sink.desync(this.pos, this.meta);
          this.inSync = false;
          this.skipped = 0;
          continue;
        }
        const len = u16(this.buf, this.start + 3);
        if (have < TLS_HEADER + len) return;
        const r = this.recordAt(0, len);
        this.consume(TLS_HEADER + len);
        sink.record(r);
        continue;
      }
      // Scanning: the first plausible header, then its whole record, then the caller's verdict.
      let i = 0;
      while (i + TLS_HEADER <= have && !plausibleHeader(this.buf, this.start + i)) i++;
      if (i + TLS_HEADER > have) {
        const drop = Math.max(0, have - (TLS_HEADER - 1));
        this.skipped += drop;
        this.consume(drop);
        return;
      }
      this.skipped += i;
      this.consume(i);
      const len = u16(this.buf, this.start + 3);
      if (this.end - this.start < TLS_HEADER + len) return;
      const r = this.recordAt(0, len);
      if (sink.candidate(r, this.skipped)) {
        this.inSync = true;
        this.consume(TLS_HEADER + len);
      } else {
        this.skipped += 1;
        this.consume(1);
      }
    }
  }
}
