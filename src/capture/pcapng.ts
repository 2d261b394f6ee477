/**
 * pcapng decoder: a push machine over blocks (draft-ietf-opsawg-pcapng).
 *
 * Contract and invariants:
 * - Block framing (§3.1): type, total length, body, total length again. The total length must be
 *   ≥ 12, a multiple of 4, at most 16 MiB, and equal to the trailing copy; otherwise
 *   `capture.pcapng.bad-block` (or `capture.record-too-large` above the cap) and decoding stops:
 *   past a bad length nothing can be framed.
 * - Section Header Block (§4.1): its byte-order magic sets the endianness of the whole section;
 *   every section starts a fresh interface table. One `header` event per section, plus one per
 *   Interface Description Block (with `iface`, `linkType`, `snapLen`).
 * - Interface Description Block (§4.2): link type, snap length, `if_tsresol` (9) and
 *   `if_tsoffset` (14, whole seconds added to every timestamp). Other options are skipped.
 * - Packet records come from Enhanced Packet Blocks (§4.3), Simple Packet Blocks (§4.4; interface
 *   0, no timestamp: the previous record's time, or 0 for the first) and obsolete Packet Blocks
 *   (Appendix A, type 2). Frames count these blocks only, 1-based and across sections, as
 *   Wireshark numbers them. A packet block that is inconsistent inside (too short, captured length
 *   past the block, unknown interface) still consumes its frame number, is reported
 *   (`capture.pcapng.bad-packet` / `capture.pcapng.unknown-interface`) and skipped.
 * - A classic pcap global header where a block was expected starts another file (concatenated
 *   input): decoding hands off there (see UnitFramer.handoff). A new section needs nothing special.
 * - Every other block type (Name Resolution, Interface Statistics, Decryption Secrets, custom,
 *   systemd journal, unknown) is skipped silently.
 * - `record.data` is a view into the pushed chunk (or into a fresh buffer for a block that
 *   straddled chunks); valid until the next push. Never throws on file content.
 */
import { diag } from '../core/diagnostics.js';
import { isRepresentableTime } from '../core/time.js';
import type { DiagnosticCode } from '../core/diagnostics.js';
import { captureFileStart, UnitFramer } from './framer.js';
import { resolutionFromOption, unitsToTime } from './timestamp.js';
import type { TimeSlot, TsResolution } from './timestamp.js';

export const PCAPNG_BLOCK = {
  SECTION_HEADER: 0x0a0d0d0a,
  INTERFACE_DESCRIPTION: 0x00000001,
  PACKET: 0x00000002,
  SIMPLE_PACKET: 0x00000003,
  NAME_RESOLUTION: 0x00000004,
  INTERFACE_STATISTICS: 0x00000005,
  ENHANCED_PACKET: 0x00000006,
  DECRYPTION_SECRETS: 0x0000000a,
} as const;

const BYTE_ORDER_MAGIC = 0x1a2b3c4d;
const BYTE_ORDER_MAGIC_SWAPPED = 0x4d3c2b1a;
/** type + length; for a Section Header Block the byte-order magic follows: 12 bytes decide. */
const PREFIX_LEN = 12;
const MIN_BLOCK_LEN = 12;
const MAX_BLOCK_LEN = 16 * 1024 * 1024;
const OPT_END = 0;
const OPT_IF_TSRESOL = 9;
const OPT_IF_TSOFFSET = 14;

type Interface = {
  readonly linkType: number;
  readonly snapLen: number;
  readonly res: TsResolution;
  readonly offsetSec: number;
  /** capture.time-out-of-range was reported for this interface. */
  reportedTime: boolean;
};

export class PcapngDecoder extends UnitFramer {
  private littleEndian = true;
  private sections = 0;
  private ifaces: Interface[] = [];
  private frame: number;
  /** Time of the last record (for Simple Packet Blocks), reused as the conversion slot. */
  private readonly time: TimeSlot = { sec: 0, nsec: 0 };

  /** `frame`, `offset`: frames and bytes that came before this file (concatenated input). */
  constructor(frame = 0, offset = 0) {
    super();
    this.frame = frame;
    this.offset = offset;
  }

  protected prefixLength(): number {
    return PREFIX_LEN;
  }

