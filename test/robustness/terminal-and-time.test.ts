/**
 * Issue #13's last two rows. Strings from the wire holding ESC, OSC, BEL, newlines, bidi overrides
 * and line separators reach no terminal raw (summary tables, explanations, stderr) and NDJSON
 * stays exact JSON with U+2028/2029 escaped. pcapng timestamps out of a date's range (if_tsoffset
 * ±2^62, if_tsresol 0 on a nanosecond count) never throw — export, summary and the UI — and are
 * reported once per interface.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { clean, toJson } from '../../src/core/text.js';
import type { OutputRecord } from '../../src/records/index.js';
import { buildDetail, flattenDetail } from '../../src/tui/tree.js';
import type { TimelineRecord } from '../../src/tui/format.js';
import { Rtmp, pipeline } from '../analysis/script.js';
import { writePcapng } from '../builders/pcap.js';
import { CLI } from './helpers.js';

const tmp = mkdtempSync(join(tmpdir(), 'rtmpscope-term-'));
process.on('exit', () => rmSync(tmp, { recursive: true, force: true }));

const EVIL = 'live\u001b]0;pwned\u0007\u001b[2J\n| forged | row |\u202eevil\u2028sep\u2029par\u009b31m\u007f';

const RAW = /[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/;

function cli(args: string[], bytes: Uint8Array) {
  const f = join(tmp, `in-${Math.random().toString(36).slice(2)}.pcap`);
  writeFileSync(f, bytes);
  const r = spawnSync(process.execPath, [CLI, ...args.map((a) => (a === '@in' ? f : a))], { encoding: 'utf8', timeout: 30_000, env: { ...process.env, NO_COLOR: '1' } });
  rmSync(f, { force: true });
  return r;
}

function evilSession(): Uint8Array {
  return new Rtmp()
    .connect({ app: EVIL, tcUrl: `rtmp://h/${EVIL}` })
    .connectResult()
    .createStream(2)
    .publish(3, 1, EVIL, 'live')
    .pcap();
}

test('clean() shows C0, C1, DEL, bidi overrides and line separators visibly; toJson escapes U+2028/2029', () => {
  assert.equal(clean('a\u001b[2Jb\u0007c\u009bd\u007fe\u202ef\u2028g\u2029h\u2066i\nj'), 'a·[2Jb·c·d·e·f·g·h·i·j');
  const s = toJson({ s: 'x\u2028y\u2029z' });
  assert.equal(s, '{"s":"x\\u2028y\\u2029z"}');
  assert.deepEqual(JSON.parse(s), { s: 'x\u2028y\u2029z' });
});

test('summary of a session whose app and stream name hold escape sequences: nothing raw reaches the terminal', () => {
  const r = cli(['summary', '@in'], evilSession());
  assert.equal(r.status, 0, r.stderr);
  for (const line of r.stdout.split('\n')) assert.doesNotMatch(line, RAW, JSON.stringify(line));
  assert.doesNotMatch(r.stdout, /\n\| forged/);
  assert.match(r.stdout, /live·\]0;pwn/);
});

test('export of the same: exact JSON, the strings intact, U+2028/2029 escaped', () => {
  const r = cli(['export', '@in'], evilSession());
  assert.equal(r.status, 0, r.stderr);
  assert.doesNotMatch(r.stdout, /[\u2028\u2029]/);
  const recs = r.stdout
    .trimEnd()
    .split('\n')
    .map((l) => JSON.parse(l) as { type: string; app?: string });
  assert.equal(recs.find((x) => x.type === 'session')?.app, EVIL);
});

test('stderr lines are sanitised: a file name with escape sequences', () => {
  const r = spawnSync(process.execPath, [CLI, 'export', join(tmp, 'no\u001b]0;x\u0007such\u202e.pcap')], { encoding: 'utf8' });
  assert.equal(r.status, 1);
  assert.doesNotMatch(r.stderr.trimEnd(), RAW);
});

function extremeCapture(): Uint8Array {
  const frames = new Rtmp().connect().connectResult().frames().slice(0, 12);
  const ifaces = [
    { linkType: 1, tsoffset: 2n ** 62n },
    { linkType: 1, tsoffset: -(2n ** 62n) },
    { linkType: 1, tsresol: 0 },
  ];
  return writePcapng(
    ifaces.map((i, k) => ({
      interfaces: [{ ...i, tsoffset: i.tsoffset === undefined ? undefined : Number(i.tsoffset) }],
      // tsresol 0 (seconds) on what is really a nanosecond count.
      packets: frames.map((f, n) => ({ iface: 0, sec: k === 2 ? 1_700_000_000_000_000_000 + n * 1_000_000 : f.sec, nsec: f.nsec ?? 0, data: f.data })),
    })) as Parameters<typeof writePcapng>[0],
  );
}

test('pcapng if_tsoffset ±2^62 and if_tsresol 0: reported, raw seconds, nothing throws (export, summary, the UI detail)', () => {
  const bytes = extremeCapture();
  const recs: OutputRecord[] = pipeline(bytes);
  const codes = recs.filter((r) => r.type === 'diagnostic' && r.code === 'capture.time-out-of-range');
  assert.equal(codes.length, 3);
  for (const r of recs) {
    if (r.type === 'capture' || r.type === 'session' || r.type === 'stream') continue;
    const nodes = buildDetail(r as TimelineRecord, { sessionStart: 0, width: 80 });
    flattenDetail(nodes, {});
  }
  const shown = recs
    .filter((r) => r.type === 'handshake')
    .map((r) =>
      flattenDetail(buildDetail(r as TimelineRecord, { sessionStart: 0, width: 100 }), {})
        .map((l) => JSON.stringify(l))
        .join('\n'),
    );
  assert.ok(
    shown.some((t) => /s since 1970/.test(t)),
    shown[0],
  );
  for (const cmd of ['export', 'summary']) {
    const r = cli([cmd, '@in'], bytes);
    assert.equal(r.status, 0, `${cmd}: ${r.stderr}`);
    assert.equal(r.stderr, '');
  }
});

test('summary: E-RTMP negotiation with FourCCs made of control bytes (fuzz seed 20261209): nothing raw reaches the terminal', () => {
  const bad = '\u0000\u0000\u001b[';
  const bytes = new Rtmp()
    .connect({ fourCcList: ['av01', bad], videoFourCcInfoMap: { [bad]: 2 } })
    .connectResult()
    .createStream(2)
    .publish(3, 1, 'cam', 'live')
    .pcap();
  const r = cli(['summary', '@in'], bytes);
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /E-RTMP: client declares/);
  for (const line of r.stdout.split('\n')) assert.doesNotMatch(line, RAW, JSON.stringify(line));
});
