/**
 * Bounded time series for the HTML report: every series of one session shares a grid of at most
 * `maxBuckets` buckets of equal width on capture time. When a value falls past the grid's end, the
 * bucket width doubles and neighbouring buckets merge (in every series of the grid at once), so
 * memory and output size stay fixed however long the session runs, and the series of a session
 * stay aligned on one x axis (what uPlot draws). Each bucket keeps min, max, sum, count and the
 * last value; which one a plot shows is chosen when the series is read out.
 *
 * Pure: no I/O, no clock.
 */

export type Reducer = 'min' | 'max' | 'last' | 'sum' | 'mean';

export class Series {
  private min: Float64Array | null = null;
  private max: Float64Array | null = null;
  private sum: Float64Array | null = null;
  private last: Float64Array | null = null;
  private count: Uint32Array | null = null;

  constructor(private readonly size: number) {}

  /** True once a value was added. */
  get used(): boolean {
    return this.count !== null;
  }

  add(i: number, v: number): void {
    if (!Number.isFinite(v)) return;
    if (this.count === null) {
      this.min = new Float64Array(this.size);
      this.max = new Float64Array(this.size);
      this.sum = new Float64Array(this.size);
      this.last = new Float64Array(this.size);
      this.count = new Uint32Array(this.size);
    }
    const c = this.count;
    const min = this.min as Float64Array;
    const max = this.max as Float64Array;
    if (c[i] === 0) {
      min[i] = v;
      max[i] = v;
    } else {
      if (v < (min[i] as number)) min[i] = v;
      if (v > (max[i] as number)) max[i] = v;
    }
    (this.sum as Float64Array)[i] = ((this.sum as Float64Array)[i] as number) + v;
    (this.last as Float64Array)[i] = v;
    c[i] = (c[i] as number) + 1;
  }

  /** Merges bucket pairs (2i, 2i+1) into i: the grid's width doubled. */
  halve(): void {
    const c = this.count;
    if (c === null) return;
    const min = this.min as Float64Array;
    const max = this.max as Float64Array;
    const sum = this.sum as Float64Array;
    const last = this.last as Float64Array;
    const half = this.size >> 1;
    for (let i = 0; i < half; i++) {
      const a = 2 * i;
      const b = a + 1;
      const ca = c[a] as number;
      const cb = c[b] as number;
      if (ca > 0 && cb > 0) {
        min[i] = Math.min(min[a] as number, min[b] as number);
        max[i] = Math.max(max[a] as number, max[b] as number);
        last[i] = last[b] as number;
      } else if (cb > 0) {
        min[i] = min[b] as number;
        max[i] = max[b] as number;
        last[i] = last[b] as number;
      } else {
        min[i] = min[a] as number;
        max[i] = max[a] as number;
        last[i] = last[a] as number;
      }
      sum[i] = (sum[a] as number) + (sum[b] as number);
      c[i] = ca + cb;
    }
    c.fill(0, half);
    sum.fill(0, half);
  }

  /** The first `n` buckets reduced to one value each (null: no value in the bucket). */
  values(n: number, r: Reducer): (number | null)[] {
    const out: (number | null)[] = new Array<number | null>(n).fill(null);
    const c = this.count;
    if (c === null) return out;
    const src = r === 'min' ? this.min : r === 'max' ? this.max : r === 'last' ? this.last : this.sum;
    for (let i = 0; i < n; i++) {
      const k = c[i] as number;
      if (k === 0) continue;
      const v = (src as Float64Array)[i] as number;
      out[i] = r === 'mean' ? v / k : v;
    }
    return out;
  }

  /** Bucket counts (0: empty) of the first `n` buckets. */
  counts(n: number): number[] {
    const c = this.count;
    return c === null ? new Array<number>(n).fill(0) : Array.from(c.subarray(0, n));
  }
}

export type GridOptions = {
  /** Buckets at most (even). */
  readonly maxBuckets?: number;
  /** Initial bucket width, seconds. */
  readonly width?: number;
};

/** A session's shared time grid and its series, by name. */
export class Grid {
  readonly maxBuckets: number;
  width: number;
  /** Buckets in use (the highest index written + 1). */
  used = 0;
  private readonly byName = new Map<string, Series>();

