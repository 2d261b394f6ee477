/**
 * The TUI's views: props-only components (no store, no hooks but React's own), one per pane plus
 * the header, the footer and the help overlay.
 *
 * Contract: every view draws exactly the lines it is given room for (`height`), each line at most
 * `width` columns, from row data that is already windowed, cleaned and padded (see rows.ts), so a
 * frame costs the same for 100 messages and for 1M. The selected row carries a `▸` marker and is
 * drawn in inverse video when its pane has focus (bold otherwise); focus is also shown by the
 * pane's title in inverse. Colours come only from the theme.
 */
import { Box, Text } from 'ink';
import type { ReactNode } from 'react';
import { clip, fit, KINDS, thousands } from './format.js';
import { BINDINGS } from './keys.js';
import { MIN_COLUMNS, MIN_ROWS, type SessionColumns, type TimelineColumns } from './layout.js';
import type { DiagnosticRow, SessionRow, TimelineRow } from './rows.js';
import type { Prompt } from './state.js';
import type { LoadState } from './store.js';
import type { ColorRole, Theme } from './theme.js';
import type { DetailLine } from './tree.js';

type Seg = { readonly text: string; readonly role?: ColorRole | undefined; readonly bold?: boolean; readonly dim?: boolean };

/** One terminal line of coloured segments, padded to `width`; `selected` draws it highlighted. */
function Line(props: { segs: readonly Seg[]; width: number; theme: Theme; selected?: 'focus' | 'blur' | undefined }): ReactNode {
  const { segs, width, theme, selected } = props;
  let used = 0;
  const parts: ReactNode[] = [];
  segs.forEach((s, i) => {
    if (used >= width) return;
    const text = s.text.length > width - used ? s.text.slice(0, width - used) : s.text;
    used += text.length;
    const color = s.role === undefined ? undefined : theme.fg(s.role);
    parts.push(
      <Text key={i} color={color} bold={s.bold === true || selected === 'blur'} dimColor={s.dim === true && selected === undefined}>
        {text}
      </Text>,
    );
  });
  if (used < width) parts.push(<Text key="pad">{' '.repeat(width - used)}</Text>);
  return (
    <Text wrap="truncate" inverse={selected === 'focus'}>
      {parts}
    </Text>
  );
}

function Title(props: { text: string; width: number; focused: boolean; theme: Theme; right?: string }): ReactNode {
  const { text, width, focused, theme } = props;
  const right = props.right === undefined || props.right === '' ? '' : ` ${props.right} `;
  // The right-hand text (position, counts) wins over the end of a long title.
  const label = clip(` ${text} `, Math.max(4, width - 1 - right.length - 2));
  const fill = Math.max(0, width - label.length - right.length - 1);
  return (
    <Text wrap="truncate">
      <Text dimColor={!focused} color={focused ? theme.fg('focus') : theme.fg('dim')}>
        {focused ? '▌' : '─'}
      </Text>
      <Text bold inverse={focused} color={focused ? theme.fg('focus') : undefined}>
        {label}
      </Text>
      <Text color={theme.fg('dim')} dimColor>
        {'─'.repeat(fill)}
      </Text>
      <Text color={theme.fg('accent')}>{clip(right, Math.max(0, width - 1 - label.length))}</Text>
    </Text>
  );
}

/** What every pane is given: its size, focus, selected row and theme. */
export type PaneFrame = {
  /** The selected row: its key in a list pane, its line index in the detail pane. */
  readonly selected: number;
  readonly focused: boolean;
  readonly width: number;
  readonly height: number;
  readonly theme: Theme;
};

/** A pane of keyed rows: a title, an optional column header, an empty-state line, then the rows. */
type ListPaneProps<R extends { readonly key: number }> = {
  readonly frame: PaneFrame;
  readonly title: string;
  readonly right?: string | undefined;
  /** The column header's segments (drawn after a one-column gutter), if the pane has one. */
  readonly header?: readonly Seg[] | undefined;
  /** The line drawn before the rows when there is nothing to show, or null. */
  readonly empty: Seg | null;
  readonly rows: readonly R[];
  readonly segs: (r: R) => readonly Seg[];
};

