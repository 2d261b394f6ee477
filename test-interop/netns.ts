/**
 * Private network namespaces for interop tests: a loopback with a 1500-byte MTU, processes started
 * inside it, nginx-rtmp configured in a temp dir, and tcpdump. Everything is torn down by
 * `close()`, which tests call in `finally`. Traffic never leaves the namespace.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const NGX_RTMP_MODULE = '/usr/lib/nginx/modules/ngx_rtmp_module.so';

export class Namespace {
  readonly name: string;
  readonly dir: string;
  private readonly procs: ChildProcess[] = [];

  constructor(tag: string) {
    this.name = `rtmpscope-${tag}-${process.pid}`;
    this.dir = mkdtempSync(join(tmpdir(), `rtmpscope-${tag}-`));
    run('ip', ['netns', 'add', this.name]);
    run('ip', ['netns', 'exec', this.name, 'ip', 'link', 'set', 'lo', 'up', 'mtu', '1500']);
  }

  /** Start a long-running process inside the namespace. */
  start(cmd: string, args: string[], logName: string): ChildProcess {
    const p = spawn('ip', ['netns', 'exec', this.name, cmd, ...args], { stdio: ['ignore', 'ignore', 'pipe'] });
    let log = '';
    p.stderr?.on('data', (d: Buffer) => {
      if (log.length < 100_000) log += d.toString();
    });
    p.on('exit', () => {
      if (existsSync(this.dir)) writeFileSync(join(this.dir, `${logName}.log`), log);
    });
    this.procs.push(p);
    return p;
  }

  /** Run a command inside the namespace to completion (bounded by `timeoutMs`). */
  exec(cmd: string, args: string[], timeoutMs = 30_000): { status: number | null; stdout: string; stderr: string } {
    const r = spawnSync('ip', ['netns', 'exec', this.name, cmd, ...args], { encoding: 'utf8', timeout: timeoutMs, maxBuffer: 1 << 26 });
    return { status: r.status, stdout: r.stdout, stderr: r.stderr };
  }

  /** Wait until something listens on TCP `port` inside the namespace. */
  async waitForPort(port: number, timeoutMs = 10_000): Promise<void> {
    const until = Date.now() + timeoutMs;
    while (Date.now() < until) {
      const r = this.exec('ss', ['-Hltn', `sport = :${port}`], 5000);
      if (r.stdout.trim() !== '') return;
      await sleep(100);
    }
    throw new Error(`nothing listens on port ${port} in ${this.name} after ${timeoutMs} ms`);
  }

  /** nginx with the RTMP module: application `live` (live on) on each port. */
  async startNginx(ports: number[] = [1935], extra = ''): Promise<void> {
    if (!existsSync(NGX_RTMP_MODULE)) throw new Error(`nginx RTMP module missing at ${NGX_RTMP_MODULE}`);
    const conf = join(this.dir, 'nginx.conf');
    writeFileSync(
      conf,
      `load_module ${NGX_RTMP_MODULE};
daemon off;
master_process off;
worker_processes 1;
pid ${join(this.dir, 'nginx.pid')};
error_log ${join(this.dir, 'nginx-error.log')} info;
events { worker_connections 256; }
rtmp {
${ports.map((p) => `  server { listen ${p}; chunk_size 4096; ${extra} application live { live on; record off; } }`).join('\n')}
}
`,
    );
    this.start('nginx', ['-c', conf, '-p', this.dir], 'nginx');
    for (const p of ports) await this.waitForPort(p);
  }

  /** tcpdump on the namespace's loopback; stop() flushes and waits for it. */
  async startCapture(file: string, filter: string[] = []): Promise<{ stop(): Promise<void> }> {
    const p = this.start('tcpdump', ['-i', 'lo', '-s', '0', '-U', '-w', file, ...filter], 'tcpdump');
    await sleep(700);
    return {
      stop: async () => {
        await sleep(300);
        p.kill('SIGINT');
        await new Promise<void>((resolve) => (p.exitCode !== null ? resolve() : p.once('exit', () => resolve())));
      },
    };
  }

  async close(): Promise<void> {
    const alive = this.procs.filter((p) => p.exitCode === null && p.signalCode === null);
    for (const p of alive) p.kill('SIGKILL');
    await Promise.all(alive.map((p) => new Promise<void>((r) => (p.exitCode !== null || p.signalCode !== null ? r() : p.once('exit', () => r())))));
    const pids = spawnSync('ip', ['netns', 'pids', this.name], { encoding: 'utf8' })
      .stdout.split('\n')
      .filter((x) => x !== '');
    for (const pid of pids) spawnSync('kill', ['-KILL', pid]);
    spawnSync('ip', ['netns', 'del', this.name]);
    if (process.env['KEEP_TMP'] === undefined) rmSync(this.dir, { recursive: true, force: true });
  }
}

export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

function run(cmd: string, args: string[]): void {
  const r = spawnSync(cmd, args, { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed: ${r.stderr}`);
}
