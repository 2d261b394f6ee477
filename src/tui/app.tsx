/**
 * The TUI's root component: wires the store, the reducer, the key hook and the terminal size to
 * the props-only views.
 *
 * Contract: the only component with hooks beyond React's basics. It subscribes to the store with
 * `useSyncExternalStore` (the store throttles its notifications, so records arriving never cause
 * more than ~10 renders a second), keeps the UI state driven by the pure reducer (reduced
 * synchronously per key, rendered through one `useState`), reads the terminal size from ink's stdout and its 'resize' event (or a fixed `size`,
 * for tests), and asks the model only for the rows in view. Quitting calls `onQuit` and ink's
 * `exit()`.
 */
import { Box, Text, useApp, useStdout } from 'ink';
import { useCallback, useEffect, useMemo, useRef, useState, useSyncExternalStore, type ReactNode } from 'react';
import { clean, summarize, thousands, typeLabel } from './format.js';
import { useKeys } from './keys.js';
import { computeLayout, type Size } from './layout.js';
import { StoreModel } from './model.js';
import { diagnosticRows, sessionHeader, sessionRows, timelineHeader, timelineRows } from './rows.js';
import { initialState, reduce, resolve, timelineLength, type Action, type Pane, type UiState } from './state.js';
import type { RecordStore } from './store.js';
import type { Theme } from './theme.js';
import { DetailPane, DiagnosticsPane, Footer, Header, HelpOverlay, SessionsPane, TimelinePane, TooSmall, type PaneFrame } from './views.js';

export type AppProps = {
  readonly store: RecordStore;
  readonly title: string;
  readonly theme: Theme;
  /** Start in follow mode (live capture). */
  readonly follow?: boolean;
  /** Records come from a live source (the header says "live" rather than "loading"). */
  readonly live?: boolean;
  /** Quitting cuts the sessions still open (the live proxy): `q` asks first while any is. */
  readonly quitCutsSessions?: boolean;
  /** A fixed size instead of the terminal's (tests). */
  readonly size?: Size;
  readonly onQuit?: () => void;
};

function readSize(stdout: NodeJS.WriteStream): Size {
  const columns = typeof stdout.columns === 'number' && stdout.columns > 0 ? stdout.columns : 80;
  const rows = typeof stdout.rows === 'number' && stdout.rows > 0 ? stdout.rows : 24;
  return { columns, rows };
}

/** The terminal size, following 'resize' events (or `fixed` when given). */
export function useTerminalSize(fixed?: Size): Size {
  const { stdout } = useStdout();
  const [size, setSize] = useState<Size>(() => readSize(stdout));
  useEffect(() => {
    if (fixed !== undefined) return;
    const onResize = () => setSize(readSize(stdout));
    stdout.on('resize', onResize);
    return () => {
      stdout.off('resize', onResize);
    };
  }, [stdout, fixed]);
  return fixed ?? size;
}

function Separator(p: { height: number; theme: Theme }): ReactNode {
  return (
    <Box width={1} height={p.height} flexDirection="column">
      <Text color={p.theme.fg('dim')}>{Array.from({ length: p.height }, () => '│').join('\n')}</Text>
    </Box>
  );
}

