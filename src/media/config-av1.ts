/**
 * AV1 configuration: AV1CodecConfigurationRecord ('av1C', AV1 Codec ISO Media File Format
 * Binding 2.3, the body of an E-RTMP av01 SequenceStart or a non-standard codec-id-13 sequence
 * header) and, when the record carries one in configOBUs, the sequence header OBU (AV1 spec
 * 5.5.1) for the maximum frame size and the timing info.
 *
 * Contract: pure and total; every length is checked; never throws. Width/height are
 * max_frame_width/height_minus_1 + 1 from the sequence header (the largest frame the stream may
 * code; render size can be smaller per frame). `fps` only when timing_info has
 * equal_picture_interval.
 */
import { BitReader } from './bit-reader.js';
import type { ChromaFormat } from './config-avc.js';
import { addProblem, type MediaProblemCode } from './problems.js';
import type { Mutable } from './ex-header.js';

export type Av1Config = {
  /** marker bit (must be 1) and version (must be 1), from the first byte. */
  readonly marker: number;
  readonly version: number;
  readonly seqProfile?: number;
  readonly profileName?: string;
  readonly seqLevelIdx0?: number;
  /** seq_tier_0: false Main, true High. */
  readonly highTier?: boolean;
  readonly bitDepth?: number;
  readonly monochrome?: boolean;
  readonly chromaSubsamplingX?: number;
  readonly chromaSubsamplingY?: number;
  readonly chromaFormat?: ChromaFormat;
  readonly chromaSamplePosition?: number;
  readonly initialPresentationDelayMinusOne?: number;
  /** True when configOBUs held a sequence header OBU. */
  readonly hasSequenceHeader?: boolean;
  readonly width?: number;
  readonly height?: number;
  readonly fps?: number;
  /** Codec string per the AV1 ISOBMFF binding, e.g. 'av01.0.04M.08'. */
  readonly codecString?: string;
  readonly problems: readonly MediaProblemCode[];
};

const PROFILE_NAMES = ['Main', 'High', 'Professional'] as const;

/** Decodes an AV1CodecConfigurationRecord and the sequence header OBU inside it, if any. */
export function decodeAv1Config(b: Uint8Array): Av1Config {
  const problems: MediaProblemCode[] = [];
  const b0 = b[0] ?? 0;
  const c: Mutable<Av1Config> = { marker: b0 >> 7, version: b0 & 0x7f, problems };
  if (b.length < 4) {
    addProblem(problems, 'media.config.truncated');
    return c;
  }
  if (c.marker !== 1 || c.version !== 1) addProblem(problems, 'media.config.bad-version');
  const b1 = b[1] ?? 0;
  const b2 = b[2] ?? 0;
  const b3 = b[3] ?? 0;
  c.seqProfile = b1 >> 5;
  c.profileName = PROFILE_NAMES[c.seqProfile] ?? `unknown (${c.seqProfile})`;
  c.seqLevelIdx0 = b1 & 0x1f;
  c.highTier = (b2 & 0x80) !== 0;
  const highBitdepth = (b2 & 0x40) !== 0;
  const twelveBit = (b2 & 0x20) !== 0;
  c.bitDepth = highBitdepth ? (twelveBit ? 12 : 10) : 8;
  c.monochrome = (b2 & 0x10) !== 0;
  c.chromaSubsamplingX = (b2 >> 3) & 1;
  c.chromaSubsamplingY = (b2 >> 2) & 1;
  c.chromaFormat = c.monochrome ? '4:0:0' : c.chromaSubsamplingX === 1 ? (c.chromaSubsamplingY === 1 ? '4:2:0' : '4:2:2') : '4:4:4';
  c.chromaSamplePosition = b2 & 3;
  if ((b3 & 0x10) !== 0) c.initialPresentationDelayMinusOne = b3 & 0x0f;
  c.codecString = `av01.${c.seqProfile}.${String(c.seqLevelIdx0).padStart(2, '0')}${c.highTier ? 'H' : 'M'}.${String(c.bitDepth).padStart(2, '0')}`;

  // configOBUs: walk the OBUs for a sequence header (obu_type 1).
  let pos = 4;
  while (pos < b.length) {
    const r = new BitReader(b, pos);
    r.skip(1); // obu_forbidden_bit
    const obuType = r.u(4);
    const hasExtension = r.flag();
    const hasSize = r.flag();
    r.skip(1);
    if (hasExtension) r.skip(8);
    const size = hasSize ? r.leb128() : b.length - r.bytePos;
    if (!r.ok) {
      addProblem(problems, r.overrun ? 'media.config.truncated' : 'media.config.bad-syntax');
      break;
    }
    const start = r.bytePos;
    const end = start + size;
    if (end > b.length) addProblem(problems, 'media.config.truncated');
    if (obuType === 1) {
      c.hasSequenceHeader = true;
      decodeSequenceHeader(b, start, Math.min(end, b.length), c, problems);
      break;
    }
    pos = end;
  }
  return c;
}

function decodeSequenceHeader(b: Uint8Array, start: number, end: number, c: Mutable<Av1Config>, problems: MediaProblemCode[]): void {
  const r = new BitReader(b, start, end);
  r.skip(3); // seq_profile
  r.skip(1); // still_picture
  const reduced = r.flag();
  let fps: number | undefined;
  if (reduced) {
    r.skip(5); // seq_level_idx[0]
  } else {
    const timingInfoPresent = r.flag();
    let decoderModelInfoPresent = false;
    let bufferDelayLength = 0;
    if (timingInfoPresent) {
      const numUnitsInDisplayTick = r.u(32);
      const timeScale = r.u(32);
      if (r.flag()) {
        // equal_picture_interval
        const ticksPerPicture = r.uvlc() + 1;
        if (r.ok && numUnitsInDisplayTick > 0 && timeScale > 0) fps = timeScale / (numUnitsInDisplayTick * ticksPerPicture);
      }
      decoderModelInfoPresent = r.flag();
      if (decoderModelInfoPresent) {
        bufferDelayLength = r.u(5) + 1;
        r.skip(32); // num_units_in_decoding_tick
        r.skip(5); // buffer_removal_time_length_minus_1
        r.skip(5); // frame_presentation_time_length_minus_1
      }
    }
    const initialDisplayDelayPresent = r.flag();
    const operatingPoints = r.u(5) + 1;
    for (let i = 0; i < operatingPoints && r.ok; i++) {
      r.skip(12); // operating_point_idc
      const level = r.u(5);
      if (level > 7) r.skip(1); // seq_tier
      if (decoderModelInfoPresent && r.flag()) {
        r.skip(bufferDelayLength); // decoder_buffer_delay
        r.skip(bufferDelayLength); // encoder_buffer_delay
        r.skip(1); // low_delay_mode_flag
      }
      if (initialDisplayDelayPresent && r.flag()) r.skip(4);
    }
  }
  const widthBits = r.u(4) + 1;
  const heightBits = r.u(4) + 1;
  const width = r.u(widthBits) + 1;
  const height = r.u(heightBits) + 1;
  if (r.overrun) addProblem(problems, 'media.config.truncated');
  if (r.invalid) addProblem(problems, 'media.config.bad-syntax');
  if (!r.ok) return;
  c.width = width;
  c.height = height;
  if (fps !== undefined) c.fps = fps;
}
