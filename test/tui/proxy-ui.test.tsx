/**
 * The UI over a live proxy (issue #18's "Proxy UI"), rendered with ink-testing-library from a
 * real in-process proxy whose records go to the UI's store as `rtmpscope proxy` wires them: the
 * header names the address encoders connect to; `q` with a session still open asks first (a
 * second `q` quits, any other key stays); a connection whose upstream never answered is no open
 * session (its problem is in the diagnostics pane), and with nothing open `q` quits at once.
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
