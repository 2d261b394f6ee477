/**
 * What the chunk decoder keeps of an audio or video message's body (its retention policy): the
 * tag header always (`mediaHead` bytes), the rest only for the forms whose content is of interest
 * to the analysis — configuration records, metadata, and forms whose packet type is further in.
 */

/** Audio and video: only the tag header and small configuration records are of interest. */
export const MEDIA_TYPES = new Set([8, 9]);

/**
 * Does this media message carry more than a tag header of interest — a sequence header (codec
 * configuration), E-RTMP metadata or multichannel configuration, or a form whose effective packet
 * type is only known further in (ModEx, multitrack)?
 */
export function mediaBodyWanted(typeId: number, b: Uint8Array): boolean {
  const b0 = b[0];
  if (b0 === undefined) return false;
  if (typeId === 9) {
    if ((b0 & 0x80) !== 0) {
      const pt = b0 & 0x0f;
      return pt === 0 || pt === 4 || pt === 5 || pt === 6 || pt === 7;
    }
    const codec = b0 & 0x0f;
    return (codec === 7 || codec === 12 || codec === 13) && b[1] === 0;
  }
  const fmt = b0 >> 4;
  if (fmt === 9) {
    const pt = b0 & 0x0f;
    return pt === 0 || pt === 4 || pt === 5 || pt === 7;
  }
  return fmt === 10 && b[1] === 0;
}
