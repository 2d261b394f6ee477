/**
 * H.264/AVC configuration: AVCDecoderConfigurationRecord (ISO/IEC 14496-15 5.3.3.1, the body of a
 * legacy AVC sequence header or an E-RTMP avc1 SequenceStart) and the sequence parameter set
 * inside it (ITU-T H.264 7.3.2.1.1 and Annex E.1.1 VUI).
 *
 * Contract: pure and total; every length is checked against the buffer; never throws. Whatever
 * was decoded before a shortfall is returned, with `media.config.*` problem codes. Emulation
 * prevention bytes are removed before the SPS is read. Picture size accounts for frame cropping
 * and field coding; `fps` comes from VUI timing_info as time_scale / (2 * num_units_in_tick)
 * (the H.264 convention for frame rate), present only when the SPS signals it.
 */
import { BitReader, unescapeRbsp } from './bit-reader.js';
import { addProblem, type MediaProblemCode } from './problems.js';
import type { Mutable } from './ex-header.js';
import { u16 } from '../core/byte-reader.js';

export type ChromaFormat = '4:0:0' | '4:2:0' | '4:2:2' | '4:4:4';

export const CHROMA_FORMATS: readonly ChromaFormat[] = ['4:0:0', '4:2:0', '4:2:2', '4:4:4'];

export type H264Sps = {
  readonly profileIdc: number;
  readonly profileName: string;
  /** constraint_set0..5 flags and reserved bits, as the byte after profile_idc. */
  readonly constraintFlags: number;
  readonly levelIdc: number;
  /** Level as written in the standard ('3.1', '1b'). */
  readonly level: string;
  readonly chromaFormatIdc?: number;
  readonly chromaFormat?: ChromaFormat;
  readonly bitDepthLuma?: number;
  readonly bitDepthChroma?: number;
  /** Displayed size after cropping. */
  readonly width?: number;
  readonly height?: number;
  /** Size in whole macroblocks, before cropping. */
  readonly codedWidth?: number;
  readonly codedHeight?: number;
  /** True when frame_mbs_only_flag is 0 (field or MBAFF coding possible). */
  readonly interlaced?: boolean;
  /** Sample aspect ratio, when the VUI gives one (aspect_ratio_idc 1..16 or 255). */
  readonly sarWidth?: number;
  readonly sarHeight?: number;
  readonly fullRange?: boolean;
  readonly colourPrimaries?: number;
  readonly transferCharacteristics?: number;
  readonly matrixCoefficients?: number;
  readonly numUnitsInTick?: number;
  readonly timeScale?: number;
  readonly fixedFrameRate?: boolean;
  readonly fps?: number;
  readonly problems: readonly MediaProblemCode[];
};

export type AvcConfig = {
  readonly version: number;
  readonly profileIdc: number;
  readonly profileCompatibility: number;
  readonly levelIdc: number;
  /** NALU length field size in bytes (lengthSizeMinusOne + 1): 1, 2 or 4 (3 is invalid). */
  readonly nalLengthSize?: number;
  readonly spsCount?: number;
  readonly ppsCount?: number;
  /** RFC 6381 codec string, e.g. 'avc1.64001f'. */
  readonly codecString: string;
  /** The first SPS, decoded. */
  readonly sps?: H264Sps;
  /** Problems of the record and of its SPS. */
  readonly problems: readonly MediaProblemCode[];
};

const HIGH_PROFILES = new Set([100, 110, 122, 244, 44, 83, 86, 118, 128, 138, 139, 134, 135]);

/** Table E-1 sample aspect ratios for aspect_ratio_idc 1..16. */
const SAR_TABLE: readonly (readonly [number, number])[] = [
  [0, 0],
  [1, 1],
  [12, 11],
  [10, 11],
  [16, 11],
  [40, 33],
  [24, 11],
  [20, 11],
  [32, 11],
  [80, 33],
  [18, 11],
  [15, 11],
  [64, 33],
  [160, 99],
  [4, 3],
  [3, 2],
  [2, 1],
];

function hex2(b: number): string {
  return (b < 16 ? '0' : '') + b.toString(16);
}

