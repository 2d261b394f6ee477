/**
 * Keys → actions: the one place that knows the key bindings (the help overlay lists `BINDINGS`).
 *
 * Contract: `keyToAction` is pure (ink's parsed key in, a reducer action or null out) and depends
 * only on the mode: while the filter prompt is open, printable input is text for the prompt;
 * otherwise single keys are commands. `useKeys` is the one hook that feeds ink's input to the
 * reducer. Ctrl+C quits like `q` (ink's own Ctrl+C exit is disabled so that quitting always goes
 * through the same path and restores the terminal).
 */
import { useInput, type Key } from 'ink';
import { useCallback } from 'react';
import type { Action } from './state.js';

export type KeyMode = { readonly prompt: boolean; readonly help: boolean };

export const BINDINGS: readonly (readonly [string, string])[] = [
  ['↑ ↓  k j', 'move the selection'],
  ['PgUp PgDn  Ctrl-B Ctrl-F', 'page up / down'],
  ['Home End  g G', 'first / last row'],
  ['Tab  Shift-Tab', 'next / previous pane (sessions, timeline, detail, diagnostics)'],
  ['1 2 3 4', 'focus a pane directly'],
  ['Enter', 'open: session → timeline → detail; expand/collapse a tree node; jump to a diagnostic'],
  ['← →  h l', 'collapse / expand a tree node (→ in the timeline opens the detail)'],
  ['/', 'filter the timeline: dir:c2s type:video type:9 name:publish stream:1 csid:4 frame:10-20 text'],
  ['!term', 'negate a filter term, e.g. !type:audio'],
  ['Esc', 'clear the filter / close help / back from the detail'],
  ['n N', 'next / previous diagnostic (jumps to the message at fault)'],
  ['f', 'follow: keep the newest message selected (live)'],
  ['x', "hex: the selected item's bytes, chunk headers marked (x again: its fields)"],
  ['t', 'times: relative to the session start / absolute (UTC)'],
  ['?', 'this help'],
  ['q  Ctrl-C', 'quit (live sessions open: press twice)'],
];

/** Single keys outside the prompt and the help overlay. */
const CHAR_ACTIONS: ReadonlyMap<string, Action> = new Map<string, Action>([
  ['k', { type: 'move', delta: -1 }],
  ['j', { type: 'move', delta: 1 }],
  ['g', { type: 'home' }],
  ['G', { type: 'end' }],
  ['h', { type: 'left' }],
  ['l', { type: 'right' }],
  [' ', { type: 'page', delta: 1 }],
  ['/', { type: 'filter-open' }],
  ['n', { type: 'diag-next', delta: 1 }],
  ['N', { type: 'diag-next', delta: -1 }],
  ['f', { type: 'toggle-follow' }],
  ['?', { type: 'toggle-help' }],
  ['x', { type: 'toggle-hex' }],
  ['t', { type: 'toggle-time' }],
  ['q', { type: 'quit' }],
  ['1', { type: 'focus', pane: 'sessions' }],
  ['2', { type: 'focus', pane: 'timeline' }],
  ['3', { type: 'focus', pane: 'detail' }],
  ['4', { type: 'focus', pane: 'diagnostics' }],
]);

