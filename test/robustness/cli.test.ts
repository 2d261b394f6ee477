/**
 * Unusable and damaged capture files at the command line (the built binary, as a user runs it).
 * test/cli covers a missing path, a directory, an empty file, a text file and an image; these are
 * the cases it does not: corrupt pcapng block lengths, a 2 GiB pcap record length, and the other
 * files that are not captures (compressed, too short, a wrong byte-order magic, the modified pcap
 * format). Each either ends with exactly one line on stderr naming the file and what would work
 * (exit 1, nothing on stdout, no stack trace), or decodes what precedes the damage and reports it
 * as a diagnostic (exit 0, nothing on stderr) — never a crash, never a hang.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CLI, readCapture } from './helpers.js';

const tmp = mkdtempSync(join(tmpdir(), 'rtmpscope-robust-'));

function run(args: string[], input?: Uint8Array) {
  const r = spawnSync(process.execPath, [CLI, ...args], { input, encoding: 'utf8', maxBuffer: 1 << 28, timeout: 20_000, env: { ...process.env, NO_COLOR: '1' } });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr, signal: r.signal };
}

function file(name: string, bytes: Uint8Array): string {
  const p = join(tmp, name);
  writeFileSync(p, bytes);
  return p;
}

/** exit 1, one stderr line that names the file and matches `re`, no stack trace, empty stdout. */
function assertOneLine(r: ReturnType<typeof run>, path: string, re: RegExp): void {
  assert.equal(r.signal, null, 'not killed');
  assert.equal(r.status, 1, r.stderr);
  const lines = r.stderr.trimEnd().split('\n');
  assert.equal(lines.length, 1, r.stderr);
  assert.ok(lines[0]?.startsWith(`rtmpscope: ${path}: `), lines[0]);
  assert.match(lines[0] ?? '', re);
  assert.doesNotMatch(r.stderr, /\bat .*\.js:\d+|internal error/);
  assert.equal(r.stdout, '');
}

type Line = { type: string; code?: string; frame?: number; frames?: number; session?: number; part?: string };

/** exit 0, empty stderr, stdout is NDJSON ending with the capture summary. */
function assertDecoded(r: ReturnType<typeof run>): Line[] {
  assert.equal(r.signal, null, 'not killed');
  assert.equal(r.status, 0, r.stderr);
  assert.equal(r.stderr, '');
  const lines = r.stdout
    .trimEnd()
    .split('\n')
    .map((l) => JSON.parse(l) as Line);
  assert.equal(lines.at(-1)?.type, 'capture');
  return lines;
}

const PCAPNG = readCapture('ffmpeg-nginx-publish.pcapng');
const PCAP = readCapture('ffmpeg-nginx-publish-play.pcap');

/** File offsets of the pcapng's blocks (little-endian, as dumpcap wrote it). */
function blocks(b: Uint8Array): number[] {
  const v = new DataView(b.buffer, b.byteOffset, b.byteLength);
  const out: number[] = [];
  for (let p = 0; p + 8 <= b.length; p += v.getUint32(p + 4, true)) out.push(p);
  return out;
}

function patchU32(b: Uint8Array, at: number, value: number, littleEndian = true): Uint8Array {
  const c = b.slice();
  new DataView(c.buffer).setUint32(at, value >>> 0, littleEndian);
  return c;
}

test('pcapng whose section header block has a corrupt length: one line, exit 1, for export and summary', () => {
  for (const len of [0x7ffffffd, 0xffffffff, 7]) {
    const p = file(`shb-${len}.pcapng`, patchU32(PCAPNG, 4, len));
    assertOneLine(run(['export', p]), p, /not a readable pcapng capture \(first block length \d+ is impossible\)/);
    if (len === 7) assertOneLine(run(['summary', p]), p, /not a readable pcapng capture/);
  }
  // A first block whose trailing length disagrees: also not readable.
  const shbLen = new DataView(PCAPNG.buffer).getUint32(4, true);
  const p = file('shb-trailing.pcapng', patchU32(PCAPNG, shbLen - 4, shbLen + 4));
  assertOneLine(run(['export', p]), p, /not a readable pcapng capture \(the first section header block is damaged\)/);
});

