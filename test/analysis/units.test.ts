/**
 * The small pure parts of the analysis: authentication descriptions, the diagnostic limiter,
 * SessionAnalysis fed hand-made records (no pipeline), and robustness against arbitrary records.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { DiagnosticLimiter, SessionAnalysis, parseAuthDescription } from '../../src/analysis/index.js';
import { metadataAudioCodec, metadataVideoCodec } from '../../src/analysis/media-stream.js';
import { decodeMessageBody } from '../../src/rtmp/messages.js';
import type { DiagnosticRecord, MessageRecord } from '../../src/records/index.js';
import { amf0 } from '../builders/amf-writer.js';

describe('parseAuthDescription', () => {
  const rows: [string, ReturnType<typeof parseAuthDescription>][] = [
    ['[ AccessManager.Reject ] : [ code=403 need auth; authmod=adobe ] : ', { kind: 'required', authmod: 'adobe', reason: null }],
    ['[ AccessManager.Reject ] : [ code=403 need auth; authmod=llnw ] : ', { kind: 'required', authmod: 'llnw', reason: null }],
    ['[ AccessManager.Reject ] : [ authmod=adobe ] : ?reason=needauth&user=u&salt=s&challenge=c&opaque=o', { kind: 'challenge', authmod: 'adobe', reason: 'needauth' }],
    ['[ AccessManager.Reject ] : [ authmod=llnw ] : ?reason=needauth&nonce=n', { kind: 'challenge', authmod: 'llnw', reason: 'needauth' }],
    ['[ AccessManager.Reject ] : [ authmod=adobe ] : ?reason=authfailed&opaque=o', { kind: 'failed', authmod: 'adobe', reason: 'authfailed' }],
    ['[ AccessManager.Reject ] : [ authmod=adobe ] : ?reason=nosuchuser&opaque=o', { kind: 'failed', authmod: 'adobe', reason: 'nosuchuser' }],
    ['?reason=authfailed', { kind: 'failed', authmod: null, reason: 'authfailed' }],
    ['code=403 need auth', { kind: 'required', authmod: null, reason: null }],
    ['Application (nope) is not defined.', null],
    ['', null],
  ];
  for (const [text, want] of rows) test(JSON.stringify(text), () => assert.deepEqual(parseAuthDescription(text), want));
});

describe('DiagnosticLimiter', () => {
  const d = (session: number | null, code: string): DiagnosticRecord => ({ type: 'diagnostic', session, severity: 'warn', code, message: 'm' });

  test('admits the first N per session and code, counts all', () => {
    const l = new DiagnosticLimiter(2);
    const admitted = [d(1, 'a'), d(1, 'a'), d(1, 'a'), d(1, 'b'), d(2, 'a'), d(null, 'a'), d(1, 'a')].map((x) => l.admit(x));
    assert.deepEqual(admitted, [true, true, false, true, true, true, false]);
    assert.deepEqual(l.counts(1), { a: 4, b: 1 });
    assert.deepEqual(l.suppressed(1), { a: 2 });
    assert.deepEqual(l.counts(2), { a: 1 });
    assert.deepEqual(l.counts(null), { a: 1 });
    assert.deepEqual(l.counts(9), {});
    l.forget(1);
    assert.deepEqual(l.counts(1), {});
  });

  test('default of 5, and a positive integer is required', () => {
    const l = new DiagnosticLimiter();
    assert.deepEqual(
      Array.from({ length: 7 }, () => l.admit(d(1, 'x'))),
      [true, true, true, true, true, false, false],
    );
    assert.throws(() => new DiagnosticLimiter(0), RangeError);
    assert.throws(() => new DiagnosticLimiter(1.5), RangeError);
  });
});

describe('metadata codec ids', () => {
  test('legacy ids, FourCC numbers and FourCC text', () => {
    assert.equal(metadataVideoCodec(7), 'avc');
    assert.equal(metadataVideoCodec(12), 'hevc');
    assert.equal(metadataVideoCodec(0x68766331), 'hevc'); // 'hvc1'
    assert.equal(metadataVideoCodec(0x61763031), 'av1'); // 'av01'
    assert.equal(metadataVideoCodec('vp09'), 'vp9');
    assert.equal(metadataVideoCodec(99), null);
    assert.equal(metadataVideoCodec(true), null);
    assert.equal(metadataAudioCodec(10), 'aac');
    assert.equal(metadataAudioCodec(2), 'mp3');
    assert.equal(metadataAudioCodec(9), null, '9 is the ExHeader marker, not a codec');
    assert.equal(metadataAudioCodec(0x4f707573), 'opus'); // 'Opus'
    assert.equal(metadataAudioCodec('mp4a'), 'aac');
  });
});

/** A message record made by hand around the real body decoder. */
function message(over: Partial<MessageRecord> & { typeId: number; body: Uint8Array }, i: number): MessageRecord {
  const d = decodeMessageBody(over.typeId, over.body, over.timestamp ?? 0, false);
  const { body, ...rest } = over;
  return {
    type: 'message',
    session: 1,
    client: '10.0.0.1:50000',
    server: '10.0.0.2:1935',
    dir: 'c2s',
    frame: 10 + i,
    time: 100 + i / 10,
    offset: 3073 + i * 200,
    firstFrame: 10 + i,
    csid: 3,
    typeName: d.typeName,
    streamId: 0,
    timestamp: 0,
    length: body.length,
    ...(d.name === undefined ? {} : { name: d.name }),
    ...(d.transactionId === undefined ? {} : { transactionId: d.transactionId }),
    ...(d.args === undefined ? {} : { args: d.args }),
    ...(d.command === undefined ? {} : { command: d.command }),
    ...(d.control === undefined ? {} : { control: d.control }),
    ...(d.media === undefined ? {} : { media: d.media }),
    chunks: { count: 1, fmt: 0, extendedTimestamp: false, list: [[0, 3073 + i * 200, 12, body.length, 10 + i]] },
    ...rest,
  };
}

