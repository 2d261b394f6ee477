/**
 * The live RTMP proxy (a library; `rtmpscope proxy`'s command line is src/cli/proxy.ts): forwards
 * every byte between an encoder and a server unchanged, in both directions, and decodes a copy
 * with the session pipeline `export` runs, producing the same records as `export` of its `--pcap`.
 *
 * Public surface:
 * - `runProxy(opts)` → `ProxyHandle` ({ address, url, stats(), close() }).
 * - `ProxyOptions`; `parseUpstream` for an upstream address or URL.
 * - `PROXY_CATALOGUE` / `ProxyDiagnosticCode`: the proxy's diagnostic codes.
 */
export { runProxy, type ProxyHandle, type ProxyStats } from './proxy.js';
export { parseUpstream, type ProxyOptions, type UpstreamTarget, type HostPort } from './options.js';
export { PROXY_CATALOGUE, type ProxyDiagnosticCode } from './diagnostics.js';
export { systemClock, steppingClock, type Clock } from './clock.js';
export { TcpSynth, type PcapLink } from './pcap-synth.js';
