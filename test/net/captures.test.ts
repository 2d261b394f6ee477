/**
 * Committed captures for the net stage: the tunnelled ones (real captures rewrapped by
 * scripts/wrap-capture.ts) decode to exactly what their unwrapped frames decode to, only the
 * session records gain `tunnel` and the capture record `tunnels`; a capture with bad TCP
 * checksums everywhere decodes as if they were good; and the snap-length capture reports
 * truncation, never gaps or errors.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { analyzeStream } from '../../src/session/run.js';
import { exportLines } from '../builders/export-lines.js';
import type { OutputRecord } from '../../src/records/index.js';
import { readEthernetCapture, wrapCapture, writePcap } from '../../scripts/wrap-capture.js';
import { truncationLine, tunnelLine } from '../../src/output/summary.js';

const CAPTURES = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..', 'captures');

async function decode(bytes: Uint8Array): Promise<OutputRecord[]> {
  const out: OutputRecord[] = [];
  await analyzeStream(
    'mem',
    (async function* () {
      yield bytes;
    })(),
    (recs) => {
      out.push(...recs);
    },
  );
  return out;
}

/** Records without what only a tunnel adds. */
function untunnelled(recs: readonly OutputRecord[]): unknown[] {
  return recs.map((r) => {
    if (r.type === 'session') {
      const { tunnel: _t, ...rest } = r;
      return rest;
    }
    if (r.type === 'capture') {
      const { tunnels: _t, ...rest } = r;
      return rest;
    }
    return r;
  });
}

const TUNNELLED: readonly [string, string, number, string[]][] = [
  ['tunnel-gtpu.pcap', 'ffmpeg-nginx-publish-ns.pcap', 120, ['gtp-u']],
  ['tunnel-vxlan.pcap', 'ffmpeg-nginx-publish-ns.pcap', 120, ['vxlan']],
  ['tunnel-gre.pcap', 'ffmpeg-nginx-publish-ns.pcap', 120, ['gre']],
  ['tunnel-erspan2.pcap', 'ffmpeg-nginx-publish-ns.pcap', 120, ['erspan']],
  ['tunnel-erspan3.pcap', 'ffmpeg-nginx-publish-ns.pcap', 120, ['erspan']],
  ['tunnel-ipip.pcap', 'ffmpeg-nginx-publish-ns.pcap', 120, ['ip-in-ip']],
  ['tunnel-mpls.pcap', 'ffmpeg-nginx-publish-ns.pcap', 120, ['mpls']],
  ['tunnel-pppoe.pcap', 'ffmpeg-nginx-publish-ns.pcap', 120, ['pppoe']],
  ['tunnel-nested.pcap', 'ffmpeg-nginx-publish-ns.pcap', 120, ['mpls', 'gre', 'vxlan']],
  ['tunnel-6in4.pcap', 'ffmpeg-listen-ipv6.pcap', 100, ['ip-in-ip']],
];

describe('tunnelled captures decode like the unwrapped frames', () => {
  for (const [file, source, frames, types] of TUNNELLED) {
    it(`${file} = ${source} frames 1..${frames}`, async () => {
      const wrapped = await decode(readFileSync(join(CAPTURES, file)));
      const plain = await decode(wrapCapture(readFileSync(join(CAPTURES, source)), null, frames));
      assert.ok(plain.filter((r) => r.type === 'message').length >= 15, 'the unwrapped frames hold RTMP messages');
      assert.deepEqual(untunnelled(wrapped), untunnelled(plain));
      const sessions = wrapped.filter((r) => r.type === 'session');
      assert.equal(sessions.length, 1);
      for (const s of sessions) {
        assert.ok(s.type === 'session' && s.tunnel !== undefined);
        assert.deepEqual(
          s.tunnel.c2s?.map((l) => l.type),
          types,
        );
        assert.deepEqual(
          s.tunnel.s2c?.map((l) => l.type),
          types,
        );
      }
      const cap = wrapped.find((r) => r.type === 'capture');
      assert.ok(cap?.type === 'capture');
      assert.deepEqual(Object.keys(cap.tunnels?.packets ?? {}), types);
      assert.deepEqual(cap.tunnels?.undecodable, {});
      assert.equal(tunnelLine(cap.tunnels), `Through tunnels (TCP packets per layer): ${types.map((t) => `${t} ${frames}`).join(', ')}.`);
    });
  }
});

