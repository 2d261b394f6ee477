/**
 * Summary tables (cli-table3): sessions, media streams, and diagnostics by code with their
 * counts. Built to fit a 100-column terminal; no colour unless the output is a TTY without
 * NO_COLOR. Collects only what the tables need (a few values per session and stream).
 */
import { repliesNote } from './replies.js';
import Table from 'cli-table3';
import { CATALOGUE } from '../core/diagnostics.js';
import { clean } from '../core/text.js';
import type { CaptureSummaryRecord, DiagnosticRecord, OutputRecord, SessionRecord, StreamRecord } from '../records/index.js';

export type SummaryOptions = { readonly color: boolean };

/** Diagnostics that mean a TLS connection's content could not be read. */
const UNREAD_TLS = new Set(['tls.encrypted', 'tls.no-key', 'tls.unsupported-suite']);

type DiagRow = { severity: string; count: number; sessions: Set<number | null>; firstFrame: number | null };
/** A diagnostic row over several captures: sessions and first frame as `capture:number`. */
type MergedDiagRow = { severity: string; count: number; sessions: Set<number | string | null>; firstFrame: number | string | null };
/** Several captures in one table: each record's capture number (1-based), by identity. */
type CapIndex = ReadonlyMap<object, number> | null;

export class SummaryCollector {
  readonly sessions: SessionRecord[] = [];
  readonly streams: StreamRecord[] = [];
  readonly diagCounts = new Map<string, DiagRow>();
  /** Messages per session, counted as they pass. */
  readonly messages = new Map<number, number>();
  capture: CaptureSummaryRecord | null = null;
  /** TLS connections that could not be read (the first few), for a plain note under the tables. */
  readonly unreadTls: DiagnosticRecord[] = [];

  records(recs: readonly OutputRecord[]): void {
    for (const r of recs) {
      switch (r.type) {
        case 'message':
          this.messages.set(r.session, (this.messages.get(r.session) ?? 0) + 1);
          break;
        case 'session':
          this.sessions.push(r);
          break;
        case 'stream':
          this.streams.push(r);
          break;
        case 'diagnostic':
          this.countDiag(r);
          if (UNREAD_TLS.has(r.code) && this.unreadTls.length < 10) this.unreadTls.push(r);
          break;
        case 'capture':
          this.capture = r;
          break;
        case 'handshake':
          break;
      }
    }
  }

  /** Written diagnostic records per code and session. */
  private readonly written = new Map<string, Map<number | null, number>>();

  private countDiag(d: DiagnosticRecord): void {
    let e = this.diagCounts.get(d.code);
    if (e === undefined) {
      e = { severity: d.severity, count: 0, sessions: new Set(), firstFrame: d.frame ?? null };
      this.diagCounts.set(d.code, e);
    }
    e.count++;
    e.sessions.add(d.session);
    let w = this.written.get(d.code);
    if (w === undefined) this.written.set(d.code, (w = new Map<number | null, number>()));
    w.set(d.session, (w.get(d.session) ?? 0) + 1);
  }

  /**
   * Per code: only the first few repeats per session are written as records, and the session
   * record's `diagnosticCounts` has the true totals; use those where a session has them.
   */
  totals(): Map<string, DiagRow> {
    const totals = new Map<number, Readonly<Record<string, number>>>();
    for (const s of this.sessions) if (s.diagnosticCounts !== undefined) totals.set(s.session, s.diagnosticCounts);
    const out = new Map<string, DiagRow>();
    for (const [code, row] of this.diagCounts) {
      let count = 0;
      for (const [session, n] of this.written.get(code) ?? []) {
        const t = session === null ? undefined : totals.get(session)?.[code];
        count += t !== undefined && t > n ? t : n;
      }
      out.set(code, { ...row, count });
    }
    return out;
  }
}

export function formatBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(1)} KiB`;
  if (n < 1024 * 1024 * 1024) return `${(n / 1024 / 1024).toFixed(1)} MiB`;
  return `${(n / 1024 / 1024 / 1024).toFixed(2)} GiB`;
}

function style(color: boolean) {
  return color ? { head: ['cyan'], border: ['grey'] } : { head: [], border: [] };
}

function clip(s: string, n: number): string {
  return s.length <= n ? s : s.slice(0, n - 1) + '…';
}

/** A table row with every cell safe for a terminal (names, apps and codes come from the wire or a file). */
function row(cells: string[]): string[] {
  return cells.map(clean);
}

/** Compact byte counts for table cells (1023, 101.9K, 3.2M, 1.10G). */
function shortBytes(n: number): string {
  if (n < 1024) return String(n);
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(1)}K`;
  if (n < 1024 * 1024 * 1024) return `${(n / 1024 / 1024).toFixed(1)}M`;
  return `${(n / 1024 / 1024 / 1024).toFixed(2)}G`;
}