/** Profile name from profile_idc and the constraint flags byte (H.264 Annex A.2). */
export function h264ProfileName(profileIdc: number, constraintFlags: number): string {
  const cs1 = (constraintFlags & 0x40) !== 0;
  const cs3 = (constraintFlags & 0x10) !== 0;
  const cs4 = (constraintFlags & 0x08) !== 0;
  const cs5 = (constraintFlags & 0x04) !== 0;
  switch (profileIdc) {
    case 66:
      return cs1 ? 'Constrained Baseline' : 'Baseline';
    case 77:
      return 'Main';
    case 88:
      return 'Extended';
    case 100:
      return cs4 && cs5 ? 'Constrained High' : cs4 ? 'Progressive High' : 'High';
    case 110:
      return cs3 ? 'High 10 Intra' : 'High 10';
    case 122:
      return cs3 ? 'High 4:2:2 Intra' : 'High 4:2:2';
    case 244:
      return cs3 ? 'High 4:4:4 Intra' : 'High 4:4:4 Predictive';
    case 44:
      return 'CAVLC 4:4:4 Intra';
    case 83:
      return 'Scalable Baseline';
    case 86:
      return 'Scalable High';
    case 118:
      return 'Multiview High';
    case 128:
      return 'Stereo High';
    case 134:
      return 'MFC High';
    case 135:
      return 'MFC Depth High';
    case 138:
      return 'Multiview Depth High';
    case 139:
      return 'Enhanced Multiview Depth High';
    default:
      return `unknown (${profileIdc})`;
  }
}

/** Level string: level_idc 9, or 11 with constraint_set3 in Baseline/Main/Extended, is '1b'. */
export function h264LevelName(profileIdc: number, constraintFlags: number, levelIdc: number): string {
  if (levelIdc === 9) return '1b';
  if (levelIdc === 11 && (constraintFlags & 0x10) !== 0 && (profileIdc === 66 || profileIdc === 77 || profileIdc === 88)) {
    return '1b';
  }
  return `${Math.floor(levelIdc / 10)}.${levelIdc % 10}`;
}

function skipScalingList(r: BitReader, size: number): void {
  let last = 8;
  let next = 8;
  for (let j = 0; j < size; j++) {
    if (next !== 0) {
      const delta = r.se();
      if (!r.ok) return;
      next = (last + delta + 256) % 256;
    }
    last = next === 0 ? last : next;
  }
}

/**
 * Decodes an H.264 SPS NAL unit (starting with its 1-byte NAL header, nal_unit_type 7).
 */
