/**
 * The UI's data side with an RTMFP session: the session list names the transport as soon as the
 * startup is seen, and a startup chunk's detail tree shows what it carries.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { HandshakeRecord } from '../../src/records/index.js';
import { sessionColumns } from '../../src/tui/layout.js';
import { StoreModel } from '../../src/tui/model.js';
import { sessionRows } from '../../src/tui/rows.js';
import { RecordStore } from '../../src/tui/store.js';
import { buildDetail, flattenDetail } from '../../src/tui/tree.js';
import { run, startup } from './script.js';

test('tui rtmfp: the session row says rtmfp; the IHello detail shows the URL', () => {
  const recs = run(startup());
  const store = new RecordStore();
  store.push(recs.filter((r) => r.type === 'handshake'));
  assert.equal(store.sessions[0]!.transport, 'rtmfp');
  const rows = sessionRows(new StoreModel(store), 0, 5, sessionColumns(120));
  assert.match(rows[0]!.endpoints, /10\.0\.0\.1:50000 → 10\.0\.0\.2:1935 rtmfp/);
  const ihello = recs.find((r): r is HandshakeRecord => r.type === 'handshake' && r.part === 'IHello')!;
  const lines = flattenDetail(buildDetail(ihello, { sessionStart: ihello.time, width: 80 }), { hs: true, 'hs/rtmfp': true, 'hs/rtmfp/epd': true });
  const text = lines.map((l) => `${l.label} ${l.value ?? ''}`).join('\n');
  assert.match(text, /Since IHello/);
  assert.match(text, /rtmfp:\/\/10\.0\.0\.2\/live/);
  store.push(recs.filter((r) => r.type === 'session'));
  assert.equal(store.sessions[0]!.record?.transport, 'rtmfp');
});
