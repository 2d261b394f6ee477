/**
 * The record spool (full records in a temporary file, read back by number through a bounded LRU
 * cache) and the compact rows built on it: records come back as they were pushed (as JSON), the
 * file is gone from the file system at once and its descriptor is closed on dispose, the cache
 * stays within its bounds, and rows whose text was not interned (a full text table) look and
 * filter exactly like interned ones.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readlinkSync } from 'node:fs';
import type { MessageRecord, OutputRecord } from '../../src/records/index.js';
import { FilteredIndex, parseFilter } from '../../src/tui/filter.js';
import { computeLayout } from '../../src/tui/layout.js';
import { StoreModel } from '../../src/tui/model.js';
import { diagnosticRows, timelineRows } from '../../src/tui/rows.js';
import { Spool } from '../../src/tui/spool.js';
import { RecordStore } from '../../src/tui/store.js';
import { EMPTY_FILTER } from '../../src/tui/filter.js';
import { str } from '../../src/tui/format.js';
import { syntheticRecords } from './fixtures.js';

const records = syntheticRecords(30);
const json = <T>(v: T): T => JSON.parse(JSON.stringify(v)) as T;
const HAS_PROC_FD = existsSync('/proc/self/fd');
const filter = (text: string) => {
  const r = parseFilter(text);
  assert.ok(r.ok, text);
  return r.filter;
};

/** Descriptors of this process whose target is `path` (Linux: "path (deleted)" once unlinked). */
function fdsOf(path: string): string[] {
  const out: string[] = [];
  for (const fd of readdirSync('/proc/self/fd')) {
    try {
      const target = readlinkSync(`/proc/self/fd/${fd}`);
      if (target === path || target === `${path} (deleted)`) out.push(fd);
    } catch {
      /* closed meanwhile */
    }
  }
  return out;
}

test('spool: records read back equal to what was appended, in any order, batched or written', () => {
  const sp = new Spool();
  try {
    const big = { type: 'x', text: 'é€😀\u0000'.repeat(30_000) }; // > 64 KiB of UTF-8: written directly
    const huge = { type: 'y', hex: 'ab'.repeat(700_000) }; // > 1 MiB: larger than the read-ahead window
    const all: unknown[] = [...records.slice(0, 40), big, ...records.slice(40), huge, { type: 'z', s: 'ünïcödé ✓' }];
    const ids = all.map((r) => sp.append(r));
    assert.deepEqual(
      ids,
      all.map((_, i) => i),
      'numbers in append order',
    );
    assert.equal(sp.count, all.length);
    // Random reads: some from the unwritten batch, some from the file.
    const order = all.map((_, i) => i).sort((a, b) => ((a * 7919) % 101) - ((b * 7919) % 101));
    for (const i of order) assert.deepEqual(sp.read(i), json(all[i]), `record ${i}`);
    // Scans (read ahead, uncached) give the same.
    for (let i = 0; i < all.length; i++) assert.deepEqual(sp.read(i, true), json(all[i]), `scan ${i}`);
    assert.equal(sp.read(all.length), undefined);
    assert.equal(sp.read(-1), undefined);
    assert.equal(sp.read(1.5), undefined);
    // Appending after reads keeps both working.
    const late = sp.append(records[3]);
    assert.deepEqual(sp.read(late), json(records[3]));
    assert.deepEqual(sp.read(0), json(all[0]));
  } finally {
    sp.close();
  }
});

test('spool: the cache is bounded in records and in bytes, and the same object is returned while cached', () => {
  const sp = new Spool({ cacheRecords: 8, cacheBytes: 10_000 });
  try {
    for (let i = 0; i < 100; i++) sp.append({ i, pad: 'x'.repeat(i < 50 ? 100 : 3000) });
    const first = sp.read(0);
    assert.equal(sp.read(0), first, 'a cached record is the same object');
    for (let i = 0; i < 100; i++) {
      sp.read(i);
      assert.ok(sp.cached <= 8, `at most 8 records (${sp.cached})`);
      assert.ok(sp.cachedBytes <= 10_000, `at most 10 000 bytes (${sp.cachedBytes})`);
    }
    assert.ok(sp.cached <= 3, `three ~3 KB records at most (${sp.cached})`);
    for (let i = 0; i < 100; i++) sp.read(i, true);
    assert.ok(sp.cached <= 3, 'scans do not fill the cache');
    // A record larger than the byte bound is kept alone (the detail pane re-reads it every frame).
    const large = sp.append({ pad: 'y'.repeat(20_000) });
    const once = sp.read(large);
    assert.equal(sp.read(large), once, 'kept');
    assert.equal(sp.cached, 1, 'alone');
    sp.read(0);
    assert.equal(sp.cached, 1, 'and dropped by the next read');
    assert.deepEqual(sp.read(0), { i: 0, pad: 'x'.repeat(100) }, 'evicted records are read again');
  } finally {
    sp.close();
  }
});

