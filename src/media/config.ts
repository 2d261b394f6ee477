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
import { decodeAvcConfig } from './config-avc.js';
import { decodeHevcConfig } from './config-hevc.js';
import { decodeAv1Config } from './config-av1.js';
import { decodeVvcConfig } from './config-vvc.js';
import { decodeAacConfig, decodeFlacConfig, decodeOpusConfig } from './config-audio.js';

export { decodeAvcConfig, decodeH264Sps, h264LevelName, h264ProfileName, CHROMA_FORMATS, type AvcConfig, type ChromaFormat, type H264Sps } from './config-avc.js';
export { decodeHevcConfig, decodeHevcSpsSize, hevcProfileName, type HevcConfig, type HevcNalArray } from './config-hevc.js';
export { decodeAv1Config, type Av1Config } from './config-av1.js';
export { decodeVvcConfig, vvcLevelName, vvcProfileName, type VvcConfig, type VvcNalArray } from './config-vvc.js';
export { AAC_SAMPLE_RATES, decodeAacConfig, decodeFlacConfig, decodeOpusConfig, type AacConfig, type FlacConfig, type OpusConfig } from './config-audio.js';

/** The decoders by codec name (a header's or track's `codec`). */
const VIDEO_DECODERS = { avc: decodeAvcConfig, hevc: decodeHevcConfig, av1: decodeAv1Config, vvc: decodeVvcConfig };
const AUDIO_DECODERS = { aac: decodeAacConfig, opus: decodeOpusConfig, flac: decodeFlacConfig };

/** What a table of decoders gives: each decoder's result tagged with its codec name. */
type Tagged<D extends Readonly<Record<string, (body: Uint8Array) => object>>> = { [K in keyof D]: { readonly codec: K } & ReturnType<D[K]> }[keyof D];

export type VideoConfig = Tagged<typeof VIDEO_DECODERS>;

export type AudioConfig = Tagged<typeof AUDIO_DECODERS>;

function decodeWith<D extends Readonly<Record<string, (body: Uint8Array) => object>>>(decoders: D, codec: string, body: Uint8Array): Tagged<D> | undefined {
  if (!Object.prototype.hasOwnProperty.call(decoders, codec)) return undefined;
  return { codec, ...decoders[codec]!(body) } as Tagged<D>;
}

/**
 * Decodes a video configuration body for `codec` (a VideoHeader's or VideoTrack's `codec`), or
 * returns undefined for codecs without a decoder here.
 */
export function decodeVideoConfig(codec: string, body: Uint8Array): VideoConfig | undefined {
  return decodeWith(VIDEO_DECODERS, codec, body);
}

/**
 * Decodes an audio configuration body for `codec` (an AudioHeader's or AudioTrack's `codec`), or
 * returns undefined for codecs without a decoder here.
 */
export function decodeAudioConfig(codec: string, body: Uint8Array): AudioConfig | undefined {
  return decodeWith(AUDIO_DECODERS, codec, body);
}
