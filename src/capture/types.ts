/**
 * Capture stage contract. A capture decoder is a synchronous push machine: file bytes in, events
 * out. It never does I/O and never throws on file content; damage becomes a diagnostic, and a
 * file that is not a capture at all becomes a `fatal` event (the CLI turns it into a one-line error).
 *
 * `record.data` is a view that is only valid until the next `push()`/`finish()` call: consumers
 * that keep bytes must copy them.
 */
import type { Diagnostic } from '../core/diagnostics.js';

/** Link-layer types (LINKTYPE_* numbers from the tcpdump registry) that the net stage decodes. */
export const LINKTYPE = {
  NULL: 0,
  ETHERNET: 1,
  RAW: 101,
  LOOP: 108,
  LINUX_SLL: 113,
  IPV4: 228,
  IPV6: 229,
  LINUX_SLL2: 276,
} as const;

export type CaptureFormat = 'pcap' | 'pcap-ns' | 'pcapng';

export type CaptureRecord = {
  readonly kind: 'record';
  /** 1-based index of the record in the file, as Wireshark numbers frames. */
  readonly frame: number;
  /** Capture time: whole seconds since the epoch and nanoseconds within the second. */
  readonly sec: number;
  readonly nsec: number;
  readonly linkType: number;
  /** Captured bytes (a view, valid until the next push). */
  readonly data: Uint8Array;
  /** Length of the packet on the wire (>= data.length when the snap length cut it). */
  readonly origLen: number;
  /** pcapng interface id (0 for classic pcap). */
  readonly iface: number;
};

export type CaptureHeader = {
  readonly kind: 'header';
  readonly format: CaptureFormat;
  readonly littleEndian: boolean;
  /** Classic pcap: the one link type. pcapng: emitted again for each new section. */
  readonly linkType?: number;
  readonly snapLen?: number;
  /**
   * pcapng only: set when the header announces one interface (from an Interface Description
   * Block); `linkType`/`snapLen` are then that interface's. Absent on the per-section header.
   */
  readonly iface?: number;
};

export type CaptureFatal = {
  readonly kind: 'fatal';
  /** One line for the user: what is wrong and what would work. */
  readonly message: string;
};

export type CaptureEvent = CaptureRecord | CaptureHeader | CaptureFatal | Diagnostic;

export interface CaptureDecoder {
  push(chunk: Uint8Array): readonly CaptureEvent[];
  finish(): readonly CaptureEvent[];
}