export function keyToAction(input: string, key: Key, mode: KeyMode): Action | null {
  if (key.ctrl && input === 'c') return { type: 'quit' };
  if (mode.prompt) {
    if (key.return) return { type: 'filter-submit' };
    if (key.escape) return { type: 'filter-cancel' };
    if (key.backspace || key.delete) return { type: 'filter-backspace' };
    if (key.ctrl || key.meta || key.tab || key.upArrow || key.downArrow || key.leftArrow || key.rightArrow) return null;
    if (key.pageUp || key.pageDown || key.home || key.end) return null;
    return input === '' ? null : { type: 'filter-input', text: input };
  }
  if (mode.help) {
    if (input === 'q') return { type: 'quit' };
    if (input === '?' || key.escape || key.return) return { type: 'toggle-help' };
    return null;
  }
  if (key.tab) return key.shift ? { type: 'focus-prev' } : { type: 'focus-next' };
  if (key.upArrow) return { type: 'move', delta: -1 };
  if (key.downArrow) return { type: 'move', delta: 1 };
  if (key.pageUp || (key.ctrl && input === 'b')) return { type: 'page', delta: -1 };
  if (key.pageDown || (key.ctrl && input === 'f')) return { type: 'page', delta: 1 };
  if (key.home) return { type: 'home' };
  if (key.end) return { type: 'end' };
  if (key.return) return { type: 'enter' };
  if (key.escape) return { type: 'escape' };
  if (key.leftArrow) return { type: 'left' };
  if (key.rightArrow) return { type: 'right' };
  if (key.ctrl || key.meta) return null;
  return CHAR_ACTIONS.get(input) ?? null;
}

const NO_KEY: Key = {
  upArrow: false,
  downArrow: false,
  leftArrow: false,
  rightArrow: false,
  pageDown: false,
  pageUp: false,
  home: false,
  end: false,
  return: false,
  escape: false,
  ctrl: false,
  shift: false,
  tab: false,
  backspace: false,
  delete: false,
  meta: false,
  super: false,
  hyper: false,
  capsLock: false,
  numLock: false,
};

/** The key of one character of a multi-key input (ink parses only the string as a whole). */
function charKey(ch: string): Key {
  if (ch === '\t') return { ...NO_KEY, tab: true };
  if (ch === '\r' || ch === '\n') return { ...NO_KEY, return: true };
  if (ch === '\x7f' || ch === '\b') return { ...NO_KEY, backspace: true };
  return { ...NO_KEY, shift: /[A-Z]/.test(ch) };
}

/**
 * Like `keyToAction`, for input that may hold several keys: keys typed faster than they are read
 * (or sent by tmux) reach ink as one string. Outside the prompt each character is a command;
 * once `/` opens the prompt, the following characters are its text, Enter submits it, Backspace
 * and Esc edit or cancel it — as if the keys had come one by one.
 */
export function keysToActions(input: string, key: Key, mode: KeyMode): Action[] {
  const one = keyToAction(input, key, mode);
  const plainText = mode.prompt && !/[\r\n\t\u007f\b\u001b]/.test(input);
  if (input.length <= 1 || key.ctrl || key.meta || plainText || (!mode.prompt && one !== null)) return one === null ? [] : [one];
  const out: Action[] = [];
  let m = mode;
  let text = '';
  const flush = () => {
    if (text !== '') out.push({ type: 'filter-input', text });
    text = '';
  };
  for (const ch of input) {
    const k = charKey(ch);
    if (m.prompt && !k.return && !k.backspace && !k.tab && ch !== '\u001b') {
      text += ch;
      continue;
    }
    flush();
    const a = ch === '\u001b' ? keyToAction('', { ...NO_KEY, escape: true }, m) : keyToAction(ch, k, m);
    if (a === null) continue;
    out.push(a);
    if (a.type === 'quit') return out;
    if (a.type === 'toggle-help') m = { ...m, help: !m.help };
    if (a.type === 'filter-open') m = { ...m, prompt: true };
    if (a.type === 'filter-submit' || a.type === 'filter-cancel') m = { ...m, prompt: false };
  }
  flush();
  return out;
}

/**
 * Feed ink's input to `dispatch`. `mode()` must reflect every action already dispatched (read it
 * from state reduced synchronously, not from the last render: keys can arrive faster than React
 * renders).
 */
export function useKeys(mode: () => KeyMode, dispatch: (a: Action) => void): void {
  const handler = useCallback(
    (input: string, key: Key) => {
      for (const a of keysToActions(input, key, mode())) dispatch(a);
    },
    [mode, dispatch],
  );
  useInput(handler);
}
