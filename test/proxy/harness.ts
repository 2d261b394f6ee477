/**
 * Runs the proxy in-process for tests: outputs captured in memory (NDJSON text, pcap bytes, and
 * the records delivered to `onRecords`), a deterministic ISN, loopback only. Also: reading a
 * pcap back through the repo's own capture decoder and analyzer, and the NDJSON schema check.
 */
import { Writable } from 'node:stream';
import { readFileSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createRequire } from 'node:module';
import type { ValidateFunction } from 'ajv';
import { createCaptureDecoder } from '../../src/capture/decoder.js';
import { Analyzer } from '../../src/session/analyzer.js';
import type { OutputRecord } from '../../src/session/records.js';
import { runProxy, type ProxyHandle } from '../../src/proxy/proxy.js';
import type { ProxyOptions } from '../../src/proxy/options.js';

export class MemoryWritable extends Writable {
  readonly chunks: Buffer[] = [];
  size = 0;
  constructor(private readonly delayMs = 0, highWaterMark = 16384) {
    super({ highWaterMark });
  }
  override _write(chunk: Buffer, _enc: BufferEncoding, cb: (e?: Error | null) => void): void {
    this.chunks.push(Buffer.from(chunk));
    this.size += chunk.length;
    if (this.delayMs > 0) setTimeout(cb, this.delayMs);
    else cb();
  }
  bytes(): Buffer {
    return Buffer.concat(this.chunks);
  }
  text(): string {
    return this.bytes().toString('utf8');
  }
}

export type TestProxy = {
  readonly handle: ProxyHandle;
  readonly port: number;
  /** Records as delivered to onRecords. */
  readonly records: OutputRecord[];
  readonly ndjson: MemoryWritable;
  readonly pcap: MemoryWritable;
  lines(): Record<string, unknown>[];
  close(): Promise<void>;
};

export async function startProxy(upstreamPort: number, extra: Partial<ProxyOptions> = {}, upstreamHost = '127.0.0.1'): Promise<TestProxy> {
  const ndjson = new MemoryWritable();
  const pcap = new MemoryWritable();
  const records: OutputRecord[] = [];
  let isn = 1000;
  const opts: ProxyOptions = {
    listen: { host: '127.0.0.1', port: 0 },
    upstream: { host: upstreamHost, port: upstreamPort, tls: false },
    insecure: false,
    format: 'ndjson',
    pcapLink: 'ethernet',
    connectTimeoutMs: 5000,
    maxSessions: 1000,
    outputStream: ndjson,
    pcapStream: pcap,
    isn: () => (isn += 0x10000000) >>> 0,
    onRecords: (r) => records.push(...r),
    graceMs: 2000,
    ...extra,
  };
  const handle = await runProxy(opts);
  return {
    handle,
    port: handle.address.port,
    records,
    ndjson,
    pcap,
    lines: () =>
      ndjson
        .text()
        .split('\n')
        .filter((l) => l !== '')
        .map((l) => JSON.parse(l) as Record<string, unknown>),
    close: () => handle.close(),
  };
}

/** A pcap (or pcapng) read back with the repo's own decoders, as export would. */
export function analyzePcap(bytes: Uint8Array): OutputRecord[] {
  const dec = createCaptureDecoder();
  const an = new Analyzer();
  const out: OutputRecord[] = [];
  for (const ev of dec.push(bytes)) {
    if (ev.kind === 'fatal') throw new Error(ev.message);
    out.push(...an.push(ev));
  }
  for (const ev of dec.finish()) out.push(...an.push(ev));
  out.push(...an.finish());
  return out;
}

/** JSON round trip: what a reader of the NDJSON sees. */
export function plain<T>(x: T): unknown {
  return JSON.parse(JSON.stringify(x)) as unknown;
}

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
let validator: ValidateFunction | null = null;
/**
 * Schema check of one line. Record types the schema does not define yet (the session analysis
 * adds some) are left to the golden schema test.
 */
export function validateLine(line: unknown): string | null {
  const type = (line as { type?: unknown }).type;
  if (!['handshake', 'message', 'diagnostic', 'session', 'capture'].includes(type as string)) return null;
  if (validator === null) {
    const require = createRequire(import.meta.url);
    const Ajv = require('ajv') as new (o: object) => { compile(s: object): ValidateFunction };
    const schema = JSON.parse(readFileSync(join(root, 'docs', 'ndjson.schema.json'), 'utf8')) as object;
    validator = new Ajv({ allErrors: false, strict: false }).compile(schema);
  }
  return validator(line) ? null : JSON.stringify(validator.errors?.slice(0, 3));
}

/**
 * Diagnostics that would mean something was damaged or lost on the way: the proxy's own, and
 * those of the capture, network, TCP, chunk/handshake and AMF layers. (Session-analysis findings
 * about the fake peers' behaviour are not the proxy's business.)
 */
export function damage(lines: readonly Record<string, unknown>[]): Record<string, unknown>[] {
  return lines.filter((l) => l['type'] === 'diagnostic' && /^(proxy|capture|net|tcp|rtmp|amf)\./.test(String(l['code'])));
}

export const byType = (recs: readonly OutputRecord[] | readonly Record<string, unknown>[], type: string) =>
  (recs as readonly Record<string, unknown>[]).filter((r) => r['type'] === type);
