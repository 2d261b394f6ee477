/**
 * FLV file layout (FLV 10.1, Annex E.2-E.4; Enhanced RTMP v2 keeps it): a 9-byte header, then
 * PreviousTagSize0 (0) and tags, each followed by its PreviousTagSize (11 + data size). A tag is an
 * 11-byte header — type (8 audio, 9 video, 18 script data), UI24 data size, UI24 timestamp and
 * UI8 TimestampExtended (the upper 8 bits: 32 bits in all, as RTMP's), UI24 stream id 0 — then
 * its data, which is the RTMP message body unchanged (legacy or Enhanced tag headers alike).
 *
 * Pure byte building: the payload is never copied, the caller writes [header, payload, trailer].
 */

export const TAG_AUDIO = 8;
export const TAG_VIDEO = 9;
export const TAG_SCRIPT = 18;

/** Largest tag data an FLV tag can carry (UI24 DataSize). */
export const MAX_TAG_DATA = 0xffffff;

/** FLV header flags: TypeFlagsAudio (bit 2), TypeFlagsVideo (bit 0). */
export function headerFlags(audio: boolean, video: boolean): number {
  return (audio ? 4 : 0) | (video ? 1 : 0);
}

/** The 9-byte FLV header and PreviousTagSize0: 13 bytes. The flags byte is at offset 4. */
export function fileHeader(audio: boolean, video: boolean): Uint8Array {
  return Uint8Array.of(0x46, 0x4c, 0x56, 1, headerFlags(audio, video), 0, 0, 0, 9, 0, 0, 0, 0);
}

/** Offset of the flags byte in the file. */
export const FLAGS_OFFSET = 4;

/** The 11-byte tag header of a tag of `size` data bytes at `timestamp` (ms, uint32). */
export function tagHeader(type: number, size: number, timestamp: number): Uint8Array {
  const ts = timestamp >>> 0;
  return Uint8Array.of(type, (size >>> 16) & 0xff, (size >>> 8) & 0xff, size & 0xff, (ts >>> 16) & 0xff, (ts >>> 8) & 0xff, ts & 0xff, ts >>> 24, 0, 0, 0);
}

/** The PreviousTagSize after a tag of `size` data bytes. */
export function tagTrailer(size: number): Uint8Array {
  const n = (size + 11) >>> 0;
  return Uint8Array.of(n >>> 24, (n >>> 16) & 0xff, (n >>> 8) & 0xff, n & 0xff);
}

/** The three pieces of one tag: header, data (not copied), trailer. */
export function tag(type: number, timestamp: number, data: Uint8Array): [Uint8Array, Uint8Array, Uint8Array] {
  return [tagHeader(type, data.length, timestamp), data, tagTrailer(data.length)];
}

/** One sub-tag of an aggregate message, with its data located in the aggregate's body. */
export type SubTag = { readonly type: number; readonly timestamp: number; readonly data: Uint8Array };

/**
 * Split an aggregate message (RTMP 1.0 §7.1.6: FLV tags back to back, each with its back
 * pointer) into its tags, timestamps rebased so the first sub-tag is at the aggregate's own
 * timestamp. `rest` counts the bytes that do not form a whole tag (a cut or malformed aggregate).
 */
export function splitAggregate(body: Uint8Array, timestamp: number): { tags: SubTag[]; rest: number } {
  const tags: SubTag[] = [];
  let p = 0;
  let first: number | null = null;
  while (p + 11 <= body.length) {
    const type = body[p] as number;
    const size = ((body[p + 1] as number) << 16) | ((body[p + 2] as number) << 8) | (body[p + 3] as number);
    const ts = (((body[p + 7] as number) << 24) | ((body[p + 4] as number) << 16) | ((body[p + 5] as number) << 8) | (body[p + 6] as number)) >>> 0;
    if (p + 11 + size > body.length) break;
    first ??= ts;
    tags.push({ type, timestamp: (timestamp + (ts - first)) >>> 0, data: body.subarray(p + 11, p + 11 + size) });
    // The back pointer (PreviousTagSize) follows; an aggregate's last tag may omit it.
    p = Math.min(body.length, p + 11 + size + 4);
  }
  return { tags, rest: body.length - p };
}
