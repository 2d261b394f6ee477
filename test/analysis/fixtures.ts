/**
 * Real codec configuration bytes (copied from test/media/config.test.ts, which documents how they
 * were made with Debian 12's ffmpeg 5.1 / libx264 / libx265 / libaom), for media streams in
 * analysis tests.
 */
import { hex } from '../builders/media-writer.js';

/** ffmpeg testsrc 320x240 15 fps, libx264 High: the whole legacy AVC sequence header payload. */
export const X264_320_SEQUENCE_HEADER = hex('17000000000164000cffe100196764000cacd94141fb0110000003001000000301e0f142996001000668ebe3cb22c0fdf8f800');
/** 1920x1080 Main, 30000/1001: the whole legacy AVC sequence header payload. */
export const X264_1080_SEQUENCE_HEADER = hex('1700000000014d4028ffe10018674d4028eca03c0113f2e022000007d20001d4c01e30632c01000568ebe3cb20');
/** AAC LC 44.1 kHz stereo AudioSpecificConfig (with an explicit SBR-absent extension). */
export const AAC_LC_ASC = hex('121056e500');
/** libx265 320x240 hvcC record (3 arrays). */
export const HVCC_320 = hex(
  '0101600000009000000000003cf000fcfdf8f800000f03200001001840010c01ffff01600000030090000003000003003c959809' + '210001002a42010101600000030090000003000003003ca00a080f165959a4932bc05a020000030002000003001e102200010007' + '4401c172b46240',
);
/** libaom-av1 320x240 av1C record. */
export const AV1C_AOM = hex('81000c000a0b000000043cffbcdaf90040');