test('spool: the file is unlinked at once, and close() closes its descriptor; later appends are dropped', { skip: HAS_PROC_FD ? false : 'needs /proc/self/fd' }, () => {
  const sp = new Spool();
  assert.ok(sp.onDisk);
  const path = sp.path!;
  sp.append(records[0]);
  assert.equal(sp.anonymous, true, 'unlinked right after it was opened');
  assert.equal(existsSync(path), false, 'no name in the file system');
  assert.equal(fdsOf(path).length, 1, 'one descriptor holds it');
  sp.close();
  sp.close();
  assert.equal(fdsOf(path).length, 0, 'closed');
  assert.equal(sp.append(records[1]), -1);
  assert.equal(sp.read(0), undefined);
});

test('spool: without a usable temporary directory, records are kept in memory and still read back', () => {
  const sp = new Spool({ dir: '/nonexistent/rtmpscope-test' });
  try {
    assert.equal(sp.onDisk, false);
    for (const r of records.slice(0, 20)) sp.append(r);
    for (let i = 0; i < 20; i++) assert.deepEqual(sp.read(i), json(records[i]));
  } finally {
    sp.close();
  }
});

test('store: rows whose text was not interned (a full text table) render and filter exactly like interned rows', () => {
  const many = syntheticRecords(200);
  const interned = new RecordStore();
  const spooled = new RecordStore({ maxTexts: 0 });
  const spill = new RecordStore({ maxTexts: 4 }); // some interned, then spooled
  try {
    for (const s of [interned, spooled, spill]) s.push(many);
    assert.ok(interned.texts.count > 8, `${interned.texts.count} texts interned`);
    assert.equal(spooled.texts.count, 0);
    assert.equal(spill.texts.count, 4);
    const layout = computeLayout({ columns: 160, rows: 45 }, { sessions: 2, diagnostics: 3 }, 'timeline');
    const filters = ['', 'type:video', 'key avc', 'nalu !inter', 'name:publish', 'type:user', 'stream:cam1', 'stream:movie', 'netstream', 'type:diag', 'size-out', 'dir:s2c aac', 'frame:1-40', 'csid:3'];
    const models = [interned, spooled, spill].map((s) => new StoreModel(s));
    const shown = new Map<string, number>();
    for (const text of filters) {
      const r = parseFilter(text);
      assert.ok(r.ok);
      for (let session = 0; session < 2; session++) {
        const want = timelineRows(models[0]!, session, r.filter, 0, 100_000, layout.timeline);
        if (session === 0) shown.set(text, want.length);
        for (const m of models.slice(1)) assert.deepEqual(timelineRows(m, session, r.filter, 0, 100_000, layout.timeline), want, `${text} in session ${session + 1}`);
      }
    }
    const all = interned.sessions[0]!.items.length;
    for (const text of ['type:video', 'key avc', 'nalu !inter', 'name:publish', 'netstream', 'type:diag', 'frame:1-40']) {
      const n = shown.get(text)!;
      assert.ok(n > 0 && n < all, `${text}: ${n} of ${all} rows`);
    }
    const diags = diagnosticRows(models[0]!, 0, 1000, 160);
    assert.ok(diags.length >= 2);
    for (const m of models.slice(1)) assert.deepEqual(diagnosticRows(m, 0, 1000, 160), diags);
    assert.deepEqual(models[1]!.detailLines(0, EMPTY_FILTER, 7, {}), models[0]!.detailLines(0, EMPTY_FILTER, 7, {}));
  } finally {
    for (const s of [interned, spooled, spill]) s.dispose();
  }
});

test('store: the spool behind a store is closed by dispose(); pushes after it are ignored', { skip: HAS_PROC_FD ? false : 'needs /proc/self/fd' }, () => {
  const store = new RecordStore();
  store.push(records);
  const path = store.spool.path!;
  assert.equal(fdsOf(path).length, 1);
  const before = store.recordCount;
  store.dispose();
  assert.equal(fdsOf(path).length, 0);
  store.push(records);
  assert.equal(store.recordCount, before, 'dropped');
  assert.equal(store.sessions[0]!.items.record(0), undefined, 'records are gone with the spool');
});

test('store: the free-text filter scans compact rows (interned texts), not records', () => {
  // A session of 20 000 messages: the index is built from the columns and the interned text; the
  // spool is read at most once.
  const store = new RecordStore();
  try {
    const video = records.find((r): r is MessageRecord => r.type === 'message' && r.typeId === 9 && str(r.media, 'packetTypeName') === 'nalu')!;
    const batch: OutputRecord[] = [];
    for (let i = 0; i < 20_000; i++) batch.push({ ...video, frame: 1000 + i, offset: video.offset + i * 1000 });
    store.push(batch);
    const parsed = store.spool.parsed;
    const idx = new FilteredIndex(store.sessions[0]!, filter('avc nalu')).sync();
    assert.equal(idx.length, 20_000);
    assert.ok(store.spool.parsed - parsed <= 1, "only the first row's text is read (spooled at its first sighting); no record");
  } finally {
    store.dispose();
  }
});
