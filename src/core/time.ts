/** Capture time as whole seconds plus nanoseconds: a double cannot hold epoch nanoseconds. */
export type Timestamp = { readonly sec: number; readonly nsec: number };

/** Seconds as a float, for display and JSON (microsecond precision survives). */
export function toSeconds(t: Timestamp): number {
  return t.sec + t.nsec / 1e9;
}
