/**
 * Audio configurations: AAC AudioSpecificConfig (ISO/IEC 14496-3 1.6.2.1, the body of a legacy
 * AAC sequence header or an E-RTMP mp4a SequenceStart), the Opus identification header
 * (RFC 7845 5.1 "OpusHead", what E-RTMP v2 puts in an Opus SequenceStart) or the ISOBMFF 'dOps'
 * box body, and the FLAC "fLaC" signature + STREAMINFO block (E-RTMP v2 FlacSequenceHeader).
 *
 * Contract: pure and total; every length is checked; never throws. AAC: the object type (with the
 * escape 31 → 32 + 6 bits), sampling frequency (index or explicit 24-bit value), channel
 * configuration and the SBR/PS signalling we can see without decoding audio: explicit
 * hierarchical (object type 5 = SBR, 29 = PS) and the backward-compatible sync extension
 * 0x2b7 after GASpecificConfig. `sbr`/`ps` are absent when the config does not say (implicit
 * signalling is only visible in the audio frames).
 */
import { BitReader } from './bit-reader.js';
import { addProblem, type MediaProblemCode } from './problems.js';
import type { Mutable } from './ex-header.js';

export type AacConfig = {
  /** The first audio object type in the config (5 or 29 for explicit HE-AAC signalling). */
  readonly audioObjectType: number;
  readonly objectTypeName: string;
  /** Explicit hierarchical signalling: the object type of the core (usually 2 = AAC LC). */
  readonly coreObjectType?: number;
  readonly samplingFrequencyIndex?: number;
  /** Core sampling rate in Hz (from the index, or the explicit 24-bit value). */
  readonly sampleRate?: number;
  readonly channelConfiguration?: number;
  /** Channels implied by channelConfiguration (absent for 0 = defined in a program config element). */
  readonly channels?: number;
  /** Samples per frame (1024 or 960) for the GA object types. */
  readonly frameLength?: number;
  readonly sbr?: boolean;
  readonly ps?: boolean;
  /** SBR output sampling rate in Hz. */
  readonly extensionSampleRate?: number;
  /** RFC 6381 codec string, e.g. 'mp4a.40.2'. */
  readonly codecString: string;
  readonly problems: readonly MediaProblemCode[];
};

export type OpusConfig = {
  /** 'opus-head' (RFC 7845, little-endian, with the magic) or 'dops' (ISOBMFF box body, big-endian). */
  readonly format: 'opus-head' | 'dops';
  readonly version: number;
  readonly channels?: number;
  readonly preSkip?: number;
  /** The original input sample rate (informational; Opus always decodes at 48 kHz). */
  readonly inputSampleRate?: number;
  /** Q7.8 dB. */
  readonly outputGain?: number;
  readonly mappingFamily?: number;
  readonly streamCount?: number;
  readonly coupledCount?: number;
  readonly problems: readonly MediaProblemCode[];
};

export type FlacConfig = {
  readonly minBlockSize?: number;
  readonly maxBlockSize?: number;
  readonly sampleRate?: number;
  readonly channels?: number;
  readonly bitsPerSample?: number;
  /** 0 = unknown. */
  readonly totalSamples?: number;
  readonly problems: readonly MediaProblemCode[];
};

/** ISO/IEC 14496-3 Table 1.18 (indices 13, 14 reserved; 15 = explicit). */
export const AAC_SAMPLE_RATES: readonly number[] = [96000, 88200, 64000, 48000, 44100, 32000, 24000, 22050, 16000, 12000, 11025, 8000, 7350];

/** ISO/IEC 14496-3 Table 1.19 channel configurations. */
const AAC_CHANNELS: readonly (number | undefined)[] = [undefined, 1, 2, 3, 4, 5, 6, 8, undefined, undefined, undefined, 7, 8, 24, 8];

const AAC_OBJECT_TYPES: ReadonlyMap<number, string> = new Map([
  [1, 'AAC Main'],
  [2, 'AAC LC'],
  [3, 'AAC SSR'],
  [4, 'AAC LTP'],
  [5, 'SBR (HE-AAC)'],
  [6, 'AAC Scalable'],
  [7, 'TwinVQ'],
  [8, 'CELP'],
  [9, 'HVXC'],
  [17, 'ER AAC LC'],
  [19, 'ER AAC LTP'],
  [20, 'ER AAC Scalable'],
  [21, 'ER TwinVQ'],
  [22, 'ER BSAC'],
  [23, 'ER AAC LD'],
  [29, 'PS (HE-AAC v2)'],
  [32, 'Layer-1'],
  [33, 'Layer-2'],
  [34, 'Layer-3'],
  [39, 'ER AAC ELD'],
  [42, 'USAC'],
]);