  constructor(
    /** Capture time of bucket 0's start, seconds. */
    readonly origin: number,
    opts: GridOptions = {},
  ) {
    this.maxBuckets = Math.max(2, (opts.maxBuckets ?? 400) & ~1);
    this.width = opts.width ?? 0.05;
  }

  /** The bucket of capture time `t`, coarsening the grid until it fits (times before the origin go in bucket 0). */
  index(t: number): number {
    if (!Number.isFinite(t)) return Math.max(0, this.used - 1);
    let i = Math.floor((t - this.origin) / this.width);
    if (i < 0) i = 0;
    while (i >= this.maxBuckets) {
      this.width *= 2;
      for (const s of this.byName.values()) s.halve();
      this.used = Math.ceil(this.used / 2);
      i = Math.floor((t - this.origin) / this.width);
    }
    if (i + 1 > this.used) this.used = i + 1;
    return i;
  }

  series(name: string): Series {
    let s = this.byName.get(name);
    if (s === undefined) {
      s = new Series(this.maxBuckets);
      this.byName.set(name, s);
    }
    return s;
  }

  has(name: string): boolean {
    return this.byName.get(name)?.used === true;
  }

  /** Adds `v` at capture time `t` to series `name`. */
  add(name: string, t: number, v: number): void {
    const i = this.index(t);
    this.series(name).add(i, v);
  }

  /** Bucket start times, seconds relative to `base`. */
  xs(base: number): number[] {
    const out: number[] = [];
    for (let i = 0; i < this.used; i++) out.push(round6(this.origin - base + i * this.width));
    return out;
  }

  values(name: string, r: Reducer): (number | null)[] {
    return this.series(name).values(this.used, r);
  }

  /**
   * A per-second rate (×`scale`) from the bucket sums of `name`, over a moving window of at least
   * one second; null outside the span the series has values in.
   */
  rate(name: string, scale: number): (number | null)[] {
    const sums = this.series(name).values(this.used, 'sum');
    const k = Math.max(1, Math.round(1 / this.width));
    const first = sums.findIndex((v) => v !== null);
    let lastIdx = -1;
    for (let i = sums.length - 1; i >= 0; i--) {
      if (sums[i] !== null) {
        lastIdx = i;
        break;
      }
    }
    const out: (number | null)[] = new Array<number | null>(sums.length).fill(null);
    if (first < 0) return out;
    let acc = 0;
    for (let i = 0; i < sums.length; i++) {
      acc += sums[i] ?? 0;
      if (i - k >= 0) acc -= sums[i - k] ?? 0;
      if (i < first || i > lastIdx) continue;
      out[i] = round3((acc * scale) / (k * this.width));
    }
    return out;
  }
}

/** Fills nulls with the last value before them (a step line: a setting in force), within [from, used). */
export function carryForward(v: readonly (number | null)[]): (number | null)[] {
  const out = v.slice();
  let cur: number | null = null;
  for (let i = 0; i < out.length; i++) {
    if (out[i] === null) out[i] = cur;
    else cur = out[i] as number;
  }
  return out;
}

export function round3(n: number): number {
  return Math.round(n * 1000) / 1000;
}

export function round6(n: number): number {
  return Math.round(n * 1e6) / 1e6;
}

/**
 * Capture time by frame number, for records that carry a frame but no time (some diagnostics):
 * a bounded sample of (frame, time) pairs; when full, every other sample is dropped and the
 * spacing between samples doubles, so a lookup is off by at most that many frames.
 */
export class FrameClock {
  private frames: number[] = [];
  private times: number[] = [];
  private gap = 1;

  constructor(private readonly max = 4096) {}

  note(frame: number, time: number): void {
    if (!Number.isFinite(time)) return;
    const last = this.frames[this.frames.length - 1];
    if (last !== undefined && frame < last + this.gap) return;
    if (this.frames.length >= this.max) {
      this.frames = this.frames.filter((_, i) => i % 2 === 0);
      this.times = this.times.filter((_, i) => i % 2 === 0);
      this.gap *= 2;
    }
    this.frames.push(frame);
    this.times.push(time);
  }

  /** The time of the latest sampled frame at or before `frame` (null: none). */
  at(frame: number): number | null {
    let lo = 0;
    let hi = this.frames.length - 1;
    let found = -1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      if ((this.frames[mid] as number) <= frame) {
        found = mid;
        lo = mid + 1;
      } else hi = mid - 1;
    }
    return found < 0 ? null : (this.times[found] as number);
  }
}
