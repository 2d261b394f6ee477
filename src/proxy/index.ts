/**
 * The live RTMP proxy (`rtmpscope proxy`): forwards every byte between an encoder and a server
 * unchanged, in both directions, and decodes a copy with the same decoders as the file path
 * (`RtmpSession`), producing the same records as `export`, plus an optional pcap of the traffic.
 *
 * Public surface:
 * - `runProxy(opts)` → `ProxyHandle` ({ address, url, stats(), close() }).
 * - `parseProxyArgs(argv)` → `ProxyOptions` (throws UserError, exit code 2, on bad arguments);
 *   `PROXY_USAGE` documents the option set.
 * - `proxyMain(argv, io?)`: the `rtmpscope proxy ...` command (signals, status lines).
 * - `PROXY_CATALOGUE` / `ProxyDiagnosticCode`: the proxy's diagnostic codes.
 */
export { runProxy, type ProxyHandle, type ProxyStats } from './proxy.js';
export { parseProxyArgs, parseUpstream, PROXY_USAGE, type ProxyOptions, type UpstreamTarget, type HostPort } from './options.js';
export { proxyMain, type ProxyMainIo } from './cli.js';
export { PROXY_CATALOGUE, type ProxyDiagnosticCode } from './diagnostics.js';
export { systemClock, steppingClock, type Clock } from './clock.js';
export { TcpSynth, type PcapLink } from './pcap-synth.js';
