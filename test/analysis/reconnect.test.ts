/**
 * The client's reaction to an E-RTMP Reconnect Request (src/analysis/reconnect.ts), from scripted
 * captures: a new connection from the same host while the old one is open (the spec's make before
 * break) or after it closed, to the tcUrl asked for or another; no reaction (connection kept, or
 * closed without reconnecting); another host's connection is no answer.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Rtmp, analysePcap, mergedPcap } from './script.js';
import type { DiagnosticRecord } from '../../src/records/index.js';

const T0 = 1_700_000_000;
const BASE = 'rtmp://127.0.0.1:1935/live';

/** A publisher that gets a Reconnect Request naming `tcUrl` after 1 s and publishes `after` s more. */
function asked(tcUrl: string | null, after: number, o: { open?: boolean; port?: number } = {}): Rtmp {
  const r = new Rtmp({ client: { ip: '10.0.0.1', port: o.port ?? 50000 }, start: T0, ...(o.open === true ? { open: true } : {}) }).publishPreamble('cam').av(1);
  const info = { level: 'status', code: 'NetConnection.Connect.ReconnectRequest', description: 'server restart', ...(tcUrl === null ? {} : { tcUrl }) };
  r.cmd('s2c', 'onStatus', 0, null, [info]);
  return r.av(after, { from: 1000 });
}

function reconnecting(ip: string, startS: number, tcUrl: string): Rtmp {
  return new Rtmp({ client: { ip, port: 50001 }, start: T0 + startS }).publishPreamble('cam', { connect: { tcUrl, app: 'live2' } }).av(1);
}

/** The one diagnostic with `code` (the analysis's; the pipeline's own CaptureAnalysis gives the same). */
function one(a: { analysis: readonly DiagnosticRecord[] }, code: string): DiagnosticRecord {
  const d = a.analysis.filter((x) => x.code === code);
  assert.equal(d.length, 1, `${code}: ${a.analysis.map((x) => x.code).join()}`);
  return d[0]!;
}

test('make before break: a new connection to the (relative, resolved) tcUrl while the old one is open', () => {
  const a = analysePcap(mergedPcap(asked('/live2', 2), reconnecting('10.0.0.1', 2, 'rtmp://127.0.0.1:1935/live2')));
  const d = one(a, 'session.connect.reconnected');
  assert.equal(d.session, 1);
  assert.equal(d.severity, 'info');
  assert.deepEqual(d.context, { newSession: 2, afterS: d.context?.['afterS'] ?? -1, makeBeforeBreak: true, tcUrl: 'rtmp://127.0.0.1:1935/live2', tcUrlAsRequested: true });
  assert.ok(Number(d.context?.['afterS']) > 0.5 && Number(d.context?.['afterS']) < 1.2, String(d.context?.['afterS']));
  assert.ok(!a.codes.has('session.connect.reconnect-ignored'));
  assert.ok(a.codes.has('session.connect.reconnect-request'));
});

test('break before make, to another tcUrl than the one asked for: reported with the gap', () => {
  const a = analysePcap(mergedPcap(asked('rtmp://edge2.example/live', 0.5), reconnecting('10.0.0.1', 5, BASE)));
  const d = one(a, 'session.connect.reconnected');
  assert.equal(d.context?.['makeBeforeBreak'], false);
  assert.equal(d.context?.['tcUrlAsRequested'], false);
  assert.match(d.message, /asked for rtmp:\/\/edge2\.example\/live/);
});

test('no tcUrl in the request: the same tcUrl is expected', () => {
  const a = analysePcap(mergedPcap(asked(null, 2), reconnecting('10.0.0.1', 2, BASE)));
  assert.equal(one(a, 'session.connect.reconnected').context?.['tcUrlAsRequested'], true);
});

test('ignored: the client keeps publishing to the end of the capture, or closes without reconnecting', () => {
  const kept = one(analysePcap(asked('/live2', 2, { open: true }).pcap()), 'session.connect.reconnect-ignored');
  assert.equal(kept.severity, 'warn');
  assert.equal(kept.context?.['reaction'], 'none');
  assert.ok(Number(kept.context?.['mediaAfter']) > 50);
  const closed = one(analysePcap(asked('/live2', 0.2).pcap()), 'session.connect.reconnect-ignored');
  assert.equal(closed.context?.['reaction'], 'closed');
  assert.match(closed.message, /closed the connection [\d.]+ s later without reconnecting/);
});

test('a connection from another host is no answer', () => {
  const a = analysePcap(mergedPcap(asked('/live2', 2), reconnecting('10.0.0.9', 2, 'rtmp://127.0.0.1:1935/live2')));
  assert.ok(!a.codes.has('session.connect.reconnected'));
  assert.equal(one(a, 'session.connect.reconnect-ignored').context?.['reaction'], 'closed');
});