/** Object types that use GASpecificConfig (14496-3 1.6.2.1). */
const GA_TYPES = new Set([1, 2, 3, 4, 6, 7, 17, 19, 20, 21, 22, 23]);

function objectType(r: BitReader): number {
  const t = r.u(5);
  return t === 31 ? 32 + r.u(6) : t;
}

function samplingFrequency(r: BitReader): { index: number; rate: number | undefined } {
  const index = r.u(4);
  if (index === 15) return { index, rate: r.u(24) };
  return { index, rate: AAC_SAMPLE_RATES[index] };
}

/** Decodes an AAC AudioSpecificConfig. */
export function decodeAacConfig(b: Uint8Array): AacConfig {
  const problems: MediaProblemCode[] = [];
  const r = new BitReader(b);
  const aot = objectType(r);
  const c: Mutable<AacConfig> = {
    audioObjectType: aot,
    objectTypeName: AAC_OBJECT_TYPES.get(aot) ?? `unknown (${aot})`,
    codecString: `mp4a.40.${aot}`,
    problems,
  };
  const finish = (): AacConfig => {
    if (r.overrun) addProblem(problems, 'media.config.truncated');
    return c;
  };
  const freq = samplingFrequency(r);
  const channelConfiguration = r.u(4);
  if (r.overrun) return finish();
  c.samplingFrequencyIndex = freq.index;
  if (freq.rate === undefined) addProblem(problems, 'media.config.bad-syntax');
  else c.sampleRate = freq.rate;
  c.channelConfiguration = channelConfiguration;
  const channels = AAC_CHANNELS[channelConfiguration];
  if (channels !== undefined) c.channels = channels;
  else if (channelConfiguration !== 0) addProblem(problems, 'media.config.bad-syntax');

  let core = aot;
  if (aot === 5 || aot === 29) {
    // Explicit hierarchical signalling: extension rate, then the core object type.
    c.sbr = true;
    if (aot === 29) c.ps = true;
    const ext = samplingFrequency(r);
    if (ext.rate !== undefined && !r.overrun) c.extensionSampleRate = ext.rate;
    core = objectType(r);
    if (r.overrun) return finish();
    c.coreObjectType = core;
    if (core === 22) r.skip(4); // extensionChannelConfiguration
  }
  if (!GA_TYPES.has(core)) {
    if (core !== 5 && core !== 29) addProblem(problems, 'media.config.unsupported');
    return finish();
  }
  // GASpecificConfig (14496-3 4.4.1)
  const frameLengthFlag = r.flag();
  if (r.flag()) r.skip(14); // dependsOnCoreCoder → coreCoderDelay
  const extensionFlag = r.flag();
  if (r.overrun) return finish();
  c.frameLength = frameLengthFlag ? 960 : 1024;
  if (channelConfiguration === 0) {
    // program_config_element(): not decoded; the sync extension cannot be found after it.
    addProblem(problems, 'media.config.unsupported');
    return finish();
  }
  if (core === 6 || core === 20) r.skip(3); // layerNr
  if (extensionFlag) {
    if (core === 22) r.skip(5 + 11); // numOfSubFrame, layer_length
    if (core === 17 || core === 19 || core === 20 || core === 23) r.skip(3); // resilience flags
    r.skip(1); // extensionFlag3
  }
  if (r.overrun) return finish();
  // Backward-compatible explicit signalling (14496-3 1.6.5.3): syncExtensionType 0x2b7.
  if (aot !== 5 && aot !== 29 && r.bitsLeft >= 16) {
    if (r.u(11) === 0x2b7) {
      const extType = objectType(r);
      if (extType === 5 || extType === 22) {
        const sbr = r.flag();
        if (!r.overrun) c.sbr = sbr;
        if (sbr) {
          const ext = samplingFrequency(r);
          if (ext.rate !== undefined && !r.overrun) c.extensionSampleRate = ext.rate;
          if (extType === 22) r.skip(4);
          if (extType === 5 && r.bitsLeft >= 12 && r.u(11) === 0x548) {
            const ps = r.flag();
            if (!r.overrun) c.ps = ps;
          }
        }
      }
    }
  }
  return finish();
}

