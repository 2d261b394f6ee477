/**
 * Test helper: VvcDecoderConfigurationRecord (ISO/IEC 14496-15:2022 11.2.4.2) from intent, to craft
 * the `vvc1` SequenceStart bodies no encoder here produces (FFmpeg 8.1 via node-av has no VVC
 * encoder: no libvvenc).
 */
import { BitWriter } from './bit-writer.js';

export type VvccIntent = {
  readonly lengthSizeMinusOne?: number;
  /** Absent: ptl_present_flag 0. */
  readonly ptl?: {
    readonly olsIdx?: number;
    readonly numSublayers?: number;
    readonly constantFrameRate?: number;
    readonly chromaFormatIdc?: number;
    readonly bitDepth?: number;
    readonly gciBytes?: number;
    readonly profileIdc?: number;
    readonly highTier?: boolean;
    readonly levelIdc?: number;
    readonly frameOnly?: boolean;
    readonly multiLayer?: boolean;
    /** sublayer_level_idc per sublayer i = numSublayers-2 .. 0 (null: not present). */
    readonly sublayerLevels?: readonly (number | null)[];
    readonly subProfiles?: readonly number[];
    readonly width?: number;
    readonly height?: number;
    readonly avgFrameRate?: number;
  };
  readonly arrays?: readonly { readonly nalType: number; readonly nalus: readonly Uint8Array[] }[];
};

export function vvcc(v: VvccIntent): Uint8Array {
  const w = new BitWriter();
  const p = v.ptl;
  w.u(5, 0x1f)
    .u(2, v.lengthSizeMinusOne ?? 3)
    .flag(p !== undefined);
  if (p !== undefined) {
    const sub = p.numSublayers ?? 1;
    w.u(9, p.olsIdx ?? 0)
      .u(3, sub)
      .u(2, p.constantFrameRate ?? 0)
      .u(2, p.chromaFormatIdc ?? 1)
      .u(3, (p.bitDepth ?? 10) - 8)
      .u(5, 0x1f);
    const gci = p.gciBytes ?? 1;
    w.u(2, 0)
      .u(6, gci)
      .u(7, p.profileIdc ?? 1)
      .flag(p.highTier ?? false)
      .u(8, p.levelIdc ?? 51);
    w.flag(p.frameOnly ?? true).flag(p.multiLayer ?? false);
    for (let i = 0; i < 8 * gci - 2; i++) w.u(1, i % 3 === 0 ? 1 : 0);
    const levels = p.sublayerLevels ?? [];
    if (sub > 1) {
      for (let i = 0; i < sub - 1; i++) w.flag(levels[i] != null);
      w.u(9 - sub, 0);
    }
    for (const l of levels.slice(0, Math.max(0, sub - 1))) if (l != null) w.u(8, l);
    const subs = p.subProfiles ?? [];
    w.u(8, subs.length);
    for (const s of subs) w.u(32, s);
    w.u(16, p.width ?? 1920)
      .u(16, p.height ?? 1080)
      .u(16, p.avgFrameRate ?? 0);
  }
  const arrays = v.arrays ?? [];
  w.u(8, arrays.length);
  for (const a of arrays) {
    w.u(1, 1).u(2, 0).u(5, a.nalType);
    if (a.nalType !== 12 && a.nalType !== 13) w.u(16, a.nalus.length);
    for (const n of a.nalus) {
      w.u(16, n.length);
      for (const x of n) w.u(8, x);
    }
  }
  return w.bytes();
}
