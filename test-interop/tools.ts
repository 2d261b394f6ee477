/**
 * Helpers for the interop suite: run real tools, find committed captures, and run rtmpscope
 * itself as a user would (the built CLI).
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const CAPTURES = join(ROOT, 'captures');
export const CLI = join(ROOT, 'dist', 'bin', 'rtmpscope.js');

/** Ports other than 1935 that committed captures use for RTMP (tshark needs `-d` for them). */
export const EXTRA_RTMP_PORTS = [19350];

/**
 * The committed plain-RTMP captures, plus those in RTMPSCOPE_FRESH_CAPTURES (a folder the interop run fills by
 * running captures/make-captures.sh on this machine, so real peers are exercised every run).
 */
export function captureFiles(): string[] {
  const dirs = [CAPTURES, ...(process.env['RTMPSCOPE_FRESH_CAPTURES'] ? [process.env['RTMPSCOPE_FRESH_CAPTURES']] : [])];
  return dirs.flatMap((dir) =>
    readdirSync(dir)
      // RTMPT captures are held against tshark by rtmpt.test.ts: tshark mis-dissects the tunnel.
      .filter((f) => /\.(pcap|pcapng)$/.test(f) && !/rtmpt/.test(f))
      .sort()
      .map((f) => join(dir, f)),
  );
}

export function requireTool(name: string): void {
  const r = spawnSync('sh', ['-c', `command -v ${name}`]);
  if (r.status !== 0) throw new Error(`${name} is not installed: the interop suite needs the real peers (see .ci/run)`);
}

export function tshark(args: string[]): string {
  const decode = EXTRA_RTMP_PORTS.flatMap((p) => ['-d', `tcp.port==${p},rtmpt`]);
  return execFileSync('tshark', ['-n', '-o', 'rtmpt.max_packet_size:16777215', ...decode, ...args], {
    encoding: 'utf8',
    maxBuffer: 1 << 30,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
}

/**
 * `withKeylog`: decode with the capture's TLS key log (`<capture>.keylog`, the RTMPS captures)
 * when there is one, so its TLS connections are sessions too.
 */
export function rtmpscopeNdjson(file: string, opts: { withKeylog?: boolean } = {}): Record<string, unknown>[] {
  const keylog = opts.withKeylog === true && existsSync(`${file}.keylog`) ? ['--keylog', `${file}.keylog`] : [];
  const out = execFileSync(process.execPath, [CLI, 'export', file, '--format', 'ndjson', ...keylog], {
    encoding: 'utf8',
    maxBuffer: 1 << 30,
  });
  return out
    .split('\n')
    .filter((l) => l.length > 0)
    .map((l) => JSON.parse(l) as Record<string, unknown>);
}

export function endpoint(ip: string, port: string | number): string {
  return ip.includes(':') ? `[${ip}]:${port}` : `${ip}:${port}`;
}

/**
 * The node-media-server module (version NMS_VERSION, default 4.4.3), installed on first use into
 * <repo>/.cache/nms (git-ignored) as captures/make-captures.sh does; its directory.
 */
export function nodeMediaServer(): string {
  const version = process.env['NMS_VERSION'] ?? '4.4.3';
  const prefix = join(ROOT, '.cache', 'nms');
  const dir = join(prefix, 'node_modules', 'node-media-server');
  const manifest = join(dir, 'package.json');
  if (existsSync(manifest) && (JSON.parse(readFileSync(manifest, 'utf8')) as { version?: string }).version === version) return dir;
  mkdirSync(prefix, { recursive: true });
  execFileSync('npm', ['install', '--silent', '--no-audit', '--no-fund', '--prefix', prefix, `node-media-server@${version}`], { stdio: 'ignore', timeout: 180_000 });
  return dir;
}

/** The interop suite's ffmpeg test source: testsrc video (x264, zerolatency) and a 440 Hz sine (AAC mono) sent at real time as FLV. */
export type AvSource = {
  readonly seconds: number | string;
  readonly size?: string;
  readonly fps?: number;
  readonly audioRate?: number;
  readonly gop?: number;
  readonly videoKbps?: number;
  readonly audioKbps?: number;
};

/** ffmpeg's input and encoding arguments for an AvSource, up to and including `-f flv` (the URL follows). */
export function avSourceArgs(s: AvSource): string[] {
  const { size = '320x240', fps = 15, audioRate = 44100, gop = 15, videoKbps = 300, audioKbps = 64 } = s;
  return [
    ...['-re', '-f', 'lavfi', '-i', `testsrc=size=${size}:rate=${fps}`, '-f', 'lavfi', '-i', `sine=frequency=440:sample_rate=${audioRate}`, '-t', String(s.seconds)],
    ...['-map', '0:v', '-map', '1:a', '-c:v', 'libx264', '-preset', 'veryfast', '-tune', 'zerolatency', '-g', String(gop), '-b:v', `${videoKbps}k`, '-pix_fmt', 'yuv420p'],
    ...['-c:a', 'aac', '-b:a', `${audioKbps}k`, '-ac', '1', '-f', 'flv'],
  ];
}
