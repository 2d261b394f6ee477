/**
 * RTMFP flows (RFC 7016 §2.3.11-§2.3.14, §3.6.2-§3.6.3): User Data fragments in, whole user
 * messages out, per flow in sequence order; acknowledgement and exception chunks decoded for the
 * flow statistics; the Flash TC flow metadata and message header (RFC 7425 §5.1).
 *
 * Contract: pure and synchronous; never throws on chunk content. Memory is bounded: fragments
 * waiting for a missing sequence number are capped in count per session (`FragmentBudget`), and a
 * message being assembled keeps at most `keepBytes(type)` bytes of its body (the rest is counted).
 * What the sender abandoned (its forward sequence number moved past it) or the capture lost is
 * reported, never glued across.
 */
import { readOptions, readVlu } from './wire.js';

export type UserData = {
  readonly flowId: number;
  readonly seq: number;
  /** seq − forward sequence number: the sender will not retransmit seq − fsnOffset and before. */
  readonly fsnOffset: number;
  /** 0 whole, 1 begin, 2 end, 3 middle (RFC 7016 §2.3.11). */
  readonly fra: number;
  readonly abandon: boolean;
  readonly final: boolean;
  /** User's per-flow metadata (option 0x00), on the flow's first fragment. */
  readonly metadata?: Uint8Array;
  /** Return flow association (option 0x0a): the flow of the other direction this one answers. */
  readonly returnFor?: number;
  readonly data: Uint8Array;
};

/**
 * Decode a User Data (0x10) chunk, or a Next User Data (0x11) chunk continuing `prev` (the
 * previous user data chunk of the same packet). Null when the framing is broken.
 */
export function decodeUserData(type: number, b: Uint8Array, prev: UserData | null): UserData | null {
  if (b.length < 1) return null;
  const flags = b[0]!;
  let p = 1;
  let flowId: number;
  let seq: number;
  let fsnOffset: number;
  if (type === 0x10) {
    const f = readVlu(b, p, b.length);
    const s = f === null ? null : readVlu(b, f.next, b.length);
    const o = s === null ? null : readVlu(b, s.next, b.length);
    if (f === null || s === null || o === null) return null;
    flowId = f.value;
    seq = s.value;
    fsnOffset = o.value;
    p = o.next;
  } else {
    if (prev === null) return null;
    flowId = prev.flowId;
    seq = prev.seq + 1;
    fsnOffset = prev.fsnOffset + 1;
  }
  let metadata: Uint8Array | undefined;
  let returnFor: number | undefined;
  if ((flags & 0x80) !== 0) {
    const r = readOptions(b, p, b.length, 16);
    if (!r.ok || !r.marker) return null;
    for (const o of r.options) {
      if (o.type === 0x00) metadata = o.value;
      else if (o.type === 0x0a) returnFor = readVlu(o.value, 0, o.value.length)?.value;
    }
    p = r.next;
  }
  return {
    flowId,
    seq,
    fsnOffset,
    fra: (flags >> 4) & 0x03,
    abandon: (flags & 0x02) !== 0,
    final: (flags & 0x01) !== 0,
    ...(metadata === undefined ? {} : { metadata }),
    ...(returnFor === undefined ? {} : { returnFor }),
    data: b.subarray(p),
  };
}

/** Bitmap (0x50) or Range (0x51) acknowledgement: the flow and its cumulative acknowledgement. */
export function decodeAck(b: Uint8Array): { flowId: number; cumulativeAck: number } | null {
  const f = readVlu(b, 0, b.length);
  const w = f === null ? null : readVlu(b, f.next, b.length);
  const c = w === null ? null : readVlu(b, w.next, b.length);
  if (f === null || c === null) return null;
  return { flowId: f.value, cumulativeAck: c.value };
}

/** Flow Exception Report (0x5e): the receiver rejects the flow. */
export function decodeException(b: Uint8Array): { flowId: number; exception: number } | null {
  const f = readVlu(b, 0, b.length);
  const e = f === null ? null : readVlu(b, f.next, b.length);
  if (f === null || e === null) return null;
  return { flowId: f.value, exception: e.value };
}

/** Flash TC flow metadata (RFC 7425 §5.1.1): "TC", flags (0x04: stream id follows), stream id. */
export function decodeTcMetadata(m: Uint8Array): { streamId: number; receiveIntent: 'sequence' | 'network' | 'buffer' | 'reserved' } | null {
  if (m.length < 4 || m[0] !== 0x54 || m[1] !== 0x43 || (m[2]! & 0x04) === 0) return null;
  const s = readVlu(m, 3, m.length);
  if (s === null || s.value > 0xffffffff) return null;
  const ri = m[2]! & 0x03;
  return { streamId: s.value, receiveIntent: ri === 0 ? 'sequence' : ri === 1 ? 'network' : ri === 2 ? 'buffer' : 'reserved' };
}

export type FragmentMeta = { readonly frame: number; readonly sec: number; readonly nsec: number; readonly offset: number };

