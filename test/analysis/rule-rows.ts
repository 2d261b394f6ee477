/**
 * The analysis rules as a table: each row a scripted conversation (test/analysis/script.ts) run
 * through the real pipeline and SessionAnalysis/CaptureAnalysis, and the code it must produce.
 * Used by test/analysis/rules.test.ts (one test per row) and test/catalogue/coverage.test.ts
 * (every catalogue code produced by some input).
 */
import assert from 'node:assert/strict';
import type { CATALOGUE } from '../../src/core/diagnostics.js';
import type { DiagnosticRecord } from '../../src/records/index.js';
import { aacRaw, avcNalu, exVideo, legacyVideo } from '../builders/media-writer.js';
import { HVCC_320, X264_1080_SEQUENCE_HEADER } from './fixtures.js';
import { Rtmp, analysePcap, filler, mergedPcap, type Analysed } from './script.js';

export type Row = {
  readonly code: keyof typeof CATALOGUE;
  readonly name: string;
  readonly run: () => Analysed;
  /** Extra checks on the result. */
  readonly check?: (a: Analysed, d: DiagnosticRecord) => void;
};

const key = (ts: number, bytes = 2000) => avcNalu(filler(bytes, ts), { key: true });
const inter = (ts: number, bytes = 500) => avcNalu(filler(bytes, ts), { key: false });
const aac = (ts: number) => aacRaw(filler(180, ts));
const hevcConfig = exVideo({ packetType: 0, fourCc: 'hvc1', body: HVCC_320 });
const hevcFrame = (ts: number, isKey: boolean) => exVideo({ packetType: 1, frameType: isKey ? 1 : 2, fourCc: 'hvc1', body: filler(800, ts) });
/** A publisher of live/cam: HEVC (E-RTMP) and AAC for 1 s, optionally HEVC on track 1 beside it. */
function relayPublisher(o: { track1?: boolean } = {}): Rtmp {
  const r = new Rtmp({ client: { ip: '10.0.0.1', port: 50000 } }).publishPreamble('cam', { sequenceHeaders: false }).aacConfig(0).video(0, hevcConfig);
  const t1 = (packetType: 0 | 1, body: Uint8Array, key: boolean) => exVideo({ packetType, frameType: key ? 1 : 2, fourCc: 'hvc1', multitrack: { type: 0, tracks: [{ trackId: 1, body }] } });
  if (o.track1 === true) r.video(0, t1(0, HVCC_320, true));
  for (let i = 0; i < 15; i++) {
    const ts = i * 66;
    r.at(1 + ts / 1000)
      .video(ts, hevcFrame(ts, i === 0))
      .audio(ts, aac(ts));
    if (o.track1 === true) r.video(ts, t1(1, filler(300, ts), i === 0));
  }
  return r;
}

/** A player of live/cam on the same server, at the same time, getting what the server relays. */
function relayPlayer(o: { video: boolean; videoConfig?: boolean }): Rtmp {
  const r = new Rtmp({ client: { ip: '10.0.0.3', port: 50001 } }).playPreamble('cam', { sequenceHeaders: false }).aacConfig(0, { dir: 's2c' });
  if (o.video && o.videoConfig === true) r.video(0, hevcConfig, { dir: 's2c' });
  for (let i = 0; i < 15; i++) {
    const ts = i * 66;
    r.at(1.01 + ts / 1000).audio(ts, aac(ts), { dir: 's2c' });
    if (o.video) r.video(ts, hevcFrame(ts, i === 0), { dir: 's2c' });
  }
  return r;
}

const ADOBE = '[ AccessManager.Reject ] : [ authmod=adobe ] : ';

