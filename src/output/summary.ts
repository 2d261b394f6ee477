/**
 * Summary tables (cli-table3): sessions, media streams, and diagnostics by code with their
 * counts. Built to fit a 100-column terminal; no colour unless the output is a TTY without
 * NO_COLOR. Collects only what the tables need (a few values per session and stream).
 */
import Table from 'cli-table3';
import { CATALOGUE } from '../core/diagnostics.js';
import { clean } from '../core/text.js';
import type { CaptureSummaryRecord, DiagnosticRecord, OutputRecord, SessionRecord, StreamRecord } from '../session/records.js';

export type SummaryOptions = { readonly color: boolean };

type DiagRow = { severity: string; count: number; sessions: Set<number | null>; firstFrame: number | null };

export class SummaryCollector {
  readonly sessions: SessionRecord[] = [];
  readonly streams: StreamRecord[] = [];
  readonly diagCounts = new Map<string, DiagRow>();
  /** Messages per session, counted as they pass. */
  readonly messages = new Map<number, number>();
  capture: CaptureSummaryRecord | null = null;

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
    if (w === undefined) this.written.set(d.code, (w = new Map()));
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

function sessionTable(c: SummaryCollector, color: boolean): string {
  const t = new Table({
    head: ['#', 'client → server', 'app/stream', 'role', 'dur', 'c→s/s→c', 'msgs', 'end'],
    style: style(color),
  });
  for (const s of [...c.sessions].sort((a, b) => a.session - b.session)) {
    const app = s.app ?? null;
    const names = s.streamNames ?? [];
    const appStream = app === null && names.length === 0 ? '-' : `${app ?? '?'}/${names.join(',') || '-'}`;
    const gaps = s.gaps.c2s.count + s.gaps.s2c.count;
    const end = [s.end, s.encrypted ? 'RTMPE' : '', gaps > 0 ? `${gaps}g` : ''].filter((x) => x !== '').join(' ');
    t.push(row([
      String(s.session),
      clip(`${s.client}${s.clientGuessed ? '?' : ''}→${s.server}`, 31),
      clip(appStream, 12),
      s.role ?? '-',
      `${s.duration.toFixed(1)}s`,
      `${shortBytes(s.bytes.c2s)}/${shortBytes(s.bytes.s2c)}`,
      String(s.messageCount.c2s + s.messageCount.s2c),
      end,
    ]));
  }
  return t.toString();
}

function streamTable(c: SummaryCollector, color: boolean): string {
  const t = new Table({
    head: ['#', 'stream', 'video', 'size', 'fps', 'kbit/s', 'key int', 'audio', 'kbit/s'],
    style: style(color),
  });
  for (const st of [...c.streams].sort((a, b) => a.session - b.session || a.streamId - b.streamId)) {
    const v = st.video;
    const a = st.audio;
    const fps = v?.fps.measured ?? v?.fps.config ?? null;
    const ki = v?.keyframeIntervalMs ?? null;
    const audioDesc = a === null ? '-' : [a.objectTypeName ?? a.codec, a.sampleRate === null ? '' : `${a.sampleRate / 1000}k`, a.channels === null ? '' : `${a.channels}ch`].filter((x) => x !== '').join(' ');
    t.push(row([
      String(st.session),
      clip(`${st.role ?? '?'} ${st.name ?? `#${st.streamId}`}`, 16),
      v === null ? '-' : clip([v.codec, v.profile ?? ''].filter((x) => x !== '').join(' '), 14),
      v?.width != null && v.height != null ? `${v.width}x${v.height}` : '-',
      fps === null ? '-' : fps.toFixed(fps >= 10 ? 0 : 1),
      v?.bitrateKbps.avg == null ? '-' : v.bitrateKbps.avg.toFixed(0),
      ki === null ? '-' : `${(ki.avg / 1000).toFixed(1)}s`,
      clip(audioDesc, 16),
      a?.bitrateKbps.avg == null ? '-' : a.bitrateKbps.avg.toFixed(0),
    ]));
  }
  return t.toString();
}

function diagnosticTable(rows: Map<string, DiagRow>, color: boolean): string {
  const t = new Table({ head: ['diagnostic', 'severity', 'count', 'sessions', 'first frame'], style: style(color) });
  const order = { error: 0, warn: 1, info: 2 } as Record<string, number>;
  const sorted = [...rows.entries()].sort((a, b) => (order[a[1].severity] ?? 3) - (order[b[1].severity] ?? 3) || b[1].count - a[1].count || a[0].localeCompare(b[0]));
  const legend: string[] = [];
  for (const [code, e] of sorted) {
    const ss = [...e.sessions].map((s) => (s === null ? '-' : String(s))).sort().join(',');
    t.push(row([code, e.severity, String(e.count), clip(ss, 12), e.firstFrame === null ? '-' : String(e.firstFrame)]));
    const explain = (CATALOGUE as Record<string, { explain: string } | undefined>)[code]?.explain ?? '';
    legend.push(clean(clip(`  ${code}: ${explain}`, 100)));
  }
  return `${t.toString()}\n${legend.join('\n')}`;
}

export function renderSummary(c: SummaryCollector, opts: SummaryOptions): string {
  const parts: string[] = [];
  const cap = c.capture;
  if (cap !== null) {
    const skipped = Object.values(cap.skipped).reduce((a, b) => a + b, 0);
    parts.push(
      clean(`${cap.format ?? 'capture'}: ${cap.frames} frames, ${cap.tcpConnections} TCP connection${cap.tcpConnections === 1 ? '' : 's'}, ${cap.rtmpSessions} RTMP session${cap.rtmpSessions === 1 ? '' : 's'}${skipped > 0 ? `, ${skipped} packets not TCP or undecodable` : ''}${cap.evictedConnections !== undefined ? `, ${cap.evictedConnections} evicted (--max-connections)` : ''}${cap.refusedConnections !== undefined ? `, ${cap.refusedConnections} refused (--max-sessions)` : ''}${cap.failedTlsHandshakes !== undefined ? `, ${cap.failedTlsHandshakes} failed TLS handshakes` : ''}`),
    );
  }
  if (c.sessions.length === 0) parts.push('No RTMP sessions found.');
  else parts.push(sessionTable(c, opts.color));
  if (c.streams.length > 0) parts.push(streamTable(c, opts.color));
  const totals = c.totals();
  if (totals.size > 0) parts.push(diagnosticTable(totals, opts.color));
  else if (c.sessions.length > 0) parts.push('No problems found.');
  return parts.join('\n') + '\n';
}