function ListPane<R extends { readonly key: number }>(p: ListPaneProps<R>): ReactNode {
  const { selected, focused, width, height, theme } = p.frame;
  return (
    <Box flexDirection="column" width={width} height={height}>
      <Title text={p.title} width={width} focused={focused} theme={theme} right={p.right} />
      {p.header === undefined ? null : <Line segs={[{ text: ' ' }, ...p.header]} width={width} theme={theme} />}
      {p.empty === null ? null : <Line segs={[p.empty]} width={width} theme={theme} />}
      {p.rows.map((r) => {
        const sel = r.key === selected;
        return <Line key={r.key} segs={[{ text: sel ? '▸' : ' ', role: 'focus' }, ...p.segs(r)]} width={width} theme={theme} selected={sel ? (focused ? 'focus' : 'blur') : undefined} />;
      })}
    </Box>
  );
}

export type HeaderProps = {
  readonly title: string;
  readonly state: LoadState;
  readonly error: string | null;
  readonly records: number;
  readonly messages: number;
  readonly sessions: number;
  readonly follow: boolean;
  readonly live: boolean;
  /** Records past the store's row cap (counted, not listed), and the cap. */
  readonly dropped?: number;
  readonly maxRows?: number;
  readonly width: number;
  readonly theme: Theme;
};

export function Header(p: HeaderProps): ReactNode {
  const status = p.state === 'loading' ? (p.live ? '● live' : '⟳ loading…') : p.state === 'done' ? (p.live ? '■ ended' : '✓ done') : `✗ ${p.error ?? 'error'}`;
  const role: ColorRole = p.state === 'loading' ? 'busy' : p.state === 'done' ? 'ok' : 'bad';
  const counts = `${thousands(p.records)} records · ${thousands(p.messages)} messages · ${thousands(p.sessions)} session${p.sessions === 1 ? '' : 's'}`;
  const segs: Seg[] = [{ text: ' rtmpscope ', bold: true, role: 'accent' }, { text: clip(p.title, Math.max(8, Math.floor(p.width / 3))) + '  ', bold: true }, { text: status, role, bold: true }, { text: '  ' + counts }];
  if (p.follow) segs.push({ text: '  FOLLOW', role: 'busy', bold: true });
  if ((p.dropped ?? 0) > 0) segs.push({ text: `  ⚠ ${thousands(p.dropped ?? 0)} over the ${thousands(p.maxRows ?? 0)}-row cap`, role: 'warn', bold: true });
  const used = segs.reduce((n, s) => n + s.text.length, 0);
  const hint = '? help  q quit ';
  if (used + hint.length + 1 <= p.width) segs.push({ text: ' '.repeat(p.width - used - hint.length) + hint, role: 'dim' });
  return <Line segs={segs} width={p.width} theme={p.theme} />;
}

export type SessionsPaneProps = PaneFrame & {
  readonly rows: readonly SessionRow[];
  readonly header: SessionRow;
  readonly columns: SessionColumns;
  readonly total: number;
};

function sessionSegs(r: SessionRow, c: SessionColumns, header: boolean): Seg[] {
  const segs: Seg[] = [
    { text: r.id + ' ', role: header ? 'dim' : 'accent' },
    { text: r.endpoints + ' ' },
    { text: r.appStream + ' ', bold: !header },
    { text: r.role + ' ', role: header ? 'dim' : 'command' },
    ...(c.via > 0 ? [{ text: r.via + ' ', role: header || r.via.trimEnd() === 'rtmp' ? ('dim' as const) : ('accent' as const) }] : []),
    { text: r.state, role: header ? 'dim' : r.open ? 'ok' : 'dim' },
  ];
  if (c.problems > 0) segs.push({ text: ' ' + r.problems, role: header ? 'dim' : r.worst === null ? 'dim' : r.worst });
  if (c.messages > 0) segs.push({ text: ' ' + r.messages, role: header ? 'dim' : undefined });
  if (header) return segs.map((s) => ({ ...s, role: 'dim' as const }));
  return segs;
}

