/**
 * Capture-file writers for tests: classic pcap and pcapng, from records described by intent.
 *
 * Contract:
 * - `writePcap()` writes a 24-byte global header and one 16-byte header + data per record, in
 *   the chosen byte order and fraction (µs: `nsec` is truncated to whole microseconds).
 * - `writePcapng()` writes one or more sections. Each section: Section Header Block, then one
 *   Interface Description Block per interface (with `if_tsresol` / `if_tsoffset` when given),
 *   then `extraBlocks`, then `packets` in order. A packet item is an Enhanced Packet Block by
 *   default, a Simple Packet Block (`kind: 'spb'`), an obsolete Packet Block (`kind: 'pb'`), or
 *   any raw block (`kind: 'block'`, e.g. a made-up type to check that it is skipped).
 * - Timestamps are encoded exactly in the interface's resolution via BigInt (truncating below it).
 * - The output is a fresh Uint8Array; the layout constants below help tests patch bytes to
 *   build damaged files.
 */

export const PCAP_GLOBAL_HEADER_LEN = 24;
export const PCAP_RECORD_HEADER_LEN = 16;

export type PcapRecordSpec = {
  sec: number;
  /** Nanoseconds within the second (µs files keep floor(nsec / 1000)). Default 0. */
  nsec?: number;
  data: Uint8Array;
  /** Wire length; default data.length. */
  origLen?: number;
};

export type PcapOptions = {
  linkType: number;
  nanosecond?: boolean;
  bigEndian?: boolean;
  /** Default 262144. */
  snapLen?: number;
};

export function writePcap(records: readonly PcapRecordSpec[], opts: PcapOptions): Uint8Array {
  const le = !opts.bigEndian;
  const total = PCAP_GLOBAL_HEADER_LEN + records.reduce((n, r) => n + PCAP_RECORD_HEADER_LEN + r.data.length, 0);
  const out = new Uint8Array(total);
  const v = new DataView(out.buffer);
  v.setUint32(0, opts.nanosecond ? 0xa1b23c4d : 0xa1b2c3d4, le);
  v.setUint16(4, 2, le);
  v.setUint16(6, 4, le);
  v.setInt32(8, 0, le);
  v.setUint32(12, 0, le);
  v.setUint32(16, opts.snapLen ?? 262144, le);
  v.setUint32(20, opts.linkType, le);
  let p = PCAP_GLOBAL_HEADER_LEN;
  for (const r of records) {
    const nsec = r.nsec ?? 0;
    v.setUint32(p, r.sec, le);
    v.setUint32(p + 4, opts.nanosecond ? nsec : Math.floor(nsec / 1000), le);
    v.setUint32(p + 8, r.data.length, le);
    v.setUint32(p + 12, r.origLen ?? r.data.length, le);
    out.set(r.data, p + PCAP_RECORD_HEADER_LEN);
    p += PCAP_RECORD_HEADER_LEN + r.data.length;
  }
  return out;
}

export type PcapngInterfaceSpec = {
  linkType: number;
  /** Default 262144 (0 = no limit). */
  snapLen?: number;
  /**
   * Raw `if_tsresol` option byte: 6 = µs, 9 = ns, 0x80 | n = 2^-n s. Omitted: no option
   * (which means µs).
   */
  tsresol?: number;
  /** `if_tsoffset` in seconds (option omitted when undefined). */
  tsoffset?: number;
  /** `if_name` option. */
  name?: string;
};

export type PcapngPacketSpec =
  | { kind?: 'epb'; iface: number; sec: number; nsec?: number; data: Uint8Array; origLen?: number }
  | { kind: 'pb'; iface: number; sec: number; nsec?: number; data: Uint8Array; origLen?: number }
  | { kind: 'spb'; data: Uint8Array; origLen?: number }
  | { kind: 'block'; type: number; body?: Uint8Array };

export type PcapngSectionSpec = {
  bigEndian?: boolean;
  interfaces: readonly PcapngInterfaceSpec[];
  packets: readonly PcapngPacketSpec[];
  /** Raw blocks written right after the interface blocks. */
  extraBlocks?: readonly { type: number; body?: Uint8Array }[];
  /** `shb_comment` option on the section header (exercises option skipping). */
  comment?: string;
};

export const PCAPNG_TYPE = {
  SHB: 0x0a0d0d0a,
  IDB: 1,
  PB: 2,
  SPB: 3,
  NRB: 4,
  ISB: 5,
  EPB: 6,
  DSB: 0x0a,
} as const;

