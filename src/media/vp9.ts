/**
 * The VP9 uncompressed header of a keyframe (VP9 bitstream specification, section 6.2): profile,
 * bit depth, chroma subsampling and the frame size. VP9's configuration record (vpcC) carries no
 * picture size, so a VP9 stream's resolution comes from its first keyframe.
 *
 * Contract: pure and total; returns undefined for anything that is not a VP9 keyframe header
 * (wrong frame marker or sync code, show_existing_frame, an inter frame, too few bytes).
 */
import { BitReader } from './bit-reader.js';

export type Vp9KeyframeHeader = {
  readonly codec: 'vp9';
  readonly profile: number;
  readonly bitDepth: number;
  /** '4:2:0', '4:2:2', '4:4:0', '4:4:4' (RGB is 4:4:4). */
  readonly chromaFormat: string;
  readonly width: number;
  readonly height: number;
};

const CS_RGB = 7;

export function decodeVp9KeyframeHeader(b: Uint8Array): Vp9KeyframeHeader | undefined {
  const r = new BitReader(b, 0);
  if (r.u(2) !== 2) return undefined; // frame_marker
  const low = r.u(1);
  const high = r.u(1);
  const profile = (high << 1) | low;
  if (profile === 3) r.skip(1); // reserved_zero
  if (r.u(1) === 1) return undefined; // show_existing_frame
  if (r.u(1) !== 0) return undefined; // frame_type: 0 KEY_FRAME
  r.skip(2); // show_frame, error_resilient_mode
  if (r.u(8) !== 0x49 || r.u(8) !== 0x83 || r.u(8) !== 0x42) return undefined; // frame_sync_code
  let bitDepth = 8;
  if (profile >= 2) bitDepth = r.u(1) === 1 ? 12 : 10;
  const colorSpace = r.u(3);
  let chromaFormat = '4:2:0';
  if (colorSpace !== CS_RGB) {
    r.skip(1); // color_range
    if (profile === 1 || profile === 3) {
      const sx = r.u(1);
      const sy = r.u(1);
      r.skip(1); // reserved_zero
      chromaFormat = sx === 1 ? (sy === 1 ? '4:2:0' : '4:2:2') : sy === 1 ? '4:4:0' : '4:4:4';
    }
  } else {
    chromaFormat = '4:4:4';
    if (profile === 1 || profile === 3) r.skip(1);
  }
  const width = r.u(16) + 1;
  const height = r.u(16) + 1;
  if (r.overrun) return undefined;
  return { codec: 'vp9', profile, bitDepth, chromaFormat, width, height };
}
