/** Capture time as whole seconds plus nanoseconds: a double cannot hold epoch nanoseconds. */
export type Timestamp = { readonly sec: number; readonly nsec: number };

/** Largest |seconds since 1970| a JavaScript Date can hold (±100,000,000 days). */
export const MAX_DATE_SECONDS = 8.64e12;

/** Can `sec` (seconds since 1970) be shown as a date? */
export function isRepresentableTime(sec: number): boolean {
  return Number.isFinite(sec) && Math.abs(sec) <= MAX_DATE_SECONDS;
}

/** ISO 8601 for seconds since 1970, or the raw seconds when no date can show them: never throws. */
export function isoTime(sec: number): string {
  return isRepresentableTime(sec) ? new Date(sec * 1000).toISOString() : `${sec} s since 1970`;
}

/** Seconds as a float, for display and JSON (microsecond precision survives). */
export function toSeconds(t: Timestamp): number {
  return t.sec + t.nsec / 1e9;
}
