/**
 * RTMPT whose capture began in the middle of an HTTP exchange: inside a POST body, inside a reply
 * body, or inside a message head. The bytes before the next message head cannot be framed (the
 * length of the body they end is unknown), so each direction is scanned for the next RTMPT
 * message head, and HTTP parsing starts there (tunnel.ts).
 *
 * A head counts only when it is whole and unmistakable: a request line POSTing to an RTMPT
 * target (`/send/<id>/<n>`, `/idle/...`, `/close/...`, `/open/1`, `/fcs/ident2`) or a status
 * line, then well-formed header lines, an empty line, and `Content-Type: application/x-fcs`
 * among them. Tunnelled RTMP bytes would have to hold such a head by chance to be taken for one.
 *
 * Sans-IO, never throws; incremental and bounded: a candidate head is carried over to the next
 * bytes while it may still complete (up to MAX_SCAN_HEAD bytes); otherwise only the last few bytes
 * are kept (a head's first token may be split between segments). Every byte is looked at a
 * bounded number of times (once, plus once per push while it sits in a carried candidate).
 */
import type { Direction } from '../core/diagnostics.js';
import type { ByteMeta } from '../rtmp/chunk-decoder.js';
import type { ConnectionHold } from '../session/midstream.js';
import type { Piece } from './order.js';
import { parseTarget } from './tunnel.js';

/** The longest head looked for (RTMPT heads are 100-300 bytes; the HTTP parser allows 16 KiB, real clients never need it). */
export const MAX_SCAN_HEAD = 4096;

export type HeadKind = 'request' | 'reply';

/** A head found: its kind, and the bytes from its first byte on (a view valid during the call). */
export type Found = { readonly kind: HeadKind; readonly rest: Uint8Array };

const POST = Buffer.from('POST /', 'latin1');
const HTTP = Buffer.from('HTTP/1.', 'latin1');
const END = Buffer.from('\r\n\r\n', 'latin1');
const KEEP = Math.max(POST.length, HTTP.length) - 1;
const EMPTY = new Uint8Array(0);