test('pcapng with a corrupt block length mid-file: frames before it decoded, the damage a diagnostic', () => {
  const at = blocks(PCAPNG)[20] as number; // the 19th packet block
  const blockLen = new DataView(PCAPNG.buffer).getUint32(at + 4, true);
  const cases: [string, Uint8Array, string][] = [
    ['impossible length', patchU32(PCAPNG, at + 4, 0x7ffffffd), 'capture.pcapng.bad-block'],
    ['length not a multiple of 4', patchU32(PCAPNG, at + 4, blockLen + 1), 'capture.pcapng.bad-block'],
    ['2^32−4 bytes', patchU32(PCAPNG, at + 4, 0xfffffffc), 'capture.record-too-large'],
    ['trailing length differs', patchU32(PCAPNG, at + blockLen - 4, blockLen + 8), 'capture.pcapng.bad-block'],
  ];
  for (const [name, bytes, code] of cases) {
    const lines = assertDecoded(run(['export', file(`mid-${code}-${bytes.length}-${name.length}.pcapng`, bytes)]));
    const d = lines.filter((l) => l.type === 'diagnostic' && l.code?.startsWith('capture.'));
    assert.deepEqual(
      d.map((l) => [l.code, l.frame]),
      [[code, 19]],
      name,
    );
    assert.equal(lines.at(-1)?.frames, 18, name);
    // The RTMP handshake (frames 4–17) was decoded, and the session was closed at the damage.
    assert.equal(lines.filter((l) => l.type === 'handshake').length, 6, name);
    assert.equal(lines.filter((l) => l.type === 'session').length, 1, name);
  }
});

test('pcap record claiming 2 GiB (0x80000000): a diagnostic, the frames before it decoded, from a file and from stdin', () => {
  const recs: number[] = [];
  const v = new DataView(PCAP.buffer);
  for (let p = 24; p < PCAP.length; p += 16 + v.getUint32(p + 8, true)) recs.push(p);
  for (const frame of [1, 100]) {
    const at = recs[frame - 1] as number;
    const bytes = patchU32(PCAP, at + 8, 0x80000000);
    const p = file(`rec-${frame}.pcap`, bytes);
    const t0 = performance.now();
    for (const r of [run(['export', p]), run(['export', '-'], bytes)]) {
      const lines = assertDecoded(r);
      const d = lines.filter((l) => l.type === 'diagnostic' && l.code?.startsWith('capture.'));
      assert.deepEqual(
        d.map((l) => [l.code, l.frame]),
        [['capture.record-too-large', frame]],
      );
      assert.equal(lines.at(-1)?.frames, frame - 1);
      assert.equal(lines.filter((l) => l.type === 'message').length > 0, frame > 1);
    }
    // The summary command reads it the same way.
    const s = run(['summary', p]);
    assert.equal(s.status, 0, s.stderr);
    assert.match(s.stdout, /capture\.record-too-large/);
    assert.ok(performance.now() - t0 < 15_000, 'bounded time');
  }
});

test('other files that are not captures: one line naming the file and what would work', () => {
  const cases: [string, Uint8Array, RegExp][] = [
    ['capture.pcap.gz', Uint8Array.of(0x1f, 0x8b, 0x08, 0x00, 0, 0, 0, 0, 0, 3), /gzip-compressed\); decompress it first/],
    ['capture.pcap.zst', Uint8Array.of(0x28, 0xb5, 0x2f, 0xfd, 0x24, 0, 0, 0), /zstd-compressed\); decompress it first/],
    ['kuznetzov.pcap', patchU32(PCAP.subarray(0, 200), 0, 0xa1b2cd34), /modified \(Kuznetzov\) pcap .*editcap -F pcap/],
    ['short.pcap', PCAP.subarray(0, 10), /file too short to be a pcap capture \(10 bytes/],
    ['three-bytes.pcap', PCAP.subarray(0, 3), /file too short to be a capture \(3 bytes\); rtmpscope reads pcap and pcapng/],
    ['bad-magic.pcapng', patchU32(PCAPNG, 8, 0x12345678), /section header byte-order magic is 12345678, expected 1a2b3c4d/],
    ['short.pcapng', PCAPNG.subarray(0, 20), /file too short to be a pcapng capture/],
    ['elf', Uint8Array.of(0x7f, 0x45, 0x4c, 0x46, 2, 1, 1, 0), /not a pcap or pcapng capture \(starts with bytes 7f 45 4c 46\); rtmpscope reads pcap and pcapng files/],
  ];
  for (const [name, bytes, re] of cases) {
    const p = file(name, bytes);
    assertOneLine(run(['export', p]), p, re);
  }
  // From standard input the name is '-'.
  assertOneLine(run(['export', '-'], Uint8Array.of(0x1f, 0x8b, 8, 0)), '-', /decompress it first/);
});