  protected unitLength(view: DataView, at: number): number {
    let le = this.littleEndian;
    if (view.getUint32(at, true) === PCAPNG_BLOCK.SECTION_HEADER) {
      // The block type reads the same in both byte orders; the magic after the length decides.
      const magic = view.getUint32(at + 8, true);
      if (magic === BYTE_ORDER_MAGIC) le = true;
      else if (magic === BYTE_ORDER_MAGIC_SWAPPED) le = false;
      else {
        const hex = magic.toString(16).padStart(8, '0');
        if (this.sections === 0) {
          this.out.push({
            kind: 'fatal',
            message: `not a readable pcapng capture (section header byte-order magic is ${hex}, expected 1a2b3c4d)`,
          });
        } else {
          this.badBlock(`section header at byte ${this.offset} has byte-order magic ${hex}`);
        }
        return -1;
      }
    } else if (this.sections > 0 && captureFileStart(view, at) === 'pcap') return this.handOff(this.frame);
    const len = view.getUint32(at + 4, le);
    if (len < MIN_BLOCK_LEN || len % 4 !== 0) {
      if (this.sections === 0) {
        this.out.push({ kind: 'fatal', message: `not a readable pcapng capture (first block length ${len} is impossible)` });
      } else {
        this.badBlock(`block at byte ${this.offset} has impossible length ${len}`, { length: len });
      }
      return -1;
    }
    if (len > MAX_BLOCK_LEN) {
      this.out.push(
        diag('capture.record-too-large', `pcapng block at byte ${this.offset} claims ${len} bytes (limit ${MAX_BLOCK_LEN}); the file is damaged from here on`, { frame: this.frame + 1 }, { fileOffset: this.offset, length: len, limit: MAX_BLOCK_LEN }),
      );
      return -1;
    }
    return len;
  }

  protected unit(bytes: Uint8Array, view: DataView, at: number, length: number): void {
    const type = view.getUint32(at, this.littleEndian);
    if (type === PCAPNG_BLOCK.SECTION_HEADER) {
      this.sectionHeader(view, at, length);
      return;
    }
    const le = this.littleEndian;
    if (view.getUint32(at + length - 4, le) !== length) {
      this.badBlock(`block at byte ${this.offset} has a trailing length that differs from its leading length ${length}`, {
        length,
        trailing: view.getUint32(at + length - 4, le),
      });
      this.stopped = true;
      return;
    }
    switch (type) {
      case PCAPNG_BLOCK.ENHANCED_PACKET:
        this.packet(bytes, view, at, length, true);
        return;
      case PCAPNG_BLOCK.SIMPLE_PACKET:
        this.simplePacket(bytes, view, at, length);
        return;
      case PCAPNG_BLOCK.PACKET:
        this.packet(bytes, view, at, length, false);
        return;
      case PCAPNG_BLOCK.INTERFACE_DESCRIPTION:
        this.interfaceDescription(view, at, length);
        return;
      default:
        return; // NRB, ISB, DSB, custom and unknown blocks: skipped.
    }
  }

  protected endOfInput(partial: number, expected: number): void {
    if (this.sections === 0) {
      this.out.push({
        kind: 'fatal',
        message: `file too short to be a pcapng capture (${this.offset + partial} bytes; it ends inside the section header)`,
      });
      return;
    }
    if (partial > 0) {
      this.out.push(
        diag(
          'capture.truncated',
          `the capture ends inside a pcapng block (${partial}${expected > 0 ? ` of ${expected}` : ''} bytes present)`,
          { frame: this.frame + 1 },
          { fileOffset: this.offset, present: partial, expected: expected > 0 ? expected : PREFIX_LEN },
        ),
      );
    }
  }

  // §4.1 Section Header Block: type, length, magic, major, minor, section length (i64), options.
  private sectionHeader(view: DataView, at: number, length: number): void {
    const le = view.getUint32(at + 8, true) === BYTE_ORDER_MAGIC;
    if (view.getUint32(at + length - 4, le) !== length || length < 28) {
      if (this.sections === 0) {
        this.out.push({ kind: 'fatal', message: 'not a readable pcapng capture (the first section header block is damaged)' });
        this.stopped = true;
        return;
      }
      this.badBlock(`section header at byte ${this.offset} is damaged`, { length });
      this.stopped = true;
      return;
    }
    this.littleEndian = le;
    this.sections++;
    this.ifaces = [];
    this.out.push({ kind: 'header', format: 'pcapng', littleEndian: le });
  }