/** Decodes an Opus ID header ("OpusHead", RFC 7845 5.1) or an ISOBMFF dOps box body. */
export function decodeOpusConfig(b: Uint8Array): OpusConfig {
  const problems: MediaProblemCode[] = [];
  const magic = b.length >= 8 && String.fromCharCode(...b.subarray(0, 8)) === 'OpusHead';
  const base = magic ? 8 : 0;
  const le = magic;
  const c: Mutable<OpusConfig> = { format: magic ? 'opus-head' : 'dops', version: b[base] ?? 0, problems };
  if (b.length < base + 11) {
    addProblem(problems, 'media.config.truncated');
    return c;
  }
  // OpusHead: version 1 (major version 0 in the high nibble is what matters); dOps: version 0.
  if (magic ? c.version >> 4 !== 0 : c.version !== 0) addProblem(problems, 'media.config.bad-version');
  const u16 = (o: number): number => (le ? (b[o] ?? 0) | ((b[o + 1] ?? 0) << 8) : ((b[o] ?? 0) << 8) | (b[o + 1] ?? 0));
  const u32 = (o: number): number => (le ? ((b[o] ?? 0) | ((b[o + 1] ?? 0) << 8) | ((b[o + 2] ?? 0) << 16) | ((b[o + 3] ?? 0) << 24)) >>> 0 : (((b[o] ?? 0) << 24) | ((b[o + 1] ?? 0) << 16) | ((b[o + 2] ?? 0) << 8) | (b[o + 3] ?? 0)) >>> 0);
  c.channels = b[base + 1] ?? 0;
  c.preSkip = u16(base + 2);
  c.inputSampleRate = u32(base + 4);
  c.outputGain = (u16(base + 8) << 16) >> 16;
  c.mappingFamily = b[base + 10] ?? 0;
  if (c.channels === 0) addProblem(problems, 'media.config.bad-syntax');
  if (c.mappingFamily !== 0) {
    if (b.length < base + 13) {
      addProblem(problems, 'media.config.truncated');
      return c;
    }
    c.streamCount = b[base + 11] ?? 0;
    c.coupledCount = b[base + 12] ?? 0;
    if (b.length < base + 13 + c.channels) addProblem(problems, 'media.config.truncated');
  }
  return c;
}

const FLAC_STREAMINFO_LENGTH = 34;

/**
 * Decodes a FLAC sequence header: "fLaC" then the STREAMINFO metadata block; or, as FFmpeg 8.1
 * sends it, the 34-byte STREAMINFO alone (media.config.flac-bare-streaminfo).
 */
export function decodeFlacConfig(b: Uint8Array): FlacConfig {
  const problems: MediaProblemCode[] = [];
  const c: Mutable<FlacConfig> = { problems };
  if (b.length < 8) {
    addProblem(problems, 'media.config.truncated');
    return c;
  }
  const signed = String.fromCharCode(...b.subarray(0, 4)) === 'fLaC';
  // FFmpeg 8.1 sends its FLAC extradata: the 34-byte STREAMINFO without signature and block header.
  const bare = !signed && b.length === FLAC_STREAMINFO_LENGTH;
  if (bare) addProblem(problems, 'media.config.flac-bare-streaminfo');
  else if (!signed) addProblem(problems, 'media.config.bad-version');
  if (!bare && ((b[4] ?? 0) & 0x7f) !== 0) {
    // The first metadata block must be STREAMINFO (type 0).
    addProblem(problems, 'media.config.bad-syntax');
    return c;
  }
  const r = new BitReader(b, bare ? 0 : 8);
  const minBlockSize = r.u(16);
  const maxBlockSize = r.u(16);
  r.skip(24 + 24); // min/max frame size
  const sampleRate = r.u(20);
  const channels = r.u(3) + 1;
  const bitsPerSample = r.u(5) + 1;
  const totalSamples = r.u(4) * 2 ** 32 + r.u(32);
  if (r.overrun) {
    addProblem(problems, 'media.config.truncated');
    return c;
  }
  c.minBlockSize = minBlockSize;
  c.maxBlockSize = maxBlockSize;
  c.sampleRate = sampleRate;
  c.channels = channels;
  c.bitsPerSample = bitsPerSample;
  c.totalSamples = totalSamples;
  return c;
}
