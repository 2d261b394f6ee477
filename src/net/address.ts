/**
 * IP address text, built straight from packet bytes (this runs for every packet).
 *
 * Contract:
 * - IPv4: dotted quad, no leading zeros ("192.0.2.1").
 * - IPv6: RFC 5952 canonical form (§4): lower-case hex, no leading zeros in a group, the longest
 *   run of two or more zero groups replaced by "::" (the leftmost run on a tie), a single zero
 *   group never compressed. IPv4-mapped addresses (::ffff:0:0/96) use the mixed notation RFC 5952
 *   §5 recommends: "::ffff:192.0.2.1". No other embedded-IPv4 form is used (the deprecated
 *   IPv4-compatible ::a.b.c.d prints as hex, so ::1 stays "::1").
 * - Pure as observed by callers; internally, recent strings are memoised (a bounded map for
 *   IPv4, a small ring for IPv6) because a capture repeats the same few addresses.
 * - The caller guarantees the 4 or 16 bytes at `off` exist.
 */

const V4_CACHE_MAX = 4096;
const v4Cache = new Map<number, string>();
/** The last two IPv4 addresses formatted, with their keys (initially 0.0.0.0, whose key is 0). */
let v4Key0 = 0;
let v4Text0 = '0.0.0.0';
let v4Key1 = 0;
let v4Text1 = '0.0.0.0';

export function formatIPv4(b: Uint8Array, off: number): string {
  const b0 = b[off]!;
  const b1 = b[off + 1]!;
  const b2 = b[off + 2]!;
  const b3 = b[off + 3]!;
  // A signed 32-bit key: always a small integer to V8 (`>>> 0` made addresses from 128.0.0.0 on
  // a heap number, allocated per call).
  const key = (b0 << 24) | (b1 << 16) | (b2 << 8) | b3;
  // A packet's two addresses are mostly the previous packet's two.
  if (key === v4Key0) return v4Text0;
  if (key === v4Key1) return v4Text1;
  let s = v4Cache.get(key);
  if (s === undefined) {
    s = `${b0}.${b1}.${b2}.${b3}`;
    if (v4Cache.size >= V4_CACHE_MAX) v4Cache.clear();
    v4Cache.set(key, s);
  }
  v4Key1 = v4Key0;
  v4Text1 = v4Text0;
  v4Key0 = key;
  v4Text0 = s;
  return s;
}

const V6_RING = 16;
const v6Keys = new Uint32Array(V6_RING * 4);
const v6Text: string[] = new Array<string>(V6_RING).fill('');
let v6Filled = 0;
let v6Next = 0;

export function formatIPv6(b: Uint8Array, off: number): string {
  const w0 = word(b, off);
  const w1 = word(b, off + 4);
  const w2 = word(b, off + 8);
  const w3 = word(b, off + 12);
  for (let i = 0; i < v6Filled; i++) {
    const k = i * 4;
    if (v6Keys[k] === w0 && v6Keys[k + 1] === w1 && v6Keys[k + 2] === w2 && v6Keys[k + 3] === w3) {
      return v6Text[i]!;
    }
  }
  const s = ipv6Text(w0, w1, w2, w3);
  const slot = v6Next;
  v6Keys[slot * 4] = w0;
  v6Keys[slot * 4 + 1] = w1;
  v6Keys[slot * 4 + 2] = w2;
  v6Keys[slot * 4 + 3] = w3;
  v6Text[slot] = s;
  v6Next = (slot + 1) % V6_RING;
  if (v6Filled < V6_RING) v6Filled++;
  return s;
}

function word(b: Uint8Array, o: number): number {
  return ((b[o]! << 24) | (b[o + 1]! << 16) | (b[o + 2]! << 8) | b[o + 3]!) >>> 0;
}

/** RFC 5952 text from the address as four big-endian 32-bit words. */
function ipv6Text(w0: number, w1: number, w2: number, w3: number): string {
  if (w0 === 0 && w1 === 0 && w2 === 0xffff) {
    return `::ffff:${w3 >>> 24}.${(w3 >>> 16) & 0xff}.${(w3 >>> 8) & 0xff}.${w3 & 0xff}`;
  }
  const g0 = w0 >>> 16;
  const g1 = w0 & 0xffff;
  const g2 = w1 >>> 16;
  const g3 = w1 & 0xffff;
  const g4 = w2 >>> 16;
  const g5 = w2 & 0xffff;
  const g6 = w3 >>> 16;
  const g7 = w3 & 0xffff;
  const groups = [g0, g1, g2, g3, g4, g5, g6, g7];
  // Longest run of zero groups (length ≥ 2), leftmost on a tie.
  let bestStart = -1;
  let bestLen = 1;
  let runStart = -1;
  for (let i = 0; i <= 8; i++) {
    if (i < 8 && groups[i] === 0) {
      if (runStart < 0) runStart = i;
    } else if (runStart >= 0) {
      const len = i - runStart;
      if (len > bestLen) {
        bestLen = len;
        bestStart = runStart;
      }
      runStart = -1;
    }
  }
  if (bestStart < 0) return groups.map(hex).join(':');
  const head = groups.slice(0, bestStart).map(hex).join(':');
  const tail = groups
    .slice(bestStart + bestLen)
    .map(hex)
    .join(':');
  return `${head}::${tail}`;
}

function hex(g: number): string {
  return g.toString(16);
}
