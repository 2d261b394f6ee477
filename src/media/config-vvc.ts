/**
 * H.266/VVC configuration: VvcDecoderConfigurationRecord (ISO/IEC 14496-15:2022 11.2.4.2), the body
 * of an E-RTMP `vvc1` SequenceStart (VVC was added to E-RTMP v2 in v2-2026-01-31-r2).
 *
 * Contract: pure and total; bit fields are read through the bounded BitReader and every length is
 * checked against the buffer; never throws. Profile, tier, level, chroma format, bit depth, picture
 * size and frame rate come from the record's own fields (its VvcPTLRecord and the fields after
 * it), not from the SPS: `max_picture_width/height` are the luma sizes of the coded pictures,
 * before any conformance-window cropping. A record without PTL (ptl_present_flag 0) gives only
 * the NAL length size and the NAL arrays.
 *
 *   bit(5) '11111'  LengthSizeMinusOne u(2)  ptl_present_flag u(1)
 *   if ptl_present: ols_idx u(9) num_sublayers u(3) constant_frame_rate u(2) chroma_format_idc u(2)
 *                   bit_depth_minus8 u(3) bit(5) '11111'
 *                   VvcPTLRecord(num_sublayers):
 *                     bit(2) 0  num_bytes_constraint_info u(6)  general_profile_idc u(7)
 *                     general_tier_flag u(1)  general_level_idc u(8)
 *                     ptl_frame_only_constraint_flag u(1)  ptl_multi_layer_enabled_flag u(1)
 *                     general_constraint_info u(8*num_bytes_constraint_info - 2)
 *                     ptl_sublayer_level_present_flag[num_sublayers-2..0], zero bits to a byte
 *                     sublayer_level_idc u(8) for each present flag
 *                     ptl_num_sub_profiles u(8)  general_sub_profile_idc u(32) each
 *                   max_picture_width u(16) max_picture_height u(16) avg_frame_rate u(16)
 *   num_of_arrays u(8), each: array_completeness u(1) bit(2) NAL_unit_type u(5)
 *     num_nalus u(16) (absent, one NAL, for DCI 13 and OPI 12), then u(16) length + NAL each.
 */
import { BitReader } from './bit-reader.js';
import { CHROMA_FORMATS, type ChromaFormat } from './config-avc.js';
import { addProblem, type MediaProblemCode } from './problems.js';
import type { Mutable } from './ex-header.js';
import { walkNalUnits } from './config-hevc.js';
import { u16 } from '../core/byte-reader.js';

export type VvcNalArray = {
  /** NAL unit type (12 OPI, 13 DCI, 14 VPS, 15 SPS, 16 PPS, 17/18 APS, 23/24 SEI). */
  readonly nalType: number;
  readonly count: number;
};

export type VvcConfig = {
  readonly nalLengthSize?: number;
  readonly ptlPresent?: boolean;
  readonly olsIdx?: number;
  readonly numSublayers?: number;
  /** 0 unspecified, 1 constant, 2 constant per temporal layer. */
  readonly constantFrameRate?: number;
  readonly chromaFormatIdc?: number;
  readonly chromaFormat?: ChromaFormat;
  readonly bitDepth?: number;
  readonly profileIdc?: number;
  readonly profileName?: string;
  /** general_tier_flag: false Main tier, true High tier. */
  readonly highTier?: boolean;
  readonly levelIdc?: number;
  /** general_level_idc as major.minor (idc = 16 × major + 3 × minor), e.g. 51 → '3.1'. */
  readonly level?: string;
  readonly frameOnlyConstraint?: boolean;
  readonly multiLayerEnabled?: boolean;
  /** general_sub_profile_idc values (at most MAX_SUB_PROFILES kept). */
  readonly subProfiles?: readonly number[];
  /** max_picture_width / max_picture_height: luma samples, before cropping. */
  readonly width?: number;
  readonly height?: number;
  /** avg_frame_rate in frames per 256 s (0 = unspecified). */
  readonly avgFrameRate?: number;
  readonly arrays?: readonly VvcNalArray[];
  readonly problems: readonly MediaProblemCode[];
};

export const MAX_SUB_PROFILES = 8;
const NAL_OPI = 12;
const NAL_DCI = 13;

/** H.266 Annex A general_profile_idc values (version 1 profiles). */
const PROFILE_NAMES: ReadonlyMap<number, string> = new Map([
  [1, 'Main 10'],
  [2, 'Main 10 4:4:4'],
  [17, 'Multilayer Main 10'],
  [18, 'Multilayer Main 10 4:4:4'],
  [65, 'Main 10 Still Picture'],
  [66, 'Main 10 4:4:4 Still Picture'],
  [81, 'Multilayer Main 10 Still Picture'],
  [82, 'Multilayer Main 10 4:4:4 Still Picture'],
]);

export function vvcProfileName(profileIdc: number): string {
  return PROFILE_NAMES.get(profileIdc) ?? `unknown (${profileIdc})`;
}

