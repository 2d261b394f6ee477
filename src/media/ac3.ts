/**
 * The AC-3 and E-AC-3 syncframe header (ATSC A/52: 5.3 syncinfo and bsi; Annex E 2.3 for E-AC-3):
 * sample rate, channels and their layout. An E-RTMP `ac-3` / `ec-3` stream has no configuration
 * record (FFmpeg 8.1 sends an empty SequenceStart), so these facts come from the coded frames,
 * each of which starts with a syncframe.
 *
 * Contract: pure and total; reads at most the first 8 bytes through the bounded BitReader; returns
 * undefined for anything that is not a syncframe header (no 0x0B77 sync word, too few bytes, a
 * reserved sample-rate or frame-size code, a bsid of neither syntax). The bsid (bits 40-44 in both
 * syntaxes) chooses the syntax: 0..10 AC-3 (9 and 10 are the half/quarter-rate variants), 11..16
 * E-AC-3. For E-AC-3 only the first (independent) substream is read: channels carried by dependent
 * substreams (7.1) are not counted.
 */
import { BitReader } from './bit-reader.js';

export type Ac3Syncframe = {
  /** The syntax the bsid names: 'ac3' (bsid 0..10) or 'eac3' (11..16). */
  readonly codec: 'ac3' | 'eac3';
  readonly bsid: number;
  readonly sampleRate: number;
  /** Audio coding mode (0 = 1+1 dual mono ... 7 = 3/2). */
  readonly acmod: number;
  readonly lfe: boolean;
  /** Full-bandwidth channels plus the LFE channel. */
  readonly channels: number;
  /** A/52 notation (front/rear, '.1' with LFE): '2/0', '3/2.1', '1+1'. */
  readonly channelLayout: string;
  /** Size of this syncframe in bytes. */
  readonly frameBytes: number;
  /** Bit rate in kbit/s: AC-3 from frmsizecod, E-AC-3 from the frame size and its audio blocks. */
  readonly bitrateKbps: number;
};

const AC3_RATES = [48000, 44100, 32000];
/** E-AC-3 fscod2 rates (fscod == 3). */
const EAC3_HALF_RATES = [24000, 22050, 16000];
/** AC-3 nominal bit rates (kbit/s) by frmsizecod >> 1 (A/52 Table 5.18). */
const AC3_BITRATES = [32, 40, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320, 384, 448, 512, 576, 640];
const LAYOUTS = ['1+1', '1/0', '2/0', '3/0', '2/1', '3/1', '2/2', '3/2'];
const FULL_CHANNELS = [2, 1, 2, 3, 3, 4, 4, 5];
const EAC3_BLOCKS = [1, 2, 3, 6];

/** Decodes the syncframe header at the start of `b`, or returns undefined. */
export function decodeAc3Syncframe(b: Uint8Array): Ac3Syncframe | undefined {
  if (b.length < 8 || b[0] !== 0x0b || b[1] !== 0x77) return undefined;
  const bsid = (b[5] ?? 0) >> 3;
  if (bsid > 16) return undefined;
  const r = new BitReader(b, 2, 8);
  return bsid <= 10 ? ac3(r, bsid) : eac3(r, bsid);
}

function ac3(r: BitReader, bsid: number): Ac3Syncframe | undefined {
  r.skip(16); // crc1
  const fscod = r.u(2);
  const frmsizecod = r.u(6);
  const base = AC3_RATES[fscod];
  const kbps = AC3_BITRATES[frmsizecod >> 1];
  if (base === undefined || kbps === undefined) return undefined;
  r.skip(5 + 3); // bsid, bsmod
  const acmod = r.u(3);
  if ((acmod & 1) !== 0 && acmod !== 1) r.skip(2); // cmixlev
  if ((acmod & 4) !== 0) r.skip(2); // surmixlev
  if (acmod === 2) r.skip(2); // dsurmod
  const lfe = r.flag();
  if (!r.ok) return undefined;
  // bsid 9 and 10: the same syntax at half and quarter rate (A/52 is bsid <= 8).
  const shift = bsid > 8 ? bsid - 8 : 0;
  const sampleRate = base >> shift;
  // Words per frame (A/52 Table 5.18): 48 kHz 2 per kbit/s, 32 kHz 3, 44.1 kHz the rounded-down
  // 1536-sample duration plus one for odd frmsizecod.
  const words = fscod === 0 ? kbps * 2 : fscod === 2 ? kbps * 3 : Math.floor((kbps * 1000 * 1536) / 44100 / 16) + (frmsizecod & 1);
  return result('ac3', bsid, sampleRate, acmod, lfe, words * 2, kbps >> shift);
}

function eac3(r: BitReader, bsid: number): Ac3Syncframe | undefined {
  r.skip(2 + 3); // strmtyp, substreamid
  const frmsiz = r.u(11);
  const fscod = r.u(2);
  let sampleRate: number | undefined;
  let blocks = 6;
  if (fscod === 3) {
    sampleRate = EAC3_HALF_RATES[r.u(2)];
  } else {
    sampleRate = AC3_RATES[fscod];
    blocks = EAC3_BLOCKS[r.u(2)] ?? 6;
  }
  const acmod = r.u(3);
  const lfe = r.flag();
  if (!r.ok || sampleRate === undefined) return undefined;
  const frameBytes = (frmsiz + 1) * 2;
  const kbps = Math.round((frameBytes * 8 * sampleRate) / (blocks * 256) / 1000);
  return result('eac3', bsid, sampleRate, acmod, lfe, frameBytes, kbps);
}

function result(codec: 'ac3' | 'eac3', bsid: number, sampleRate: number, acmod: number, lfe: boolean, frameBytes: number, bitrateKbps: number): Ac3Syncframe {
  const full = FULL_CHANNELS[acmod] ?? 2;
  const channelLayout = `${LAYOUTS[acmod] ?? '?'}${lfe ? '.1' : ''}`;
  return { codec, bsid, sampleRate, acmod, lfe, channels: full + (lfe ? 1 : 0), channelLayout, frameBytes, bitrateKbps };
}