export function decodeH264Sps(nal: Uint8Array): H264Sps {
  const problems: MediaProblemCode[] = [];
  if (nal.length < 4) {
    addProblem(problems, 'media.config.truncated');
    return { profileIdc: 0, profileName: h264ProfileName(0, 0), constraintFlags: 0, levelIdc: 0, level: '0.0', problems };
  }
  if (((nal[0] ?? 0) & 0x1f) !== 7 || ((nal[0] ?? 0) & 0x80) !== 0) addProblem(problems, 'media.config.bad-syntax');
  const rbsp = unescapeRbsp(nal);
  const r = new BitReader(rbsp, 1);
  const profileIdc = r.u(8);
  const constraintFlags = r.u(8);
  const levelIdc = r.u(8);
  const s: Mutable<H264Sps> = {
    profileIdc,
    profileName: h264ProfileName(profileIdc, constraintFlags),
    constraintFlags,
    levelIdc,
    level: h264LevelName(profileIdc, constraintFlags, levelIdc),
    problems,
  };
  const finish = (): H264Sps => {
    if (r.overrun) addProblem(problems, 'media.config.truncated');
    if (r.invalid) addProblem(problems, 'media.config.bad-syntax');
    return s;
  };
  r.ue(); // seq_parameter_set_id
  let chromaFormatIdc = 1;
  let separateColourPlane = false;
  let bitDepthLuma = 8;
  let bitDepthChroma = 8;
  if (HIGH_PROFILES.has(profileIdc)) {
    chromaFormatIdc = r.ue();
    if (chromaFormatIdc > 3) {
      r.invalid = true;
      return finish();
    }
    if (chromaFormatIdc === 3) separateColourPlane = r.flag();
    bitDepthLuma = r.ue() + 8;
    bitDepthChroma = r.ue() + 8;
    r.skip(1); // qpprime_y_zero_transform_bypass_flag
    if (r.flag()) {
      // seq_scaling_matrix_present_flag: 6 4x4 lists and 2 (or 6 for 4:4:4) 8x8 lists.
      const lists = chromaFormatIdc !== 3 ? 8 : 12;
      for (let i = 0; i < lists && r.ok; i++) {
        if (r.flag()) skipScalingList(r, i < 6 ? 16 : 64);
      }
    }
  }
  if (!r.ok) return finish();
  s.chromaFormatIdc = chromaFormatIdc;
  s.chromaFormat = CHROMA_FORMATS[chromaFormatIdc] ?? '4:2:0';
  s.bitDepthLuma = bitDepthLuma;
  s.bitDepthChroma = bitDepthChroma;
  r.ue(); // log2_max_frame_num_minus4
  const pocType = r.ue();
  if (pocType === 0) {
    r.ue(); // log2_max_pic_order_cnt_lsb_minus4
  } else if (pocType === 1) {
    r.skip(1); // delta_pic_order_always_zero_flag
    r.se(); // offset_for_non_ref_pic
    r.se(); // offset_for_top_to_bottom_field
    const cycle = r.ue();
    if (cycle > 255) {
      r.invalid = true;
      return finish();
    }
    for (let i = 0; i < cycle && r.ok; i++) r.se();
  } else if (pocType > 2) {
    r.invalid = true;
    return finish();
  }
  r.ue(); // max_num_ref_frames
  r.skip(1); // gaps_in_frame_num_value_allowed_flag
  const widthMbs = r.ue() + 1;
  const heightMapUnits = r.ue() + 1;
  const frameMbsOnly = r.flag();
  if (!r.ok) return finish();
  if (!frameMbsOnly) r.skip(1); // mb_adaptive_frame_field_flag
  r.skip(1); // direct_8x8_inference_flag
  const codedWidth = widthMbs * 16;
  const codedHeight = (frameMbsOnly ? 1 : 2) * heightMapUnits * 16;
  const crop = readCropWindow(r);
  if (!r.ok) return finish();
  // H.264 7.4.2.1.1: crop units depend on ChromaArrayType and field coding (ChromaArrayType 0: units of 1).
  const unit = cropUnits(chromaFormatIdc, separateColourPlane);
  const width = codedWidth - unit.x * (crop.left + crop.right);
  const height = codedHeight - unit.y * (frameMbsOnly ? 1 : 2) * (crop.top + crop.bottom);
  s.codedWidth = codedWidth;
  s.codedHeight = codedHeight;
  s.interlaced = !frameMbsOnly;
  if (width <= 0 || height <= 0) {
    addProblem(problems, 'media.config.bad-syntax');
  } else {
    s.width = width;
    s.height = height;
  }
  if (!r.flag()) return finish(); // vui_parameters_present_flag
  decodeVui(r, s);
  return finish();
}

/** H.264 E.1.1, up to timing_info (what we report). */
function decodeVui(r: BitReader, s: Mutable<H264Sps>): void {
  if (r.flag()) {
    const idc = r.u(8);
    if (idc === 255) {
      const w = r.u(16);
      const h = r.u(16);
      if (r.ok && w > 0 && h > 0) {
        s.sarWidth = w;
        s.sarHeight = h;
      }
    } else {
      const sar = SAR_TABLE[idc];
      if (sar !== undefined && idc > 0 && r.ok) {
        s.sarWidth = sar[0];
        s.sarHeight = sar[1];
      }
    }
  }
  if (r.flag()) r.skip(1); // overscan_info_present_flag → overscan_appropriate_flag
  if (r.flag()) {
    r.skip(3); // video_format
    const fullRange = r.flag();
    if (r.ok) s.fullRange = fullRange;
    if (r.flag()) {
      const primaries = r.u(8);
      const transfer = r.u(8);
      const matrix = r.u(8);
      if (r.ok) {
        s.colourPrimaries = primaries;
        s.transferCharacteristics = transfer;
        s.matrixCoefficients = matrix;
      }
    }
  }
  if (r.flag()) {
    r.ue(); // chroma_sample_loc_type_top_field
    r.ue(); // chroma_sample_loc_type_bottom_field
  }
  if (r.flag()) {
    const numUnitsInTick = r.u(32);
    const timeScale = r.u(32);
    const fixed = r.flag();
    if (r.ok) {
      s.numUnitsInTick = numUnitsInTick;
      s.timeScale = timeScale;
      s.fixedFrameRate = fixed;
      if (numUnitsInTick > 0 && timeScale > 0) s.fps = timeScale / (2 * numUnitsInTick);
    }
  }
}