describe('TCP checksums', () => {
  it('segments with bad TCP checksums are decoded, not dropped (loopback and offload captures have them everywhere)', async () => {
    const { recs, nano } = readEthernetCapture(readFileSync(join(CAPTURES, 'ffmpeg-nginx-publish-ns.pcap')), 120);
    const bad = recs.map((r) => {
      const data = r.data.slice();
      const tcp = 14 + (data[14]! & 0x0f) * 4;
      data[tcp + 16] = data[tcp + 16]! ^ 0x5a; // checksum field
      data[tcp + 17] = data[tcp + 17]! ^ 0xa5;
      return { ...r, data };
    });
    const good = await decode(writePcap(recs, nano));
    assert.deepEqual(await decode(writePcap(bad, nano)), good);
    assert.ok(good.filter((r) => r.type === 'message').length >= 15);
  });
});

describe('snap length', () => {
  it('publish cut by the snap length (frame 34 of ffmpeg-nginx-publish-ns.pcap kept to 66..90 bytes): truncation, no error from the missing name', async () => {
    const { recs, nano } = readEthernetCapture(readFileSync(join(CAPTURES, 'ffmpeg-nginx-publish-ns.pcap')));
    for (const cut of [66, 70, 80, 90]) {
      const out = await decode(
        writePcap(
          recs.map((r, i) => (i === 33 ? { ...r, data: r.data.slice(0, cut) } : r)),
          nano,
        ),
      );
      const diags = out.filter((r) => r.type === 'diagnostic');
      const codes = diags.map((r) => (r.type === 'diagnostic' ? r.code : ''));
      assert.ok(codes.includes('net.truncated') && codes.includes('rtmp.message.damaged'), codes.join());
      assert.ok(!codes.includes('tcp.gap') && !codes.includes('session.stream.no-name'), codes.join());
      assert.deepEqual(
        diags.filter((r) => r.type === 'diagnostic' && r.severity === 'error'),
        [],
      );
    }
  });

  it('ffmpeg-nginx-publish-snap96.pcap (tcpdump -s 96): truncation, never gaps; no errors; the capture record says so', async () => {
    const lines = (await exportLines(join(CAPTURES, 'ffmpeg-nginx-publish-snap96.pcap'))).map((l) => JSON.parse(l) as OutputRecord);
    const codes = lines.filter((r) => r.type === 'diagnostic').map((r) => (r.type === 'diagnostic' ? r.code : ''));
    assert.ok(codes.includes('net.truncated'));
    assert.ok(!codes.includes('tcp.gap'), 'no tcp.gap');
    assert.deepEqual(
      lines.filter((r) => r.type === 'diagnostic' && r.severity === 'error'),
      [],
    );
    const s = lines.find((r) => r.type === 'session');
    assert.ok(s?.type === 'session');
    assert.deepEqual(s.gaps, { c2s: { count: 0, bytes: 0 }, s2c: { count: 0, bytes: 0 } });
    assert.ok(s.truncated !== undefined && s.truncated.c2s.bytes > 20000 && s.truncated.c2s.count > 50);
    const cap = lines.find((r) => r.type === 'capture');
    assert.ok(cap?.type === 'capture');
    assert.equal(cap.truncated?.snapLen, 96);
    assert.equal(cap.truncated?.bytes, s.truncated.c2s.bytes + s.truncated.s2c.bytes);
    assert.match(truncationLine(cap.truncated), /^The snap length \(96 bytes\) was too small to decode RTMP: 30068 payload bytes/);
  });
});