/** Records in capture order (when several), then by session (and stream id). */
function ordered<T extends { session: number; streamId?: number }>(list: readonly T[], caps: CapIndex): T[] {
  const cap = (r: T) => (caps === null ? 0 : (caps.get(r) ?? 0));
  return [...list].sort((a, b) => cap(a) - cap(b) || a.session - b.session || (a.streamId ?? 0) - (b.streamId ?? 0));
}

/** The capture column's cell (several captures only). */
function capCell(caps: CapIndex, r: object): string[] {
  return caps === null ? [] : [String(caps.get(r) ?? '?')];
}

function sessionTable(c: Pick<SummaryCollector, 'sessions'>, color: boolean, caps: CapIndex = null): string {
  const t = new Table({
    head: [...(caps === null ? [] : ['cap']), '#', 'client → server', 'app/stream', 'role', 'dur', 'c→s/s→c', 'msgs', 'end'],
    style: style(color),
  });
  const ends = new Set<string>();
  let gapped = false;
  for (const s of ordered(c.sessions, caps)) {
    ends.add(s.end);
    if (s.gaps.c2s.count + s.gaps.s2c.count > 0) gapped = true;
    const app = s.app ?? null;
    const names = s.streamNames ?? [];
    const appStream = app === null && names.length === 0 ? '-' : `${app ?? '?'}/${names.join(',') || '-'}`;
    const gaps = s.gaps.c2s.count + s.gaps.s2c.count;
    // The transport when it is not plain RTMP (RTMPE, RTMPS, RTMPT, RTMFP).
    const via = s.transport === 'rtmp' ? '' : s.transport.toUpperCase();
    const end = [s.end, via, gaps > 0 ? `${gaps}g` : ''].filter((x) => x !== '').join(' ');
    t.push(
      row([
        ...capCell(caps, s),
        String(s.session),
        clip(`${s.client}${s.clientGuessed ? '?' : ''}→${s.server}`, 31),
        clip(appStream, 12),
        s.role ?? '-',
        `${s.duration.toFixed(1)}s`,
        `${shortBytes(s.bytes.c2s)}/${shortBytes(s.bytes.s2c)}`,
        String(s.messageCount.c2s + s.messageCount.s2c),
        end,
      ]),
    );
  }
  return t.toString() + endLegend(ends, gapped);
}

const END_MEANING: Readonly<Record<string, string>> = {
  fin: 'closed normally (FIN)',
  rst: 'reset (RST)',
  eof: 'still open when the capture ended',
  reused: 'its addresses and ports were reused',
  evicted: 'no longer followed (--max-connections)',
};

/** What the `end` column's words mean, for those in the table. */
function endLegend(ends: ReadonlySet<string>, gapped: boolean): string {
  const parts = [...ends].filter((e) => END_MEANING[e] !== undefined).map((e) => `${e} = ${END_MEANING[e]}`);
  if (gapped) parts.push('Ng = N holes the capture missed (TCP gaps)');
  return parts.length === 0 ? '' : `\n  end: ${parts.join('; ')}`;
}