export function SessionsPane(p: SessionsPaneProps): ReactNode {
  return <ListPane frame={p} title={`Sessions (${p.total})`} header={sessionSegs(p.header, p.columns, true)} empty={p.total === 0 ? { text: '  no RTMP session yet', role: 'dim' } : null} rows={p.rows} segs={(r) => sessionSegs(r, p.columns, false)} />;
}

export type TimelinePaneProps = PaneFrame & {
  readonly title: string;
  readonly rows: readonly TimelineRow[];
  readonly header: TimelineRow;
  readonly columns: TimelineColumns;
  readonly empty: string;
  readonly right?: string | undefined;
};

function timelineSegs(r: TimelineRow, c: TimelineColumns, header: boolean): Seg[] {
  const kind = header ? 'dim' : r.kind;
  const segs: Seg[] = [{ text: r.frame + ' ', role: 'dim' }];
  if (c.time > 0) segs.push({ text: r.time + ' ', role: 'dim' });
  segs.push({ text: r.dir + ' ', role: header ? 'dim' : r.dir === '→' ? 'accent' : 'ok', bold: true });
  if (c.csid > 0) segs.push({ text: r.csid + ' ', role: 'dim' });
  segs.push({ text: r.type + ' ', role: kind });
  segs.push({ text: r.summary, role: header ? 'dim' : r.kind === 'diagnostic' || r.kind === 'handshake' ? kind : undefined });
  if (c.size > 0) segs.push({ text: ' ' + r.size, role: 'dim' });
  return segs;
}

export function TimelinePane(p: TimelinePaneProps): ReactNode {
  return <ListPane frame={p} title={p.title} right={p.right} header={timelineSegs(p.header, p.columns, true)} empty={p.rows.length === 0 ? { text: '  ' + p.empty, role: 'dim' } : null} rows={p.rows} segs={(r) => timelineSegs(r, p.columns, false)} />;
}

export type DetailPaneProps = PaneFrame & {
  readonly title: string;
  /** The visible window of lines. */
  readonly lines: readonly DetailLine[];
  readonly top: number;
  readonly total: number;
};

export function DetailPane(p: DetailPaneProps): ReactNode {
  const more = p.total > p.height - 1 ? `${p.top + 1}–${Math.min(p.total, p.top + p.height - 1)} of ${p.total}` : undefined;
  return (
    <Box flexDirection="column" width={p.width} height={p.height}>
      <Title text={p.title} width={p.width} focused={p.focused} theme={p.theme} right={more} />
      {p.total === 0 ? <Line segs={[{ text: '  nothing selected', role: 'dim' }]} width={p.width} theme={p.theme} /> : null}
      {p.lines.map((l, i) => {
        const row = p.top + i;
        const sel = row === p.selected && p.focused;
        const mark = l.hasChildren ? (l.open ? '▾ ' : '▸ ') : '  ';
        const segs: Seg[] = [{ text: (sel ? '›' : ' ') + '  '.repeat(l.depth) }, { text: mark, role: 'dim' }];
        if (l.segs !== undefined) segs.push(...l.segs);
        else if (l.value === undefined) segs.push({ text: l.label, role: l.role, bold: l.depth === 0 });
        else {
          segs.push({ text: l.label + ': ', role: l.depth === 0 ? l.role : undefined, bold: l.depth === 0 });
          segs.push({ text: l.value, role: l.depth === 0 ? 'dim' : l.role });
        }
        return <Line key={l.id} segs={segs} width={p.width} theme={p.theme} selected={sel ? 'focus' : undefined} />;
      })}
    </Box>
  );
}

export type DiagnosticsPaneProps = PaneFrame & {
  readonly rows: readonly DiagnosticRow[];
  readonly total: number;
};

export function DiagnosticsPane(p: DiagnosticsPaneProps): ReactNode {
  return (
    <ListPane
      frame={p}
      title={`Diagnostics (${thousands(p.total)})`}
      right={p.total > 0 ? 'n/N jump' : undefined}
      empty={p.total === 0 ? { text: '  no problems found', role: 'ok' } : null}
      rows={p.rows}
      segs={(r) => [{ text: r.sev + ' ', role: r.severity, bold: true }, { text: r.code + ' ', role: r.severity }, { text: r.message + ' ' }, { text: r.where, role: 'dim' }]}
    />
  );
}

