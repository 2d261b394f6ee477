/**
 * Codec configuration records: the bodies of sequence-header / SequenceStart media messages
 * (`content === 'config'` in a VideoHeader or AudioHeader), decoded into stream facts.
 *
 * Contract: every decoder here is pure and total: any bytes give a result, never an exception;
 * every length read is checked against the buffer; problems are `media.config.*` codes; results
 * are plain JSON data. The per-codec decoders live in config-*.ts; this module re-exports them and
 * adds the two dispatchers that pick the decoder from a header's codec name.
 *
 *   video: avc (legacy 7 or avc1) → AVCDecoderConfigurationRecord + first SPS
 *          hevc (legacy 12 or hvc1) → HEVCDecoderConfigurationRecord + SPS size
 *          av1 (legacy 13 or av01) → AV1CodecConfigurationRecord + sequence header OBU
 *          vvc (vvc1) → VvcDecoderConfigurationRecord (its PTL and picture fields)
 *   audio: aac → AudioSpecificConfig; opus → OpusHead / dOps; flac → fLaC + STREAMINFO
 * Other codecs (vp8/vp9, mp3, ...) return undefined: not decoded. AC-3/E-AC-3 have no record;
 * their coded frames' syncframes are read by ac3.ts.
 */
import { decodeAvcConfig, type AvcConfig } from './config-avc.js';
import { decodeHevcConfig, type HevcConfig } from './config-hevc.js';
import { decodeAv1Config, type Av1Config } from './config-av1.js';
import { decodeVvcConfig, type VvcConfig } from './config-vvc.js';
import { decodeAacConfig, decodeFlacConfig, decodeOpusConfig, type AacConfig, type FlacConfig, type OpusConfig } from './config-audio.js';

export { decodeAvcConfig, decodeH264Sps, h264LevelName, h264ProfileName, CHROMA_FORMATS, type AvcConfig, type ChromaFormat, type H264Sps } from './config-avc.js';
export { decodeHevcConfig, decodeHevcSpsSize, hevcProfileName, type HevcConfig, type HevcNalArray } from './config-hevc.js';
export { decodeAv1Config, type Av1Config } from './config-av1.js';
export { decodeVvcConfig, vvcLevelName, vvcProfileName, type VvcConfig, type VvcNalArray } from './config-vvc.js';
export { AAC_SAMPLE_RATES, decodeAacConfig, decodeFlacConfig, decodeOpusConfig, type AacConfig, type FlacConfig, type OpusConfig } from './config-audio.js';

export type VideoConfig = ({ readonly codec: 'avc' } & AvcConfig) | ({ readonly codec: 'hevc' } & HevcConfig) | ({ readonly codec: 'av1' } & Av1Config) | ({ readonly codec: 'vvc' } & VvcConfig);

export type AudioConfig = ({ readonly codec: 'aac' } & AacConfig) | ({ readonly codec: 'opus' } & OpusConfig) | ({ readonly codec: 'flac' } & FlacConfig);

/**
 * Decodes a video configuration body for `codec` (a VideoHeader's or VideoTrack's `codec`), or
 * returns undefined for codecs without a decoder here.
 */
export function decodeVideoConfig(codec: string, body: Uint8Array): VideoConfig | undefined {
  switch (codec) {
    case 'avc':
      return { codec, ...decodeAvcConfig(body) };
    case 'hevc':
      return { codec, ...decodeHevcConfig(body) };
    case 'av1':
      return { codec, ...decodeAv1Config(body) };
    case 'vvc':
      return { codec, ...decodeVvcConfig(body) };
    default:
      return undefined;
  }
}

/**
 * Decodes an audio configuration body for `codec` (an AudioHeader's or AudioTrack's `codec`), or
 * returns undefined for codecs without a decoder here.
 */
export function decodeAudioConfig(codec: string, body: Uint8Array): AudioConfig | undefined {
  switch (codec) {
    case 'aac':
      return { codec, ...decodeAacConfig(body) };
    case 'opus':
      return { codec, ...decodeOpusConfig(body) };
    case 'flac':
      return { codec, ...decodeFlacConfig(body) };
    default:
      return undefined;
  }
}