describe('SessionAnalysis on hand-made records', () => {
  test('pairs connect with its _result and measures the latency from record times', () => {
    const a = new SessionAnalysis({ session: 1, client: '10.0.0.1:50000', server: '10.0.0.2:1935' });
    a.onRecord({ type: 'handshake', session: 1, client: 'c', server: 's', dir: 'c2s', frame: 1, time: 99, offset: 0, part: 'C0', elapsedMs: 0 });
    assert.deepEqual(a.onRecord(message({ typeId: 20, body: amf0.command('connect', 1, { app: 'vod', tcUrl: 'rtmp://h/vod', objectEncoding: 3 }) }, 0)), []);
    a.onRecord(message({ typeId: 20, dir: 's2c', time: 100.25, body: amf0.command('_result', 1, { fmsVer: 'FMS/5' }, { level: 'status', code: 'NetConnection.Connect.Success' }) }, 1));
    const { facts, streams, diagnostics } = a.finish();
    assert.deepEqual(diagnostics, []);
    assert.deepEqual(streams, []);
    assert.equal(facts.app, 'vod');
    assert.equal(facts.objectEncoding, 3);
    assert.equal(facts.connect.latencyMs, 250);
    assert.equal(facts.connect.fmsVer, 'FMS/5');
    assert.equal(facts.role, null);
  });

  test('loss diagnostics of the session make its direction lenient', () => {
    const a = new SessionAnalysis({ session: 1, client: 'c', server: 's' });
    a.onRecord({ type: 'handshake', session: 1, client: 'c', server: 's', dir: 'c2s', frame: 1, time: 99, offset: 0, part: 'C0', elapsedMs: 0 });
    a.onRecord({ type: 'diagnostic', session: 1, dir: 'c2s', severity: 'warn', code: 'tcp.gap', message: 'lost' });
    const out = a.onRecord(message({ typeId: 20, body: amf0.command('createStream', 2, null) }, 0));
    assert.deepEqual(out, [], 'no connect.missing after a loss');
  });

  test('after a loss, answers decoded before their calls (resync delay) are still paired by capture time', () => {
    const a = new SessionAnalysis({ session: 1, client: 'c', server: 's' });
    a.onRecord({ type: 'handshake', session: 1, client: 'c', server: 's', dir: 'c2s', frame: 1, time: 99, offset: 0, part: 'C0', elapsedMs: 0 });
    a.onRecord({ type: 'diagnostic', session: 1, dir: 'c2s', severity: 'warn', code: 'rtmp.chunk.desync', message: 'lost' });
    const recs = [
      message({ typeId: 20, dir: 's2c', time: 100.2, body: amf0.command('_result', 4, null, 1) }, 0),
      message({ typeId: 20, dir: 's2c', time: 100.4, streamId: 1, body: amf0.command('onStatus', 0, null, { level: 'status', code: 'NetStream.Publish.Start' }) }, 1),
      message({ typeId: 20, dir: 'c2s', time: 100.1, body: amf0.command('createStream', 4, null) }, 2),
      message({ typeId: 20, dir: 'c2s', time: 100.3, streamId: 1, body: amf0.command('publish', 5, null, 'cam', 'live') }, 3),
    ];
    for (const r of recs) assert.deepEqual(a.onRecord(r), []);
    const { facts, diagnostics } = a.finish();
    assert.deepEqual(
      diagnostics.map((d) => d.code),
      [],
    );
    assert.equal(facts.transactions.answered, 1);
    assert.equal(facts.transactions.calls[0]?.latencyMs, 100);
    assert.equal(facts.streamIds['1']?.outcome, 'started');
    assert.equal(facts.streamIds['1']?.startLatencyMs, 100);
    assert.ok(facts.streamIds['1']?.createdFrame !== null);
  });

  test('memory stays bounded: thousands of calls, stream ids and publishes', () => {
    const a = new SessionAnalysis({ session: 1, client: 'c', server: 's' });
    a.onRecord({ type: 'handshake', session: 1, client: 'c', server: 's', dir: 'c2s', frame: 1, time: 99, offset: 0, part: 'C0', elapsedMs: 0 });
    let i = 0;
    a.onRecord(message({ typeId: 20, body: amf0.command('connect', 1, { app: 'x' }) }, i++));
    for (let k = 0; k < 3000; k++) {
      a.onRecord(message({ typeId: 20, body: amf0.command('createStream', 2 + k, null) }, i++));
      a.onRecord(message({ typeId: 20, dir: 's2c', body: amf0.command('_result', 2 + k, null, 1 + k) }, i++));
      a.onRecord(message({ typeId: 20, streamId: 1 + k, body: amf0.command('publish', 0, null, `n${k}`, 'live') }, i++));
      a.onRecord(message({ typeId: 20, body: amf0.command('FCPublish', 10_000 + k, null, `n${k}`) }, i++));
    }
    const r = a.finish();
    assert.ok(Object.keys(r.facts.streamIds).length <= 256);
    assert.ok(r.streams.length <= 256);
    assert.ok(r.facts.transactions.calls.length <= 64);
    assert.ok(r.facts.streamNames.length <= 32);
    assert.equal(r.facts.transactions.unanswered, 3001, 'connect and every FCPublish, dropped ones counted');
    assert.ok(JSON.stringify(r).length < 2_000_000);
  });

  test('never throws on arbitrary message records', () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.record({
            typeId: fc.constantFrom(1, 2, 3, 4, 5, 6, 8, 9, 15, 17, 18, 20, 22),
            body: fc.uint8Array({ maxLength: 64 }),
            dir: fc.constantFrom('c2s' as const, 's2c' as const),
            streamId: fc.nat(3),
            csid: fc.integer({ min: 2, max: 70 }),
            timestamp: fc.nat(),
          }),
          { maxLength: 40 },
        ),
        (msgs) => {
          const a = new SessionAnalysis({ session: 1, client: 'c', server: 's' });
          msgs.forEach((m, i) => a.onRecord(message(m, i)));
          const r = a.finish();
          assert.deepEqual(JSON.parse(JSON.stringify(r)), r);
        },
      ),
      { numRuns: 300 },
    );
  });
});