export function writePcapng(sections: readonly PcapngSectionSpec[]): Uint8Array {
  const blocks: Uint8Array[] = [];
  for (const s of sections) {
    const le = !s.bigEndian;
    const resolutions: bigint[] = [];
    // Section Header Block body: magic, major 1, minor 0, section length -1 (unknown), options.
    const shbBody = concat([u32(0x1a2b3c4d, le), u16(1, le), u16(0, le), u32(0xffffffff, le), u32(0xffffffff, le), s.comment === undefined ? new Uint8Array(0) : options([[1, utf8(s.comment)]], le)]);
    blocks.push(block(PCAPNG_TYPE.SHB, shbBody, le));
    for (const i of s.interfaces) {
      const opts: [number, Uint8Array][] = [];
      if (i.name !== undefined) opts.push([2, utf8(i.name)]);
      if (i.tsresol !== undefined) opts.push([9, Uint8Array.of(i.tsresol)]);
      if (i.tsoffset !== undefined) {
        const b = new Uint8Array(8);
        new DataView(b.buffer).setBigInt64(0, BigInt(i.tsoffset), le);
        opts.push([14, b]);
      }
      const body = concat([u16(i.linkType, le), u16(0, le), u32(i.snapLen ?? 262144, le), opts.length > 0 ? options(opts, le) : new Uint8Array(0)]);
      blocks.push(block(PCAPNG_TYPE.IDB, body, le));
      resolutions.push(unitsPerSecond(i.tsresol));
    }
    for (const b of s.extraBlocks ?? []) blocks.push(block(b.type, b.body ?? new Uint8Array(0), le));
    for (const p of s.packets) {
      if (p.kind === 'block') {
        blocks.push(block(p.type, p.body ?? new Uint8Array(0), le));
      } else if (p.kind === 'spb') {
        blocks.push(block(PCAPNG_TYPE.SPB, concat([u32(p.origLen ?? p.data.length, le), pad4(p.data)]), le));
      } else {
        const units = resolutions[p.iface] ?? 1_000_000n;
        const ts = BigInt(p.sec) * units + (BigInt(p.nsec ?? 0) * units) / 1_000_000_000n;
        const hi = Number(ts >> 32n);
        const lo = Number(ts & 0xffffffffn);
        const head = p.kind === 'pb' ? concat([u16(p.iface, le), u16(0, le)]) : u32(p.iface, le);
        const body = concat([head, u32(hi, le), u32(lo, le), u32(p.data.length, le), u32(p.origLen ?? p.data.length, le), pad4(p.data)]);
        blocks.push(block(p.kind === 'pb' ? PCAPNG_TYPE.PB : PCAPNG_TYPE.EPB, body, le));
      }
    }
  }
  return concat(blocks);
}

/** One block: type, total length, body (padded to 4), total length. */
export function pcapngBlock(type: number, body: Uint8Array, littleEndian = true): Uint8Array {
  return block(type, body, littleEndian);
}

function block(type: number, body: Uint8Array, le: boolean): Uint8Array {
  const padded = pad4(body);
  const len = 12 + padded.length;
  return concat([u32(type, le), u32(len, le), padded, u32(len, le)]);
}

function options(opts: readonly [number, Uint8Array][], le: boolean): Uint8Array {
  const parts: Uint8Array[] = [];
  for (const [code, value] of opts) parts.push(u16(code, le), u16(value.length, le), pad4(value));
  parts.push(u16(0, le), u16(0, le)); // opt_endofopt
  return concat(parts);
}

function unitsPerSecond(tsresol: number | undefined): bigint {
  if (tsresol === undefined) return 1_000_000n;
  const n = BigInt(tsresol & 0x7f);
  return (tsresol & 0x80) !== 0 ? 1n << n : 10n ** n;
}

function u16(n: number, le: boolean): Uint8Array {
  const b = new Uint8Array(2);
  new DataView(b.buffer).setUint16(0, n, le);
  return b;
}

function u32(n: number, le: boolean): Uint8Array {
  const b = new Uint8Array(4);
  new DataView(b.buffer).setUint32(0, n >>> 0, le);
  return b;
}

function pad4(b: Uint8Array): Uint8Array {
  const rem = b.length % 4;
  if (rem === 0) return b;
  const out = new Uint8Array(b.length + 4 - rem);
  out.set(b);
  return out;
}

function utf8(s: string): Uint8Array {
  return new TextEncoder().encode(s);
}

export function concat(parts: readonly Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let p = 0;
  for (const part of parts) {
    out.set(part, p);
    p += part.length;
  }
  return out;
}
