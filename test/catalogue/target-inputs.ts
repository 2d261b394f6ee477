/**
 * Inputs for the ingest-target codes (--target, src/targets/ingest.ts) and the codec-format check
 * that runs without a target: the committed High 4:4:4 capture (a real libx264 publish) and a
 * scripted publish without audio on plain RTMP.
 */
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Rtmp, analysePcap } from '../analysis/script.js';
import type { Input } from './inputs.js';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
export const HIGH444 = join(ROOT, 'captures', 'ffmpeg-nginx-high444-gop10.pcap');

export const TARGET_INPUTS: readonly Input[] = [
  { name: 'libx264 High 4:4:4 Predictive (real capture), no target', codes: ['stream.video.uncommon-format'], run: () => analysePcap(readFileSync(HIGH444)) },
  {
    name: 'libx264 High 4:4:4, one keyframe in 5 s, 115 kbit/s (real capture) against YouTube',
    codes: ['target.video.codec', 'target.video.keyframe-interval', 'target.video.bitrate'],
    run: () => analysePcap(readFileSync(HIGH444), { target: 'youtube' }),
  },
  {
    name: 'video without audio over plain rtmp:// against Facebook',
    codes: ['target.audio', 'target.transport'],
    run: () => new Rtmp().publishPreamble('cam', { sequenceHeaders: false }).avcConfig(0).av(1, { audio: false }).analyse({ target: 'facebook' }),
  },
];
