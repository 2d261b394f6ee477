/**
 * The interactive UI (`rtmpscope <capture>` on a terminal): `runTui` renders it with ink, starts
 * the loader, and resolves when the user quits.
 *
 * Contract:
 * - `load(sink)` pushes record batches as they are decoded (a file through `analyzeStream`, or a
 *   live proxy); the UI is usable from the first batch. Batches go into a `RecordStore` (pass your
 *   own as `store` to push records from elsewhere too, or to fill it before the UI is loaded); the
 *   UI re-renders at most ~10 times a second however fast they arrive. The store spools records
 *   to a temporary file and keeps compact rows in memory; `runTui` disposes it when it returns
 *   (whether the user quit or the load failed), which closes and deletes that file.
 * - After the user quits, the next `sink()` call throws `TuiClosedError`, which stops
 *   `analyzeStream` (and closes its input) at its next batch; `runTui` swallows that error. A
 *   live source should also stop on its own when `runTui` resolves.
 * - If `load` rejects, the UI shows the error and stays browsable; `runTui` rejects with that
 *   error once the user quits (so the CLI can report it and exit non-zero).
 * - Keys come from `stdin`, else process.stdin when it is a terminal, else /dev/tty (so a capture
 *   piped into stdin can be watched live).
 * - On a TTY the UI uses the alternate screen and leaves it on quit (also on process exit), so
 *   the shell's screen comes back as it was. Colour only on a TTY without NO_COLOR.
 */
import { openSync } from 'node:fs';
import { ReadStream } from 'node:tty';
import { render } from 'ink';
import { createElement } from 'react';
import type { OutputRecord } from '../records/index.js';
import { App } from './app.js';
import { RecordStore } from './store.js';
import { colorEnabled, makeTheme } from './theme.js';

export { RecordStore, SessionEntry, type LoadState, type Scheduler, type StoreOptions } from './store.js';
export { App, type AppProps } from './app.js';
export { colorEnabled, makeTheme, type Theme } from './theme.js';

export type RecordSinkFn = (records: readonly OutputRecord[]) => void;

export type RunTuiOptions = {
  /** Shown in the header (the capture's path, or "live :1935"). */
  readonly title: string;
  readonly load: (sink: RecordSinkFn) => Promise<void>;
  /** Start in follow mode (live sources). */
  readonly follow?: boolean;
  /** Records come from a live source (the header says "live" while it runs). Defaults to `follow`. */
  readonly live?: boolean;
  readonly stdin?: NodeJS.ReadStream;
  readonly stdout?: NodeJS.WriteStream;
  /** The store to fill (default: a new one). */
  readonly store?: RecordStore;
  /** Quitting cuts the sessions still open (the live proxy): `q` asks first while any is. */
  readonly quitCutsSessions?: boolean;
  /** Force colour on or off (default: TTY and no NO_COLOR). */
  readonly color?: boolean;
};

/** Thrown by the sink once the UI has been closed, to stop the loader. */
export class TuiClosedError extends Error {
  constructor() {
    super('the UI was closed');
    this.name = 'TuiClosedError';
  }
}

const ENTER_ALT_SCREEN = '\u001B[?1049h\u001B[H';
const LEAVE_ALT_SCREEN = '\u001B[?1049l';

/**
 * The terminal to read keys from: the given stream, else stdin when it is a terminal, else the
 * controlling terminal (/dev/tty, as `less` does), so `tcpdump -w - | rtmpscope -` can be browsed
 * live while the capture arrives on stdin.
 */
function keyboard(given: NodeJS.ReadStream | undefined): { stdin: NodeJS.ReadStream; close: () => void } {
  if (given !== undefined) return { stdin: given, close: () => {} };
  if (process.stdin.isTTY === true) return { stdin: process.stdin, close: () => {} };
  let fd: number;
  try {
    fd = openSync('/dev/tty', 'r');
  } catch {
    throw new Error('the interactive view needs a terminal to read keys from (none on stdin, no /dev/tty)');
  }
  const tty = new ReadStream(fd);
  return { stdin: tty, close: () => tty.destroy() };
}

export async function runTui(opts: RunTuiOptions): Promise<void> {
  const stdout = opts.stdout ?? process.stdout;
  const kb = keyboard(opts.stdin);
  const stdin = kb.stdin;
  // A file loads fastest with few renders while it loads (a live source keeps 10 a second).
  const store = opts.store ?? new RecordStore(opts.live === true ? {} : { loadingNotifyIntervalMs: 300 });
  const theme = makeTheme(opts.color ?? colorEnabled(stdout, process.env));
  const alt = stdout.isTTY === true;
  let restored = !alt;
  const restore = () => {
    if (restored) return;
    restored = true;
    stdout.write(LEAVE_ALT_SCREEN);
  };
  if (alt) {
    stdout.write(ENTER_ALT_SCREEN);
    process.once('exit', restore);
  }

  let closed = false;
  let loadError: unknown = null;
  const instance = render(createElement(App, { store, title: opts.title, theme, follow: opts.follow === true, live: opts.live ?? opts.follow === true, quitCutsSessions: opts.quitCutsSessions === true }), { stdout, stdin, exitOnCtrlC: false, maxFps: 30 });
  const sink: RecordSinkFn = (records) => {
    if (closed) throw new TuiClosedError();
    store.push(records);
  };
  void Promise.resolve()
    .then(() => opts.load(sink))
    .then(
      () => {
        if (!closed) store.finish();
      },
      (e: unknown) => {
        if (e instanceof TuiClosedError || closed) return;
        loadError = e;
        store.fail(e instanceof Error ? e.message : String(e));
      },
    );
  try {
    await instance.waitUntilExit();
  } finally {
    closed = true;
    store.dispose();
    restore();
    process.off('exit', restore);
    kb.close();
  }
  // eslint-disable-next-line @typescript-eslint/only-throw-error -- whatever loading threw goes on unchanged
  if (loadError !== null) throw loadError;
}