export function App(props: AppProps): ReactNode {
  const { store, theme } = props;
  const { exit } = useApp();
  useSyncExternalStore(store.subscribe, store.getSnapshot);
  const size = useTerminalSize(props.size);
  const model = useMemo(() => new StoreModel(store), [store]);
  model.cutsSessions = props.quitCutsSessions === true;
  // The state is reduced synchronously on each key (the ref), and React renders it when it can:
  // a key read before React re-rendered must see the mode the previous key left (after `/`,
  // typed text belongs to the prompt even if no frame showed the prompt yet).
  const stateRef = useRef<UiState | null>(null);
  if (stateRef.current === null) stateRef.current = initialState({ follow: props.follow === true });
  const [state, setState] = useState<UiState>(stateRef.current);

  const layout = computeLayout(size, { sessions: store.sessions.length, diagnostics: store.diagnostics.length }, state.focus, state.absTime);
  model.viewport = layout.viewport;
  model.detailWidth = layout.detailWidth - 1;

  const dispatch = useCallback(
    (a: Action) => {
      const next = reduce(stateRef.current!, a, model);
      stateRef.current = next;
      setState(next);
    },
    [model],
  );
  const mode = useCallback(() => ({ prompt: stateRef.current!.prompt !== null, help: stateRef.current!.help }), []);
  useKeys(mode, dispatch);

  const onQuit = props.onQuit;
  useEffect(() => {
    if (!state.quit) return;
    onQuit?.();
    exit();
  }, [state.quit, onQuit, exit]);

  const width = layout.columns;
  if (layout.tooSmall) return <TooSmall width={width} height={layout.lines} columns={size.columns} rows={size.rows} />;

  const v = resolve(state, model);
  const header = (
    <Header
      title={clean(props.title)}
      state={store.state}
      error={store.error}
      records={store.recordCount}
      messages={store.messageCount}
      sessions={store.sessions.length}
      follow={v.follow}
      live={props.live === true}
      dropped={store.rowsDropped}
      maxRows={store.maxRows}
      width={width}
      theme={theme}
    />
  );
  const sessionIndex = v.sessions.selected;
  const session = model.session(sessionIndex);
  const tlen = timelineLength(v, model);
  const total = session?.items.length ?? 0;
  const footer = <Footer prompt={v.prompt} filterText={v.filter.text} shown={tlen} total={total} notice={v.notice} width={width} theme={theme} />;

  if (v.help) {
    return (
      <Box flexDirection="column" width={width} height={layout.lines}>
        {header}
        <HelpOverlay width={width} height={layout.lines - 2} theme={theme} />
        {footer}
      </Box>
    );
  }

  const via = session?.transport ?? null;
  const tlTitle = session === undefined ? 'Timeline' : `Timeline #${session.id} ${clean(session.client)} → ${clean(session.server)}${via !== null && via !== 'rtmp' ? ` (${via})` : ''}`;
  const position = tlen === 0 ? '' : `${thousands(v.timeline.selected + 1)} of ${thousands(tlen)}${v.filter.terms.length > 0 ? ` (${thousands(total)})` : ''}`;
  const tlRight = (v.follow ? 'FOLLOW ' : '') + position;
  const record = model.record(sessionIndex, v.filter, v.timeline.selected);
  // With the sessions pane focused, the detail pane shows the session's overview.
  const overview = v.focus === 'sessions' && session !== undefined;
  const detailAll = overview ? model.overview(sessionIndex, store.getSnapshot()) : record === undefined ? [] : model.detailLines(sessionIndex, v.filter, v.timeline.selected, v.expanded, v.hex);
  const detailTitle = overview ? `Overview #${session.id}` : record === undefined ? 'Detail' : `${v.hex ? 'Hex' : 'Detail'}${record.frame !== undefined ? ` frame ${record.frame}` : ''} ${typeLabel(record)} ${summarize(record)}`;
  const detailTop = overview ? 0 : v.detail.top;
  /** What every pane is drawn with: its selection and focus, its size, the theme. */
  const frame = (pane: Pane, w: number, h: number): PaneFrame => ({ selected: v[pane].selected, focused: v.focus === pane, width: w, height: h, theme });

  return (
    <Box flexDirection="column" width={width} height={layout.lines}>
      {header}
      <SessionsPane rows={sessionRows(model, v.sessions.top, layout.viewport.sessions, layout.sessions)} header={sessionHeader(layout.sessions)} columns={layout.sessions} total={store.sessions.length} {...frame('sessions', width, layout.sessionsHeight)} />
      <Box flexDirection="row" width={width} height={layout.mainHeight}>
        {layout.showTimeline ? (
          <TimelinePane
            title={tlTitle}
            right={tlRight}
            rows={timelineRows(model, sessionIndex, v.filter, v.timeline.top, layout.viewport.timeline, layout.timeline, v.absTime)}
            header={timelineHeader(layout.timeline)}
            columns={layout.timeline}
            {...frame('timeline', layout.timelineWidth, layout.mainHeight)}
            empty={session === undefined ? (store.state === 'loading' ? 'waiting for records…' : 'no RTMP session in this capture') : v.filter.terms.length > 0 ? 'no row matches the filter (Esc clears it)' : 'no messages yet'}
          />
        ) : null}
        {layout.split ? <Separator height={layout.mainHeight} theme={theme} /> : null}
        {layout.showDetail ? <DetailPane title={detailTitle} lines={detailAll.slice(detailTop, detailTop + layout.viewport.detail)} top={detailTop} total={detailAll.length} {...frame('detail', layout.detailWidth, layout.mainHeight)} /> : null}
      </Box>
      <DiagnosticsPane rows={diagnosticRows(model, v.diagnostics.top, layout.viewport.diagnostics, width)} total={store.diagnostics.length} {...frame('diagnostics', width, layout.diagnosticsHeight)} />
      {footer}
    </Box>
  );
}