/** Whether `text` (a head without its final empty line) is an RTMPT head of the kind wanted. */
export function rtmptHead(text: string, want: HeadKind | 'any'): HeadKind | null {
  const lines = text.split('\r\n');
  const start = lines[0] ?? '';
  let kind: HeadKind | null = null;
  if (want !== 'reply') {
    const m = /^POST (\S{1,200}) HTTP\/1\.[01]$/.exec(start);
    if (m !== null && parseTarget(m[1]!) !== null) kind = 'request';
  }
  if (kind === null && want !== 'request' && /^HTTP\/1\.[01] \d{3}(?: [\x20-\x7e]*)?$/.test(start)) kind = 'reply';
  if (kind === null) return null;
  let fcs = false;
  for (const l of lines.slice(1)) {
    const m = /^([!#$%&'*+.^_`|~0-9A-Za-z-]{1,64}):[ \t]*([\x20-\x7e\t]*)$/.exec(l);
    if (m === null) return null;
    if (m[1]!.toLowerCase() === 'content-type' && /^application\/x-fcs\b/i.test(m[2]!)) fcs = true;
  }
  return fcs ? kind : null;
}

function latin1(b: Uint8Array): string {
  let s = '';
  for (let i = 0; i < b.length; i++) s += String.fromCharCode(b[i]!);
  return s;
}

/** The next RTMPT message head in one direction's bytes. */
export class HeadScan {
  private carry: Uint8Array = EMPTY;
  /** Bytes passed over before the head (or so far). */
  skipped = 0;
  private total = 0;

  constructor(readonly want: HeadKind | 'any') {}

  /** More bytes: the head when it is complete in what was pushed so far. */
  push(data: Uint8Array): Found | null {
    let buf: Uint8Array = data;
    if (this.carry.length > 0) {
      buf = new Uint8Array(this.carry.length + data.length);
      buf.set(this.carry);
      buf.set(data, this.carry.length);
    }
    const b = Buffer.from(buf.buffer, buf.byteOffset, buf.length);
    this.total += data.length;
    let from = 0;
    for (;;) {
      const p = this.candidate(b, from);
      if (p < 0) break;
      const end = b.indexOf(END, p);
      if (end < 0 || end + END.length - p > MAX_SCAN_HEAD) {
        if (end < 0 && b.length - p < MAX_SCAN_HEAD) {
          // May still complete: carry it over.
          this.carry = buf.slice(p);
          this.skipped = this.total - this.carry.length;
          return null;
        }
        from = p + 1;
        continue;
      }
      const kind = rtmptHead(latin1(buf.subarray(p, end)), this.want);
      if (kind !== null) {
        this.carry = EMPTY;
        this.skipped = this.total - (buf.length - p);
        return { kind, rest: buf.subarray(p) };
      }
      from = p + 1;
    }
    const keep = Math.min(KEEP, buf.length);
    this.carry = buf.slice(buf.length - keep);
    this.skipped = this.total - keep;
    return null;
  }

  /** Bytes were lost: a head cannot straddle them. */
  lost(length: number): void {
    this.total += length;
    this.carry = EMPTY;
    this.skipped = this.total;
  }

  /** Bytes held (the carried candidate). */
  get held(): number {
    return this.carry.length;
  }

  private candidate(b: Buffer, from: number): number {
    const p = this.want === 'reply' ? -1 : b.indexOf(POST, from);
    const h = this.want === 'request' ? -1 : b.indexOf(HTTP, from);
    return p < 0 ? h : h < 0 ? p : Math.min(p, h);
  }
}

/**
 * The sniffer a TCP connection whose start is missing passes while it is undecided: RTMPT as soon
 * as either direction shows an RTMPT head. Says which direction the client sent in (the one that
 * sent a request, or the other one to the one that sent a reply).
 */
export class RtmptSniffer {
  private readonly scans: Record<Direction, HeadScan> = { c2s: new HeadScan('any'), s2c: new HeadScan('any') };

  push(dir: Direction, data: Uint8Array): Direction | null {
    const f = this.scans[dir].push(data);
    if (f === null) return null;
    return f.kind === 'request' ? dir : dir === 'c2s' ? 's2c' : 'c2s';
  }

  lost(dir: Direction, length: number): void {
    this.scans[dir].lost(length);
  }
}

/** Bytes a mid-stream connection on an HTTP port may hold while its decision as RTMP waits for the other side. */
export const RTMPT_WAIT_BYTES = 256 * 1024;
/**
 * The same on other ports (but the "decode as" RTMP ports): enough for the rest of the request
 * body a capture begins in (ffmpeg and librtmp post a few packets per /send), little enough that
 * a plain RTMP connection whose other side is silent is decided a few segments later at most.
 */
export const RTMPT_WAIT_BYTES_OFF_PORT = 16 * 1024;
/** Server ports HTTP (so RTMPT) is usually served on: there, a mid-stream decision waits longer. */
export const HTTP_PORTS: readonly number[] = [80, 8080, 8000, 8008, 8088, 8888];

/**
 * Whether a mid-stream connection that shows chunk headers should still wait before it is taken
 * for plain RTMP: RTMPT begun inside a body shows tunnelled chunks first, and its next HTTP head
 * comes with the other side's next bytes (the reply, or the next request). So while only one
 * side has sent, the decision waits (the held bytes are decoded all the same once it is made):
 * up to RTMPT_WAIT_BYTES on an HTTP port, RTMPT_WAIT_BYTES_OFF_PORT elsewhere, and not at all
 * on a port declared RTMP (`rtmpPorts`, default 1935), where plain RTMP sessions are numbered
 * and written as soon as they are found.
 */
export function awaitingOtherSide(hold: ConnectionHold, serverPort: number, rtmpPorts: readonly number[] = [1935]): boolean {
  if (rtmpPorts.includes(serverPort)) return false;
  const wait = HTTP_PORTS.includes(serverPort) ? RTMPT_WAIT_BYTES : RTMPT_WAIT_BYTES_OFF_PORT;
  return hold.bytes < wait && (hold.firstSegment('c2s') === null || hold.firstSegment('s2c') === null);
}

/** Bytes of a direction kept from before its first head (the end of a cut body), and of replies to unseen requests. */
export const MAX_PREFIX = 1 << 20;

/**
 * The bytes one direction carried before its first RTMPT head, kept (bounded: the last
 * MAX_PREFIX + MAX_SCAN_HEAD bytes) so that the end of the body the capture began in can be
 * decoded: when the head is found, `tail` gives what preceded it, from just after the last head
 * end (CR LF CR LF) it holds, if any.
 */
export class TailKeeper {
  private pieces: { data: Uint8Array; meta: ByteMeta }[] = [];
  private bytes = 0;

  keep(data: Uint8Array, meta: ByteMeta): void {
    if (data.length === 0) return;
    this.pieces.push({ data: data.slice(), meta: { frame: meta.frame, sec: meta.sec, nsec: meta.nsec } });
    this.bytes += data.length;
    while (this.bytes - this.pieces[0]!.data.length > MAX_PREFIX + MAX_SCAN_HEAD) this.bytes -= this.pieces.shift()!.data.length;
  }

  /** Bytes were lost: what came before cannot be joined to what follows. */
  clear(): void {
    this.pieces = [];
    this.bytes = 0;
  }

  /**
   * The head was found with `rest` bytes (from the head on) among those kept: the pieces before
   * it, after the last head end among them; `skipFirst` bytes more are dropped after a head end
   * (a reply body's polling hint). Tails of one byte (the padding of /idle and /close) are none.
   */
  tail(rest: number, skipFirst: number): Piece[] {
    const all = this.bytes - rest;
    const out: Uint8Array[] = [];
    const metas: ByteMeta[] = [];
    let n = 0;
    for (const p of this.pieces) {
      if (n >= all) break;
      const d = p.data.subarray(0, Math.min(p.data.length, all - n));
      n += d.length;
      out.push(d);
      metas.push(p.meta);
    }
    this.clear();
    // After the last CR LF CR LF (the end of a head the capture began inside).
    let from = 0;
    let at = 0;
    let run = 0;
    for (const d of out) {
      for (let j = 0; j < d.length; j++) {
        const b = d[j]!;
        run = (run & 1) === 0 ? (b === 13 ? run + 1 : 0) : b === 10 ? run + 1 : b === 13 ? 1 : 0;
        if (run === 4) {
          from = at + j + 1 + skipFirst;
          run = 0;
        }
      }
      at += d.length;
    }
    const result: Piece[] = [];
    let pos = 0;
    for (let i = 0; i < out.length; i++) {
      const d = out[i]!;
      if (pos + d.length > from) result.push({ data: d.subarray(Math.max(0, from - pos)), lost: 0, meta: metas[i]! });
      pos += d.length;
    }
    return pos - from <= 1 ? [] : result;
  }
}
