/**
 * E-RTMP negotiation (src/analysis/negotiation.ts): what a connect declared, per receiving side —
 * fourCcList with "*", the FourCC info maps with CanDecode/CanEncode/CanForward and a "*" key that
 * overrides the others, capsEx bits used by media, and Reconnect Request tcUrl resolution.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { capabilitiesUsed, declaredBy, fourCcDeclared, resolveTcUrl } from '../../src/analysis/negotiation.js';
import { decodeMessageBody } from '../../src/rtmp/messages.js';
import { exVideo, nanoOffsetModEx } from '../builders/media-writer.js';
import type { CommandFields } from '../../src/rtmp/commands.js';

const d = (c: Partial<CommandFields>) => declaredBy(c);

test('fourCcList: listed or "*" declares a FourCC for either role', () => {
  assert.equal(fourCcDeclared(d({ fourCcList: ['hvc1'] }), 'hvc1', 'video', 'decode'), true);
  assert.equal(fourCcDeclared(d({ fourCcList: ['hvc1'] }), 'av01', 'video', 'decode'), false);
  assert.equal(fourCcDeclared(d({ fourCcList: ['*'] }), 'av01', 'video', 'encode'), true);
  assert.equal(fourCcDeclared(d({}), 'hvc1', 'video', 'decode'), false);
});

test('info maps: the flag for the role (or CanForward), the "*" key first, audio and video apart', () => {
  const c = d({ videoFourCcInfoMap: { hvc1: 1, av01: 2, vp09: 4 }, audioFourCcInfoMap: { '*': 4, Opus: 1 } });
  assert.equal(fourCcDeclared(c, 'hvc1', 'video', 'decode'), true);
  assert.equal(fourCcDeclared(c, 'hvc1', 'video', 'encode'), false, 'CanDecode only');
  assert.equal(fourCcDeclared(c, 'av01', 'video', 'encode'), true);
  assert.equal(fourCcDeclared(c, 'av01', 'video', 'decode'), false, 'CanEncode only');
  assert.equal(fourCcDeclared(c, 'vp09', 'video', 'decode'), true, 'CanForward');
  assert.equal(fourCcDeclared(c, 'hvc1', 'audio', 'decode'), true, 'audio "*" CanForward');
  assert.equal(fourCcDeclared(c, 'fLaC', 'video', 'decode'), false);
});

test('capabilities a message relies on: Multitrack, ModEx, TimestampNanoOffset', () => {
  const mt = decodeMessageBody(9, exVideo({ packetType: 1, fourCc: 'hvc1', multitrack: { type: 0, tracks: [{ trackId: 1 }] } }), 0, false).media;
  assert.deepEqual(mt && capabilitiesUsed(mt).map((c) => c.name), ['Multitrack']);
  const nano = decodeMessageBody(9, exVideo({ packetType: 1, fourCc: 'hvc1', modEx: [nanoOffsetModEx(500_000)] }), 0, false).media;
  assert.deepEqual(nano && capabilitiesUsed(nano).map((c) => c.name), ['ModEx', 'TimestampNanoOffset']);
});

test('Reconnect Request tcUrl: absolute kept, relative resolved against the connection, garbage null', () => {
  assert.equal(resolveTcUrl('rtmp://b.example/live', 'rtmp://a.example/live'), 'rtmp://b.example/live');
  assert.equal(resolveTcUrl('/app2', 'rtmp://a.example:1935/live'), 'rtmp://a.example:1935/app2');
  assert.equal(resolveTcUrl('relative', undefined), null);
});
