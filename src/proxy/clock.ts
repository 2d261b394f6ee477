/**
 * The proxy's clocks: the one place the live path reads time. The decoders never do; they get
 * `{frame, sec, nsec}` with every byte. A clock is any function returning wall-clock time as whole
 * seconds + nanoseconds; tests inject a fake one. The system clock is anchored to `Date.now()`
 * once and advances with the monotonic high-resolution timer, so timestamps never go backwards
 * (an NTP step cannot make a pcap's times decrease).
 */
import type { Timestamp } from '../core/time.js';

export type Clock = () => Timestamp;

/**
 * A monotonic stopwatch in milliseconds (fractional), for measuring how long work took (the
 * analysis budget), never for record times.
 */
export type Stopwatch = () => number;

export const systemStopwatch: Stopwatch = () => performance.now();

export function systemClock(): Clock {
  const base = BigInt(Date.now()) * 1_000_000n;
  const hr0 = process.hrtime.bigint();
  return () => {
    const ns = base + (process.hrtime.bigint() - hr0);
    return { sec: Number(ns / 1_000_000_000n), nsec: Number(ns % 1_000_000_000n) };
  };
}

/** A fake clock for tests: starts at `start` seconds and advances `stepNs` per reading. */
export function steppingClock(start = 1_700_000_000, stepNs = 1000): Clock {
  let ns = BigInt(start) * 1_000_000_000n;
  const step = BigInt(stepNs);
  return () => {
    const t = { sec: Number(ns / 1_000_000_000n), nsec: Number(ns % 1_000_000_000n) };
    ns += step;
    return t;
  };
}
