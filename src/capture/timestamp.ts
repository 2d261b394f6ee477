/**
 * pcapng timestamps: a 64-bit count of units since the epoch (high and low 32-bit halves), in a
 * per-interface resolution given by the `if_tsresol` option (RFC-draft pcapng §4.2, option 9):
 * high bit clear → 10^-n seconds, high bit set → 2^-n seconds; absent → 10^-6.
 *
 * Contract: conversion to whole seconds + nanoseconds is exact (nanoseconds are truncated, never
 * rounded, when the unit is finer than 1 ns). Power-of-ten resolutions up to nanoseconds use
 * plain number math (a base-2^16 long division when the count exceeds 2^53, as nanosecond
 * counts since 1970 do); BigInt is used only for other resolutions, which are rare.
 * Never throws: any option byte yields a usable resolution.
 */

export type TsResolution = {
  /** Units per second when it is 10^n with n ≤ 9 (fast path); 0 otherwise. */
  readonly div: number;
  /** Nanoseconds per unit on the fast path (10^(9-n)). */
  readonly mul: number;
  /** Units per second, for the BigInt path. */
  readonly units: bigint;
};

/** Mutable out-parameter, so the per-packet conversion allocates nothing. */
export type TimeSlot = { sec: number; nsec: number };

export const MICROSECONDS: TsResolution = { div: 1_000_000, mul: 1000, units: 1_000_000n };

/** Resolution from the `if_tsresol` option byte (undefined = option absent = microseconds). */
export function resolutionFromOption(value: number | undefined): TsResolution {
  if (value === undefined || value === 6) return MICROSECONDS;
  const n = value & 0x7f;
  if ((value & 0x80) !== 0) {
    // 2^-n seconds.
    if (n === 0) return { div: 1, mul: 1e9, units: 1n };
    return { div: 0, mul: 0, units: 1n << BigInt(n) };
  }
  if (n <= 9) {
    const div = 10 ** n;
    return { div, mul: 10 ** (9 - n), units: BigInt(div) };
  }
  return { div: 0, mul: 0, units: 10n ** BigInt(n) };
}

const TWO_32 = 4294967296;
const HI_EXACT_LIMIT = 0x200000; // hi < 2^21 ⇒ hi·2^32 + lo < 2^53

/** Convert a 64-bit unit count (hi, lo: uint32 halves) to seconds + nanoseconds in `slot`. */
export function unitsToTime(hi: number, lo: number, res: TsResolution, slot: TimeSlot): void {
  const div = res.div;
  if (div > 0) {
    let sec: number;
    let rem: number;
    if (hi < HI_EXACT_LIMIT) {
      const ts = hi * TWO_32 + lo;
      sec = Math.floor(ts / div);
      rem = ts - sec * div;
    } else {
      // Long division in base 2^16: every intermediate stays below 2^46, so all is exact.
      let r = 0;
      sec = 0;
      const digits0 = hi >>> 16;
      const digits1 = hi & 0xffff;
      const digits2 = lo >>> 16;
      const digits3 = lo & 0xffff;
      for (let i = 0; i < 4; i++) {
        const d = i === 0 ? digits0 : i === 1 ? digits1 : i === 2 ? digits2 : digits3;
        const x = r * 65536 + d;
        let q = Math.floor(x / div);
        r = x - q * div;
        if (r < 0) {
          q -= 1;
          r += div;
        } else if (r >= div) {
          q += 1;
          r -= div;
        }
        sec = sec * 65536 + q;
      }
      rem = r;
    }
    // Guard against a floating-point quotient one off (cannot happen below 2^53, kept cheap).
    if (rem < 0) {
      sec -= 1;
      rem += div;
    } else if (rem >= div) {
      sec += 1;
      rem -= div;
    }
    slot.sec = sec;
    slot.nsec = rem * res.mul;
    return;
  }
  const ts = (BigInt(hi) << 32n) | BigInt(lo);
  const units = res.units;
  slot.sec = Number(ts / units);
  slot.nsec = Number(((ts % units) * 1_000_000_000n) / units);
}
