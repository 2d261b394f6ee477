/**
 * Differential check of the RTMP decode against tshark's RTMPT dissector on every committed
 * capture: the same messages in the same frames, with the same type and command names, and the
 * handshake parts in the frames where they complete. Known tshark errors are listed in
 * KNOWN_TSHARK_DIFFERENCES and excluded explicitly, never silently.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { captureFiles, requireTool, rtmpscopeNdjson, tshark } from './tools.js';

/** User Control event labels as tshark prints them (its Info column). */
const TSHARK_USER_CONTROL = ['Stream Begin', 'Stream EOF', 'Stream Dry', 'Set Buffer Length', 'Stream Is Recorded', 'Ping Request', 'Ping Response', 'Buffer Empty', 'Buffer Ready', 'SWF Verification'];
const TSHARK_TYPES = ['Set Chunk Size', 'Abort Message', 'Acknowledgement', 'Window Acknowledgement Size', 'Set Peer Bandwidth', 'Audio Data', 'Video Data', 'Aggregate'];

/** One tshark Info element → a comparable label (command name, type name, or 'UserControl'). */
export function tsharkLabel(el: string): string | null {
  if (el.startsWith('Handshake')) return null;
  const cmd = /^([^\s(]+)\(/.exec(el);
  if (cmd) return cmd[1]!;
  for (const t of TSHARK_TYPES) if (el.startsWith(t)) return t;
  for (const u of TSHARK_USER_CONTROL) if (el.startsWith(u)) return 'UserControl';
  return el;
}

/** Split tshark's Info column into elements; `|RtmpSampleAccess` itself begins with `|`. */
export function splitInfo(info: string): string[] {
  const parts = info.split('|');
  const out: string[] = [];
  for (let i = 0; i < parts.length; i++) {
    const p = parts[i]!;
    if (p === '' && i + 1 < parts.length) {
      out.push('|' + parts[++i]);
    } else if (p !== '') out.push(p);
  }
  return out;
}

type FrameMap = Map<number, string[]>;

function tsharkMessages(file: string): { messages: FrameMap; handshakes: FrameMap } {
  const out = tshark(['-r', file, '-Y', 'rtmpt', '-T', 'fields', '-E', 'separator=/t', '-e', 'frame.number', '-e', '_ws.col.Info']);
  const messages: FrameMap = new Map();
  const handshakes: FrameMap = new Map();
  for (const line of out.split('\n')) {
    if (line === '') continue;
    const tab = line.indexOf('\t');
    const frame = Number(line.slice(0, tab));
    for (const el of splitInfo(line.slice(tab + 1))) {
      // TCP expert notes ("[TCP Previous segment not captured] ") share the Info column.
      if (/^\s*\[TCP [^\]]*\]\s*$/.test(el)) continue;
      const label = tsharkLabel(el);
      const map = label === null ? handshakes : messages;
      const v = label ?? el.replace('Handshake ', '');
      map.set(frame, [...(map.get(frame) ?? []), v]);
    }
  }
  return { messages, handshakes };
}

function ourLabel(r: Record<string, unknown>): string {
  const typeId = r['typeId'] as number;
  if (typeId === 4) return 'UserControl';
  if (typeof r['name'] === 'string') return r['name'];
  return r['typeName'] as string;
}

function ours(file: string): { messages: FrameMap; handshakes: FrameMap; damagedFrom: number } {
  const messages: FrameMap = new Map();
  const handshakes: FrameMap = new Map();
  const records = rtmpscopeNdjson(file);
  for (const r of records) {
    if (r['type'] === 'message') {
      const f = r['frame'] as number;
      messages.set(f, [...(messages.get(f) ?? []), ourLabel(r)]);
    } else if (r['type'] === 'handshake') {
      const part = r['part'] as string;
      // tshark names the part that completes in a frame: C0+C1, S0+S1+S2 (or S0+S1, S2), C2.
      if (part === 'C0' || part === 'S0') continue;
      const f = r['frame'] as number;
      handshakes.set(f, [...(handshakes.get(f) ?? []), part]);
    }
  }
  return { messages, handshakes, damagedFrom: damagedFrom(records) };
}

/**
 * Where tshark 4.0 is known wrong; each entry says why. Differences outside this list fail.
 */
export const KNOWN_TSHARK_DIFFERENCES: { why: string; applies: (frame: number, tsharkLabels: string[], ourLabels: string[], damagedFrom: number) => boolean }[] = [
  {
    why: 'tshark does not resynchronise after lost or snap-length-cut TCP bytes or a capture that starts mid-stream (floods of "Unknown (0x0)", field guide); from the first loss on, its decode of the damaged captures is not an oracle',
    applies: (frame, _t, _o, damagedFrom) => frame >= damagedFrom,
  },
];

/** The first frame from which a capture is damaged (a TCP gap, bytes cut by the snap length, or a session whose start is missing). */
function damagedFrom(records: Record<string, unknown>[]): number {
  let first = Infinity;
  for (const r of records) {
    if (r['type'] === 'diagnostic' && (r['code'] === 'tcp.gap' || r['code'] === 'net.truncated')) first = Math.min(first, r['frame'] as number);
    if (r['type'] === 'session') {
      const unseen = r['startUnseen'] as { c2s: boolean; s2c: boolean };
      if (unseen.c2s || unseen.s2c) first = Math.min(first, r['firstFrame'] as number);
    }
  }
  return first;
}

/**
 * The first frame tshark marks as following lost bytes. rtmpscope reports a gap where it decides
 * it (often the next packet of the connection, e.g. the peer's ACK of the unseen bytes), while the
 * segment after the hole, which tshark marks, may already hold messages it recovered.
 */
function tsharkLossFrom(file: string): number {
  const out = tshark(['-r', file, '-Y', 'tcp.analysis.lost_segment', '-T', 'fields', '-e', 'frame.number']);
  const frames = out
    .split('\n')
    .filter((l) => l !== '')
    .map(Number);
  return frames.length === 0 ? Infinity : Math.min(...frames);
}

function sortedEntries(m: FrameMap): [number, string][] {
  return [...m.entries()].sort((a, b) => a[0] - b[0]).map(([f, l]) => [f, [...l].sort().join(',')]);
}

requireTool('tshark');

// RTMPE captures: tshark 4.0 cannot decrypt them (it dissects the ciphertext as garbage RTMP) and
// rtmpscope rightly decodes no message there; test/session/rtmpe.test.ts covers them.
for (const file of captureFiles().filter((f) => !/rtmpe/.test(f.split('/').pop() ?? ''))) {
  test(`messages match tshark: ${file.split('/').slice(-2).join('/')}`, () => {
    const t = tsharkMessages(file);
    const o = ours(file);
    o.damagedFrom = Math.min(o.damagedFrom, tsharkLossFrom(file));
    assert.ok(t.messages.size > 0, 'tshark decoded no RTMP message');
    const frames = new Set([...t.messages.keys(), ...o.messages.keys()]);
    const diffs: string[] = [];
    for (const f of [...frames].sort((a, b) => a - b)) {
      const tl = t.messages.get(f) ?? [];
      const ol = o.messages.get(f) ?? [];
      if ([...tl].sort().join(',') === [...ol].sort().join(',')) continue;
      if (KNOWN_TSHARK_DIFFERENCES.some((k) => k.applies(f, tl, ol, o.damagedFrom))) continue;
      diffs.push(`frame ${f}: tshark [${tl.join(', ')}] rtmpscope [${ol.join(', ')}]`);
    }
    assert.deepEqual(diffs, [], diffs.slice(0, 20).join('\n'));
    // Handshakes: every frame where tshark sees a part completing, we do too.
    const th = sortedEntries(t.handshakes).map(([f]) => f);
    const oh = sortedEntries(o.handshakes).map(([f]) => f);
    for (const f of th) if (f < o.damagedFrom) assert.ok(oh.includes(f), `tshark sees a handshake part in frame ${f}; rtmpscope in ${oh.join(',')}`);
  });
}
