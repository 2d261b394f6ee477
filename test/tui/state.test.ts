/**
 * The UI reducer without ink: selection movement, paging, focus cycling, follow mode, filter
 * editing and application, diagnostic jumping (n/N), detail tree folding, help and quit; and the
 * key map. Movement tests use a small fake model; filter and jump tests use the real model over
 * records the analyzer produced from a synthetic capture.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Key } from 'ink';
import { EMPTY_FILTER, type Filter } from '../../src/tui/filter.js';
import { keysToActions, keyToAction } from '../../src/tui/keys.js';
import { StoreModel } from '../../src/tui/model.js';
import { fitCursor, initialState, reduce, resolve, type Action, type UiModel, type UiState, type Viewport } from '../../src/tui/state.js';
import type { DetailLine } from '../../src/tui/tree.js';
import { filledStore, syntheticRecords } from './fixtures.js';

type Fake = { lengths: number[]; diags: ({ session: number; item: number } | null)[]; viewport?: Viewport; detail?: DetailLine[] };

function fake(f: Fake): UiModel & { lengths: number[] } {
  return {
    lengths: f.lengths,
    get sessionCount() {
      return this.lengths.length;
    },
    diagnosticCount: f.diags.length,
    viewport: f.viewport ?? { sessions: 3, timeline: 10, detail: 5, diagnostics: 2 },
    timelineLength(s: number, _filter: Filter) {
      return this.lengths[s] ?? 0;
    },
    itemAt(s: number, _f: Filter, row: number) {
      return row >= 0 && row < (this.lengths[s] ?? 0) ? row : -1;
    },
    rowOf(s: number, _f: Filter, item: number) {
      return Math.max(0, Math.min(item, (this.lengths[s] ?? 1) - 1));
    },
    detailLines() {
      return f.detail ?? [];
    },
    diagnosticTarget(i: number) {
      return f.diags[i] ?? null;
    },
  };
}

function run(m: UiModel, actions: readonly Action[], s: UiState = initialState()): UiState {
  return actions.reduce((st, a) => reduce(st, a, m), s);
}

const down: Action = { type: 'move', delta: 1 };
const up: Action = { type: 'move', delta: -1 };
const tab: Action = { type: 'focus-next' };

test('state: j/k move the focused pane and stop at both ends', () => {
  const m = fake({ lengths: [5, 100, 3], diags: [] });
  let s = run(m, [down, down, down, down]);
  assert.equal(s.focus, 'sessions');
  assert.equal(s.sessions.selected, 2);
  s = run(m, [up, up, up, up], s);
  assert.equal(s.sessions.selected, 0);
  s = run(m, [down, tab, down, down], s);
  assert.equal(s.focus, 'timeline');
  assert.equal(s.sessions.selected, 1);
  assert.equal(s.timeline.selected, 2);
});

test('state: changing the session resets the timeline and detail cursors', () => {
  const m = fake({ lengths: [50, 50], diags: [] });
  let s = run(m, [tab, down, down, down, { type: 'focus', pane: 'sessions' }, down]);
  assert.equal(s.sessions.selected, 1);
  assert.deepEqual(s.timeline, { selected: 0, top: 0 });
  s = run(m, [down], s); // already at the last session: nothing changes
  assert.equal(s.sessions.selected, 1);
});

test('state: PgDn/PgUp move by the pane height and scroll so the selection stays visible', () => {
  const m = fake({ lengths: [100], diags: [], viewport: { sessions: 3, timeline: 10, detail: 5, diagnostics: 2 } });
  let s = run(m, [tab, { type: 'page', delta: 1 }]);
  assert.deepEqual(s.timeline, { selected: 10, top: 1 });
  s = run(
    m,
    [
      { type: 'page', delta: 1 },
      { type: 'page', delta: 1 },
    ],
    s,
  );
  assert.deepEqual(s.timeline, { selected: 30, top: 21 });
  s = run(m, [{ type: 'page', delta: -1 }], s);
  assert.deepEqual(s.timeline, { selected: 20, top: 20 });
  s = run(m, [{ type: 'end' }], s);
  assert.deepEqual(s.timeline, { selected: 99, top: 90 });
  s = run(m, [{ type: 'page', delta: 1 }], s);
  assert.deepEqual(s.timeline, { selected: 99, top: 90 });
  s = run(m, [{ type: 'home' }], s);
  assert.deepEqual(s.timeline, { selected: 0, top: 0 });
});

test('state: fitCursor clamps and scrolls minimally', () => {
  assert.deepEqual(fitCursor({ selected: 50, top: 0 }, 10, 4), { selected: 9, top: 6 });
  assert.deepEqual(fitCursor({ selected: 3, top: 8 }, 100, 4), { selected: 3, top: 3 });
  assert.deepEqual(fitCursor({ selected: 0, top: 5 }, 0, 4), { selected: 0, top: 0 });
  const c = { selected: 2, top: 1 };
  assert.equal(fitCursor(c, 10, 4), c, 'unchanged cursors keep their identity');
});

test('state: Tab and Shift-Tab cycle the four panes; 1–4 focus directly', () => {
  const m = fake({ lengths: [1], diags: [] });
  const order = [];
  let s = initialState();
  for (let i = 0; i < 5; i++) {
    order.push(s.focus);
    s = reduce(s, tab, m);
  }
  assert.deepEqual(order, ['sessions', 'timeline', 'detail', 'diagnostics', 'sessions']);
  s = reduce(initialState(), { type: 'focus-prev' }, m);
  assert.equal(s.focus, 'diagnostics');
  s = reduce(s, { type: 'focus', pane: 'detail' }, m);
  assert.equal(s.focus, 'detail');
});

test('state: Enter opens session → timeline → detail; Esc goes back from the detail', () => {
  const m = fake({ lengths: [4], diags: [] });
  let s = run(m, [{ type: 'enter' }]);
  assert.equal(s.focus, 'timeline');
  s = run(m, [{ type: 'enter' }], s);
  assert.equal(s.focus, 'detail');
  s = run(m, [{ type: 'escape' }], s);
  assert.equal(s.focus, 'timeline');
  const empty = fake({ lengths: [0], diags: [] });
  assert.equal(run(empty, [{ type: 'enter' }, { type: 'enter' }]).focus, 'timeline', 'no detail for an empty timeline');
});

test('state: follow keeps the newest row selected as records arrive; moving turns it off', () => {
  const m = fake({ lengths: [20], diags: [] });
  let s = run(m, [tab, { type: 'toggle-follow' }]);
  assert.equal(s.follow, true);
  assert.equal(s.timeline.selected, 19);
  m.lengths[0] = 35; // records arrive
  assert.equal(resolve(s, m).timeline.selected, 34);
  assert.equal(resolve(s, m).timeline.top, 25);
  s = run(m, [{ type: 'end' }], s);
  assert.equal(s.follow, true, 'End keeps follow');
  s = run(m, [up], s);
  assert.equal(s.follow, false);
  assert.equal(s.timeline.selected, 33, 'moving starts from the followed row');
  m.lengths[0] = 50;
  assert.equal(resolve(s, m).timeline.selected, 33, 'no longer following');
  s = run(m, [{ type: 'toggle-follow' }], s);
  assert.equal(s.timeline.selected, 49);
  assert.equal(run(m, [{ type: 'toggle-follow' }], s).follow, false);
  assert.equal(initialState({ follow: true }).follow, true, 'live sources start in follow mode');
});

test('state: n/N walk the diagnostics, jump to their session and row, and wrap', () => {
  const m = fake({
    lengths: [100, 100],
    diags: [{ session: 0, item: 40 }, null, { session: 1, item: 70 }],
    viewport: { sessions: 3, timeline: 10, detail: 5, diagnostics: 2 },
  });
  let s = run(m, [tab, { type: 'toggle-follow' }, { type: 'diag-next', delta: 1 }]);
  assert.equal(s.diagnostics.selected, 0);
  assert.equal(s.sessions.selected, 0);
  assert.equal(s.timeline.selected, 40);
  assert.ok(s.timeline.top <= 40 && 40 < s.timeline.top + 10);
  assert.equal(s.follow, false, 'a jump ends follow mode');
  assert.equal(s.focus, 'timeline', 'n keeps the focus');
  s = run(m, [{ type: 'diag-next', delta: 1 }], s);
  assert.equal(s.diagnostics.selected, 1);
  assert.match(s.notice ?? '', /not tied to a session/);
  assert.equal(s.timeline.selected, 40, 'a capture-level diagnostic leaves the timeline alone');
  s = run(m, [{ type: 'diag-next', delta: 1 }], s);
  assert.deepEqual([s.diagnostics.selected, s.sessions.selected, s.timeline.selected], [2, 1, 70]);
  s = run(m, [{ type: 'diag-next', delta: 1 }], s);
  assert.equal(s.diagnostics.selected, 0);
  assert.match(s.notice ?? '', /wrapped to the first/);
  s = run(m, [{ type: 'diag-next', delta: -1 }], s);
  assert.equal(s.diagnostics.selected, 2);
  assert.match(s.notice ?? '', /wrapped to the last/);
  // N first: the last diagnostic.
  assert.equal(run(m, [{ type: 'diag-next', delta: -1 }]).diagnostics.selected, 2);
  // No diagnostics at all.
  assert.equal(run(fake({ lengths: [3], diags: [] }), [{ type: 'diag-next', delta: 1 }]).notice, 'no diagnostics');
});

test('state: Enter in the diagnostics pane jumps and focuses the timeline', () => {
  const m = fake({
    lengths: [10, 100],
    diags: [
      { session: 0, item: 1 },
      { session: 1, item: 55 },
    ],
  });
  const s = run(m, [{ type: 'focus', pane: 'diagnostics' }, down, { type: 'enter' }]);
  assert.equal(s.focus, 'timeline');
  assert.deepEqual([s.sessions.selected, s.timeline.selected], [1, 55]);
});

test('state: the filter prompt edits a draft; Enter applies, Esc cancels, errors keep it open', () => {
  const m = fake({ lengths: [10], diags: [] });
  let s = run(m, [{ type: 'filter-open' }, { type: 'filter-input', text: 'dir:c2' }, { type: 'filter-input', text: 'sx' }, { type: 'filter-backspace' }]);
  assert.deepEqual(s.prompt, { draft: 'dir:c2s', error: null });
  s = run(m, [down], s);
  assert.equal(s.sessions.selected, 0, 'movement keys do nothing while typing');
  s = run(m, [{ type: 'filter-submit' }], s);
  assert.equal(s.prompt, null);
  assert.equal(s.filter.text, 'dir:c2s');
  assert.equal(s.filter.terms.length, 1);
  s = run(m, [{ type: 'filter-open' }, { type: 'filter-input', text: ' dir:up' }, { type: 'filter-submit' }], s);
  assert.ok(s.prompt !== null && s.prompt.error !== null && /c2s or s2c/.test(s.prompt.error));
  assert.equal(s.filter.text, 'dir:c2s', 'a bad filter is not applied');
  s = run(m, [{ type: 'filter-cancel' }], s);
  assert.equal(s.prompt, null);
  assert.equal(s.filter.text, 'dir:c2s');
  s = run(m, [{ type: 'escape' }], s);
  assert.equal(s.filter, EMPTY_FILTER, 'Esc clears the applied filter');
  assert.equal(s.notice, 'filter cleared');
  s = run(m, [{ type: 'filter-input', text: 'x' }], s);
  assert.equal(s.prompt, null, 'text outside the prompt is ignored');
  s = run(m, [{ type: 'filter-open' }, { type: 'filter-input', text: 'a\u001b[31mb' }], s);
  assert.equal(s.prompt?.draft, 'a[31mb', 'control characters never reach the prompt');
});

test('state: applying and clearing a filter keeps the selected record (real model)', () => {
  const store = filledStore(syntheticRecords(30));
  const m = new StoreModel(store);
  m.viewport = { sessions: 2, timeline: 8, detail: 10, diagnostics: 2 };
  const items = store.sessions[0]!.items.toArray();
  const publishItem = items.findIndex((r) => r.type === 'message' && r.name === 'publish');
  assert.ok(publishItem > 0);
  let s = run(m, [tab, ...Array.from({ length: publishItem }, () => down)]);
  assert.equal(s.timeline.selected, publishItem);
  s = run(m, [{ type: 'filter-open' }, { type: 'filter-input', text: 'type:command' }, { type: 'filter-submit' }], s);
  const rec = m.record(0, s.filter, s.timeline.selected);
  assert.ok(rec?.type === 'message' && rec.name === 'publish', 'still on publish under the filter');
  assert.match(s.notice ?? '', /^filter: \d+ rows match$/);
  s = run(m, [down], s);
  const next = m.record(0, s.filter, s.timeline.selected);
  const nextItem = m.itemAt(0, s.filter, s.timeline.selected);
  assert.ok(next?.type === 'message' && next.typeId === 20, 'moving stays within commands');
  s = run(m, [{ type: 'escape' }], s);
  assert.deepEqual(m.record(0, s.filter, s.timeline.selected), next, 'clearing the filter keeps the record');
  assert.equal(s.timeline.selected, nextItem, 'the same item');
  assert.deepEqual(items[nextItem], next);
});

test('state: n jumps to the message at fault (real model: session, direction, frame)', () => {
  const store = filledStore(syntheticRecords(30));
  const m = new StoreModel(store);
  m.viewport = { sessions: 2, timeline: 8, detail: 10, diagnostics: 2 };
  const codes = store.diagnostics.toArray().map((d) => d.code);
  const i = codes.indexOf('rtmp.chunk.size-out-of-range');
  assert.ok(i >= 0, `diagnostics: ${codes.join(', ')}`);
  let s = initialState();
  for (let k = 0; k <= i; k++) s = reduce(s, { type: 'diag-next', delta: 1 }, m);
  assert.equal(s.diagnostics.selected, i);
  assert.equal(store.sessions[s.sessions.selected]!.id, 2);
  const rec = m.record(s.sessions.selected, s.filter, s.timeline.selected);
  assert.ok(rec?.type === 'message');
  assert.equal(rec.typeName, 'Set Chunk Size');
  assert.equal(rec.dir, 's2c');
  // With a filter that hides that message, the jump lands on the nearest row after it.
  s = run(m, [{ type: 'filter-open' }, { type: 'filter-input', text: 'name:result' }, { type: 'filter-submit' }, { type: 'jump-diagnostic', index: i }], s);
  const near = m.record(s.sessions.selected, s.filter, s.timeline.selected);
  assert.ok(near?.type === 'message' && near.name === '_result' && near.frame >= rec.frame);
});

test('state: detail nodes fold with Enter, ← and →; ← on a leaf goes to its parent', () => {
  const store = filledStore(syntheticRecords(30));
  const m = new StoreModel(store);
  m.viewport = { sessions: 2, timeline: 8, detail: 40, diagnostics: 2 };
  const connect = store.sessions[0]!.items.toArray().findIndex((r) => r.type === 'message' && r.name === 'connect');
  let s = run(m, [tab, ...Array.from({ length: connect }, () => down), { type: 'enter' }]);
  assert.equal(s.focus, 'detail');
  const lines = () => m.detailLines(0, s.filter, s.timeline.selected, s.expanded);
  const argsAt = lines().findIndex((l) => l.id === 'args');
  assert.ok(argsAt > 0);
  assert.equal(lines()[argsAt]!.open, false, 'connect has typed command fields: its AMF arguments start closed');
  s = run(
    m,
    Array.from({ length: argsAt }, () => down),
    s,
  );
  s = run(m, [{ type: 'enter' }], s);
  assert.equal(s.expanded['args'], true, 'Enter opens the node under the cursor');
  const objAt = lines().findIndex((l) => l.id === 'args/0');
  assert.equal(objAt, argsAt + 1);
  assert.equal(lines()[objAt]!.open, true, 'depth 1 is open by default');
  const before = lines().length;
  s = run(m, [down, { type: 'enter' }], s);
  assert.equal(s.expanded['args/0'], false);
  assert.ok(lines().length < before, 'collapsing hides the children');
  s = run(m, [{ type: 'right' }], s);
  assert.equal(s.expanded['args/0'], true);
  s = run(m, [{ type: 'right' }], s);
  assert.equal(s.detail.selected, objAt + 1, '→ on an open node moves to its first child');
  s = run(m, [{ type: 'left' }], s);
  assert.equal(s.detail.selected, objAt, '← on a leaf goes to the parent');
  s = run(m, [{ type: 'left' }], s);
  assert.equal(s.expanded['args/0'], false, '← on an open node collapses it');
  // Expansion is remembered by path across messages.
  s = run(m, [{ type: 'focus', pane: 'timeline' }, down, up, { type: 'enter' }], s);
  assert.equal(
    lines().some((l) => l.id === 'args/0/app'),
    false,
  );
});

test('state: ? toggles help, Esc closes it, q quits', () => {
  const m = fake({ lengths: [1], diags: [] });
  let s = run(m, [{ type: 'toggle-help' }]);
  assert.equal(s.help, true);
  s = run(m, [{ type: 'escape' }], s);
  assert.equal(s.help, false);
  assert.equal(run(m, [{ type: 'quit' }]).quit, true);
  assert.equal(run(m, [{ type: 'filter-open' }, { type: 'quit' }]).quit, true, 'Ctrl-C quits even while typing');
});

test('state: the reducer does not mutate its input', () => {
  const m = fake({ lengths: [30, 30], diags: [{ session: 1, item: 3 }] });
  const s = Object.freeze(initialState());
  const actions: Action[] = [down, tab, down, { type: 'page', delta: 1 }, { type: 'diag-next', delta: 1 }, { type: 'toggle-follow' }, { type: 'filter-open' }];
  assert.doesNotThrow(() => run(m, actions, s));
  assert.deepEqual(s, initialState());
});

const K = (over: Partial<Key> = {}): Key => ({
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
  ...over,
});

test('keys: the bindings in normal, prompt and help modes', () => {
  const normal = { prompt: false, help: false };
  assert.deepEqual(keyToAction('j', K(), normal), { type: 'move', delta: 1 });
  assert.deepEqual(keyToAction('', K({ upArrow: true }), normal), { type: 'move', delta: -1 });
  assert.deepEqual(keyToAction('', K({ pageDown: true }), normal), { type: 'page', delta: 1 });
  assert.deepEqual(keyToAction('G', K({ shift: true }), normal), { type: 'end' });
  assert.deepEqual(keyToAction('g', K(), normal), { type: 'home' });
  assert.deepEqual(keyToAction('', K({ tab: true }), normal), { type: 'focus-next' });
  assert.deepEqual(keyToAction('', K({ tab: true, shift: true }), normal), { type: 'focus-prev' });
  assert.deepEqual(keyToAction('N', K({ shift: true }), normal), { type: 'diag-next', delta: -1 });
  assert.deepEqual(keyToAction('q', K(), normal), { type: 'quit' });
  assert.deepEqual(keyToAction('c', K({ ctrl: true }), normal), { type: 'quit' });
  const prompt = { prompt: true, help: false };
  assert.deepEqual(keyToAction('q', K(), prompt), { type: 'filter-input', text: 'q' });
  assert.deepEqual(keyToAction('', K({ return: true }), prompt), { type: 'filter-submit' });
  assert.deepEqual(keyToAction('', K({ backspace: true }), prompt), { type: 'filter-backspace' });
  assert.deepEqual(keyToAction('', K({ escape: true }), prompt), { type: 'filter-cancel' });
  const help = { prompt: false, help: true };
  assert.equal(keyToAction('j', K(), help), null);
  assert.deepEqual(keyToAction('?', K(), help), { type: 'toggle-help' });
});

test('keys: several keys in one read are several commands; typing after / goes to the prompt', () => {
  const normal = { prompt: false, help: false };
  assert.deepEqual(keysToActions('jjj', K(), normal), [down, down, down]);
  assert.deepEqual(keysToActions('\tj\r', K(), normal), [tab, down, { type: 'enter' }]);
  assert.deepEqual(keysToActions('/name:q', K(), normal), [{ type: 'filter-open' }, { type: 'filter-input', text: 'name:q' }]);
  assert.deepEqual(keysToActions('qj', K(), normal), [{ type: 'quit' }]);
  assert.deepEqual(keysToActions('abc', K(), { prompt: true, help: false }), [{ type: 'filter-input', text: 'abc' }]);
  assert.deepEqual(keysToActions('2/name:p\r', K(), normal), [{ type: 'focus', pane: 'timeline' }, { type: 'filter-open' }, { type: 'filter-input', text: 'name:p' }, { type: 'filter-submit' }]);
  assert.deepEqual(keysToActions('ab\u007fc\rj', K(), { prompt: true, help: false }), [{ type: 'filter-input', text: 'ab' }, { type: 'filter-backspace' }, { type: 'filter-input', text: 'c' }, { type: 'filter-submit' }, down]);
});