export function vvcLevelName(levelIdc: number): string {
  const minor = levelIdc % 16;
  return minor % 3 === 0 ? `${(levelIdc - minor) / 16}.${minor / 3}` : String(levelIdc);
}

/** Decodes a VvcDecoderConfigurationRecord. */
export function decodeVvcConfig(b: Uint8Array): VvcConfig {
  const problems: MediaProblemCode[] = [];
  const c: Mutable<VvcConfig> = { problems };
  const r = new BitReader(b);
  if (b.length < 2) {
    addProblem(problems, 'media.config.truncated');
    return c;
  }
  if (r.u(5) !== 0x1f) addProblem(problems, 'media.config.bad-version');
  c.nalLengthSize = r.u(2) + 1;
  if (c.nalLengthSize === 3) addProblem(problems, 'media.config.bad-syntax');
  c.ptlPresent = r.flag();
  if (c.ptlPresent) readPtlPart(r, c, problems);
  if (r.overrun) {
    addProblem(problems, 'media.config.truncated');
    return c;
  }
  readArrays(b, r.bytePos, c, problems);
  return c;
}

/** Reads the PTL part; a group of fields is kept only when all of it was within the record. */
function readPtlPart(r: BitReader, c: Mutable<VvcConfig>, problems: MediaProblemCode[]): void {
  const olsIdx = r.u(9);
  const numSublayers = r.u(3);
  const constantFrameRate = r.u(2);
  const chromaFormatIdc = r.u(2);
  const bitDepth = r.u(3) + 8;
  r.skip(5); // reserved '11111'
  if (r.overrun) return;
  c.olsIdx = olsIdx;
  c.numSublayers = numSublayers;
  c.constantFrameRate = constantFrameRate;
  c.chromaFormatIdc = chromaFormatIdc;
  c.chromaFormat = CHROMA_FORMATS[chromaFormatIdc] ?? '4:2:0';
  c.bitDepth = bitDepth;
  if (numSublayers === 0) addProblem(problems, 'media.config.bad-syntax');
  // VvcPTLRecord(num_sublayers)
  r.skip(2);
  const gciBytes = r.u(6);
  const profileIdc = r.u(7);
  const highTier = r.flag();
  const levelIdc = r.u(8);
  const frameOnly = r.flag();
  const multiLayer = r.flag();
  if (r.overrun) return;
  c.profileIdc = profileIdc;
  c.profileName = vvcProfileName(profileIdc);
  c.highTier = highTier;
  c.levelIdc = levelIdc;
  c.level = vvcLevelName(levelIdc);
  c.frameOnlyConstraint = frameOnly;
  c.multiLayerEnabled = multiLayer;
  // general_constraint_info is 8 × num_bytes - 2 bits: the two flags above complete its first byte.
  if (gciBytes === 0) addProblem(problems, 'media.config.bad-syntax');
  else r.skip(8 * gciBytes - 2);
  let levelsPresent = 0;
  if (numSublayers > 1) {
    for (let i = numSublayers - 2; i >= 0; i--) if (r.flag()) levelsPresent++;
    r.skip(9 - numSublayers); // ptl_reserved_zero_bit up to j = 8
  }
  r.skip(8 * levelsPresent); // sublayer_level_idc
  const numSubProfiles = r.u(8);
  const subProfiles: number[] = [];
  for (let i = 0; i < numSubProfiles && !r.overrun; i++) {
    const v = r.u(32);
    if (subProfiles.length < MAX_SUB_PROFILES) subProfiles.push(v);
  }
  if (r.overrun) return;
  if (numSubProfiles > 0) c.subProfiles = subProfiles;
  const width = r.u(16);
  const height = r.u(16);
  const avgFrameRate = r.u(16);
  if (r.overrun) return;
  c.width = width;
  c.height = height;
  c.avgFrameRate = avgFrameRate;
  if (width === 0 || height === 0) addProblem(problems, 'media.config.bad-syntax');
}

function readArrays(b: Uint8Array, start: number, c: Mutable<VvcConfig>, problems: MediaProblemCode[]): void {
  const n = b.length;
  let pos = start;
  if (pos >= n) {
    addProblem(problems, 'media.config.truncated');
    return;
  }
  const numArrays = b[pos] ?? 0;
  pos += 1;
  const arrays: VvcNalArray[] = [];
  for (let a = 0; a < numArrays; a++) {
    if (pos + 1 > n) {
      addProblem(problems, 'media.config.truncated');
      break;
    }
    const nalType = (b[pos] ?? 0) & 0x1f;
    pos += 1;
    let count = 1;
    if (nalType !== NAL_DCI && nalType !== NAL_OPI) {
      if (pos + 2 > n) {
        addProblem(problems, 'media.config.truncated');
        break;
      }
      count = u16(b, pos);
      pos += 2;
    }
    arrays.push({ nalType, count });
    const next = walkNalUnits(b, pos, count, problems);
    if (next === undefined) break;
    pos = next;
  }
  c.arrays = arrays;
}