  // §4.2 Interface Description Block: link type (u16), reserved (u16), snap length, options.
  private interfaceDescription(view: DataView, at: number, length: number): void {
    const le = this.littleEndian;
    if (length < 20) {
      this.badBlock(`interface description block at byte ${this.offset} is too short (${length} bytes)`, { length });
      this.stopped = true;
      return;
    }
    const linkType = view.getUint16(at + 8, le);
    const snapLen = view.getUint32(at + 12, le);
    let tsresol: number | undefined;
    let offsetSec = 0;
    const end = at + length - 4;
    let p = at + 16;
    while (p + 4 <= end) {
      const code = view.getUint16(p, le);
      const len = view.getUint16(p + 2, le);
      if (code === OPT_END || p + 4 + len > end) break;
      if (code === OPT_IF_TSRESOL && len >= 1) tsresol = view.getUint8(p + 4);
      else if (code === OPT_IF_TSOFFSET && len >= 8) offsetSec = Number(view.getBigInt64(p + 4, le));
      p += 4 + ((len + 3) & ~3);
    }
    const iface = this.ifaces.length;
    this.ifaces.push({ linkType, snapLen, res: resolutionFromOption(tsresol), offsetSec, reportedTime: false });
    this.out.push({ kind: 'header', format: 'pcapng', littleEndian: le, linkType, snapLen, iface });
  }

  // §4.3 Enhanced Packet Block: iface (u32), ts hi, ts lo, captured len, original len, data, options.
  // Appendix A Packet Block: iface (u16), drops (u16), then the same fields.
  private packet(bytes: Uint8Array, view: DataView, at: number, length: number, enhanced: boolean): void {
    const frame = ++this.frame;
    if (length < 32) {
      this.badPacket('capture.pcapng.bad-packet', frame, `packet block of frame ${frame} is too short (${length} bytes)`);
      return;
    }
    const le = this.littleEndian;
    const id = enhanced ? view.getUint32(at + 8, le) : view.getUint16(at + 8, le);
    const capLen = view.getUint32(at + 20, le);
    const origLen = view.getUint32(at + 24, le);
    if (capLen > length - 32) {
      this.badPacket('capture.pcapng.bad-packet', frame, `packet block of frame ${frame} claims ${capLen} captured bytes but holds at most ${length - 32}`);
      return;
    }
    const iface = this.ifaces[id];
    if (iface === undefined) {
      this.badPacket('capture.pcapng.unknown-interface', frame, `frame ${frame} refers to interface ${id}, which this section never described`);
      return;
    }
    const time = this.time;
    unitsToTime(view.getUint32(at + 12, le), view.getUint32(at + 16, le), iface.res, time);
    if (iface.offsetSec !== 0) time.sec += iface.offsetSec;
    if (!isRepresentableTime(time.sec) && !iface.reportedTime) {
      iface.reportedTime = true;
      this.out.push(diag('capture.time-out-of-range', `timestamps of interface ${id} (if_tsresol, if_tsoffset) are outside the range a date can show (e.g. ${time.sec} s since 1970): they are written as raw seconds`, { frame }, { iface: id }));
    }
    this.out.push({
      kind: 'record',
      frame,
      sec: time.sec,
      nsec: time.nsec,
      linkType: iface.linkType,
      data: bytes.subarray(at + 28, at + 28 + capLen),
      origLen: origLen < capLen ? capLen : origLen,
      iface: id,
    });
  }

  // §4.4 Simple Packet Block: original length, then min(original length, snap length) bytes.
  private simplePacket(bytes: Uint8Array, view: DataView, at: number, length: number): void {
    const frame = ++this.frame;
    if (length < 16) {
      this.badPacket('capture.pcapng.bad-packet', frame, `simple packet block of frame ${frame} is too short (${length} bytes)`);
      return;
    }
    const iface = this.ifaces[0];
    if (iface === undefined) {
      this.badPacket('capture.pcapng.unknown-interface', frame, `frame ${frame} is a simple packet block but this section described no interface`);
      return;
    }
    const origLen = view.getUint32(at + 8, this.littleEndian);
    let capLen = length - 16;
    if (origLen < capLen) capLen = origLen;
    if (iface.snapLen > 0 && iface.snapLen < capLen) capLen = iface.snapLen;
    this.out.push({
      kind: 'record',
      frame,
      sec: this.time.sec,
      nsec: this.time.nsec,
      linkType: iface.linkType,
      data: bytes.subarray(at + 12, at + 12 + capLen),
      origLen: origLen < capLen ? capLen : origLen,
      iface: 0,
    });
  }

  private badBlock(message: string, context: Record<string, number> = {}): void {
    this.out.push(diag('capture.pcapng.bad-block', message, { frame: this.frame + 1 }, { fileOffset: this.offset, ...context }));
  }

  private badPacket(code: DiagnosticCode, frame: number, message: string): void {
    this.out.push(diag(code, message, { frame }, { fileOffset: this.offset }));
  }
}
