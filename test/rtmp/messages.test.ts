/**
 * Message bodies: every control and user-control form, typed command fields, data messages,
 * AMF3 format byte, shared objects, aggregates with rebased timestamps, unknown types.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decodeMessageBody } from '../../src/rtmp/messages.js';
import { amf0, amf3 } from '../builders/amf-writer.js';
import { avcNalu, legacyAudio } from '../builders/media-writer.js';

const u32 = (n: number) => [(n >>> 24) & 0xff, (n >>> 16) & 0xff, (n >>> 8) & 0xff, n & 0xff];
const bytes = (...xs: (number | number[])[]) => Uint8Array.from(xs.flat());
const codes = (d: { problems: readonly { code: string }[] }) => d.problems.map((p) => p.code);
/** AMF objects decode to null-prototype objects; compare their JSON. */
const plain = (v: unknown) => JSON.parse(JSON.stringify(v)) as unknown;

test('control: set chunk size, abort, ack, window ack size, set peer bandwidth (all limit types)', () => {
  assert.deepEqual(decodeMessageBody(1, bytes(u32(4096)), 0, false).control, { kind: 'set-chunk-size', chunkSize: 4096 });
  assert.deepEqual(decodeMessageBody(2, bytes(u32(6)), 0, false).control, { kind: 'abort', csid: 6 });
  assert.deepEqual(decodeMessageBody(3, bytes(u32(5000000)), 0, false).control, { kind: 'acknowledgement', sequenceNumber: 5000000 });
  assert.deepEqual(decodeMessageBody(5, bytes(u32(2500000)), 0, false).control, { kind: 'window-ack-size', windowSize: 2500000 });
  for (const [lt, name] of [
    [0, 'hard'],
    [1, 'soft'],
    [2, 'dynamic'],
  ] as const) {
    assert.deepEqual(decodeMessageBody(6, bytes(u32(2500000), lt), 0, false).control, { kind: 'set-peer-bandwidth', windowSize: 2500000, limitType: lt, limitTypeName: name });
  }
  assert.deepEqual(codes(decodeMessageBody(1, bytes(0, 1), 0, false)), ['rtmp.control.short']);
  assert.deepEqual(codes(decodeMessageBody(5, bytes(u32(1), 0), 0, false)), ['rtmp.control.long']);
});

test('user control: every event type with its data', () => {
  const uc = (ev: number, ...data: number[][]) => decodeMessageBody(4, bytes([ev >> 8, ev & 0xff], ...data), 0, false).control;
  assert.deepEqual(uc(0, u32(1)), { kind: 'user-control', event: 0, eventName: 'StreamBegin', streamId: 1 });
  assert.deepEqual(uc(1, u32(1)), { kind: 'user-control', event: 1, eventName: 'StreamEOF', streamId: 1 });
  assert.deepEqual(uc(2, u32(1)), { kind: 'user-control', event: 2, eventName: 'StreamDry', streamId: 1 });
  assert.deepEqual(uc(3, u32(1), u32(3000)), { kind: 'user-control', event: 3, eventName: 'SetBufferLength', streamId: 1, bufferLength: 3000 });
  assert.deepEqual(uc(4, u32(1)), { kind: 'user-control', event: 4, eventName: 'StreamIsRecorded', streamId: 1 });
  assert.deepEqual(uc(6, u32(123456)), { kind: 'user-control', event: 6, eventName: 'PingRequest', timestamp: 123456 });
  assert.deepEqual(uc(7, u32(123456)), { kind: 'user-control', event: 7, eventName: 'PingResponse', timestamp: 123456 });
  assert.deepEqual(uc(26), { kind: 'user-control', event: 26, eventName: 'SWFVerifyRequest' });
  const swf = Array.from({ length: 42 }, (_, i) => i);
  assert.deepEqual(uc(27, swf), { kind: 'user-control', event: 27, eventName: 'SWFVerifyResponse', dataHex: Buffer.from(swf).toString('hex') });
  assert.deepEqual(uc(31, u32(1)), { kind: 'user-control', event: 31, eventName: 'BufferEmpty', streamId: 1 });
  assert.deepEqual(uc(32, u32(1)), { kind: 'user-control', event: 32, eventName: 'BufferReady', streamId: 1 });
  assert.equal(uc(99, [1, 2])?.kind, 'user-control');
});

