/**
 * `parseProxyArgs` as a table: accepted spellings of --upstream and --listen with their defaults,
 * and every bad argument rejected with a UserError of exit code 2.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { UserError } from '../../src/io/input.js';
import { parseProxyArgs, parseProxyCommand } from '../../src/cli/proxy.js';

test('options: defaults', () => {
  const o = parseProxyArgs(['--upstream', 'example.com:1935']);
  assert.deepEqual(o, {
    listen: { host: '127.0.0.1', port: 1935 },
    upstream: { host: 'example.com', port: 1935, tls: false },
    insecure: false,
    format: 'ndjson',
    pcapLink: 'ethernet',
    connectTimeoutMs: 10000,
    maxSessions: 1000,
    idleTimeoutMs: 120000,
    handshakeTimeoutMs: 10000,
    stallTimeoutMs: 60000,
  });
});

test('options: upstream spellings', () => {
  const cases: [string, { host: string; port: number; tls: boolean; rtmpe?: boolean }][] = [
    ['10.0.0.5:19350', { host: '10.0.0.5', port: 19350, tls: false }],
    ['media.example', { host: 'media.example', port: 1935, tls: false }],
    ['[::1]:1936', { host: '::1', port: 1936, tls: false }],
    ['[2001:db8::1]', { host: '2001:db8::1', port: 1935, tls: false }],
    ['rtmp://live.example/app/key', { host: 'live.example', port: 1935, tls: false }],
    ['rtmp://live.example:1940/app', { host: 'live.example', port: 1940, tls: false }],
    ['RTMPS://live.example/app', { host: 'live.example', port: 443, tls: true }],
    ['rtmps://live.example:8443', { host: 'live.example', port: 8443, tls: true }],
    ['rtmps://[::1]:4443/x', { host: '::1', port: 4443, tls: true }],
    ['rtmpe://h/live', { host: 'h', port: 1935, tls: false, rtmpe: true }],
  ];
  for (const [arg, want] of cases) assert.deepEqual(parseProxyArgs(['--upstream', arg]).upstream, want, arg);
});

test('options: listen spellings, TLS, outputs', () => {
  assert.deepEqual(parseProxyArgs(['--upstream', 'h:1', '--listen', '127.0.0.1:0']).listen, { host: '127.0.0.1', port: 0 });
  assert.deepEqual(parseProxyArgs(['--upstream', 'h:1', '--listen', '1940']).listen, { host: '127.0.0.1', port: 1940 });
  assert.deepEqual(parseProxyArgs(['--upstream', 'h:1', '--listen', '[::1]:1935']).listen, { host: '::1', port: 1935 });
  assert.deepEqual(parseProxyArgs(['--upstream', 'h:1', '--listen', '0.0.0.0:1935']).listen, { host: '0.0.0.0', port: 1935 });
  const o = parseProxyArgs(['--upstream', 'rtmps://h', '--insecure', '--ca', 'ca.pem', '--tls-cert', 'c.pem', '--tls-key', 'k.pem', '-o', 'out.ndjson', '--pcap', 'out.pcap', '--pcap-link', 'raw', '--connect-timeout', '2.5', '--max-sessions', '8', '--debug']);
  assert.equal(o.insecure, true);
  assert.equal(o.ca, 'ca.pem');
  assert.equal(o.tlsCert, 'c.pem');
  assert.equal(o.tlsKey, 'k.pem');
  assert.equal(o.output, 'out.ndjson');
  assert.equal(o.pcap, 'out.pcap');
  assert.equal(o.pcapLink, 'raw');
  assert.equal(o.connectTimeoutMs, 2500);
  assert.equal(o.maxSessions, 8);
  assert.equal(parseProxyArgs(['--upstream', 'h', '--format', 'none', '--pcap', 'x']).format, 'none');
});

test('options: bad arguments are usage errors (exit 2)', () => {
  const bad: string[][] = [
    [],
    ['--upstream'],
    ['--upstream', ''],
    ['--upstream', 'h:0'],
    ['--upstream', 'h:70000'],
    ['--upstream', 'h:port'],
    ['--upstream', '::1'],
    ['--upstream', '[::1'],
    ['--upstream', '[nothex]:1'],
    ['--upstream', 'http://h/'],
    ['--upstream', 'rtmpte://h/'],
    ['--upstream', 'rtmp://user@h/'],
    ['--upstream', 'rtmp:///app'],
    ['--upstream', 'h', '--listen', 'x:y'],
    ['--upstream', 'h', '--format', 'json'],
    ['--upstream', 'h', '--format', 'none', '-o', 'f'],
    ['--upstream', 'h', '--pcap-link', 'sll'],
    ['--upstream', 'h', '--tls-cert', 'c.pem'],
    ['--upstream', 'h', '--insecure'],
    ['--upstream', 'h', '--ca', 'x.pem'],
    ['--upstream', 'h', '--connect-timeout', '0'],
    ['--upstream', 'h', '--connect-timeout', 'soon'],
    ['--upstream', 'h', '--max-sessions', '0'],
    ['--upstream', 'h', '--bogus'],
    ['--upstream', 'h', 'extra'],
  ];
  for (const argv of bad) {
    assert.throws(
      () => parseProxyArgs(argv),
      (e: unknown) => e instanceof UserError && e.exitCode === 2 && !e.message.includes('\n'),
      JSON.stringify(argv),
    );
  }
});

test("options: our own one-line messages, not parseArgs' text", () => {
  const msg = (argv: string[]): string => {
    try {
      parseProxyArgs(argv);
    } catch (e) {
      return (e as Error).message;
    }
    return 'no error';
  };
  assert.equal(msg(['--upstream', 'h', '--bogus']), "proxy: unknown option '--bogus' (see rtmpscope proxy --help)");
  assert.equal(msg(['--upstream']), 'proxy: --upstream needs a value (see rtmpscope proxy --help)');
  assert.equal(msg(['--upstream', 'h', '--insecure=yes']), 'proxy: --insecure takes no value (see rtmpscope proxy --help)');
  assert.equal(msg(['--upstream', 'h', '-x']), "proxy: unknown option '-x' (see rtmpscope proxy --help)");
  assert.equal(msg(['--upstream', 'h', 'extra']), "proxy: unexpected argument 'extra'");
  assert.equal(parseProxyCommand(['--upstream', 'h', '--no-ui']).ui, false);
  assert.equal(parseProxyCommand(['--upstream', 'h']).ui, true);
  assert.equal(parseProxyCommand(['--upstream', 'h', '--help']).help, true);
});