function streamTable(c: Pick<SummaryCollector, 'streams'>, color: boolean, caps: CapIndex = null): string {
  const t = new Table({
    head: [...(caps === null ? [] : ['cap']), '#', 'stream', 'video', 'size', 'fps', 'kbit/s', 'key int', 'audio', 'kbit/s'],
    style: style(color),
  });
  for (const st of ordered(c.streams, caps)) {
    t.push(row([...capCell(caps, st), String(st.session), clip(`${st.role ?? '?'} ${st.name ?? `#${st.streamId}`}`, 16), ...videoCells(st.video), ...audioCells(st.audio)]));
    // E-RTMP multitrack: the default track 0 is the row above; every other track gets a row of its own.
    for (const tr of st.tracks ?? []) {
      if (tr.trackId === 0) continue;
      t.push(row([...(caps === null ? [] : ['']), '', clip(`└ ${tr.kind} track ${tr.trackId}`, 16), ...videoCells(tr.video), ...audioCells(tr.audio)]));
    }
  }
  return t.toString();
}

/**
 * E-RTMP negotiation beside what was sent: the client's connect (fourCcList, FourCC info maps with
 * their flags, capsEx) and the server's _result, for each session that used or declared E-RTMP.
 */
function negotiationTable(c: Pick<SummaryCollector, 'sessions'>, color: boolean, caps: CapIndex = null): string | null {
  const rows: string[][] = [];
  for (const s of ordered(c.sessions, caps)) {
    const e = s.enhanced;
    if (e === undefined) continue;
    const maps = (m: Readonly<Record<string, number>> | null, kind: string): string | null =>
      m === null
        ? null
        : `${kind} {${Object.entries(m)
            .map(
              ([k, v]) =>
                `${k}:${
                  FOURCC_FLAGS.filter(([bit]) => (v & bit) !== 0)
                    .map(([, n]) => n)
                    .join('+') || v
                }`,
            )
            .join(' ')}}`;
    const client = [e.fourCcList === null ? null : `[${e.fourCcList.join(' ')}]`, maps(e.videoFourCcInfoMap, 'video'), maps(e.audioFourCcInfoMap, 'audio'), e.capsExNames.length > 0 ? e.capsExNames.join('+') : null].filter((x) => x !== null);
    const sv = e.server;
    const server = sv === null ? '-' : [sv.fourCcList === null ? null : `[${sv.fourCcList.join(' ')}]`, sv.fourCcInfoMap ? 'info maps' : null, sv.capsEx === null ? null : `capsEx ${sv.capsEx}`].filter((x) => x !== null).join(' ') || 'no E-RTMP';
    const sent = (d: 'c2s' | 's2c'): string => e.fourCcsSent[d].join(' ') || '-';
    if (client.length === 0 && e.fourCcsSent.c2s.length === 0 && e.fourCcsSent.s2c.length === 0) continue;
    // FourCCs and names are wire text (a FourCC of NUL bytes reached the terminal raw: fuzz seed 20261209).
    rows.push([...capCell(caps, s), ...[String(s.session), clip(client.join(' ') || 'nothing', 40), clip(server, 20), clip(sent('c2s'), 16), clip(sent('s2c'), 16)].map((x) => clean(x))]);
  }
  if (rows.length === 0) return null;
  const t = new Table({ head: [...(caps === null ? [] : ['cap']), '#', 'E-RTMP: client declares', 'server reply', 'sent c→s', 'sent s→c'], style: style(color) });
  for (const r of rows) t.push(r);
  return t.toString();
}

const FOURCC_FLAGS: readonly (readonly [number, string])[] = [
  [1, 'dec'],
  [2, 'enc'],
  [4, 'fwd'],
];

/** Long words of profile names, abbreviated so the name is never cut (the part that matters is at its end). */
const PROFILE_WORDS: readonly (readonly [RegExp, string])[] = [
  [/\bPredictive\b/, 'Pred'],
  [/\bConstrained\b/, 'Constr.'],
  [/\bProgressive\b/, 'Prog.'],
  [/\bFormat Range Extensions\b/, 'RExt'],
];

/** Codec and profile, abbreviated but whole (High 4:4:4 Predictive → High 4:4:4 Pred), with a bit depth above 8 the profile does not name. */
export function videoName(v: NonNullable<StreamRecord['video']>): string {
  let profile = v.profile ?? '';
  for (const [re, short] of PROFILE_WORDS) profile = profile.replace(re, short);
  const depth = v.bitDepth !== null && v.bitDepth > 8 && !profile.includes(String(v.bitDepth)) ? `${v.bitDepth}-bit` : '';
  return [v.codec, profile, depth].filter((x) => x !== '').join(' ');
}

function videoCells(v: StreamRecord['video']): string[] {
  const fps = v?.fps.measured ?? v?.fps.config ?? null;
  const ki = v?.keyframeIntervalMs ?? null;
  return [
    v === null ? '-' : videoName(v),
    v?.width != null && v.height != null ? `${v.width}x${v.height}` : '-',
    fps === null ? '-' : fps.toFixed(fps >= 10 ? 0 : 1),
    v?.bitrateKbps.avg == null ? '-' : v.bitrateKbps.avg.toFixed(0),
    ki === null ? '-' : `${(ki.avg / 1000).toFixed(1)}s`,
  ];
}

function audioCells(a: StreamRecord['audio']): string[] {
  const desc = a === null ? '-' : [a.objectTypeName ?? a.codec, a.sampleRate === null ? '' : `${a.sampleRate / 1000}k`, a.channels === null ? '' : `${a.channels}ch`].filter((x) => x !== '').join(' ');
  return [clip(desc, 16), a?.bitrateKbps.avg == null ? '-' : a.bitrateKbps.avg.toFixed(0)];
}

function diagnosticTable(rows: ReadonlyMap<string, DiagRow | MergedDiagRow>, color: boolean): string {
  const t = new Table({ head: ['diagnostic', 'severity', 'count', 'sessions', 'first frame'], style: style(color) });
  const order = { error: 0, warn: 1, info: 2 } as Record<string, number>;
  const sorted = [...rows.entries()].sort((a, b) => (order[a[1].severity] ?? 3) - (order[b[1].severity] ?? 3) || b[1].count - a[1].count || a[0].localeCompare(b[0]));
  const legend: string[] = [];
  for (const [code, e] of sorted) {
    const ss = [...e.sessions]
      .map((s) => (s === null ? '-' : String(s)))
      .sort()
      .join(',');
    t.push(row([code, e.severity, String(e.count), clip(ss, 12), e.firstFrame === null ? '-' : String(e.firstFrame)]));
    const explain = (CATALOGUE as Record<string, { explain: string } | undefined>)[code]?.explain ?? '';
    legend.push(clean(clip(`  ${code}: ${explain}`, 100)));
  }
  if (legend.some((l) => l.endsWith('…'))) legend.push('  (rtmpscope explain CODE prints a whole explanation)');
  return `${t.toString()}\n${legend.join('\n')}`;
}

/** TLS connections not decrypted: who, what, and what to do (wire text is escaped by src/tls/hello.ts). */
function unreadTlsNote(ds: readonly DiagnosticRecord[]): string {
  const lines = ds.map((d) => {
    const x = d.context ?? {};
    const facts = [x['version'], x['cipherSuite'], x['sni'] === '' || x['sni'] === undefined ? '' : `SNI ${String(x['sni'])}`].filter((v) => v !== '' && v !== undefined).join(', ');
    return clip(`  ${d.client ?? '?'} → ${d.server ?? '?'}  ${facts}`, 100);
  });
  return [`TLS (RTMPS?) not decrypted: ${ds.length} connection${ds.length === 1 ? '' : 's'}:`, ...lines, '  decrypt with --keylog FILE (the SSLKEYLOGFILE its client wrote), or capture through `rtmpscope proxy`.'].join('\n');
}

/** The snap length cut payload: say so plainly (these bytes were sent, not lost). */
export function truncationLine(t: NonNullable<CaptureSummaryRecord['truncated']>): string {
  const snap = t.snapLen === null ? 'The snap length' : `The snap length (${t.snapLen} bytes)`;
  return `${snap} was too small to decode RTMP: ${t.bytes} payload bytes in ${t.holes} packet${t.holes === 1 ? '' : 's'} of ${t.connections} TCP connection${t.connections === 1 ? '' : 's'} were cut off by the capture (not lost on the wire). Capture again with -s 0.`;
}

/** TCP packets decoded through tunnels, and tunnelled packets that could not be followed. */
export function tunnelLine(t: NonNullable<CaptureSummaryRecord['tunnels']>): string {
  const list = (r: Readonly<Record<string, number>>) =>
    Object.entries(r)
      .map(([k, n]) => `${k} ${n}`)
      .join(', ');
  const undecodable = list(t.undecodable);
  return `Through tunnels (TCP packets per layer): ${list(t.packets) || 'none'}${undecodable === '' ? '' : `; not followed: ${undecodable}`}.`;
}

/** The capture line (frames, connections, sessions, what was skipped) and its notes. */
function captureLines(cap: CaptureSummaryRecord, prefix = ''): string[] {
  const parts: string[] = [];
  const skipped = Object.values(cap.skipped).reduce((a, b) => a + b, 0);
  parts.push(
    clean(
      `${prefix}${cap.format ?? 'capture'}: ${cap.frames} frames, ${cap.tcpConnections} TCP connection${cap.tcpConnections === 1 ? '' : 's'}${cap.tlsConnections === undefined ? '' : ` (${cap.tlsConnections} TLS)`}, ${cap.rtmpSessions} RTMP session${cap.rtmpSessions === 1 ? '' : 's'}${skipped > 0 ? `, ${skipped} packets not TCP or undecodable` : ''}${cap.evictedConnections !== undefined ? `, ${cap.evictedConnections} evicted (--max-connections)` : ''}${cap.refusedConnections !== undefined ? `, ${cap.refusedConnections} refused (--max-sessions)` : ''}${cap.failedTlsHandshakes !== undefined ? `, ${cap.failedTlsHandshakes} failed TLS handshakes` : ''}`,
    ),
  );
  if (cap.truncated !== undefined) parts.push(truncationLine(cap.truncated));
  if (cap.tunnels !== undefined) parts.push(tunnelLine(cap.tunnels));
  return parts;
}

export function renderSummary(c: Pick<SummaryCollector, 'capture' | 'sessions' | 'streams' | 'unreadTls' | 'totals'>, opts: SummaryOptions): string {
  const parts: string[] = [];
  if (c.capture !== null) parts.push(...captureLines(c.capture));
  if (c.sessions.length === 0) parts.push(c.unreadTls.length > 0 ? 'No RTMP sessions found in the readable connections.' : 'No RTMP sessions found.');
  else parts.push(sessionTable(c, opts.color));
  if (c.unreadTls.length > 0) parts.push(unreadTlsNote(c.unreadTls));
  if (c.streams.length > 0) parts.push(streamTable(c, opts.color));
  const negotiation = negotiationTable(c, opts.color);
  if (negotiation !== null) parts.push(negotiation);
  const totals = c.totals();
  if (totals.size > 0) parts.push(diagnosticTable(totals, opts.color));
  else if (c.sessions.length > 0) parts.push('No problems found.');
  const replies = repliesNote(c.sessions);
  if (replies !== null) parts.push(replies);
  return parts.join('\n') + '\n';
}

/** What the tables need of one capture (a SummaryCollector's results, from a worker thread). */
export type SummaryPart = {
  readonly name: string;
  readonly sessions: readonly SessionRecord[];
  readonly streams: readonly StreamRecord[];
  readonly totals: ReadonlyMap<string, DiagRow>;
  readonly capture: CaptureSummaryRecord | null;
  readonly unreadTls: readonly DiagnosticRecord[];
};

/**
 * Several captures in one set of tables: a line per capture (numbered), then the sessions, streams
 * and E-RTMP tables with a `cap` column (sessions are numbered per capture), and the diagnostics
 * by code over all captures, with sessions and first frames as `cap:number`.
 */
export function renderSummaries(list: readonly SummaryPart[], opts: SummaryOptions): string {
  const parts: string[] = [];
  const caps = new Map<object, number>();
  const sessions: SessionRecord[] = [];
  const streams: StreamRecord[] = [];
  const unreadTls: DiagnosticRecord[] = [];
  const totals = new Map<string, MergedDiagRow>();
  list.forEach((p, i) => {
    const n = i + 1;
    if (p.capture !== null) parts.push(...captureLines(p.capture, `${n} ${p.name}: `));
    else parts.push(clean(`${n} ${p.name}`));
    for (const s of p.sessions) {
      sessions.push(s);
      caps.set(s, n);
    }
    for (const s of p.streams) {
      streams.push(s);
      caps.set(s, n);
    }
    if (unreadTls.length < 10) unreadTls.push(...p.unreadTls.slice(0, 10 - unreadTls.length));
    for (const [code, r] of p.totals) {
      let m = totals.get(code);
      if (m === undefined) totals.set(code, (m = { severity: r.severity, count: 0, sessions: new Set(), firstFrame: r.firstFrame === null ? null : `${n}:${r.firstFrame}` }));
      m.count += r.count;
      for (const s of r.sessions) m.sessions.add(s === null ? `${n}:-` : `${n}:${s}`);
    }
  });
  const c = { sessions, streams };
  if (sessions.length === 0) parts.push(unreadTls.length > 0 ? 'No RTMP sessions found in the readable connections.' : 'No RTMP sessions found.');
  else parts.push(sessionTable(c, opts.color, caps));
  if (unreadTls.length > 0) parts.push(unreadTlsNote(unreadTls));
  if (streams.length > 0) parts.push(streamTable(c, opts.color, caps));
  const negotiation = negotiationTable(c, opts.color, caps);
  if (negotiation !== null) parts.push(negotiation);
  if (totals.size > 0) parts.push(diagnosticTable(totals, opts.color));
  else if (sessions.length > 0) parts.push('No problems found.');
  return parts.join('\n') + '\n';
}