export type FooterProps = {
  readonly prompt: Prompt | null;
  readonly filterText: string;
  readonly shown: number;
  readonly total: number;
  readonly notice: string | null;
  readonly width: number;
  readonly theme: Theme;
};

export function Footer(p: FooterProps): ReactNode {
  if (p.prompt !== null) {
    const segs: Seg[] = [{ text: ' / ', role: 'prompt', bold: true }, { text: p.prompt.draft }, { text: '█', role: 'prompt' }];
    if (p.prompt.error !== null) segs.push({ text: '  ' + p.prompt.error, role: 'bad' });
    else segs.push({ text: '   Enter apply · Esc cancel · e.g. dir:c2s type:video name:publish', role: 'dim' });
    return <Line segs={segs} width={p.width} theme={p.theme} />;
  }
  const segs: Seg[] = [];
  if (p.filterText !== '') segs.push({ text: ` filter: ${p.filterText} `, role: 'prompt', bold: true }, { text: `(${thousands(p.shown)} of ${thousands(p.total)}) `, role: 'dim' });
  if (p.notice !== null) segs.push({ text: ' ' + p.notice, role: 'accent' });
  else
    segs.push({
      text:
        p.width >= 120
          ? ' Tab pane · ↑↓ move · Enter open · / filter · Esc clear · n/N diagnostic · x hex · t time · f follow · ? help · q quit'
          : p.width >= 100
            ? ' Tab pane · ↑↓ move · Enter open · / filter · Esc clear · n/N diagnostic · f follow · ? help · q quit'
            : ' Tab pane · Enter open · / filter · n/N diagnostic · f follow · ? help · q quit',
      role: 'dim',
    });
  return <Line segs={segs} width={p.width} theme={p.theme} />;
}

export function HelpOverlay(p: { width: number; height: number; theme: Theme }): ReactNode {
  const keyW = Math.min(26, Math.max(...BINDINGS.map(([k]) => k.length)) + 2);
  const lines: ReactNode[] = [];
  lines.push(<Line key="title" segs={[{ text: ' Keys', bold: true, role: 'accent' }]} width={p.width} theme={p.theme} />);
  for (const [k, what] of BINDINGS) {
    lines.push(<Line key={`key:${k}`} segs={[{ text: '   ' + fit(k, keyW), role: 'accent', bold: true }, { text: what }]} width={p.width} theme={p.theme} />);
  }
  lines.push(<Line key="b" segs={[{ text: '' }]} width={p.width} theme={p.theme} />);
  lines.push(<Line key="c" segs={[{ text: ' Colours  ', bold: true, role: 'accent' }, ...KINDS.filter((k) => k !== 'other').map((k) => ({ text: k + '  ', role: k }))]} width={p.width} theme={p.theme} />);
  lines.push(<Line key="d" segs={[{ text: ' Direction  → client to server   ← server to client', role: 'dim' }]} width={p.width} theme={p.theme} />);
  lines.push(<Line key="e" segs={[{ text: ' Press ? or Esc to close this help.', role: 'dim' }]} width={p.width} theme={p.theme} />);
  return (
    <Box flexDirection="column" width={p.width} height={p.height}>
      <Title text="Help" width={p.width} focused theme={p.theme} />
      {lines.slice(0, Math.max(0, p.height - 1))}
    </Box>
  );
}

export function TooSmall(p: { width: number; height: number; columns: number; rows: number }): ReactNode {
  return (
    <Box flexDirection="column" width={p.width} height={p.height}>
      {/* Short lines, the needed size first, so a narrow terminal still shows what matters. */}
      <Text wrap="truncate">{clip(`need ${MIN_COLUMNS}×${MIN_ROWS}`, p.width)}</Text>
      <Text wrap="truncate">{clip(`have ${p.columns}×${p.rows}`, p.width)}</Text>
      <Text wrap="truncate">{clip('enlarge the terminal, or q to quit', p.width)}</Text>
    </Box>
  );
}
