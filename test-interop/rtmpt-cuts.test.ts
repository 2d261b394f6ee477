/**
 * RTMPT captures cut mid-exchange (issue #12), on fresh traffic: ffmpeg publishes rtmpt:// and
 * rtmpdump (librtmp, which pipelines its requests) plays rtmpt:// through the suite's RTMPT
 * gateway (rtmpt-gateway.ts) to nginx-rtmp — on HTTP's 8080, and on 5080, a port that is neither
 * HTTP's nor RTMP's (there the mid-stream decision waits for the other side for less: see
 * src/rtmpt/boundary.ts). The capture is cut at the cut-sweep builders' points (inside POST
 * bodies, inside reply bodies, between heads and bodies) and each cut's decode of the tunnels is
 * compared with the intact decode (test/rtmpt/sweep.ts): nothing invented at any cut, and no cut
 * takes a tunnel connection for plain RTMP; recall of the recoverable messages logged, beside
 * tshark's on six of the same cuts on 8080. Needs root, ip, ffmpeg (libx264, aac), rtmpdump,
 * nginx + libnginx-mod-rtmp, tcpdump, editcap, tshark.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Namespace } from './netns.js';
import { requireTool } from './tools.js';
import { publishAndPlay, startGateway } from './rtmpt-peers.js';
import { summary, sweepRtmpt, sweepTable } from '../test/rtmpt/sweep.js';
import { analyzeEvents, captureEvents, cutEvents } from '../test/builders/cut-sweep.js';

for (const port of [8080, 5080]) {
  const http = port === 8080;
  test(`RTMPT cut mid-exchange on port ${port}: fresh ffmpeg and rtmpdump tunnels, cut at every sweep point`, async () => {
    for (const t of ['ip', 'ffmpeg', 'rtmpdump', 'nginx', 'tcpdump', ...(http ? ['editcap', 'tshark'] : [])]) requireTool(t);
    const ns = new Namespace(http ? 'rt-cuts' : 'rt-cuts-off');
    try {
      await startGateway(ns, port);
      const wire = join(ns.dir, 'rtmpt-cuts.pcap');
      const cap = await ns.startCapture(wire, ['tcp', 'port', String(port)]);
      const url = `rtmpt://127.0.0.1:${port}/live/cuts`;
      await publishAndPlay(ns, url, 3, 60, url, 1.8);
      await cap.stop();

      const bytes = new Uint8Array(readFileSync(wire));
      const { intact, cuts } = sweepRtmpt(bytes, port, false);
      assert.ok(intact > 100, `${intact} tunnel messages intact`);
      assert.ok(cuts.length >= 20, `${cuts.length} cuts`);
      const table = sweepTable(cuts);
      for (const c of cuts) assert.equal(c.precision, 1, `cut at frame ${c.cut}: precision ${c.precision}\n${table}`);
      // The capture holds only the tunnel connections: no cut may make a plain RTMP session of one.
      const events = captureEvents(bytes);
      for (const c of cuts) {
        const plain = analyzeEvents(cutEvents(events, c.cut)).filter((r) => r.type === 'session' && r.transport !== 'rtmpt');
        assert.equal(plain.length, 0, `cut at frame ${c.cut}: a tunnel connection taken for plain RTMP`);
      }
      const recall = summary(cuts, (c) => c.recall);
      // The committed capture's floors (test/rtmpt/cut-sweep.test.ts: min 0.98, mean 0.998), with room for a fresh run.
      assert.ok(recall.min >= 0.95, `recall min ${recall.min}\n${table}`);
      assert.ok(recall.mean >= 0.99, `recall mean ${recall.mean}\n${table}`);
      let tshark = '';
      if (http) {
        // tshark on six of the same cuts.
        const picks = [0, 1, 2, 3, 4, 5].map((i) => cuts[Math.floor((i * (cuts.length - 1)) / 5)]!.cut);
        const withTshark = sweepRtmpt(bytes, port, true, wire, picks).cuts;
        for (const c of withTshark) assert.ok(c.recall >= (c.tshark?.recall ?? 0), `cut at frame ${c.cut}: rtmpscope ${c.recall} < tshark ${c.tshark?.recall}`);
        tshark = `\n  tshark:\n  ${sweepTable(withTshark).split('\n').join('\n  ')}`;
      }
      console.log(`fresh RTMPT capture on port ${port}, ${intact} tunnel messages, ${cuts.length} cuts: recall min ${recall.min.toFixed(4)} mean ${recall.mean.toFixed(4)}, precision 1.0\n  ${table.split('\n').join('\n  ')}${tshark}`);
    } finally {
      await ns.close();
    }
  });
}
