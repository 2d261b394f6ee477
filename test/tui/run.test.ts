/**
 * `runTui`, the exported entry, with fake terminal streams: it renders what `load` pushes,
 * resolves when the user quits, stops the loader after quitting (the sink throws
 * `TuiClosedError`), shows a load error and rethrows it once the user quits, and fills a store
 * the caller passes in (how a live proxy pushes records), and closes the store's spool (the
 * temporary file of records) when the user quits, after a load error too. Screens are checked after quitting:
 * ink writes the last frame on exit even where it suppresses live frames (CI=true).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { EventEmitter } from 'node:events';
import { existsSync, readdirSync, readlinkSync } from 'node:fs';
import type { OutputRecord } from '../../src/records/index.js';
import { RecordStore, runTui, TuiClosedError } from '../../src/tui/index.js';
import { syntheticRecords } from './fixtures.js';

const records = syntheticRecords(30);
const delay = (ms: number) => new Promise((r) => setTimeout(r, ms));

const strip = (s: string) => s.replace(/\u001b\[[0-9;?]*[ -/]*[@-~]/g, '');

class FakeStdin extends EventEmitter {
  isTTY = true;
  private data: string | null = null;
  write(s: string): void {
    this.data = s;
    this.emit('readable');
  }
  read(): string | null {
    const d = this.data;
    this.data = null;
    return d;
  }
  setEncoding(): void {}
  setRawMode(): void {}
  resume(): void {}
  pause(): void {}
  ref(): void {}
  unref(): void {}
}

class FakeStdout extends EventEmitter {
  isTTY = false;
  columns = 100;
  rows = 30;
  out = '';
  write(s: string): boolean {
    this.out += s;
    return true;
  }
}

function terminal() {
  const stdin = new FakeStdin();
  const stdout = new FakeStdout();
  return { stdin, stdout, streams: { stdin: stdin as unknown as NodeJS.ReadStream, stdout: stdout as unknown as NodeJS.WriteStream } };
}

async function until(pred: () => boolean, what: string, ms = 5000): Promise<void> {
  const end = Date.now() + ms;
  while (!pred()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await delay(10);
  }
}

test('runTui: renders the loaded records and resolves when the user quits', async () => {
  const t = terminal();
  let loaded = false;
  const done = runTui({
    title: 'x.pcap',
    ...t.streams,
    color: false,
    load: async (sink) => {
      sink(records.slice(0, 30));
      await delay(5);
      sink(records.slice(30));
      loaded = true;
    },
  });
  await until(() => loaded, 'the load');
  await delay(50);
  t.stdin.write('q');
  await done;
  const screen = strip(t.stdout.out);
  assert.match(screen, /✓ done/);
  assert.match(screen, /Sessions \(2\)/);
  // 100 columns: the first screen is the selected session's overview (the panes stacked).
  assert.match(screen, /Overview #1/);
  assert.match(screen, /Session #1: publish {2}live\/cam1/);
  assert.doesNotMatch(t.stdout.out, /\u001b\[\?1049h/, 'no alternate screen when stdout is not a terminal');
});

test('runTui: quitting stops the loader (the sink throws TuiClosedError)', async () => {
  const t = terminal();
  let thrown: unknown = null;
  let release!: () => void;
  const gate = new Promise<void>((r) => (release = r));
  const store = new RecordStore();
  const done = runTui({
    title: 'live',
    ...t.streams,
    store,
    follow: true,
    load: async (sink) => {
      sink(records.slice(0, 10));
      await gate;
      try {
        sink(records.slice(10));
      } catch (e) {
        thrown = e;
        throw e;
      }
    },
  });
  await until(() => store.recordCount === 10, 'the first push');
  t.stdin.write('q');
  await done;
  assert.match(strip(t.stdout.out), /● live .*FOLLOW/);
  release();
  await until(() => thrown !== null, 'the next push');
  assert.ok(thrown instanceof TuiClosedError);
});

test('runTui: a load error is shown, and rethrown once the user quits', async () => {
  const t = terminal();
  const done = runTui({
    title: 'junk',
    ...t.streams,
    load: async () => {
      throw new Error('junk: not a pcap or pcapng capture');
    },
  });
  const failed = assert.rejects(done, /not a pcap/);
  await delay(50);
  t.stdin.write('q');
  await failed;
  assert.match(strip(t.stdout.out), /✗ junk: not a pcap/, 'the error in the header');
});

test('runTui: a caller-owned store (live proxy) can be filled from outside the loader', async () => {
  const t = terminal();
  const store = new RecordStore();
  let stop: (() => void) | undefined;
  const done = runTui({ title: 'proxy :1935', ...t.streams, store, follow: true, load: () => new Promise<void>((r) => (stop = r)) });
  const live: OutputRecord[] = records.filter((r) => r.type !== 'capture' && 'session' in r && r.session === 2);
  for (const r of live) store.push([r]);
  assert.equal(store.sessions.length, 1);
  assert.equal(store.state, 'loading');
  await until(() => stop !== undefined, 'the loader to start');
  stop!();
  await until(() => store.state === 'done', 'the end of the source');
  await delay(50);
  t.stdin.write('q');
  await done;
  assert.match(strip(t.stdout.out), /vod\/movie +play/);
  assert.match(strip(t.stdout.out), /■ ended/);
});

/** Descriptors of this process open on `path` (Linux: "path (deleted)" once unlinked). */
function fdsOf(path: string): number {
  let n = 0;
  for (const fd of readdirSync('/proc/self/fd')) {
    try {
      const target = readlinkSync(`/proc/self/fd/${fd}`);
      if (target === path || target === `${path} (deleted)`) n++;
    } catch {
      /* closed meanwhile */
    }
  }
  return n;
}

test('runTui: the spool (records in a temporary file) is unlinked at once and closed when the user quits, also after a load error', { skip: existsSync('/proc/self/fd') ? false : 'needs /proc/self/fd' }, async () => {
  for (const fail of [false, true]) {
    const t = terminal();
    const store = new RecordStore();
    const done = runTui({
      title: 'x.pcap',
      ...t.streams,
      store,
      load: async (sink) => {
        sink(records);
        if (fail) throw new Error('x.pcap: cut short');
      },
    });
    const outcome = fail ? assert.rejects(done, /cut short/) : done;
    await until(() => store.state !== 'loading', 'the load');
    const path = store.spool.path;
    assert.ok(path !== null && store.spool.onDisk);
    assert.equal(existsSync(path), false, 'no name in the file system while the UI runs');
    assert.equal(fdsOf(path), 1, 'held open while the UI runs');
    assert.equal(store.sessions[0]!.items.record(0)?.type, 'handshake', 'records read back');
    await delay(30);
    t.stdin.write('q');
    await outcome;
    assert.equal(fdsOf(path), 0, fail ? 'closed after a load error' : 'closed on quit');
    if (fail) assert.match(strip(t.stdout.out), /✗ x\.pcap: cut short/);
  }
});