export type UserMessage = {
  /** The first `kept` bytes of the message; `length` is its whole length. */
  readonly data: Uint8Array;
  readonly length: number;
  readonly fragments: number;
  readonly first: FragmentMeta;
  readonly last: FragmentMeta;
};

export type FlowEvent =
  | { readonly kind: 'message'; readonly message: UserMessage }
  /** Sequence numbers given up (abandoned by the sender, or never captured) and the partial message dropped. */
  | { readonly kind: 'lost'; readonly fragments: number; readonly droppedMessage: boolean; readonly at: FragmentMeta }
  | { readonly kind: 'cap'; readonly at: FragmentMeta };

/** Fragments held out of order, shared by the flows of one session. */
export class FragmentBudget {
  used = 0;
  constructor(readonly limit = 4096) {}
}

type Held = { readonly fra: number; readonly data: Uint8Array; readonly meta: FragmentMeta };

/** One direction of one flow: fragments in, whole messages out, in sequence order. */
export class FlowReassembler {
  /** Next sequence number to deliver (null until the first fragment). */
  private next: number | null = null;
  private readonly held = new Map<number, Held>();
  private partial: { parts: Uint8Array[]; kept: number; length: number; fragments: number; first: FragmentMeta } | null = null;
  duplicates = 0;
  fragments = 0;
  bytes = 0;
  /** The highest sequence number seen. */
  highest = 0;

  constructor(
    private readonly budget: FragmentBudget,
    /** Body bytes to keep of a message that starts with these bytes. */
    private readonly keepBytes: (first: Uint8Array) => number,
  ) {}

  push(u: UserData, meta: FragmentMeta): FlowEvent[] {
    const out: FlowEvent[] = [];
    this.fragments++;
    this.bytes += u.data.length;
    if (u.seq > this.highest) this.highest = u.seq;
    const fsn = u.seq - u.fsnOffset;
    if (this.next === null) this.next = Math.max(0, fsn) + 1;
    if (u.seq < this.next || this.held.has(u.seq)) {
      this.duplicates++;
      return out;
    }
    if (this.held.size > 0 && this.budget.used >= this.budget.limit) {
      // Too many held: give up the oldest hole.
      out.push({ kind: 'cap', at: meta });
      this.skipTo(Math.min(...this.held.keys()), meta, out);
    }
    this.held.set(u.seq, { fra: u.fra, data: u.data.slice(0, Math.min(u.data.length, 64 * 1024)), meta });
    this.budget.used++;
    if (fsn >= this.next) this.skipTo(fsn + 1, meta, out);
    this.drain(out);
    return out;
  }

  /** Give up every sequence number below `to` that has not arrived (delivering those that did). */
  private skipTo(to: number, meta: FragmentMeta, out: FlowEvent[]): void {
    const present = [...this.held.keys()].filter((s) => s < to).sort((a, b) => a - b);
    let missing = 0;
    for (const s of present) {
      if (s > this.next!) {
        missing += s - this.next!;
        this.next = s;
        this.lose(missing, meta, out);
        missing = 0;
      }
      this.drain(out);
    }
    if (to > this.next!) {
      this.lose(to - this.next!, meta, out);
      this.next = to;
    }
  }

  private lose(n: number, at: FragmentMeta, out: FlowEvent[]): void {
    const dropped = this.partial !== null;
    this.partial = null;
    out.push({ kind: 'lost', fragments: n, droppedMessage: dropped, at });
  }

  private drain(out: FlowEvent[]): void {
    for (let h = this.held.get(this.next!); h !== undefined; h = this.held.get(this.next!)) {
      this.held.delete(this.next!);
      this.budget.used--;
      this.next!++;
      this.deliver(h, out);
    }
  }

  private deliver(h: Held, out: FlowEvent[]): void {
    const begins = h.fra === 0 || h.fra === 1;
    if (begins && this.partial !== null) {
      // A new message while one was open: its end was never sent (cannot happen without loss).
      this.partial = null;
      out.push({ kind: 'lost', fragments: 0, droppedMessage: true, at: h.meta });
    }
    if (begins) {
      this.partial = { parts: [], kept: 0, length: 0, fragments: 0, first: h.meta };
    } else if (this.partial === null) {
      return; // the message's start was given up before: nothing to attach to
    }
    const p = this.partial;
    const cap = this.keepBytes(p.parts[0] ?? h.data);
    if (p.kept < cap) {
      const take = h.data.subarray(0, cap - p.kept);
      p.parts.push(take);
      p.kept += take.length;
    }
    p.length += h.data.length;
    p.fragments++;
    if (h.fra === 0 || h.fra === 2) {
      const data = new Uint8Array(p.kept);
      let o = 0;
      for (const part of p.parts) {
        data.set(part, o);
        o += part.length;
      }
      this.partial = null;
      out.push({ kind: 'message', message: { data, length: p.length, fragments: p.fragments, first: p.first, last: h.meta } });
    }
  }

  /** At the end: a message still open is incomplete; fragments held count as lost. */
  finish(): number {
    const n = this.held.size + (this.partial === null ? 0 : 1);
    this.budget.used -= this.held.size;
    this.held.clear();
    this.partial = null;
    return n;
  }
}
