/**
 * The cut sweep for RTMPT (test/builders/cut-sweep.ts's builders, restricted to the messages of
 * the tunnel connections), with tshark's decode of the same cuts beside it. Used by
 * test/rtmpt/cut-sweep.test.ts (committed captures) and test-interop/rtmpt-cuts.test.ts (fresh).
 *
 * tshark reports the messages of an HTTP body in the frame that ends the body, so a tshark
 * message matches an intact message of the same direction and type whose last frame is at most
 * that frame (the nearest one not yet matched, within MAX_FRAME_LAG frames). tshark's fields give
 * no per-message length (`rtmpt.header.bodysize` is missing from headers of format 2 and 3, so the
 * lists do not line up): the match is looser than rtmpscope's own, which only favours tshark.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { analyzeEvents, captureEvents, compareCut, cutEvents, cutPoints, earliestFrame, type CutResult } from '../builders/cut-sweep.js';
import type { MessageRecord, OutputRecord } from '../../src/records/index.js';

export const hasTshark = spawnSync('sh', ['-c', 'command -v tshark && command -v editcap']).status === 0;

const MAX_FRAME_LAG = 40;

export type TsharkCut = { readonly decoded: number; readonly matched: number; readonly found: number; readonly precision: number; readonly recall: number };
export type RtmptCut = CutResult & { readonly tshark: TsharkCut | null };

const tunnelMessages = (recs: readonly OutputRecord[], port: number): MessageRecord[] => recs.filter((r): r is MessageRecord => r.type === 'message' && r.server.endsWith(`:${port}`));

type TsharkMessage = { readonly frame: number; readonly dir: 'c2s' | 's2c'; readonly typeId: number };

/** The RTMP messages tshark decodes in the tunnel connections of a capture file. */
function tsharkMessages(file: string, port: number): TsharkMessage[] {
  const out = execFileSync('tshark', ['-n', '-r', file, '-Y', `rtmpt && tcp.port==${port}`, '-T', 'fields', '-e', 'frame.number', '-e', 'tcp.dstport', '-e', 'rtmpt.header.typeid'], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'ignore'],
    maxBuffer: 1 << 26,
  });
  const msgs: TsharkMessage[] = [];
  for (const line of out.split('\n')) {
    const [f, dst, types] = line.split('\t');
    if (f === undefined || types === undefined || types === '') continue;
    for (const t of types.split(',')) msgs.push({ frame: Number(f), dir: Number(dst) === port ? 'c2s' : 's2c', typeId: Number(t) });
  }
  return msgs;
}

function compareTshark(intact: readonly MessageRecord[], ts: readonly TsharkMessage[], k: number): TsharkCut {
  const used = new Set<MessageRecord>();
  let matched = 0;
  let found = 0;
  for (const t of ts) {
    let best: MessageRecord | null = null;
    for (const m of intact) {
      if (used.has(m) || m.dir !== t.dir || m.typeId !== t.typeId || m.frame > t.frame || t.frame - m.frame > MAX_FRAME_LAG) continue;
      if (best === null || m.frame > best.frame) best = m;
    }
    if (best === null) continue;
    used.add(best);
    matched++;
    if (earliestFrame(best) >= k) found++;
  }
  const recoverable = intact.filter((m) => earliestFrame(m) >= k).length;
  return { decoded: ts.length, matched, found, precision: ts.length === 0 ? 1 : matched / ts.length, recall: recoverable === 0 ? 1 : found / recoverable };
}

/**
 * Sweep a capture holding RTMPT on `port`: cut at the builders' points (≥ 20 spread over it, the
 * handshake boundaries, inside the largest messages), compare the tunnel's messages with the
 * intact decode (or at `points`); with `withTshark` (and tshark installed, and the file's path
 * given), tshark's decode of each cut file too.
 */
export function sweepRtmpt(bytes: Uint8Array, port: number, withTshark: boolean, source?: string, points?: readonly number[]): { intact: number; cuts: RtmptCut[] } {
  const events = captureEvents(bytes);
  const intactRecs = analyzeEvents(events);
  const intact = tunnelMessages(intactRecs, port);
  const dir = withTshark && hasTshark && source !== undefined ? mkdtempSync(join(tmpdir(), 'rtmpscope-rtmpt-')) : null;
  try {
    const cuts = (points ?? cutPoints(events, intactRecs)).map((k): RtmptCut => {
      const r = compareCut(intact, tunnelMessages(analyzeEvents(cutEvents(events, k)), port), k);
      if (dir === null) return { ...r, tshark: null };
      const file = join(dir, `cut-${k}.pcap`);
      execFileSync('editcap', ['-r', source!, file, `${k}-100000000`], { stdio: 'ignore' });
      return { ...r, tshark: compareTshark(intact, tsharkMessages(file, port), k) };
    });
    return { intact: intact.length, cuts };
  } finally {
    if (dir !== null) rmSync(dir, { recursive: true, force: true });
  }
}

/** One line per cut, for the test log. */
export function sweepTable(cuts: readonly RtmptCut[]): string {
  return cuts
    .map(
      (c) =>
        `cut ${c.cut}: precision ${c.precision.toFixed(4)} recall ${c.recall.toFixed(4)} (${c.found}/${c.recoverable})${c.tshark === null ? '' : `; tshark precision ${c.tshark.precision.toFixed(2)} recall ${c.tshark.recall.toFixed(2)} (${c.tshark.found}/${c.recoverable})`}`,
    )
    .join('\n');
}

export function summary(cuts: readonly RtmptCut[], pick: (c: RtmptCut) => number | null): { min: number; mean: number } {
  const xs = cuts.map(pick).filter((x): x is number => x !== null);
  return { min: Math.min(...xs), mean: xs.reduce((a, b) => a + b, 0) / Math.max(1, xs.length) };
}
