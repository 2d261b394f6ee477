/**
 * RTMPS from a real client, decrypted with its key log: ffmpeg 5.1 (GnuTLS, which writes
 * SSLKEYLOGFILE) publishes rtmps:// to nginx's stream module (`listen … ssl`, a throwaway
 * self-signed certificate made here), which proxies the plaintext to nginx-rtmp. Both legs are
 * captured; the RTMP decrypted from the TLS leg must be the plaintext leg's, message for message
 * and at the same stream offsets (the server's last replies may be cut when nginx closes the TLS
 * side first). TLS 1.3 and 1.2 with several suites, forced by nginx. tshark decrypts the same TLS
 * with the key log but does not hand the plaintext to its RTMP dissector.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { NGX_RTMP_MODULE, Namespace, sleep } from './netns.js';
import { CLI, requireTool } from './tools.js';

const NGX_STREAM_MODULE = '/usr/lib/nginx/modules/ngx_stream_module.so';

const CASES = [
  { name: 'TLS 1.3 as negotiated', ssl: 'ssl_protocols TLSv1.3;', version: 'TLS 1.3', suite: 'TLS_AES_256_GCM_SHA384' },
  { name: 'TLS 1.3 AES-128-GCM', ssl: 'ssl_protocols TLSv1.3; ssl_conf_command Ciphersuites TLS_AES_128_GCM_SHA256;', version: 'TLS 1.3', suite: 'TLS_AES_128_GCM_SHA256' },
  { name: 'TLS 1.3 ChaCha20-Poly1305', ssl: 'ssl_protocols TLSv1.3; ssl_conf_command Ciphersuites TLS_CHACHA20_POLY1305_SHA256;', version: 'TLS 1.3', suite: 'TLS_CHACHA20_POLY1305_SHA256' },
  { name: 'TLS 1.2 ECDHE AES-128-GCM', ssl: 'ssl_protocols TLSv1.2; ssl_ciphers ECDHE-ECDSA-AES128-GCM-SHA256;', version: 'TLS 1.2', suite: 'TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256' },
  { name: 'TLS 1.2 ECDHE ChaCha20-Poly1305', ssl: 'ssl_protocols TLSv1.2; ssl_ciphers ECDHE-ECDSA-CHACHA20-POLY1305;', version: 'TLS 1.2', suite: 'TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256' },
  { name: 'TLS 1.2 ECDHE AES-128-CBC-SHA', ssl: 'ssl_protocols TLSv1.2; ssl_ciphers ECDHE-ECDSA-AES128-SHA;', version: 'TLS 1.2', suite: 'TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA' },
] as const;

type Rec = Record<string, unknown>;

function exportWith(pcap: string, keylog: string): Rec[] {
  const out = execFileSync(process.execPath, [CLI, 'export', pcap, '--keylog', keylog], { encoding: 'utf8', maxBuffer: 1 << 28 });
  return out
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => JSON.parse(l) as Rec);
}

/** A message as both legs must agree on it (frames, times and endpoints differ). */
const key = (m: Rec) => JSON.stringify([m['offset'], m['csid'], m['typeId'], m['streamId'], m['timestamp'], m['length'], m['name'] ?? null, m['args'] ?? null, m['media'] ?? null]);

