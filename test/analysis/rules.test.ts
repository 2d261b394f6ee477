/**
 * One test per analysis rule (the table in rule-rows.ts): the row's code must appear, with its
 * catalogue severity and the locator of the message at fault. Clean conversations (FFmpeg-like
 * publish and rtmpdump-like play against nginx-like answers) produce no analysis diagnostic.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { CATALOGUE } from '../../src/core/diagnostics.js';
import { aacRaw, avcNalu, exVideo } from '../builders/media-writer.js';
import { HVCC_320 } from './fixtures.js';
import { RULE_ROWS } from './rule-rows.js';
import { Rtmp, analysePcap, filler, mergedPcap, type Analysed } from './script.js';
import { etsOmitted } from '../catalogue/inputs.js';
import type { SessionRecord } from '../../src/records/index.js';

const sessionRecord = (a: Analysed): SessionRecord => {
  const r = a.records.find((x): x is SessionRecord => x.type === 'session');
  assert.ok(r !== undefined, 'a session record');
  return r;
};

const key = (ts: number, bytes = 2000) => avcNalu(filler(bytes, ts), { key: true });
const inter = (ts: number, bytes = 500) => avcNalu(filler(bytes, ts), { key: false });
const aac = (ts: number) => aacRaw(filler(180, ts));
const hevcConfig = exVideo({ packetType: 0, fourCc: 'hvc1', body: HVCC_320 });
const hevcFrame = (ts: number, isKey: boolean) => exVideo({ packetType: 1, frameType: isKey ? 1 : 2, fourCc: 'hvc1', body: filler(800, ts) });

describe('analysis rules: each row produces its code', () => {
  for (const row of RULE_ROWS) {
    test(`${row.code}: ${row.name}`, () => {
      const a = row.run();
      const d = a.analysis.find((x) => x.code === row.code);
      assert.ok(d !== undefined, `${row.code} not produced; got ${[...a.codes].join(', ') || 'nothing'}`);
      assert.equal(d.severity, CATALOGUE[row.code].severity);
      assert.equal(d.type, 'diagnostic');
      assert.ok(d.session !== null && d.session >= 1);
      assert.ok(d.message.length > 0);
      if (row.code !== 'stream.video.keyframe-interval' || d.frame !== undefined) {
        assert.ok(d.frame !== undefined && d.frame >= 1, 'located at a frame');
        assert.ok(d.dir === 'c2s' || d.dir === 's2c', 'located in a direction');
        assert.ok(typeof d.offset === 'number' && typeof d.time === 'number', 'with offset and time');
      }
      row.check?.(a, d);
    });
  }
});

describe('analysis rules: clean conversations are quiet', () => {
  test('FFmpeg-like publish to an nginx-like server: no analysis diagnostics, full facts', () => {
    const a = new Rtmp().publishPreamble('cam').av(3).analyse();
    assert.deepEqual(
      a.analysis.map((d) => d.code),
      [],
    );
    const f = a.facts();
    assert.equal(f.role, 'publish');
    assert.equal(f.app, 'live');
    assert.deepEqual(f.streamNames, ['cam']);
    assert.equal(f.connect.outcome, 'success');
    assert.equal(f.connect.latencyMs, 40);
    assert.equal(f.streamIds['1']?.outcome, 'started');
    assert.deepEqual(
      f.streamIds['1']?.steps.map((s) => s.step),
      ['connect', 'connect-result', 'releaseStream', 'FCPublish', 'createStream', 'createStream-result', 'publish', 'Publish.Start', 'metadata', 'video-config', 'audio-config', 'first-video', 'first-keyframe', 'first-audio'],
    );
    assert.deepEqual({ count: f.transactions.count, answered: f.transactions.answered, unanswered: f.transactions.unanswered }, { count: 4, answered: 4, unanswered: 0 });
    assert.equal(f.flowControl.windowAckSize.s2c, 5_000_000);
    assert.deepEqual(f.flowControl.peerBandwidth.s2c, { windowSize: 5_000_000, limitType: 2, limitTypeName: 'dynamic' });
    assert.deepEqual(f.chunkLayer.chunkSizes, { c2s: [4096], s2c: [4096] });
    assert.equal(f.startSeen, true);
    const s = a.streams[0];
    assert.equal(a.streams.length, 1);
    assert.equal(s?.video?.width, 320);
    assert.equal(s?.video?.fps.config, 15);
    assert.equal(s?.video?.fps.measured, 15);
    assert.equal(s?.video?.keyframes, 3);
    assert.equal(s?.audio?.sampleRate, 44100);
    assert.equal(s?.audio?.channels, 2);
    assert.deepEqual(JSON.parse(JSON.stringify(s)), s, 'stream records are plain JSON');
    assert.deepEqual(JSON.parse(JSON.stringify(f)), f, 'facts are plain JSON');
  });

  test('rtmpdump-like play from an nginx-like server: no analysis diagnostics', () => {
    const a = new Rtmp().playPreamble('cam').av(3, { dir: 's2c' }).cmd('c2s', 'deleteStream', 4, null, [1]).analyse();
    assert.deepEqual(
      a.analysis.map((d) => d.code),
      [],
    );
    const f = a.facts();
    assert.equal(f.role, 'play');
    assert.equal(f.streamIds['1']?.outcome, 'started');
    assert.equal(a.streams[0]?.dir, 's2c');
    assert.equal(a.streams[0]?.metadata?.['width'], 320);
  });

  test('repeated extended timestamps (the spec convention) are not reported', () => {
    const a = new Rtmp().publishPreamble().av(1, { from: 0x1000000, videoBytes: 3000 }).analyse();
    assert.ok(!a.codes.has('rtmp.chunk.ets-omitted'));
    assert.equal(sessionRecord(a).type3ExtendedTimestamp.c2s, 'repeated');
  });

  test('omitted extended timestamps (old librtmp) are reported once, by the chunk decoder', () => {
    const a = etsOmitted();
    const ds = a.diagnostics.filter((x) => x.code === 'rtmp.chunk.ets-omitted');
    assert.equal(ds.length, 1);
    const d = ds[0]!;
    assert.equal(d.severity, CATALOGUE['rtmp.chunk.ets-omitted'].severity);
    assert.ok(d.session !== null && d.session >= 1);
    assert.ok(d.message.length > 0);
    assert.ok(d.frame !== undefined && d.frame >= 1, 'located at a frame');
    assert.equal(d.dir, 'c2s');
    assert.ok(typeof d.offset === 'number', 'with an offset');
    assert.equal(sessionRecord(a).type3ExtendedTimestamp.c2s, 'omitted');
  });

  test('the 32-bit timestamp wrap is not a regression', () => {
    const a = new Rtmp().publishPreamble().video(0xfffffc00, key(1)).audio(0xfffffc00, aac(1)).video(0xffffffbe, inter(2)).audio(0xffffffe0, aac(2)).video(60, inter(3)).audio(30, aac(3)).analyse();
    for (const c of ['stream.timestamp.regression', 'stream.timestamp.jump', 'stream.av-drift']) assert.ok(!a.codes.has(c), c);
    assert.equal(a.streams[0]?.video?.lastTimestamp, 2 ** 32 + 60);
  });

  test('acknowledgements at every window are honoured', () => {
    const s = new Rtmp().windowAckSize('c2s', 5000).publishPreamble();
    for (let i = 0; i < 10; i++) s.av(0.2, { from: i * 200 }).ack('s2c', (i + 1) * 5000);
    const a = s.analyse();
    assert.ok(!a.codes.has('session.flow.ack-missing'));
    assert.equal(a.facts().flowControl.acknowledgements.c2s.honoured, true);
    assert.equal(a.facts().flowControl.acknowledgements.c2s.count, 10);
  });

  test('E-RTMP negotiated both ways is quiet', () => {
    const a = new Rtmp()
      .publishPreamble('cam', { sequenceHeaders: false, metadata: { videocodecid: 0x68766331, width: 320, height: 240 }, connect: { fourCcList: ['hvc1'], capsEx: 15 } })
      .video(0, hevcConfig)
      .video(0, hevcFrame(0, true))
      .analyse();
    // the server's _result in the preamble has no E-RTMP fields: answered here with one that has.
    assert.ok(a.codes.has('stream.ertmp.server-not-enhanced'));
    const b = new Rtmp()
      .connect({ fourCcList: ['hvc1'], capsEx: 15 })
      .connectResult(1, { fourCcList: ['hvc1', 'av01'], capsEx: 1 })
      .createStream(2)
      .createStreamResult(2, 1)
      .publish(3, 1, 'cam', 'live')
      .onStatus(1, 'status', 'NetStream.Publish.Start')
      .setDataFrame(1, { videocodecid: 0x68766331, width: 320, height: 240 })
      .video(0, hevcConfig)
      .video(0, hevcFrame(0, true))
      .video(66, hevcFrame(66, false))
      .analyse();
    assert.deepEqual(
      b.analysis.map((d) => d.code),
      [],
    );
    assert.deepEqual(b.facts().enhanced.server, { fourCcList: ['hvc1', 'av01'], capsEx: 1, fourCcInfoMap: false });
    assert.equal(b.facts().enhanced.capsEx, 15);
    assert.equal(b.streams[0]?.video?.fourCc, 'hvc1');
    assert.equal(b.streams[0]?.video?.width, 320);
  });

  test('a capture that starts mid-session skips the order checks', () => {
    const a = new Rtmp({ midSession: true }).avcConfig(0).aacConfig(0).video(0, inter(0)).av(2, { from: 66 }).analyse();
    for (const c of ['session.connect.missing', 'session.publish.media-before-publish', 'stream.video.first-frame-not-key', 'session.publish.no-metadata']) assert.ok(!a.codes.has(c), c);
    assert.equal(a.facts().startSeen, false);
  });

  test('media the capture lost is not blamed on the peer', () => {
    const drop = Array.from({ length: 150 }, (_, i) => 60 + i); // about 3 s of media
    const a = new Rtmp({ mss: 500, drop }).publishPreamble().av(8).analyse();
    assert.ok(a.codes.has('tcp.gap'));
    for (const c of ['stream.timestamp.jump', 'stream.timestamp.regression', 'stream.av-drift', 'stream.video.keyframe-interval', 'session.transaction.unanswered', 'session.publish.no-start']) {
      assert.ok(!a.codes.has(c), c);
    }
    const s = a.streams.find((x) => x.role === 'publish');
    assert.ok(s?.video != null && s.video.frames < 120, 'frames were lost');
    assert.ok(s.video.timestampJumps > 0 && (s.avDriftMs ?? 0) > 1000, 'the stats still show the hole');
  });

  test('a publish that ended before the second one started is not a duplicate', () => {
    const first = new Rtmp({ client: { ip: '10.0.0.1', port: 50000 } }).publishPreamble('cam').av(1);
    const second = new Rtmp({ client: { ip: '10.0.0.3', port: 50001 }, start: 1_700_000_005 }).publishPreamble('cam').av(1);
    const a = analysePcap(mergedPcap(first, second));
    assert.ok(!a.codes.has('session.publish.duplicate'));
  });

  test('a republish on the same stream id starts a new stream record', () => {
    const a = new Rtmp()
      .publishPreamble('one')
      .av(1)
      .cmd('c2s', 'FCUnpublish', 6, null, ['one'])
      .publish(7, 1, 'two', 'live')
      .onStatus(1, 'status', 'NetStream.Publish.Start')
      .setDataFrame(1, { width: 320, height: 240 })
      .avcConfig(0)
      .aacConfig(0)
      .av(1)
      .analyse();
    assert.deepEqual(
      a.streams.map((s) => s.name),
      ['one', 'two'],
    );
    assert.deepEqual(a.facts().streamNames, ['one', 'two']);
    assert.ok(!a.codes.has('stream.timestamp.regression'), 'the new publish restarts the timestamps');
  });
});

describe('analysis: defects seen on third-party captures', () => {
  test('FMS/Akamai onBWCheck sent twice with one id, answered twice with _error: paired in order, not an error of the session', () => {
    const a = new Rtmp()
      .connect()
      .connectResult()
      .cmd('s2c', 'onBWCheck', 5, null, [])
      .cmd('s2c', 'onBWCheck', 5, null, [])
      .wait(10)
      .error(5, 'NetConnection.Call.Failed', 'Method not found (onBWCheck).', 'c2s')
      .wait(10)
      .error(5, 'NetConnection.Call.Failed', 'Method not found (onBWCheck).', 'c2s')
      .analyse();
    const codes = a.analysis.map((d) => d.code);
    for (const bad of ['session.transaction.unmatched-reply', 'session.transaction.duplicate-id', 'session.transaction.error']) assert.ok(!codes.includes(bad), `${bad} in ${codes.join()}`);
    const t = a.facts().transactions;
    assert.equal(t.errors, 0);
    assert.equal(t.unanswered, 0);
    assert.deepEqual(
      t.calls.filter((c) => c.name === 'onBWCheck').map((c) => c.reply),
      ['_error', '_error'],
    );
  });

  test('a reused transaction id: replies pair with the calls in order (the first reply answers the first call)', () => {
    const a = new Rtmp()
      .connect()
      .connectResult()
      .cmd('c2s', 'releaseStream', 2, null, ['a'])
      .cmd('c2s', 'FCPublish', 2, null, ['a'])
      .wait(5)
      .cmd('s2c', '_result', 2, null, [])
      .wait(5)
      .error(2, 'NetConnection.Call.Failed', 'Method not found (FCPublish).')
      .analyse();
    const codes = a.analysis.map((d) => d.code);
    assert.ok(codes.includes('session.transaction.duplicate-id'), 'the reuse itself is still reported');
    assert.ok(!codes.includes('session.transaction.unmatched-reply'));
    const calls = a.facts().transactions.calls;
    assert.equal(calls.find((c) => c.name === 'releaseStream')?.reply, '_result');
    assert.equal(calls.find((c) => c.name === 'FCPublish')?.reply, '_error');
  });

  test('acknowledgements within the bytes received are not flagged', () => {
    const a = new Rtmp().windowAckSize('c2s', 2500).publishPreamble().av(1).ack('s2c', 3000).analyse();
    assert.ok(!a.analysis.some((d) => d.code === 'session.flow.ack-beyond-received'));
  });

  test('max bitrate is the busiest sliding 1-s window, not the busiest calendar second, and never below the average', () => {
    // 100-byte frames every 100 ms for 3 s, and two 5000-byte keyframes at 700 and 1300 ms: no
    // calendar second holds both, the window (300, 1300] does.
    let r = new Rtmp().publishPreamble();
    for (let ts = 0; ts < 3000; ts += 100) r = r.video(ts, ts === 700 || ts === 1300 ? key(ts, 5000) : inter(ts, 100));
    const v = r.analyse().streams.find((s) => s.role === 'publish')?.video;
    assert.ok(v != null && v.bitrateKbps !== undefined);
    assert.ok(v.bitrateKbps.max !== null && v.bitrateKbps.avg !== null);
    assert.ok(v.bitrateKbps.max >= v.bitrateKbps.avg);
    // The window holds both keyframes: more than 2 x 5000 bytes = 80 kbit in one second.
    assert.ok(v.bitrateKbps.max > 80, `max ${v.bitrateKbps.max}`);
  });
});
