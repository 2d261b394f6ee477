/**
 * The amf stage's public surface: bytes in, tagged-union values out (see types.ts for the value
 * model, amf0.ts / amf3.ts for the decoders, plain.ts for helpers). Nothing here throws on input
 * or does I/O.
 */
export * from './types.js';
export { AmfReader } from './reader.js';
export { AMF0_MARKER, decodeAmf0Values, decodeAmf0Value, readAmf0Utf8 } from './amf0.js';
export { AMF3_MARKER, KNOWN_EXTERNALIZABLE, createAmfReader, decodeAmf3Values, decodeAmf3Value } from './amf3.js';
export { toPlain, getProp, asString, asNumber, asBoolean, propString, propNumber, type PlainValue } from './plain.js';