test("RTMPS: ffmpeg → nginx stream ssl → nginx-rtmp, decrypted with GnuTLS's key log, equals the plaintext leg", { timeout: 120_000 }, async () => {
  for (const t of ['nginx', 'ffmpeg', 'tcpdump', 'tshark', 'openssl']) requireTool(t);
  assert.ok(existsSync(NGX_STREAM_MODULE), `missing ${NGX_STREAM_MODULE} (libnginx-mod-stream)`);
  const ns = new Namespace('ts-rtmps');
  try {
    const crt = join(ns.dir, 'tls.crt');
    const keyFile = join(ns.dir, 'tls.key');
    execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-days', '1', '-subj', '/CN=localhost', '-keyout', keyFile, '-out', crt], { stdio: 'ignore' });
    for (const [i, c] of CASES.entries()) {
      const conf = join(ns.dir, `nginx-${i}.conf`);
      writeFileSync(
        conf,
        `load_module ${NGX_STREAM_MODULE};
load_module ${NGX_RTMP_MODULE};
daemon off; master_process off; worker_processes 1;
pid ${join(ns.dir, `nginx-${i}.pid`)};
error_log ${join(ns.dir, `nginx-${i}-error.log`)} info;
events { worker_connections 64; }
stream { server { listen 127.0.0.1:1936 ssl; ssl_certificate ${crt}; ssl_certificate_key ${keyFile}; ${c.ssl} proxy_pass 127.0.0.1:1935; } }
rtmp { server { listen 1935; chunk_size 4096; application live { live on; record off; } } }
`,
      );
      const nginx = ns.start('nginx', ['-c', conf, '-p', ns.dir], `nginx-${i}`);
      await ns.waitForPort(1936);
      await ns.waitForPort(1935);
      const pcap = join(ns.dir, `rtmps-${i}.pcap`);
      const keylog = join(ns.dir, `rtmps-${i}.keylog`);
      const cap = await ns.startCapture(pcap, ['tcp']);
      const ff = ns.exec(
        'env',
        [
          `SSLKEYLOGFILE=${keylog}`,
          'ffmpeg',
          '-hide_banner',
          '-nostdin',
          '-loglevel',
          'error',
          '-re',
          '-f',
          'lavfi',
          '-i',
          'testsrc=size=160x120:rate=15',
          '-f',
          'lavfi',
          '-i',
          'sine=frequency=440:sample_rate=22050',
          '-t',
          '1',
          '-c:v',
          'libx264',
          '-preset',
          'ultrafast',
          '-g',
          '15',
          '-c:a',
          'aac',
          '-b:a',
          '32k',
          '-f',
          'flv',
          'rtmps://localhost:1936/live/tls',
        ],
        60_000,
      );
      assert.equal(ff.status, 0, `${c.name}: ffmpeg failed: ${ff.stderr}`);
      await sleep(300);
      await cap.stop();
      nginx.kill('SIGTERM');
      await new Promise<void>((r) => (nginx.exitCode !== null ? r() : nginx.once('exit', () => r())));
      assert.ok(existsSync(keylog) && readFileSync(keylog, 'utf8').length > 0, `${c.name}: GnuTLS wrote no key log`);

      const recs = exportWith(pcap, keylog);
      const sessions = recs.filter((r) => r['type'] === 'session');
      assert.equal(sessions.length, 2, `${c.name}: the TLS leg and the plaintext leg`);
      const tls = sessions.find((s) => s['transport'] === 'rtmps');
      const plain = sessions.find((s) => s['transport'] === undefined || s['transport'] === 'rtmp');
      assert.ok(tls !== undefined && plain !== undefined, c.name);
      assert.deepEqual((tls['tls'] as Rec)['version'], c.version, c.name);
      assert.deepEqual((tls['tls'] as Rec)['cipherSuite'], c.suite, c.name);
      assert.deepEqual((tls['tls'] as Rec)['sni'], 'localhost', c.name);
      assert.equal((tls['tls'] as Rec)['decrypted'], true, c.name);
      assert.ok(!recs.some((r) => r['type'] === 'diagnostic' && String(r['code']).startsWith('tls.')), `${c.name}: no tls.* diagnostic`);
      const msgs = (s: Rec, dir: string) => recs.filter((r) => r['type'] === 'message' && r['session'] === s['session'] && r['dir'] === dir).map(key);
      const publish = msgs(tls, 'c2s');
      assert.ok(publish.length > 20, `${c.name}: ${publish.length} messages published`);
      assert.deepEqual(publish, msgs(plain, 'c2s'), `${c.name}: client → server`);
      const replies = msgs(tls, 's2c');
      assert.ok(replies.length >= 4, `${c.name}: server replies decrypted`);
      assert.deepEqual(replies, msgs(plain, 's2c').slice(0, replies.length), `${c.name}: server → client`);

      // tshark 4.0 decrypts the same TLS with the key log, but the plaintext never reaches its RTMP
      // dissector: there is no RTMP on the TLS port, while the plaintext leg has it.
      const ts = (args: string[]) => execFileSync('tshark', ['-n', '-r', pcap, '-o', `tls.keylog_file:${keylog}`, ...args], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
      const decrypted = ts(['-Y', 'tcp.port==1936 && data', '-T', 'fields', '-e', 'frame.number'])
        .trim()
        .split('\n')
        .filter((l) => l !== '');
      assert.ok(decrypted.length > 10, `${c.name}: tshark decrypts the TLS leg (${decrypted.length} frames)`);
      assert.equal(ts(['-Y', 'tcp.port==1936 && rtmpt']).trim(), '', `${c.name}: tshark shows no RTMP inside the TLS`);
      assert.notEqual(ts(['-Y', 'tcp.port==1935 && rtmpt']).trim(), '', `${c.name}: tshark shows the plaintext leg's RTMP`);
    }
  } finally {
    await ns.close();
  }
});
