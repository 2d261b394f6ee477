/**
 * H.265/HEVC configuration: HEVCDecoderConfigurationRecord (ISO/IEC 14496-15 8.3.3.1, the body of
 * an E-RTMP hvc1 SequenceStart or a non-standard codec-id-12 sequence header) and the start of the
 * first SPS (ITU-T H.265 7.3.2.2.1) for the picture size.
 *
 * Contract: pure and total; every length is checked; never throws. The record's fixed 23 bytes
 * give profile/tier/level, chroma format and bit depths. From the SPS we read only what precedes
 * the hard parts (sub-layer ordering, scaling lists, short-term reference picture sets):
 * pic_width/height_in_luma_samples and the conformance window, which is enough for a robust
 * width/height. Frame rate would need the VUI behind those structures, so it is not reported.
 */
import { BitReader, unescapeRbsp } from './bit-reader.js';
import { CHROMA_FORMATS, cropUnits, readCropWindow, type ChromaFormat } from './config-avc.js';
import { addProblem, type MediaProblemCode } from './problems.js';
import type { Mutable } from './ex-header.js';
import { u16, u32 } from '../core/byte-reader.js';
import { hexBytes } from '../core/hex.js';

export type HevcNalArray = {
  /** NAL unit type (32 VPS, 33 SPS, 34 PPS, 39/40 SEI). */
  readonly nalType: number;
  readonly count: number;
};

export type HevcConfig = {
  readonly version: number;
  readonly profileSpace?: number;
  /** general_tier_flag: false Main tier, true High tier. */
  readonly highTier?: boolean;
  readonly profileIdc?: number;
  readonly profileName?: string;
  readonly profileCompatibilityFlags?: number;
  /** general_constraint_indicator_flags, 6 bytes as hex. */
  readonly constraintIndicatorHex?: string;
  readonly levelIdc?: number;
  /** general_level_idc / 30, e.g. '3.1'. */
  readonly level?: string;
  readonly chromaFormatIdc?: number;
  readonly chromaFormat?: ChromaFormat;
  readonly bitDepthLuma?: number;
  readonly bitDepthChroma?: number;
  /** avgFrameRate in frames per 256 s (0 = unspecified). */
  readonly avgFrameRate?: number;
  readonly numTemporalLayers?: number;
  readonly nalLengthSize?: number;
  readonly arrays?: readonly HevcNalArray[];
  /** From the first SPS, after the conformance window. */
  readonly width?: number;
  readonly height?: number;
  /** RFC 6381 / ISO 14496-15 Annex E codec string, e.g. 'hvc1.1.6.L93.B0'. */
  readonly codecString?: string;
  readonly problems: readonly MediaProblemCode[];
};

const PROFILE_NAMES: readonly string[] = [
  'unknown (0)',
  'Main',
  'Main 10',
  'Main Still Picture',
  'Range Extensions',
  'High Throughput',
  'Multiview Main',
  'Scalable Main',
  '3D Main',
  'Screen Content Coding',
  'Scalable Range Extensions',
  'High Throughput Screen Content Coding',
];

export function hevcProfileName(profileIdc: number): string {
  return PROFILE_NAMES[profileIdc] ?? `unknown (${profileIdc})`;
}

function reverseBits32(v: number): number {
  let r = 0;
  for (let i = 0; i < 32; i++) {
    r = r * 2 + (v & 1);
    v >>>= 1;
  }
  return r;
}

function codecString(b: Uint8Array): string {
  const ptl = b[1] ?? 0;
  const space = ['', 'A', 'B', 'C'][ptl >> 6] ?? '';
  const compat = u32(b, 2);
  let s = `hvc1.${space}${ptl & 0x1f}.${reverseBits32(compat).toString(16).toUpperCase()}.${(ptl & 0x20) !== 0 ? 'H' : 'L'}${b[12] ?? 0}`;
  let last = 11;
  while (last >= 6 && (b[last] ?? 0) === 0) last--;
  for (let i = 6; i <= last; i++) s += `.${(b[i] ?? 0).toString(16).toUpperCase()}`;
  return s;
}

/**
 * Walks `count` NAL units (UI16 length, then the unit) of a configuration record's NAL array from
 * `pos`; `visit` sees each unit's bytes (cut at the end of `b`). Returns the position after them,
 * or undefined (with media.config.truncated) when `b` ends first. Shared by the HEVC and VVC records.
 */
export function walkNalUnits(b: Uint8Array, pos: number, count: number, problems: MediaProblemCode[], visit?: (nal: Uint8Array) => void): number | undefined {
  const n = b.length;
  for (let i = 0; i < count; i++) {
    if (pos + 2 > n) {
      addProblem(problems, 'media.config.truncated');
      return undefined;
    }
    const len = u16(b, pos);
    pos += 2;
    visit?.(b.subarray(pos, Math.min(pos + len, n)));
    if (pos + len > n) {
      addProblem(problems, 'media.config.truncated');
      return undefined;
    }
    pos += len;
  }
  return pos;
}

