/**
 * Summary tables (cli-table3): one row per RTMP session, then the diagnostics by code.
 * Fits a 100-column terminal; no colour unless the output is a TTY without NO_COLOR.
 */
import Table from 'cli-table3';
import type { CaptureSummaryRecord, DiagnosticRecord, OutputRecord, SessionRecord } from '../session/records.js';

export type SummaryOptions = { readonly color: boolean };

export class SummaryCollector {
  readonly sessions: SessionRecord[] = [];
  readonly diagCounts = new Map<string, { severity: string; count: number; sessions: Set<number | null> }>();
  capture: CaptureSummaryRecord | null = null;
  records(recs: readonly OutputRecord[]): void {
    for (const r of recs) {
      if (r.type === 'session') this.sessions.push(r);
      else if (r.type === 'diagnostic') this.countDiag(r);
      else if (r.type === 'capture') this.capture = r;
    }
  }
  private countDiag(d: DiagnosticRecord): void {
    let e = this.diagCounts.get(d.code);
    if (e === undefined) {
      e = { severity: d.severity, count: 0, sessions: new Set() };
      this.diagCounts.set(d.code, e);
    }
    e.count++;
    e.sessions.add(d.session);
  }
}

export function formatBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(1)} KiB`;
  if (n < 1024 * 1024 * 1024) return `${(n / 1024 / 1024).toFixed(1)} MiB`;
  return `${(n / 1024 / 1024 / 1024).toFixed(2)} GiB`;
}

function tableStyle(color: boolean) {
  return color ? { head: ['cyan'], border: ['grey'] } : { head: [], border: [] };
}

export function renderSummary(c: SummaryCollector, opts: SummaryOptions): string {
  const parts: string[] = [];
  const cap = c.capture;
  if (cap !== null) {
    parts.push(
      `${cap.format ?? 'capture'}: ${cap.frames} frames, ${cap.tcpConnections} TCP connections, ${cap.rtmpSessions} RTMP sessions`,
    );
  }
  const sessions = [...c.sessions].sort((a, b) => a.session - b.session);
  if (sessions.length === 0) {
    parts.push('No RTMP sessions found.');
  } else {
    const t = new Table({
      head: ['#', 'client', 'server', 'frames', 'duration', 'c→s', 's→c', 'gaps', 'end'],
      style: tableStyle(opts.color),
      wordWrap: true,
    });
    for (const s of sessions) {
      const gaps = s.gaps.c2s.count + s.gaps.s2c.count;
      t.push([
        String(s.session),
        s.client + (s.clientGuessed ? '?' : ''),
        s.server,
        `${s.firstFrame}–${s.lastFrame}`,
        `${s.duration.toFixed(2)} s`,
        formatBytes(s.bytes.c2s),
        formatBytes(s.bytes.s2c),
        gaps === 0 ? '0' : `${gaps} (${formatBytes(s.gaps.c2s.bytes + s.gaps.s2c.bytes)})`,
        s.end + (s.encrypted ? ', RTMPE' : ''),
      ]);
    }
    parts.push(t.toString());
  }
  if (c.diagCounts.size > 0) {
    const t = new Table({ head: ['diagnostic', 'severity', 'count', 'sessions'], style: tableStyle(opts.color) });
    const rows = [...c.diagCounts.entries()].sort((a, b) => b[1].count - a[1].count || a[0].localeCompare(b[0]));
    for (const [code, e] of rows) {
      const ss = [...e.sessions].map((s) => (s === null ? '-' : String(s))).join(',');
      t.push([code, e.severity, String(e.count), ss.length > 30 ? ss.slice(0, 29) + '…' : ss]);
    }
    parts.push(t.toString());
  }
  return parts.join('\n') + '\n';
}
