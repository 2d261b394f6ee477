/**
 * Wrap-safe TCP sequence arithmetic (RFC 1982 style). Sequence numbers are uint32; the distance
 * between two of them is taken as a signed 32-bit value, so comparisons stay right across the
 * 2^32 wrap as long as the two numbers are within 2^31 of each other (always true for one window).
 */

/** Signed distance from b to a: positive when a is after b. */
export function seqDiff(a: number, b: number): number {
  return (a - b) | 0;
}

/** a + n as a uint32 sequence number. */
export function seqAdd(a: number, n: number): number {
  return (a + n) >>> 0;
}