test('commands: connect with E-RTMP fields', () => {
  const body = amf0.command('connect', 1, {
    app: 'live',
    tcUrl: 'rtmp://127.0.0.1/live',
    flashVer: 'FMLE/3.0 (compatible; FMSc/1.0)',
    objectEncoding: 0,
    fourCcList: ['av01', 'hvc1'],
    videoFourCcInfoMap: { av01: 3, '*': 4 },
    capsEx: 1 | 4,
  });
  const d = decodeMessageBody(20, body, 0, false);
  assert.equal(d.name, 'connect');
  assert.equal(d.transactionId, 1);
  assert.deepEqual(plain(d.command), {
    app: 'live',
    tcUrl: 'rtmp://127.0.0.1/live',
    flashVer: 'FMLE/3.0 (compatible; FMSc/1.0)',
    objectEncoding: 0,
    fourCcList: ['av01', 'hvc1'],
    videoFourCcInfoMap: { av01: 3, '*': 4 },
    capsEx: 5,
    capsExNames: ['Reconnect', 'ModEx'],
  });
  assert.deepEqual(codes(d), []);
});

test('commands: stream commands and results have typed fields', () => {
  const f = (name: string, ...args: Parameters<typeof amf0.command>[3][]) => decodeMessageBody(20, amf0.command(name, 5, null, ...args), 0, false).command;
  assert.deepEqual(f('publish', 'cam', 'live'), { streamName: 'cam', publishType: 'live' });
  assert.deepEqual(f('play', 'cam', -2, -1, true), { streamName: 'cam', start: -2, duration: -1, reset: true });
  assert.deepEqual(f('play2', { streamName: 'cam2', start: 0, len: -1 }), { streamName: 'cam2', start: 0, duration: -1 });
  assert.deepEqual(f('deleteStream', 1), { streamId: 1 });
  assert.deepEqual(f('closeStream', 1), { streamId: 1 });
  assert.deepEqual(f('receiveVideo', false), { flag: false });
  assert.deepEqual(f('receiveAudio', true), { flag: true });
  assert.deepEqual(f('seek', 1500), { milliseconds: 1500 });
  assert.deepEqual(f('pause', true, 2000), { flag: true, milliseconds: 2000 });
  for (const n of ['releaseStream', 'FCPublish', 'FCUnpublish']) assert.deepEqual(f(n, 'cam'), { streamName: 'cam' });
  assert.deepEqual(f('_result', 1), { streamId: 1 });
  assert.deepEqual(f('_error', { level: 'error', code: 'NetConnection.Connect.Rejected', description: '[ AccessManager.Reject ] : [ authmod=adobe ] : ?reason=needauth' }), {
    status: { level: 'error', code: 'NetConnection.Connect.Rejected', description: '[ AccessManager.Reject ] : [ authmod=adobe ] : ?reason=needauth' },
  });
  assert.deepEqual(f('onStatus', { level: 'status', code: 'NetStream.Publish.Start', description: 'Start publishing' }), {
    status: { level: 'status', code: 'NetStream.Publish.Start', description: 'Start publishing' },
  });
});

test('data: @setDataFrame and onMetaData carry the metadata', () => {
  const d = decodeMessageBody(18, amf0.encode(['@setDataFrame', 'onMetaData', amf0.ecma({ width: 320, height: 240, videocodecid: 7 })]), 0, false);
  assert.equal(d.name, '@setDataFrame');
  assert.deepEqual(plain(d.command), { dataName: 'onMetaData', metadata: { width: 320, height: 240, videocodecid: 7 } });
  const m = decodeMessageBody(18, amf0.encode(['onMetaData', { duration: 0 }]), 0, false);
  assert.deepEqual(plain(m.command), { metadata: { duration: 0 } });
});

test('AMF3 command (type 17): format byte, then AMF0 with an AVM+ switched object', () => {
  const body = Uint8Array.from([0, ...amf0.encode(['connect', 1, amf0.avmplus(amf3.object({ dynamic: [['app', 'live']] }))])]);
  const d = decodeMessageBody(17, body, 0, false);
  assert.equal(d.name, 'connect');
  assert.deepEqual(d.command, { app: 'live' });
  assert.deepEqual(codes(d), []);
  const bad = decodeMessageBody(17, Uint8Array.from([5, ...amf0.encode(['connect', 1, null])]), 0, false);
  assert.ok(codes(bad).includes('rtmp.amf3.format-byte'));
});

