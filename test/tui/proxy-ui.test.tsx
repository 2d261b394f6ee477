/**
 * The UI over a live proxy (issue #18's "Proxy UI"), rendered with ink-testing-library from a
 * real in-process proxy whose records go to the UI's store as `rtmpscope proxy` wires them: the
 * header names the address encoders connect to; `q` with a session still open asks first (a
 * second `q` quits, any other key stays); a connection whose upstream never answered is no open
 * session (its problem is in the diagnostics pane), and with nothing open `q` quits at once;
 * `x` shows the selected item's bytes from the wire, which never reach the NDJSON output.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { render } from 'ink-testing-library';
import { App } from '../../src/tui/app.js';
import { RecordStore } from '../../src/tui/store.js';
import { makeTheme } from '../../src/tui/theme.js';
import { proxyTitle } from '../../src/cli/proxy.js';
import { runClient, startFakeServer, waitFor } from '../proxy/fake-rtmp.js';
import { startProxy } from '../proxy/harness.js';
import { UI_WIRE_EXCERPT, withoutWire } from '../../src/session/wire.js';
import type { OutputRecord } from '../../src/records/index.js';

const ANSI = /\u001b\[[0-9;?]*[ -/]*[@-~]|\u001b\][^\u0007]*\u0007/g;
const delay = (ms: number) => new Promise((r) => setTimeout(r, ms));

function mountLive(store: RecordStore, title: string, onQuit: () => void) {
  const app = render(<App store={store} title={title} theme={makeTheme(false)} size={{ columns: 120, rows: 30 }} follow live quitCutsSessions onQuit={onQuit} />);
  const frame = () => (app.lastFrame() ?? '').replace(ANSI, '');
  const until = async (re: RegExp, ms = 5000) => {
    const end = Date.now() + ms;
    while (Date.now() < end && !re.test(frame())) await delay(10);
    assert.match(frame(), re);
  };
  const press = async (k: string) => {
    app.stdin.write(k);
    await delay(50);
  };
  return { app, frame, until, press };
}

test('proxy UI: the listening address in the header; q with a live session asks, another key stays, q again quits', async () => {
  const server = await startFakeServer();
  const store = new RecordStore();
  const proxy = await startProxy(server.port, { onRecords: (r) => store.push(r) });
  let quits = 0;
  const ui = mountLive(store, proxyTitle(proxy.handle.url, `rtmp://127.0.0.1:${server.port}`), () => quits++);
  try {
    // The address encoders connect to, first in the header (a third of its width is the title's).
    await ui.until(new RegExp(`^ rtmpscope rtmp://127\\.0\\.0\\.1:${proxy.port} → rtmp://`));
    const c = runClient(proxy.port, { seed: 8801, finish: 'none', stayOpenOnServerEnd: true });
    await c.done;
    await ui.until(/publish/);
    await ui.press('q');
    await ui.until(/1 live session is open: q again cuts it and quits/);
    assert.equal(quits, 0, 'not quit yet');
    await ui.press('j');
    await ui.until(/^(?![\s\S]*live session is open)/);
    await ui.press('q');
    await ui.until(/1 live session is open/);
    await ui.press('q');
    await waitFor(() => quits === 1, 2000, 'quit on the second q');
    c.socket.destroy();
  } finally {
    ui.app.unmount();
    await proxy.close();
    await server.close();
  }
});

test('proxy UI: a connection whose upstream never connected is no open session; its problem shows; q quits at once', async () => {
  const probe = net.createServer();
  await new Promise<void>((r) => probe.listen(0, '127.0.0.1', () => r()));
  const dead = (probe.address() as net.AddressInfo).port;
  await new Promise<void>((r) => probe.close(() => r()));
  const store = new RecordStore();
  const proxy = await startProxy(dead, { onRecords: (r) => store.push(r) });
  let quits = 0;
  const ui = mountLive(store, proxyTitle(proxy.handle.url, `rtmp://127.0.0.1:${dead}`), () => quits++);
  try {
    const c = runClient(proxy.port, { seed: 8802 });
    await c.closed;
    await ui.until(/proxy\.upstream\.unreachable|cannot connect to the upstream/);
    assert.equal(store.sessions.length, 0, 'no session stays "open" for it');
    await ui.press('q');
    await waitFor(() => quits === 1, 2000, 'nothing open: q quits at once');
  } finally {
    ui.app.unmount();
    await proxy.close();
  }
});

test('proxy UI: x shows the hex of the selected message, chunk header marked; the NDJSON output carries no excerpt', async () => {
  const server = await startFakeServer();
  const store = new RecordStore();
  const seen: OutputRecord[] = [];
  const proxy = await startProxy(server.port, {
    wireExcerpt: UI_WIRE_EXCERPT,
    onRecords: (r) => {
      seen.push(...r);
      store.push(r);
    },
  });
  const ui = mountLive(store, proxyTitle(proxy.handle.url, `rtmp://127.0.0.1:${server.port}`), () => {});
  try {
    const c = runClient(proxy.port, { seed: 8803 });
    await c.done;
    await ui.until(/publish/);
    // The timeline, the connect command (a filter selects it), then its bytes.
    await ui.press('\t');
    await ui.press('/');
    for (const ch of 'name:connect') await ui.press(ch);
    await ui.press('\r');
    await ui.until(/Detail frame \d+ AMF0 Cmd connect/);
    await ui.press('x');
    await ui.until(/Hex frame \d+ AMF0 Cmd connect/);
    assert.match(ui.frame(), /[0-9a-f]{6} ▸03 /, 'the chunk basic header (csid 3) marked');
    assert.match(ui.frame(), /of this message's \d+ bytes on the wire/);
    assert.doesNotMatch(ui.frame(), /were not kept/);
    await ui.press('x');
    await ui.until(/Detail frame \d+ AMF0 Cmd connect/);
  } finally {
    ui.app.unmount();
    await proxy.close();
    await server.close();
  }
  const withWire = seen.filter((r) => 'wire' in r);
  assert.ok(withWire.length > 5, 'the UI got excerpts');
  const lines = proxy.lines();
  assert.ok(lines.length > 5);
  assert.ok(
    lines.every((l) => !('wire' in l)),
    'no excerpt in the NDJSON output',
  );
  // The file is the records as without the UI: the same records, in order, without `wire`.
  assert.deepEqual(lines, JSON.parse(JSON.stringify(withoutWire(seen))));
});

test('withoutWire: records without an excerpt pass as they are (the same array when none has one); the rest keep their field order', () => {
  const a = { type: 'x', n: 1 };
  const b = { type: 'message', offset: 5, wire: { offset: 5, hex: '03' }, length: 9 };
  const none = [a, a];
  assert.equal(withoutWire(none), none);
  const out = withoutWire([a, b, a]);
  assert.equal(out[0], a);
  assert.equal(out[2], a);
  assert.equal(JSON.stringify(out[1]), '{"type":"message","offset":5,"length":9}');
  assert.ok('wire' in b, 'the input is not changed');
});
