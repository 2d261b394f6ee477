/**
 * `--target` on real captures, over every transport a published stream can arrive by (issue #17):
 * plain RTMP, RTMPT (the tunnel tracker's sessions), RTMFP (the shared captures, when present),
 * RTMPS (decrypted with its key log); the 10-second-GOP High 4:4:4 publish against YouTube; the
 * RTMPS-required rule (Facebook) on an RTMPS publish and on a plain one.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { analyzeEvents, captureEvents } from '../builders/cut-sweep.js';
import { rtmfpDataDir } from '../rtmfp/shared.js';
import type { IngestTarget } from '../../src/targets/ingest.js';
import type { DiagnosticRecord, OutputRecord, SessionRecord, StreamRecord } from '../../src/records/index.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
const CAPTURES = join(root, 'captures');

function analyse(file: string, target: IngestTarget | undefined, keylog?: string): OutputRecord[] {
  const keylogs = keylog === undefined ? [] : [readFileSync(keylog, 'utf8')];
  return analyzeEvents(captureEvents(new Uint8Array(readFileSync(file))), { ...(target === undefined ? {} : { target }), keylogs });
}

const sessions = (recs: readonly OutputRecord[]) => recs.filter((r): r is SessionRecord => r.type === 'session');
const streams = (recs: readonly OutputRecord[]) => recs.filter((r): r is StreamRecord => r.type === 'stream');
const diags = (recs: readonly OutputRecord[]) => recs.filter((r): r is DiagnosticRecord => r.type === 'diagnostic');

/** The target.* codes of each session of a transport that published a stream, by session number. */
function targetCodes(recs: readonly OutputRecord[], transport: SessionRecord['transport']): Map<number, string[]> {
  const publishing = new Set(
    streams(recs)
      .filter((s) => s.role === 'publish')
      .map((s) => s.session),
  );
  const out = new Map<number, string[]>();
  for (const s of sessions(recs)) if (s.transport === transport && publishing.has(s.session)) out.set(s.session, []);
  for (const d of diags(recs)) if (d.session !== null && d.code.startsWith('target.')) out.get(d.session)?.push(d.code);
  return out;
}

test('targets: RTMPT tunnel sessions are checked (ffmpeg publishing through the RTMPT gateway)', () => {
  const file = join(CAPTURES, 'ffmpeg-rtmpdump-rtmpt.pcap');
  const recs = analyse(file, 'youtube');
  const tunnel = targetCodes(recs, 'rtmpt');
  assert.equal(tunnel.size, 1, 'one tunnelled publish');
  // 160x120 at ~46 kbit/s: far below the 3-8 Mbit/s YouTube documents for up to 720p30.
  assert.deepEqual([...tunnel.values()][0], ['target.video.bitrate']);
  // The gateway's plain RTMP leg carries the same stream and gets the same finding.
  assert.deepEqual([...targetCodes(recs, 'rtmp').values()], [['target.video.bitrate']]);
  // Twitch documents no minimum bitrate, but 44.1 or 48 kHz audio: this AAC is 22.05 kHz.
  assert.deepEqual([...targetCodes(analyse(file, 'twitch'), 'rtmpt').values()], [['target.audio']]);
  // Without a target, nothing.
  assert.deepEqual([...targetCodes(analyse(file, undefined), 'rtmpt').values()], [[]]);
  // The tunnel's played stream is never checked.
  const played = streams(recs)
    .filter((s) => s.role === 'play')
    .map((s) => s.session);
  assert.ok(played.length > 0);
  assert.ok(!diags(recs).some((d) => d.code.startsWith('target.') && played.includes(d.session ?? -1)));
});

const rtmfp = rtmfpDataDir(root);
test('targets: RTMFP sessions are checked (shared rtmfp-tc-publish capture)', { skip: rtmfp === null ? 'shared RTMFP captures not found' : false }, () => {
  const file = join(rtmfp!, 'rtmfp-tc-publish.pcap');
  const keylog = join(rtmfp!, 'rtmfp-tc-publish.keylog.txt');
  // tcpublish's FLV has 22.05 kHz AAC: Twitch documents 44.1 or 48 kHz.
  const recs = analyse(file, 'twitch', keylog);
  assert.deepEqual([...targetCodes(recs, 'rtmfp').values()], [['target.audio']]);
  const d = diags(recs).find((x) => x.code === 'target.audio')!;
  assert.match(d.message, /22050 Hz/);
  // Without a target: no target.* at all.
  assert.deepEqual([...targetCodes(analyse(file, undefined, keylog), 'rtmfp').values()], [[]]);
});

test('targets: the 10-second-GOP High 4:4:4 publish against YouTube (ffmpeg-nginx-high444-gop10.pcap)', () => {
  const recs = analyse(join(CAPTURES, 'ffmpeg-nginx-high444-gop10.pcap'), 'youtube');
  const [s] = streams(recs).filter((x) => x.role === 'publish');
  assert.equal(s?.video?.profile, 'High 4:4:4 Predictive');
  assert.equal(s?.video?.keyframes, 1, 'one keyframe in the 5 s capture: -g 300 at 30 fps');
  const found = diags(recs).filter((d) => d.code.startsWith('target.'));
  const codec = found.find((d) => d.code === 'target.video.codec');
  assert.ok(codec !== undefined, 'High 4:4:4 rejected');
  assert.equal(codec.severity, 'error');
  assert.match(codec.message, /4:4:4 chroma/);
  assert.match(codec.message, /-pix_fmt yuv420p/);
  const kf = found.find((d) => d.code === 'target.video.keyframe-interval');
  assert.ok(kf !== undefined, 'a 10 s GOP breaks the 4 s limit even when the capture shows only the first 5 s of it');
  assert.match(kf.message, /no second keyframe came/);
  assert.match(kf.message, /-g 120 at 30 fps/);
  assert.equal(kf.context?.['limitMs'], 4000);
  assert.ok(Number(kf.context?.['intervalMs']) > 4200);
  // Audio is AAC-LC: no audio finding; no RTMPS rule for YouTube.
  assert.ok(!found.some((d) => d.code === 'target.audio' || d.code === 'target.transport'));
  // Without a target only the format note (info) remains.
  const plain = diags(analyse(join(CAPTURES, 'ffmpeg-nginx-high444-gop10.pcap'), undefined));
  assert.ok(!plain.some((d) => d.code.startsWith('target.')));
  assert.equal(plain.find((d) => d.code === 'stream.video.uncommon-format')?.severity, 'info');
});

test('targets: Facebook requires RTMPS — a decrypted RTMPS publish passes the rule, a plain RTMP publish does not', () => {
  const tls = join(CAPTURES, 'ffmpeg-nginx-rtmps12.pcap');
  assert.ok(existsSync(`${tls}.keylog`));
  const secure = analyse(tls, 'facebook', `${tls}.keylog`);
  const rtmps = targetCodes(secure, 'rtmps');
  assert.equal(rtmps.size, 1, 'the RTMPS publish is decrypted and checked');
  assert.ok(![...rtmps.values()][0]!.includes('target.transport'));
  const plain = analyse(join(CAPTURES, 'ffmpeg-nginx-publish.pcapng'), 'facebook');
  const t = diags(plain).find((d) => d.code === 'target.transport');
  assert.ok(t !== undefined);
  assert.match(t.message, /Facebook requires RTMPS; this publish connected with rtmp:\/\//);
  // The rule is Facebook's only: the same publish against the generic target raises no transport finding.
  assert.ok(!diags(analyse(join(CAPTURES, 'ffmpeg-nginx-publish.pcapng'), 'generic')).some((d) => d.code === 'target.transport'));
});