export const RULE_ROWS: readonly Row[] = [
  // chunk layer (rtmp.chunk.ets-omitted comes from the chunk decoder: test/catalogue/inputs.ts)
  { code: 'rtmp.chunk.size-small', name: 'Set Chunk Size 64', run: () => new Rtmp().connect().setChunkSize('c2s', 64).connectResult().analyse(), check: (_, d) => assert.equal(d.context?.['chunkSize'], 64) },
  { code: 'rtmp.chunk.size-large', name: 'Set Chunk Size 100000', run: () => new Rtmp().connect().setChunkSize('s2c', 100_000).connectResult().analyse(), check: (_, d) => assert.equal(d.dir, 's2c') },
  { code: 'rtmp.chunk.size-huge', name: 'Set Chunk Size 20 MB', run: () => new Rtmp().connect().setChunkSize('c2s', 20_000_000).analyse(), check: (_, d) => assert.equal(d.severity, 'error') },
  {
    code: 'rtmp.chunk.csid-high',
    name: 'a command on chunk stream 40',
    run: () => new Rtmp().connect().connectResult().cmd('c2s', 'createStream', 2, null, [], { csid: 40 }).createStreamResult(2, 1).analyse(),
    check: (a, d) => {
      assert.equal(d.context?.['csid'], 40);
      assert.equal(a.facts().chunkLayer.maxCsid.c2s, 40);
    },
  },
  { code: 'rtmp.control.wrong-stream', name: 'Window Ack Size on chunk stream 3', run: () => new Rtmp().connect().control('s2c', 5, [0, 0x4c, 0x4b, 0x40], { csid: 3 }).connectResult().analyse() },
  { code: 'rtmp.control.wrong-stream', name: 'User Control on message stream 1', run: () => new Rtmp().playPreamble().control('s2c', 4, [0, 1, 0, 0, 0, 1], { streamId: 1 }).analyse() },
  { code: 'rtmp.chunk.abort', name: 'Abort Message', run: () => new Rtmp().publishPreamble().control('c2s', 2, [0, 0, 0, 6]).analyse(), check: (a) => assert.equal(a.facts().chunkLayer.aborts.c2s, 1) },
  // transactions
  {
    code: 'session.transaction.unanswered',
    name: 'connect without a reply',
    run: () => new Rtmp().connect().analyse(),
    check: (a, d) => {
      assert.equal(a.facts().connect.outcome, 'no-answer');
      assert.equal(d.dir, 'c2s');
    },
  },
  { code: 'session.transaction.unanswered', name: 'createStream without a reply', run: () => new Rtmp().connect().connectResult().createStream(2).analyse() },
  {
    code: 'session.transaction.unanswered-optional',
    name: 'releaseStream and FCPublish unanswered (nginx-rtmp)',
    run: () => new Rtmp().publishPreamble('cam', { answerFmle: false }).av(1).analyse(),
    check: (a, d) => {
      assert.equal(d.severity, 'info');
      assert.equal(d.context?.['calls'], 2);
      assert.equal(a.facts().transactions.unanswered, 2);
    },
  },
  {
    code: 'session.transaction.error',
    name: 'createStream answered with _error',
    run: () => new Rtmp().connect().connectResult().createStream(2).error(2, 'NetConnection.Call.Failed', 'no more streams').analyse(),
    check: (a) => assert.equal(a.facts().transactions.errors, 1),
  },
  {
    code: 'session.transaction.error-ignored',
    name: 'releaseStream answered with _error (FFmpeg ignores it)',
    run: () => new Rtmp().connect().connectResult().cmd('c2s', 'releaseStream', 2, null, ['cam']).error(2, 'NetConnection.Call.Failed', 'Method not found (releaseStream).').analyse(),
    check: (_, d) => assert.equal(d.severity, 'info'),
  },
  { code: 'session.transaction.unmatched-reply', name: '_result for a transaction never called', run: () => new Rtmp().connect().connectResult().createStreamResult(9, 1).analyse() },
  { code: 'session.transaction.unmatched-reply', name: 'a second _result for connect', run: () => new Rtmp().connect().connectResult().connectResult().analyse() },
  { code: 'session.transaction.duplicate-id', name: 'two calls with transaction id 2', run: () => new Rtmp().connect().connectResult().cmd('c2s', 'releaseStream', 2, null, ['a']).cmd('c2s', 'FCPublish', 2, null, ['a']).analyse() },
  {
    code: 'session.transaction.slow-reply',
    name: 'connect answered after 3.5 s',
    run: () => new Rtmp().connect().wait(3500).connectResult().analyse(),
    check: (a) => assert.equal(a.facts().transactions.maxLatencyMs, 3500),
  },
  // connect and authentication
  { code: 'session.connect.missing', name: 'createStream before connect', run: () => new Rtmp().createStream(1).createStreamResult(1, 1).analyse() },
  {
    code: 'session.connect.rejected',
    name: 'connect answered with _error (no such application)',
    run: () => new Rtmp().connect({ app: 'nope' }).error(1, 'NetConnection.Connect.Rejected', '[ Server.Reject ] : (_defaultRoot_, _defaultVHost_) : Application (nope) is not defined.').analyse(),
    check: (a) => {
      assert.equal(a.facts().connect.outcome, 'rejected');
      assert.equal(a.facts().connect.code, 'NetConnection.Connect.Rejected');
    },
  },
  { code: 'session.connect.rejected', name: 'connect refused by an onStatus error', run: () => new Rtmp().connect().onStatus(0, 'error', 'NetConnection.Connect.Rejected', 'banned').analyse() },
  { code: 'session.connect.repeated', name: 'two connects on one connection', run: () => new Rtmp().connect().connectResult().connect({}, 2).analyse() },
  { code: 'session.connect.no-app', name: 'connect with an empty app', run: () => new Rtmp().connect({ app: '' }).connectResult().analyse() },
  {
    code: 'session.connect.reconnect-request',
    name: 'E-RTMP ReconnectRequest',
    run: () =>
      new Rtmp()
        .connect()
        .connectResult()
        .cmd('s2c', 'onStatus', 0, null, [{ level: 'status', code: 'NetConnection.Connect.ReconnectRequest', tcUrl: 'rtmp://other/live' }])
        .analyse(),
    check: (_, d) => assert.equal(d.context?.['tcUrl'], 'rtmp://other/live'),
  },
  {
    code: 'session.connect.reconnect-request',
    name: 'E-RTMP ReconnectRequest with a relative tcUrl, to a client that announced Reconnect',
    run: () =>
      new Rtmp()
        .connect({ tcUrl: 'rtmp://edge1.example:1935/live', capsEx: 1 })
        .connectResult()
        .cmd('s2c', 'onStatus', 0, null, [{ level: 'status', code: 'NetConnection.Connect.ReconnectRequest', tcUrl: '/live?edge=2' }])
        .analyse(),
    check: (_, d) => {
      assert.equal(d.context?.['resolved'], 'rtmp://edge1.example:1935/live?edge=2');
      assert.doesNotMatch(d.message, /did not announce/);
    },
  },
  {
    code: 'session.connect.reconnected',
    name: 'after a ReconnectRequest the client connects again from the same host',
    run: () => {
      const reconnect = { level: 'status', code: 'NetConnection.Connect.ReconnectRequest', tcUrl: 'rtmp://127.0.0.1:1935/live2' };
      const old = new Rtmp({ client: { ip: '10.0.0.1', port: 50000 } }).publishPreamble('cam').av(0.5).cmd('s2c', 'onStatus', 0, null, [reconnect]).av(1, { from: 500 });
      const again = new Rtmp({ client: { ip: '10.0.0.1', port: 50001 }, start: 1_700_000_001 }).connect({ tcUrl: 'rtmp://127.0.0.1:1935/live2', app: 'live2' }).connectResult();
      return analysePcap(mergedPcap(old, again));
    },
    check: (_, d) => assert.equal(d.context?.['tcUrlAsRequested'], true),
  },
  {
    code: 'session.connect.reconnect-ignored',
    name: 'a ReconnectRequest the client does not follow',
    run: () =>
      new Rtmp()
        .publishPreamble('cam')
        .cmd('s2c', 'onStatus', 0, null, [{ level: 'status', code: 'NetConnection.Connect.ReconnectRequest' }])
        .av(1)
        .analyse(),
    check: (_, d) => assert.equal(d.context?.['reaction'], 'closed'),
  },
  {
    code: 'session.auth.required',
    name: 'Adobe auth: need auth',
    run: () => new Rtmp().connect().error(1, 'NetConnection.Connect.Rejected', '[ AccessManager.Reject ] : [ code=403 need auth; authmod=adobe ] : ').analyse(),
    check: (a, d) => {
      assert.equal(d.context?.['authmod'], 'adobe');
      assert.equal(a.facts().connect.outcome, 'auth-required');
      assert.ok(!a.codes.has('session.connect.rejected'));
    },
  },
  {
    code: 'session.auth.challenge',
    name: 'Adobe auth: reason=needauth with salt and challenge',
    run: () => new Rtmp().connect({ app: 'live?authmod=adobe&user=bob' }).error(1, 'NetConnection.Connect.Rejected', `${ADOBE}?reason=needauth&user=bob&salt=Ab12&challenge=Cd34&opaque=Ef56`).analyse(),
    check: (_, d) => assert.equal(d.context?.['reason'], 'needauth'),
  },
  {
    code: 'session.auth.challenge',
    name: 'Limelight auth: reason=needauth with a nonce',
    run: () => new Rtmp().connect({ app: 'live?authmod=llnw&user=bob' }).error(1, 'NetConnection.Connect.Rejected', '[ AccessManager.Reject ] : [ authmod=llnw ] : ?reason=needauth&nonce=123').analyse(),
    check: (_, d) => assert.equal(d.context?.['authmod'], 'llnw'),
  },
  {
    code: 'session.auth.failed',
    name: 'Adobe auth: reason=authfailed',
    run: () => new Rtmp().connect().error(1, 'NetConnection.Connect.Rejected', `${ADOBE}?reason=authfailed&opaque=Ef56`).analyse(),
    check: (a) => assert.equal(a.facts().connect.outcome, 'auth-failed'),
  },
  // message streams
  {
    code: 'session.stream.unknown-id',
    name: 'publish on a stream id no createStream returned',
    run: () => new Rtmp().connect().connectResult().createStream(2).createStreamResult(2, 1).publish(3, 5, 'cam', 'live').analyse(),
    check: (_, d) => assert.equal(d.context?.['streamId'], 5),
  },
  { code: 'session.stream.unknown-id', name: 'play on stream 0', run: () => new Rtmp().connect().connectResult().play(2, 0, 'cam').analyse() },
  { code: 'session.stream.no-name', name: 'publish with an empty name', run: () => new Rtmp().connect().connectResult().createStream(2).createStreamResult(2, 1).publish(3, 1, '', 'live').analyse() },
  { code: 'session.stream.no-name', name: 'play without a name', run: () => new Rtmp().connect().connectResult().createStream(2).createStreamResult(2, 1).cmd('c2s', 'play', 3, null, [], { csid: 8, streamId: 1 }).analyse() },
  {
    code: 'session.stream.data-on-stream-zero',
    name: 'media for the played stream on message stream 0 (node-media-server 4)',
    run: () => new Rtmp().playPreamble('cam', { sequenceHeaders: false }).avcConfig(0, { dir: 's2c', streamId: 0 }).av(2, { dir: 's2c', streamId: 0, audio: false }).analyse(),
    check: (a) => {
      const s = a.streams.find((x) => x.role === 'play');
      assert.equal(s?.streamId, 1);
      assert.equal(s?.video?.frames, 30, 'the media counts for the played stream');
      assert.ok(!a.codes.has('session.play.no-media'));
    },
  },
  // publish flow
  {
    code: 'session.publish.media-before-publish',
    name: 'sequence headers before publish',
    run: () => new Rtmp().connect().connectResult().createStream(2).createStreamResult(2, 1).avcConfig(0).publish(3, 1, 'cam', 'live').onStatus(1, 'status', 'NetStream.Publish.Start').analyse(),
    check: (_, d) => assert.equal(d.context?.['streamId'], 1),
  },
  {
    code: 'session.publish.bad-type',
    name: 'publish type "LIVE"',
    run: () => new Rtmp().connect().connectResult().createStream(2).createStreamResult(2, 1).publish(3, 1, 'cam', 'LIVE').analyse(),
    check: (_, d) => assert.equal(d.context?.['publishType'], 'LIVE'),
  },
  { code: 'session.publish.bad-type', name: 'publish without a type', run: () => new Rtmp().connect().connectResult().createStream(2).createStreamResult(2, 1).publish(3, 1, 'cam').analyse() },
  {
    code: 'session.publish.bad-name',
    name: 'Publish.BadName (name in use)',
    run: () => new Rtmp().connect().connectResult().createStream(2).createStreamResult(2, 1).publish(3, 1, 'cam', 'live').onStatus(1, 'error', 'NetStream.Publish.BadName', 'Already publishing').analyse(),
    check: (a) => assert.equal(a.facts().streamIds['1']?.outcome, 'rejected'),
  },
  { code: 'session.publish.rejected', name: 'Publish.Denied', run: () => new Rtmp().connect().connectResult().createStream(2).createStreamResult(2, 1).publish(3, 1, 'cam', 'live').onStatus(1, 'error', 'NetStream.Publish.Denied', 'bad key').analyse() },
  {
    code: 'session.publish.no-start',
    name: 'publish without any onStatus',
    run: () => new Rtmp().connect().connectResult().createStream(2).createStreamResult(2, 1).publish(3, 1, 'cam', 'live').analyse(),
    check: (a) => assert.equal(a.facts().streamIds['1']?.outcome, 'no-answer'),
  },
  { code: 'session.publish.no-metadata', name: 'media without @setDataFrame', run: () => new Rtmp().publishPreamble('cam', { metadata: null }).av(1).analyse() },
  {
    code: 'session.publish.bare-onmetadata',
    name: 'onMetaData instead of @setDataFrame',
    run: () => new Rtmp().publishPreamble('cam', { metadata: null }).onMetaData(1, { width: 320, height: 240 }, 'c2s').av(1).analyse(),
    check: (a) => {
      assert.ok(!a.codes.has('session.publish.no-metadata'));
      assert.equal(a.streams[0]?.metadata?.['width'], 320);
    },
  },
  {
    code: 'session.publish.duplicate',
    name: 'two publishers of live/cam, both accepted (nginx-rtmp #96)',
    run: () => {
      const a = new Rtmp({ client: { ip: '10.0.0.1', port: 50000 } }).publishPreamble('cam').av(3);
      const b = new Rtmp({ client: { ip: '10.0.0.3', port: 50001 }, start: 1_700_000_001 }).publishPreamble('cam?key=x').av(1);
      return analysePcap(mergedPcap(a, b));
    },
    check: (_, d) => {
      assert.equal(d.session, 2);
      assert.equal(d.context?.['otherSession'], 1);
    },
  },
  // relay: a publisher and a player of live/cam on one server, in one capture
  {
    code: 'session.relay.media-dropped',
    name: 'HEVC published, the player gets audio only (nginx-rtmp 1.2.2)',
    run: () => analysePcap(mergedPcap(relayPublisher(), relayPlayer({ video: false }))),
    check: (_, d) => {
      assert.equal(d.session, 2, "the player's session");
      assert.equal(d.context?.['fourCc'], 'hvc1');
      assert.match(d.message, /does not understand E-RTMP video/);
    },
  },
  {
    code: 'session.relay.no-sequence-header',
    name: 'the player gets HEVC frames, the sequence header the publisher sent never reaches it',
    run: () => analysePcap(mergedPcap(relayPublisher(), relayPlayer({ video: true, videoConfig: false }))),
    check: (a) => assert.ok(!a.codes.has('session.relay.media-dropped')),
  },
  {
    code: 'session.relay.track-dropped',
    name: 'HEVC on track 1 published, the player gets track 0 only',
    run: () => analysePcap(mergedPcap(relayPublisher({ track1: true }), relayPlayer({ video: true, videoConfig: true }))),
    check: (_, d) => assert.equal(d.context?.['tracks'], 1),
  },
  // play flow
  {
    code: 'session.play.rejected',
    name: 'Play.StreamNotFound',
    run: () => new Rtmp().connect().connectResult().createStream(2).createStreamResult(2, 1).play(3, 1, 'nobody').onStatus(1, 'error', 'NetStream.Play.StreamNotFound', 'No such stream').analyse(),
    check: (a) => assert.equal(a.facts().streamIds['1']?.statusCode, 'NetStream.Play.StreamNotFound'),
  },
  { code: 'session.play.no-start', name: 'play without any onStatus', run: () => new Rtmp().connect().connectResult().createStream(2).createStreamResult(2, 1).play(3, 1, 'cam').analyse() },
  { code: 'session.play.no-stream-begin', name: 'Play.Start without StreamBegin', run: () => new Rtmp().playPreamble('cam', { streamBegin: false }).av(1, { dir: 's2c' }).analyse() },
  {
    code: 'session.play.no-media',
    name: 'Play.Start, then 3 s of nothing',
    run: () => new Rtmp().playPreamble('cam', { sequenceHeaders: false }).wait(3000).cmd('c2s', 'deleteStream', 4, null, [1]).analyse(),
    check: (_, d) => assert.ok((d.context?.['seconds'] as number) >= 3),
  },
  { code: 'session.play.setdataframe', name: '@setDataFrame sent to a player', run: () => new Rtmp().playPreamble().setDataFrame(1, { width: 320 }, 's2c').av(1, { dir: 's2c' }).analyse() },
  // flow control
  {
    code: 'session.flow.ack-missing',
    name: 'the client asks for acknowledgements every 2500 bytes; the server sends none',
    run: () => new Rtmp().windowAckSize('c2s', 2500).publishPreamble().av(1).analyse(),
    check: (a, d) => {
      assert.equal(d.dir, 'c2s');
      assert.equal(a.facts().flowControl.acknowledgements.c2s.honoured, false);
      assert.equal(a.facts().flowControl.windowAckSize.c2s, 2500);
    },
  },
  {
    code: 'session.flow.ack-beyond-received',
    name: 'the server acknowledges 2,500,000 bytes after a few hundred (its Window Acknowledgement Size)',
    run: () => new Rtmp().connect().windowAckSize('s2c', 2_500_000).ack('s2c', 2_500_000).connectResult().analyse(),
    check: (_, d) => {
      assert.equal(d.dir, 's2c');
      assert.equal(d.context?.['sequenceNumber'], 2_500_000);
      assert.ok(typeof d.context?.['bytesReceived'] === 'number' && d.context['bytesReceived'] < 4000);
      assert.match(d.message, /Window Acknowledgement Size/);
    },
  },
  { code: 'session.flow.bad-limit-type', name: 'Set Peer Bandwidth limit type 7', run: () => new Rtmp().connect().peerBandwidth('s2c', 2_500_000, 7).connectResult().analyse() },
  // media streams
  { code: 'stream.video.no-sequence-header', name: 'AVC frames without a sequence header', run: () => new Rtmp().publishPreamble('cam', { sequenceHeaders: false }).aacConfig().av(1).analyse() },
  { code: 'stream.audio.no-sequence-header', name: 'AAC frames without a sequence header', run: () => new Rtmp().publishPreamble('cam', { sequenceHeaders: false }).avcConfig().av(1).analyse() },
  { code: 'stream.video.first-frame-not-key', name: 'the first video frame is an inter frame', run: () => new Rtmp().publishPreamble().video(0, inter(0)).video(66, key(66)).analyse() },
  {
    code: 'stream.video.keyframe-interval',
    name: 'a keyframe every 6 s',
    run: () => new Rtmp().publishPreamble().av(13, { gop: 90, audio: false }).analyse(),
    check: (a, d) => {
      assert.equal(d.context?.['intervalMs'], 6000);
      assert.deepEqual(a.streams[0]?.video?.keyframeIntervalMs, { min: 6000, max: 6000, avg: 6000 });
    },
  },
  { code: 'stream.video.keyframe-interval', name: 'one keyframe, then 5 s of inter frames', run: () => new Rtmp().publishPreamble().av(5.5, { gop: 1000, audio: false }).analyse() },
  {
    code: 'stream.timestamp.regression',
    name: 'video timestamp goes back 100 ms',
    run: () => new Rtmp().publishPreamble().video(0, key(0)).video(1000, inter(1000)).video(900, inter(900)).analyse(),
    check: (a, d) => {
      assert.equal(d.context?.['stepMs'], -100);
      assert.equal(a.streams[0]?.video?.timestampRegressions, 1);
    },
  },
  {
    code: 'stream.timestamp.jump',
    name: 'audio timestamp jumps 2 s',
    run: () => new Rtmp().publishPreamble().video(0, key(0)).audio(0, aac(0)).audio(23, aac(23)).audio(2023, aac(2023)).analyse(),
    check: (a) => assert.equal(a.streams[0]?.audio?.timestampJumps, 1),
  },
  {
    code: 'stream.av-drift',
    name: 'audio 2 s ahead of video',
    run: () => new Rtmp().publishPreamble().av(3, { audio: false }).at(0.2).av(3, { video: false, from: 2000 }).analyse(),
    check: (a) => assert.ok((a.streams[0]?.avDriftMs ?? 0) > 1000),
  },
  {
    code: 'stream.config-changed',
    name: 'a 1080p sequence header after 320x240',
    run: () => new Rtmp().publishPreamble().av(1).video(1000, X264_1080_SEQUENCE_HEADER).video(1000, key(1000)).analyse(),
    check: (a) => assert.equal(a.streams[0]?.video?.width, 1920),
  },
  {
    code: 'stream.metadata.size-mismatch',
    name: 'metadata 640x480, SPS 320x240',
    run: () =>
      new Rtmp()
        .publishPreamble('cam', { metadata: { width: 640, height: 480, videocodecid: 7, audiocodecid: 10 } })
        .av(1)
        .analyse(),
  },
  {
    code: 'stream.metadata.codec-mismatch',
    name: 'audiocodecid 2 (MP3) for an AAC stream',
    run: () =>
      new Rtmp()
        .publishPreamble('cam', { metadata: { width: 320, height: 240, videocodecid: 7, audiocodecid: 2 } })
        .av(1)
        .analyse(),
    check: (_, d) => assert.equal(d.context?.['track'], 'audio'),
  },
  {
    code: 'stream.metadata.legacy-codec-id',
    name: 'videocodecid 7 for an E-RTMP HEVC stream (enhanced-rtmp #8)',
    run: () =>
      new Rtmp()
        .publishPreamble('cam', { sequenceHeaders: false, metadata: { width: 320, height: 240, videocodecid: 7 }, connect: { fourCcList: ['hvc1'] } })
        .video(0, hevcConfig)
        .video(0, hevcFrame(0, true))
        .video(66, hevcFrame(66, false))
        .analyse(),
    check: (a) => assert.equal(a.streams[0]?.video?.codec, 'hevc'),
  },
  {
    code: 'stream.metadata.non-standard-codec-id',
    name: 'videocodecid 12 with legacy id-12 HEVC',
    run: () =>
      new Rtmp()
        .publishPreamble('cam', { sequenceHeaders: false, metadata: { width: 320, height: 240, videocodecid: 12 } })
        .video(0, legacyVideo({ codecId: 12, packetType: 0, body: HVCC_320 }))
        .video(0, legacyVideo({ codecId: 12, packetType: 1, body: filler(900) }))
        .analyse(),
    check: (a) => {
      assert.ok(!a.codes.has('stream.metadata.codec-mismatch'));
      assert.equal(a.streams[0]?.video?.codecId, 12);
    },
  },
  {
    code: 'stream.metadata.framerate-mismatch',
    name: 'metadata 30 fps, stream 15 fps',
    run: () =>
      new Rtmp()
        .publishPreamble('cam', { metadata: { framerate: 30 } })
        .av(2)
        .analyse(),
  },
  {
    code: 'stream.metadata.audio-mismatch',
    name: 'metadata 48 kHz mono, AAC 44.1 kHz stereo',
    run: () =>
      new Rtmp()
        .publishPreamble('cam', { metadata: { audiosamplerate: 48000, stereo: false, audiocodecid: 10 } })
        .av(1)
        .analyse(),
  },
  {
    code: 'stream.track.described-not-sent',
    name: 'videoTrackIdInfoMap describes track 1, no media on it',
    run: () =>
      new Rtmp()
        .publishPreamble('cam', { metadata: { width: 320, height: 240, videocodecid: 7, videoTrackIdInfoMap: { '1': { width: 160, height: 90 } } } })
        .av(1)
        .analyse(),
    check: (_, d) => assert.equal(d.context?.['trackId'], 1),
  },
  {
    code: 'stream.ertmp.publish-not-advertised',
    name: 'hvc1 published without a fourCcList (FFmpeg 8.1 without rtmp_enhanced_codecs)',
    run: () => new Rtmp().publishPreamble('cam', { sequenceHeaders: false }).video(0, hevcConfig).video(0, hevcFrame(0, true)).analyse(),
    check: (a, d) => {
      assert.equal(d.context?.['fourCc'], 'hvc1');
      assert.ok(!a.codes.has('stream.ertmp.not-advertised'));
    },
  },
  {
    code: 'stream.ertmp.not-advertised',
    name: 'hvc1 sent to a player whose connect had no fourCcList',
    run: () => new Rtmp().playPreamble('cam', { sequenceHeaders: false }).video(0, hevcConfig, { dir: 's2c' }).video(0, hevcFrame(0, true), { dir: 's2c' }).analyse(),
    check: (_, d) => {
      assert.equal(d.context?.['fourCc'], 'hvc1');
      assert.equal(d.dir, 's2c');
    },
  },
  {
    code: 'stream.ertmp.capability-not-advertised',
    name: 'Multitrack sent to a player whose connect had no capsEx',
    run: () =>
      new Rtmp()
        .playPreamble('cam')
        .video(0, exVideo({ packetType: 1, fourCc: 'hvc1', multitrack: { type: 0, tracks: [{ trackId: 1, body: filler(100) }] } }), { dir: 's2c' })
        .analyse(),
    check: (_, d) => assert.equal(d.context?.['capability'], 'Multitrack'),
  },
  {
    code: 'stream.ertmp.server-not-enhanced',
    name: 'hvc1 advertised by the client, the server reply shows no E-RTMP (OBS #8589)',
    run: () =>
      new Rtmp()
        .publishPreamble('cam', { sequenceHeaders: false, connect: { fourCcList: ['hvc1', 'av01'] } })
        .video(0, hevcConfig)
        .video(0, hevcFrame(0, true))
        .analyse(),
    check: (a) => {
      assert.ok(!a.codes.has('stream.ertmp.not-advertised'));
      assert.deepEqual(a.facts().enhanced.fourCcsSent.c2s, ['hvc1']);
    },
  },
];
