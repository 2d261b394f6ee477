/**
 * The TUI's colours, in one place. Views ask the theme for a colour by role (a record kind, a
 * severity, or a UI role) and get an ink colour name, or `undefined` when colour is off.
 *
 * Colour is off when the output is not a TTY or NO_COLOR is set to a non-empty value
 * (https://no-color.org). Without colour the UI stays usable: the selection is drawn in inverse
 * video with a `▸` marker, and the focused pane's title in inverse — attributes, not colours.
 */
import type { Severity } from '../core/diagnostics.js';
import type { Kind } from './format.js';

export type UiRole = 'title' | 'focus' | 'dim' | 'accent' | 'ok' | 'busy' | 'bad' | 'prompt';
export type ColorRole = Kind | Severity | UiRole;

export const PALETTE: Readonly<Record<ColorRole, string>> = {
  // record kinds (the timeline)
  control: 'magenta',
  command: 'cyan',
  data: 'blue',
  audio: 'green',
  video: 'yellow',
  aggregate: 'yellowBright',
  handshake: 'gray',
  diagnostic: 'red',
  other: 'white',
  // severities
  error: 'red',
  warn: 'yellow',
  info: 'blue',
  // UI
  title: 'white',
  focus: 'cyan',
  dim: 'gray',
  accent: 'cyan',
  ok: 'green',
  busy: 'yellow',
  bad: 'red',
  prompt: 'yellow',
};

export type Theme = {
  readonly color: boolean;
  /** The ink colour for a role, or undefined without colour. */
  fg(role: ColorRole): string | undefined;
};

export function makeTheme(color: boolean): Theme {
  return { color, fg: (role) => (color ? PALETTE[role] : undefined) };
}

export function colorEnabled(stream: { isTTY?: boolean }, env: NodeJS.ProcessEnv): boolean {
  const noColor = env['NO_COLOR'];
  return stream.isTTY === true && (noColor === undefined || noColor === '');
}
