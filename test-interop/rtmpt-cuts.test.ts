/**
 * RTMPT captures cut mid-exchange (issue #12), on fresh traffic: ffmpeg publishes rtmpt:// and
 * rtmpdump (librtmp, which pipelines its requests) plays rtmpt:// through the suite's RTMPT
 * gateway (rtmpt-gateway.ts, HTTP on 8080) to nginx-rtmp. The capture is cut at the cut-sweep
 * builders' points (inside POST bodies, inside reply bodies, between heads and bodies) and each
 * cut's decode of the tunnels is compared with the intact decode (test/rtmpt/sweep.ts): nothing
 * invented at any cut, recall of the recoverable messages logged beside tshark's on six of the
 * same cuts. Needs root, ip, ffmpeg (libx264, aac), rtmpdump, nginx + libnginx-mod-rtmp, tcpdump,
 * editcap, tshark.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Namespace } from './netns.js';
import { requireTool } from './tools.js';
import { publishAndPlay, startGateway } from './rtmpt-peers.js';
import { summary, sweepRtmpt, sweepTable } from '../test/rtmpt/sweep.js';

test('RTMPT cut mid-exchange: fresh ffmpeg and rtmpdump tunnels, cut at every sweep point', async () => {
  for (const t of ['ip', 'ffmpeg', 'rtmpdump', 'nginx', 'tcpdump', 'editcap', 'tshark']) requireTool(t);
  const ns = new Namespace('rt-cuts');
  try {
    await startGateway(ns);
    const wire = join(ns.dir, 'rtmpt-cuts.pcap');
    const cap = await ns.startCapture(wire, ['tcp', 'port', '8080']);
    await publishAndPlay(ns, 'rtmpt://127.0.0.1:8080/live/cuts', 3, 60, 'rtmpt://127.0.0.1:8080/live/cuts', 1.8);
    await cap.stop();

    const bytes = new Uint8Array(readFileSync(wire));
    const { intact, cuts } = sweepRtmpt(bytes, 8080, false);
    assert.ok(intact > 100, `${intact} tunnel messages intact`);
    assert.ok(cuts.length >= 20, `${cuts.length} cuts`);
    const table = sweepTable(cuts);
    for (const c of cuts) assert.equal(c.precision, 1, `cut at frame ${c.cut}: precision ${c.precision}\n${table}`);
    const recall = summary(cuts, (c) => c.recall);
    // The committed capture's floors (test/rtmpt/cut-sweep.test.ts), with room for a fresh run.
    assert.ok(recall.min >= 0.8, `recall min ${recall.min}\n${table}`);
    assert.ok(recall.mean >= 0.97, `recall mean ${recall.mean}\n${table}`);
    // tshark on six of the same cuts.
    const picks = [0, 1, 2, 3, 4, 5].map((i) => cuts[Math.floor((i * (cuts.length - 1)) / 5)]!.cut);
    const withTshark = sweepRtmpt(bytes, 8080, true, wire, picks).cuts;
    for (const c of withTshark) assert.ok(c.recall >= (c.tshark?.recall ?? 0), `cut at frame ${c.cut}: rtmpscope ${c.recall} < tshark ${c.tshark?.recall}`);
    console.log(
      `fresh RTMPT capture, ${intact} tunnel messages, ${cuts.length} cuts: recall min ${recall.min.toFixed(4)} mean ${recall.mean.toFixed(4)}, precision 1.0\n  ${table.split('\n').join('\n  ')}\n  tshark:\n  ${sweepTable(withTshark).split('\n').join('\n  ')}`,
    );
  } finally {
    await ns.close();
  }
});
