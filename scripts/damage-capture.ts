/**
 * damage-capture: make a damaged copy of a real capture, for the resynchronisation tests.
 *
 *   node dist/scripts/damage-capture.js IN OUT --cut-start-seconds S
 *   node dist/scripts/damage-capture.js IN OUT --cut-start-frames N
 *   node dist/scripts/damage-capture.js IN OUT --drop-every K [--drop-dir c2s|s2c|both] [--seed N]
 *
 * IN is read with rtmpscope's own capture decoder (pcap µs/ns, pcapng); OUT is always a classic
 * pcap with IN's link type (nanosecond magic when IN has nanosecond or pcapng timestamps, so no
 * timestamp changes), and every record kept is written byte for byte with its original time.
 * Nothing is ever rewritten: records are only left out, so tshark and rtmpscope both see real
 * lost bytes.
 *
 * - `--cut-start-seconds S`: leave out every record captured less than S seconds after the
 *   first record of IN. Connections that were open at that time start mid-stream in OUT.
 * - `--cut-start-frames N`: leave out frames 1..N.
 * - `--drop-every K`: within each direction of each TCP connection, number the segments that
 *   carry payload 1, 2, 3, … in capture order; leave out segment n when (n + seed) % K == 0
 *   (seed 0: the K-th, 2K-th, …). Segments with SYN, FIN or RST are always kept, so every
 *   connection still opens and ends inside the file. A retransmission counts as a segment of its
 *   own (loopback captures have none in practice). `--drop-dir` limits the dropping to the
 *   client's (`c2s`, the SYN sender, else the side not on port 1935/19350) or the server's
 *   (`s2c`) direction; default `both`. `--seed` (default 0) shifts which segments are hit.
 *
 * A summary of what was left out goes to stderr. Dev tooling: not part of the package.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { createCaptureDecoder } from '../src/capture/decoder.js';
import { decodeFrame } from '../src/net/decode.js';

type Rec = { frame: number; sec: number; nsec: number; data: Uint8Array; origLen: number; linkType: number };

type Mode = { kind: 'cut-seconds'; seconds: number } | { kind: 'cut-frames'; frames: number } | { kind: 'drop-every'; every: number; dir: 'c2s' | 's2c' | 'both'; seed: number };

const SERVER_PORTS = [1935, 19350];

function usage(msg: string): never {
  process.stderr.write(`damage-capture: ${msg}\n` + 'usage: damage-capture IN OUT (--cut-start-seconds S | --cut-start-frames N | --drop-every K [--drop-dir c2s|s2c|both] [--seed N])\n');
  process.exit(2);
}

function parseArgs(argv: readonly string[]): { input: string; output: string; mode: Mode } {
  const pos: string[] = [];
  const opt = new Map<string, string>();
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i] as string;
    if (a.startsWith('--')) {
      const v = argv[i + 1];
      if (v === undefined) usage(`${a} needs a value`);
      opt.set(a, v);
      i++;
    } else {
      pos.push(a);
    }
  }
  if (pos.length !== 2) usage('expected IN and OUT');
  const known = ['--cut-start-seconds', '--cut-start-frames', '--drop-every', '--drop-dir', '--seed'];
  for (const k of opt.keys()) if (!known.includes(k)) usage(`unknown option ${k}`);
  const num = (k: string, int: boolean): number => {
    const s = opt.get(k) as string;
    const n = Number(s);
    if (!Number.isFinite(n) || n < 0 || (int && !Number.isInteger(n))) usage(`${k}: bad value '${s}'`);
    return n;
  };
  const modes = ['--cut-start-seconds', '--cut-start-frames', '--drop-every'].filter((k) => opt.has(k));
  if (modes.length !== 1) usage('give exactly one of --cut-start-seconds, --cut-start-frames, --drop-every');
  let mode: Mode;
  if (opt.has('--cut-start-seconds')) mode = { kind: 'cut-seconds', seconds: num('--cut-start-seconds', false) };
  else if (opt.has('--cut-start-frames')) mode = { kind: 'cut-frames', frames: num('--cut-start-frames', true) };
  else {
    const every = num('--drop-every', true);
    if (every < 2) usage('--drop-every must be at least 2');
    const dir = opt.get('--drop-dir') ?? 'both';
    if (dir !== 'c2s' && dir !== 's2c' && dir !== 'both') usage(`--drop-dir: bad value '${dir}'`);
    mode = { kind: 'drop-every', every, dir, seed: opt.has('--seed') ? num('--seed', true) : 0 };
  }
  if (mode.kind !== 'drop-every' && (opt.has('--drop-dir') || opt.has('--seed'))) usage('--drop-dir and --seed go with --drop-every');
  return { input: pos[0] as string, output: pos[1] as string, mode };
}

function readRecords(file: string): { records: Rec[]; format: string } {
  const dec = createCaptureDecoder();
  const records: Rec[] = [];
  let format = '';
  const events = [...dec.push(new Uint8Array(readFileSync(file))), ...dec.finish()];
  for (const ev of events) {
    if (ev.kind === 'fatal') throw new Error(`${file}: ${ev.message}`);
    if (ev.kind === 'header') format = ev.format;
    else if (ev.kind === 'diagnostic') throw new Error(`${file}: ${ev.message} (refusing to damage a damaged file)`);
    else if (ev.kind === 'record') {
      records.push({ frame: ev.frame, sec: ev.sec, nsec: ev.nsec, data: ev.data.slice(), origLen: ev.origLen, linkType: ev.linkType });
    }
  }
  return { records, format };
}

function writePcap(records: readonly Rec[], linkType: number, nano: boolean): Uint8Array {
  const total = 24 + records.reduce((n, r) => n + 16 + r.data.length, 0);
  const out = new Uint8Array(total);
  const v = new DataView(out.buffer);
  v.setUint32(0, nano ? 0xa1b23c4d : 0xa1b2c3d4, true);
  v.setUint16(4, 2, true);
  v.setUint16(6, 4, true);
  v.setUint32(16, 262144, true);
  v.setUint32(20, linkType, true);
  let p = 24;
  for (const r of records) {
    v.setUint32(p, r.sec, true);
    v.setUint32(p + 4, nano ? r.nsec : Math.floor(r.nsec / 1000), true);
    v.setUint32(p + 8, r.data.length, true);
    v.setUint32(p + 12, r.origLen, true);
    out.set(r.data, p + 16);
    p += 16 + r.data.length;
  }
  return out;
}

type Dropped = { segments: number; bytes: number };

function damage(records: readonly Rec[], mode: Mode): { kept: Rec[]; dropped: Map<string, Dropped> } {
  const dropped = new Map<string, Dropped>();
  const count = (key: string, bytes: number): void => {
    const d = dropped.get(key) ?? { segments: 0, bytes: 0 };
    d.segments++;
    d.bytes += bytes;
    dropped.set(key, d);
  };
  if (mode.kind === 'cut-seconds' || mode.kind === 'cut-frames') {
    const first = records[0];
    const t0 = first === undefined ? 0n : BigInt(first.sec) * 1_000_000_000n + BigInt(first.nsec);
    const cutNs = mode.kind === 'cut-seconds' ? BigInt(Math.round(mode.seconds * 1e9)) : 0n;
    const kept = records.filter((r) => (mode.kind === 'cut-frames' ? r.frame > mode.frames : BigInt(r.sec) * 1_000_000_000n + BigInt(r.nsec) - t0 >= cutNs));
    for (const r of records.slice(0, records.length - kept.length)) {
      const seg = decodeFrame(r.linkType, r.data, r.origLen);
      count('before the cut', seg.kind === 'tcp' ? seg.payload.length : 0);
    }
    return { kept, dropped };
  }
  // drop-every: client of each connection = SYN sender, else the side not on a server port.
  const client = new Map<string, string>();
  const seen = new Map<string, number>();
  const kept: Rec[] = [];
  for (const r of records) {
    const seg = decodeFrame(r.linkType, r.data, r.origLen);
    if (seg.kind !== 'tcp') {
      kept.push(r);
      continue;
    }
    const a = `${seg.srcIp}|${seg.srcPort}`;
    const b = `${seg.dstIp}|${seg.dstPort}`;
    const conn = a < b ? `${a}/${b}` : `${b}/${a}`;
    if (seg.flags.syn && !seg.flags.ack) client.set(conn, a);
    if (!client.has(conn)) client.set(conn, SERVER_PORTS.includes(seg.srcPort) ? b : a);
    const dir = client.get(conn) === a ? 'c2s' : 's2c';
    if (seg.payload.length === 0 || seg.flags.syn || seg.flags.fin || seg.flags.rst || (mode.dir !== 'both' && mode.dir !== dir)) {
      kept.push(r);
      continue;
    }
    const key = `${conn} ${dir}`;
    const n = (seen.get(key) ?? 0) + 1;
    seen.set(key, n);
    if ((n + mode.seed) % mode.every === 0) {
      const [ca, cb] = client.get(conn) === a ? [a, b] : [b, a];
      count(`${dir} of client ${ca.replace('|', ':')}, server ${cb.replace('|', ':')}`, seg.payload.length);
    } else {
      kept.push(r);
    }
  }
  return { kept, dropped };
}

function main(): void {
  const { input, output, mode } = parseArgs(process.argv.slice(2));
  const { records, format } = readRecords(input);
  const links = new Set(records.map((r) => r.linkType));
  if (links.size > 1) throw new Error(`${input}: several link types (${[...links].join(', ')}); a classic pcap holds one`);
  const { kept, dropped } = damage(records, mode);
  const linkType = records[0]?.linkType ?? 1;
  writeFileSync(output, writePcap(kept, linkType, format !== 'pcap'));
  const say = (s: string): boolean => process.stderr.write(`damage-capture: ${s}\n`);
  say(`${input} -> ${output}: kept ${kept.length} of ${records.length} records`);
  for (const [what, d] of dropped) say(`  left out ${d.segments} record(s), ${d.bytes} TCP payload bytes: ${what}`);
}

try {
  main();
} catch (e) {
  process.stderr.write(`damage-capture: ${(e as Error).message}\n`);
  process.exit(1);
}