/** Decodes an HEVCDecoderConfigurationRecord and the size from its first SPS. */
export function decodeHevcConfig(b: Uint8Array): HevcConfig {
  const problems: MediaProblemCode[] = [];
  const n = b.length;
  const c: Mutable<HevcConfig> = { version: b[0] ?? 0, problems };
  if (n < 23) {
    addProblem(problems, 'media.config.truncated');
    return c;
  }
  if (c.version !== 1) addProblem(problems, 'media.config.bad-version');
  const ptl = b[1] ?? 0;
  c.profileSpace = ptl >> 6;
  c.highTier = (ptl & 0x20) !== 0;
  c.profileIdc = ptl & 0x1f;
  c.profileName = hevcProfileName(c.profileIdc);
  c.profileCompatibilityFlags = u32(b, 2);
  c.constraintIndicatorHex = hexBytes(b, 6, 12);
  c.levelIdc = b[12] ?? 0;
  c.level = (c.levelIdc / 30).toFixed(1);
  c.chromaFormatIdc = (b[16] ?? 0) & 3;
  c.chromaFormat = CHROMA_FORMATS[c.chromaFormatIdc] ?? '4:2:0';
  c.bitDepthLuma = ((b[17] ?? 0) & 7) + 8;
  c.bitDepthChroma = ((b[18] ?? 0) & 7) + 8;
  c.avgFrameRate = u16(b, 19);
  c.numTemporalLayers = ((b[21] ?? 0) >> 3) & 7;
  c.nalLengthSize = ((b[21] ?? 0) & 3) + 1;
  if (c.nalLengthSize === 3) addProblem(problems, 'media.config.bad-syntax');
  c.codecString = codecString(b);
  const numArrays = b[22] ?? 0;
  let pos = 23;
  const arrays: HevcNalArray[] = [];
  let firstSps: Uint8Array | undefined;
  for (let a = 0; a < numArrays; a++) {
    if (pos + 3 > n) {
      addProblem(problems, 'media.config.truncated');
      break;
    }
    const nalType = (b[pos] ?? 0) & 0x3f;
    const count = u16(b, pos + 1);
    arrays.push({ nalType, count });
    const next = walkNalUnits(b, pos + 3, count, problems, nalType === 33 ? (nal) => (firstSps ??= nal) : undefined);
    if (next === undefined) break;
    pos = next;
  }
  c.arrays = arrays;
  if (firstSps === undefined) {
    addProblem(problems, 'media.config.no-sps');
    return c;
  }
  const size = decodeHevcSpsSize(firstSps, problems);
  if (size !== undefined) {
    c.width = size.width;
    c.height = size.height;
  }
  return c;
}

/**
 * Reads an H.265 SPS (with its 2-byte NAL header) up to the conformance window and returns the
 * cropped picture size, or undefined (with a problem code) when it cannot.
 */
export function decodeHevcSpsSize(nal: Uint8Array, problems: MediaProblemCode[]): { width: number; height: number } | undefined {
  if (nal.length < 3) {
    addProblem(problems, 'media.config.truncated');
    return undefined;
  }
  if ((((nal[0] ?? 0) >> 1) & 0x3f) !== 33) addProblem(problems, 'media.config.bad-syntax');
  const r = new BitReader(unescapeRbsp(nal), 2);
  r.skip(4); // sps_video_parameter_set_id
  const maxSubLayersMinus1 = r.u(3);
  r.skip(1); // sps_temporal_id_nesting_flag
  // profile_tier_level(1, maxSubLayersMinus1): general part is 88 bits + general_level_idc.
  r.skip(88 + 8);
  const profilePresent: boolean[] = [];
  const levelPresent: boolean[] = [];
  for (let i = 0; i < maxSubLayersMinus1; i++) {
    profilePresent.push(r.flag());
    levelPresent.push(r.flag());
  }
  if (maxSubLayersMinus1 > 0) r.skip(2 * (8 - maxSubLayersMinus1)); // reserved_zero_2bits
  for (let i = 0; i < maxSubLayersMinus1; i++) {
    if (profilePresent[i] === true) r.skip(88);
    if (levelPresent[i] === true) r.skip(8);
  }
  r.ue(); // sps_seq_parameter_set_id
  const chromaFormatIdc = r.ue();
  if (chromaFormatIdc > 3) r.invalid = true;
  let separateColourPlane = false;
  if (chromaFormatIdc === 3) separateColourPlane = r.flag();
  const picWidth = r.ue();
  const picHeight = r.ue();
  const crop = readCropWindow(r);
  if (r.overrun) addProblem(problems, 'media.config.truncated');
  if (r.invalid) addProblem(problems, 'media.config.bad-syntax');
  if (!r.ok) return undefined;
  const unit = cropUnits(chromaFormatIdc, separateColourPlane);
  const width = picWidth - unit.x * (crop.left + crop.right);
  const height = picHeight - unit.y * (crop.top + crop.bottom);
  if (width <= 0 || height <= 0) {
    addProblem(problems, 'media.config.bad-syntax');
    return undefined;
  }
  return { width, height };
}
