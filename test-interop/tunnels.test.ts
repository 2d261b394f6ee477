/**
 * Tunnelled captures against tshark, which dissects every tunnel rtmpscope decodes through: each
 * committed tunnel-*.pcap (real frames rewrapped by scripts/wrap-capture.ts) holds, for tshark,
 * the same RTMP in the same frames as the unwrapped frames it was made from, and tshark really
 * went through the tunnel (a field only the tunnel sets is in every frame). rtmpscope's side of the comparison is
 * messages.test.ts (every committed capture against tshark) and test/net/captures.test.ts.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CAPTURES, requireTool, tshark } from './tools.js';
import { wrapCapture } from '../scripts/wrap-capture.js';

requireTool('tshark');

/** Capture, the capture it wraps and how many frames, and a tshark field only the tunnel sets (with its value). */
const CASES: readonly [string, string, number, string, string][] = [
  ['tunnel-gtpu.pcap', 'ffmpeg-nginx-publish-ns.pcap', 120, 'gtp.ext_hdr.pdu_ses_con.qos_flow_id', '9'],
  ['tunnel-vxlan.pcap', 'ffmpeg-nginx-publish-ns.pcap', 120, 'vxlan.vni', '5001'],
  ['tunnel-gre.pcap', 'ffmpeg-nginx-publish-ns.pcap', 120, 'gre.key', '0x00c0ffee'],
  ['tunnel-erspan2.pcap', 'ffmpeg-nginx-publish-ns.pcap', 120, 'erspan.spanid', '7'],
  ['tunnel-erspan3.pcap', 'ffmpeg-nginx-publish-ns.pcap', 120, 'erspan.spanid', '7'],
  ['tunnel-ipip.pcap', 'ffmpeg-nginx-publish-ns.pcap', 120, 'ip.proto', '4,6'],
  ['tunnel-mpls.pcap', 'ffmpeg-nginx-publish-ns.pcap', 120, 'mpls.bottom', '0,1'],
  ['tunnel-pppoe.pcap', 'ffmpeg-nginx-publish-ns.pcap', 120, 'pppoe.session_id', '0x1234'],
  ['tunnel-nested.pcap', 'ffmpeg-nginx-publish-ns.pcap', 120, 'vxlan.vni', '77'],
  ['tunnel-6in4.pcap', 'ffmpeg-listen-ipv6.pcap', 100, 'ip.proto', '41'],
];

const FIELDS = ['-T', 'fields', '-E', 'separator=/t', '-e', 'frame.number', '-e', 'rtmpt.header.typeid', '-e', '_ws.col.Info'];

/** tshark's RTMP lines (frame, type ids, Info) of the unwrapped frames, once per source. */
const plainRtmp = new Map<string, string>();
function plain(source: string, frames: number): string {
  const key = `${source}:${frames}`;
  let v = plainRtmp.get(key);
  if (v === undefined) {
    const dir = mkdtempSync(join(tmpdir(), 'rtmpscope-tunnel-'));
    try {
      const file = join(dir, 'plain.pcap');
      writeFileSync(file, wrapCapture(readFileSync(join(CAPTURES, source)), null, frames));
      v = tshark(['-r', file, '-Y', 'rtmpt', ...FIELDS]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
    plainRtmp.set(key, v);
  }
  return v;
}

for (const [file, source, frames, field, value] of CASES) {
  test(`tshark reads the same RTMP through the tunnel: ${file}`, () => {
    const want = plain(source, frames);
    assert.ok(want.split('\n').length > 10, 'tshark decodes RTMP from the unwrapped frames');
    // One pass over the wrapped capture: every frame with the tunnel's field, and the RTMP lines.
    const lines = tshark(['-r', join(CAPTURES, file), ...FIELDS, '-e', field])
      .split('\n')
      .filter((l) => l !== '');
    assert.equal(lines.length, frames);
    for (const l of lines) assert.equal(l.split('\t')[3], value, `tshark went through the tunnel: ${l}`);
    const got = lines.filter((l) => l.split('\t')[1] !== '').map((l) => l.split('\t').slice(0, 3).join('\t'));
    // (Handshake lines carry no type id; the messages after them show the handshake was read.)
    assert.deepEqual(
      got,
      want.split('\n').filter((l) => l !== '' && l.split('\t')[1] !== ''),
    );
  });
}
