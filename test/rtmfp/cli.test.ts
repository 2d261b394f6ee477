/**
 * The command line with RTMFP: --keylog (repeatable) reads key log files and decrypts a session;
 * without it the session is still shown, with the keys asked for; the summary says RTMFP.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { cat, tcMetadata, udpPcap, userData } from '../builders/rtmfp.js';
import { KEYLOG, sessionPkt, startup } from './script.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
const cli = join(root, 'dist', 'bin', 'rtmpscope.js');
const tmp = mkdtempSync(join(tmpdir(), 'rtmpscope-rtmfp-'));
const pcap = join(tmp, 'rtmfp.pcap');
const keylog = join(tmp, 'keys.txt');
const other = join(tmp, 'tls-keys.txt');
const connect = cat([0x02, 0x00, 0x07], new TextEncoder().encode('connect'), [0x00, 0x3f, 0xf0, 0, 0, 0, 0, 0, 0], [0x05]);
writeFileSync(pcap, udpPcap([...startup(), sessionPkt('c', [userData({ flow: 1, seq: 1, metadata: tcMetadata(0), data: cat([0x14, 0, 0, 0, 0], connect) })])]));
writeFileSync(keylog, KEYLOG + '\n');
writeFileSync(other, 'CLIENT_RANDOM 0011 2233\n');

function run(args: string[]) {
  const r = spawnSync(process.execPath, [cli, ...args], { encoding: 'utf8', env: { ...process.env, NO_COLOR: '1' } });
  return {
    status: r.status,
    stdout: r.stdout,
    stderr: r.stderr,
    lines: r.stdout
      .trim()
      .split('\n')
      .filter((l) => l !== '')
      .map((l) => JSON.parse(l) as Record<string, unknown>),
  };
}

test('cli rtmfp: --keylog (repeatable) decrypts the session; without it the keys are asked for', () => {
  const withKeys = run(['export', pcap, '--keylog', other, '--keylog', keylog]);
  assert.equal(withKeys.status, 0, withKeys.stderr);
  assert.ok(withKeys.lines.some((l) => l['type'] === 'message' && l['name'] === 'connect'));
  const without = run(['export', pcap]);
  assert.equal(without.status, 0, without.stderr);
  assert.ok(!without.lines.some((l) => l['type'] === 'message'));
  assert.ok(without.lines.some((l) => l['code'] === 'rtmfp.keys-needed'));
  const s = without.lines.find((l) => l['type'] === 'session');
  assert.equal(s?.['transport'], 'rtmfp');
});

test('cli rtmfp: an unreadable --keylog is a usage error on one line; the summary says RTMFP', () => {
  const r = run(['export', pcap, '--keylog', join(tmp, 'missing.txt')]);
  assert.equal(r.status, 2);
  assert.match(r.stderr, /--keylog .*cannot read it/);
  assert.equal(r.stderr.trim().split('\n').length, 1);
  const sum = spawnSync(process.execPath, [cli, 'summary', pcap, '--keylog', keylog], { encoding: 'utf8', env: { ...process.env, NO_COLOR: '1' } });
  assert.equal(sum.status, 0, sum.stderr);
  assert.match(sum.stdout, /RTMFP/);
});
