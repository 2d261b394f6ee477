/**
 * pcap-parser (the library the user named) as an oracle: on every committed classic µs pcap, our
 * sans-IO reader yields exactly the records pcap-parser does — same count, times, lengths, bytes.
 * (pcap-parser itself cannot be the reader: see README, "pcap-parser".)
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createReadStream, readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createCaptureDecoder } from '../../src/capture/decoder.js';

const require = createRequire(import.meta.url);
type PcapParserPacket = { header: { timestampSeconds: number; timestampMicroseconds: number; capturedLength: number; originalLength: number }; data: Buffer };
const pcapParser = require('pcap-parser') as { parse(input: NodeJS.ReadableStream): NodeJS.EventEmitter };

const dir = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..', 'captures');
const files = readdirSync(dir).filter((f) => f.endsWith('.pcap') && readFileSync(join(dir, f)).readUInt32LE(0) === 0xa1b2c3d4);

function viaPcapParser(file: string): Promise<PcapParserPacket[]> {
  return new Promise((resolve, reject) => {
    const out: PcapParserPacket[] = [];
    const p = pcapParser.parse(createReadStream(file));
    p.on('packet', (pkt: PcapParserPacket) => out.push({ header: { ...pkt.header }, data: Buffer.from(pkt.data) }));
    p.on('end', () => resolve(out));
    p.on('error', reject);
  });
}

test('oracle: there are classic µs pcaps to compare', () => assert.ok(files.length >= 5));

for (const f of files) {
  test(`oracle: pcap-parser and rtmpscope read the same records from ${f}`, async () => {
    const want = await viaPcapParser(join(dir, f));
    const dec = createCaptureDecoder();
    const got: PcapParserPacket[] = [];
    const bytes = readFileSync(join(dir, f));
    for (let i = 0; i < bytes.length; i += 65536) {
      for (const e of dec.push(bytes.subarray(i, i + 65536))) {
        if (e.kind === 'record') {
          got.push({
            header: { timestampSeconds: e.sec, timestampMicroseconds: e.nsec / 1000, capturedLength: e.data.length, originalLength: e.origLen },
            data: Buffer.from(e.data),
          });
        }
      }
    }
    assert.equal(got.length, want.length);
    for (let i = 0; i < want.length; i++) {
      assert.deepEqual(got[i]!.header, want[i]!.header, `record ${i + 1}`);
      assert.ok(got[i]!.data.equals(want[i]!.data), `record ${i + 1} bytes`);
    }
  });
}
