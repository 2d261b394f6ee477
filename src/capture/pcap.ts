/**
 * Classic pcap (libpcap) decoder: a push machine over the 24-byte global header and 16-byte
 * record headers, in either byte order, with microsecond (magic a1b2c3d4) or nanosecond
 * (magic a1b23c4d) fractions. Format reference: draft-ietf-opsawg-pcap.
 *
 * Contract and invariants:
 * - Emits one `header` event, then one `record` per packet record, frames numbered from 1.
 * - `record.data` is a view of the pushed chunk (or of a fresh buffer for a record that straddled
 *   chunks); valid until the next push.
 * - `nsec` is always < 1e9: an out-of-range fraction (seen from buggy writers) is carried into
 *   `sec` rather than trusted as-is.
 * - `origLen` is never below `data.length` (a record claiming orig_len < incl_len reports
 *   incl_len: the bytes are there).
 * - A record longer than the cap — min(16 MiB, max(256 KiB, snaplen)) — means the file is damaged
 *   past this point: `capture.record-too-large`, then nothing more is decoded.
 * - A partial final record → `capture.truncated` at finish(); a partial global header → `fatal`.
 * - A pcap global header or pcapng Section Header Block where a record header was expected is the
 *   start of another file (`cat a.pcap b.pcap`): decoding hands off there (see UnitFramer.handoff).
 * - Never throws on file content; the caller has already checked the magic (see decoder.ts).
 */
import { diag } from '../core/diagnostics.js';
import { captureFileStart, UnitFramer } from './framer.js';

const GLOBAL_HEADER_LEN = 24;
const RECORD_HEADER_LEN = 16;
/** Records up to this size are always accepted (the largest snaplen tcpdump uses). */
const MIN_RECORD_CAP = 262144;
/** No record is accepted beyond this, whatever the snaplen claims. */
const MAX_RECORD_CAP = 16 * 1024 * 1024;

/** The link type sits in the low bits; the top bits may carry FCS-length information. */
const LINKTYPE_MASK = 0x03ffffff;

export class PcapDecoder extends UnitFramer {
  private headerDone = false;
  private littleEndian = true;
  private nanosecond = false;
  private linkType = 0;
  private cap = MIN_RECORD_CAP;
  private frame: number;

  /** `frame`, `offset`: frames and bytes that came before this file (concatenated input). */
  constructor(frame = 0, offset = 0) {
    super();
    this.frame = frame;
    this.offset = offset;
  }

  protected prefixLength(): number {
    return this.headerDone ? RECORD_HEADER_LEN : GLOBAL_HEADER_LEN;
  }

  protected unitLength(view: DataView, at: number): number {
    if (!this.headerDone) return GLOBAL_HEADER_LEN;
    if (captureFileStart(view, at) !== null) return this.handOff(this.frame);
    const incl = view.getUint32(at + 8, this.littleEndian);
    if (incl > this.cap) {
      this.out.push(
        diag('capture.record-too-large', `record ${this.frame + 1} claims ${incl} captured bytes (limit ${this.cap}); the file is damaged from byte ${this.offset} on`, { frame: this.frame + 1 }, { fileOffset: this.offset, length: incl, limit: this.cap }),
      );
      return -1;
    }
    return RECORD_HEADER_LEN + incl;
  }

  protected unit(bytes: Uint8Array, view: DataView, at: number, length: number): void {
    if (!this.headerDone) {
      this.globalHeader(view, at);
      return;
    }
    const le = this.littleEndian;
    let sec = view.getUint32(at, le);
    let frac = view.getUint32(at + 4, le);
    const origLen = view.getUint32(at + 12, le);
    let nsec: number;
    if (this.nanosecond) {
      if (frac >= 1e9) {
        sec += Math.floor(frac / 1e9);
        frac %= 1e9;
      }
      nsec = frac;
    } else {
      if (frac >= 1e6) {
        sec += Math.floor(frac / 1e6);
        frac %= 1e6;
      }
      nsec = frac * 1000;
    }
    const incl = length - RECORD_HEADER_LEN;
    this.out.push({
      kind: 'record',
      frame: ++this.frame,
      sec,
      nsec,
      linkType: this.linkType,
      data: bytes.subarray(at + RECORD_HEADER_LEN, at + length),
      origLen: origLen < incl ? incl : origLen,
      iface: 0,
    });
  }

  private globalHeader(view: DataView, at: number): void {
    const magic = view.getUint32(at, true);
    // The dispatcher only routes the four classic magics here.
    this.littleEndian = magic === 0xa1b2c3d4 || magic === 0xa1b23c4d;
    this.nanosecond = magic === 0xa1b23c4d || magic === 0x4d3cb2a1;
    const le = this.littleEndian;
    const snapLen = view.getUint32(at + 16, le);
    this.linkType = view.getUint32(at + 20, le) & LINKTYPE_MASK;
    this.cap = Math.min(MAX_RECORD_CAP, Math.max(MIN_RECORD_CAP, snapLen));
    this.headerDone = true;
    this.out.push({
      kind: 'header',
      format: this.nanosecond ? 'pcap-ns' : 'pcap',
      littleEndian: le,
      linkType: this.linkType,
      snapLen,
    });
  }

  protected endOfInput(partial: number, expected: number): void {
    if (!this.headerDone) {
      this.out.push({
        kind: 'fatal',
        message: `file too short to be a pcap capture (${this.offset + partial} bytes; the pcap header alone is ${GLOBAL_HEADER_LEN})`,
      });
      return;
    }
    if (partial > 0) {
      this.out.push(
        diag(
          'capture.truncated',
          expected > 0 ? `the capture ends inside record ${this.frame + 1} (${partial} of ${expected} bytes present)` : `the capture ends inside the header of record ${this.frame + 1} (${partial} of ${RECORD_HEADER_LEN} bytes present)`,
          { frame: this.frame + 1 },
          { fileOffset: this.offset, present: partial, expected: expected > 0 ? expected : RECORD_HEADER_LEN },
        ),
      );
    }
  }
}
