/**
 * The media module: pure decoders for RTMP audio/video message payloads (FLV tag headers, legacy
 * and Enhanced RTMP v2) and for the codec configuration records they carry. Nothing here does
 * I/O, keeps state or throws on peer input; every result is plain JSON data.
 */
export * from './audio.js';
export * from './video.js';
export * from './config.js';
export * from './problems.js';
export { MAX_MODEX, MAX_TRACKS, MODEX_HEX_CAP, timestampOffsetNano, type MediaContent, type ModEx, type ModExTypeName, type MultitrackTypeName } from './ex-header.js';
export { AUDIO_FOURCCS, VIDEO_FOURCCS, FOURCCS_WITH_COMPOSITION_TIME, fourCcFromNumber, fourCcToNumber, type AudioFourCcCodec, type FourCcRead, type VideoFourCcCodec } from './fourcc.js';