/** Decodes an AVCDecoderConfigurationRecord and its first SPS. */
export function decodeAvcConfig(b: Uint8Array): AvcConfig {
  const problems: MediaProblemCode[] = [];
  const n = b.length;
  const version = b[0] ?? 0;
  const profileIdc = b[1] ?? 0;
  const profileCompatibility = b[2] ?? 0;
  const levelIdc = b[3] ?? 0;
  const c: Mutable<AvcConfig> = {
    version,
    profileIdc,
    profileCompatibility,
    levelIdc,
    codecString: `avc1.${hex2(profileIdc)}${hex2(profileCompatibility)}${hex2(levelIdc)}`,
    problems,
  };
  if (n < 7) {
    addProblem(problems, 'media.config.truncated');
    return c;
  }
  if (version !== 1) addProblem(problems, 'media.config.bad-version');
  c.nalLengthSize = ((b[4] ?? 0) & 3) + 1;
  if (c.nalLengthSize === 3) addProblem(problems, 'media.config.bad-syntax');
  const spsCount = (b[5] ?? 0) & 0x1f;
  c.spsCount = spsCount;
  let pos = 6;
  let firstSps: Uint8Array | undefined;
  for (let i = 0; i < spsCount; i++) {
    if (pos + 2 > n) {
      addProblem(problems, 'media.config.truncated');
      break;
    }
    const len = u16(b, pos);
    pos += 2;
    if (pos + len > n) {
      addProblem(problems, 'media.config.truncated');
      if (firstSps === undefined && pos < n) firstSps = b.subarray(pos, n);
      pos = n + 1;
      break;
    }
    if (firstSps === undefined) firstSps = b.subarray(pos, pos + len);
    pos += len;
  }
  if (pos < n) {
    const ppsCount = b[pos] ?? 0;
    c.ppsCount = ppsCount;
    pos += 1;
    // Walk the PPS list only to check its lengths; the high-profile extension after it
    // (chroma_format etc.) repeats what the SPS says and is not read.
    for (let i = 0; i < ppsCount; i++) {
      if (pos + 2 > n) {
        addProblem(problems, 'media.config.truncated');
        break;
      }
      pos += 2 + u16(b, pos);
      if (pos > n) {
        addProblem(problems, 'media.config.truncated');
        break;
      }
    }
  } else if (pos === n) {
    addProblem(problems, 'media.config.truncated');
  }
  if (firstSps === undefined) {
    if (spsCount === 0) addProblem(problems, 'media.config.no-sps');
    return c;
  }
  const sps = decodeH264Sps(firstSps);
  c.sps = sps;
  for (const p of sps.problems) addProblem(problems, p);
  return c;
}

/** An SPS's cropping offsets (H.264 frame_cropping, H.265 conformance_window): a flag, then four ue(v); 0 without the flag. */
export function readCropWindow(r: BitReader): { left: number; right: number; top: number; bottom: number } {
  if (!r.flag()) return { left: 0, right: 0, top: 0, bottom: 0 };
  const left = r.ue();
  const right = r.ue();
  const top = r.ue();
  return { left, right, top, bottom: r.ue() };
}

/**
 * Luma samples per unit of crop offset, across (x) and down (y), for a chroma_format_idc:
 * SubWidthC/SubHeightC (H.264 Table 6-1, H.265 Table 6-1), 1 for ChromaArrayType 0 (monochrome
 * or separate colour planes).
 */
export function cropUnits(chromaFormatIdc: number, separateColourPlane: boolean): { x: number; y: number } {
  const chromaArrayType = separateColourPlane ? 0 : chromaFormatIdc;
  return { x: chromaArrayType === 1 || chromaArrayType === 2 ? 2 : 1, y: chromaArrayType === 1 ? 2 : 1 };
}