test('AMF errors stop at the message boundary and are reported', () => {
  const body = amf0.encode(['connect', 1]);
  const d = decodeMessageBody(20, Uint8Array.from([...body, 0xff]), 0, false);
  assert.equal(d.name, 'connect');
  assert.deepEqual(codes(d), ['amf.unknown-marker']);
  assert.deepEqual(codes(decodeMessageBody(20, Uint8Array.from([0x00, 0, 0, 0, 0, 0, 0, 0, 0]), 0, false)), ['rtmp.command.no-name']);
});

test('shared object (AMF0): header and every event kind', () => {
  const str = (s: string) => [s.length >> 8, s.length & 0xff, ...Buffer.from(s)];
  const ev = (type: number, data: number[]) => [type, ...u32(data.length), ...data];
  const body = bytes(str('chat'), u32(3), u32(0), u32(0), ev(1, []), ev(4, [...str('msg'), ...amf0.encode(['hello'])]), ev(6, [...amf0.encode(['ping', 1])]), ev(7, [...amf0.encode(['error', 'warning'])]), ev(8, []), ev(9, str('msg')), ev(11, []));
  const d = decodeMessageBody(19, body, 0, false);
  assert.deepEqual(codes(d), []);
  const so = d.sharedObject!;
  assert.equal(so.name, 'chat');
  assert.equal(so.version, 3);
  assert.deepEqual(
    so.events.map((e) => e.typeName),
    ['Use', 'Change', 'SendMessage', 'Status', 'Clear', 'Remove', 'UseSuccess'],
  );
  assert.deepEqual(so.events[1], { type: 4, typeName: 'Change', length: 13, name: 'msg', values: ['hello'] });
  assert.deepEqual(so.events[2]!.values, ['ping', 1]);
  // AMF3 shared object: format byte first.
  const d3 = decodeMessageBody(16, bytes(0, Array.from(body)), 0, false);
  assert.equal(d3.sharedObject?.name, 'chat');
  assert.deepEqual(codes(decodeMessageBody(19, body.subarray(0, body.length - 3), 0, false)), ['rtmp.shared-object.truncated']);
});

test('aggregate: sub-tags decoded with timestamps rebased on the message timestamp', () => {
  const tag = (type: number, ts: number, data: Uint8Array) => [type, (data.length >> 16) & 0xff, (data.length >> 8) & 0xff, data.length & 0xff, (ts >> 16) & 0xff, (ts >> 8) & 0xff, ts & 0xff, (ts >>> 24) & 0xff, 0, 0, 0, ...data, ...u32(11 + data.length)];
  const v = avcNalu(new Uint8Array(10), { key: true, compositionTime: 40 });
  const a = legacyAudio({ soundFormat: 10, aacPacketType: 1, data: new Uint8Array(5) } as Parameters<typeof legacyAudio>[0]);
  const body = bytes(tag(9, 1000, v), tag(8, 1010, a), tag(9, 1040, v));
  const d = decodeMessageBody(22, body, 5000, false);
  assert.deepEqual(codes(d), []);
  assert.equal(d.aggregate?.count, 3);
  assert.deepEqual(
    d.aggregate?.tags.map((t) => [t.typeId, t.timestamp, t.length]),
    [
      [9, 5000, v.length],
      [8, 5010, a.length],
      [9, 5040, v.length],
    ],
  );
  assert.equal((d.aggregate?.tags[0]?.media as { compositionTime?: number }).compositionTime, 40);
  assert.deepEqual(codes(decodeMessageBody(22, body.subarray(0, body.length - 6), 5000, false)), ['rtmp.aggregate.truncated']);
});

test('unknown message type keeps its raw bytes', () => {
  const d = decodeMessageBody(42, bytes(1, 2, 3), 0, false);
  assert.equal(d.rawHex, '010203');
  assert.equal(d.typeName, 'Unknown (42)');
  assert.deepEqual(codes(d), ['rtmp.message.unknown-type']);
});
