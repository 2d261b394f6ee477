/**
 * An incremental HTTP/1.1 message parser for one direction of one TCP connection (requests from
 * the client, responses from the server), as RTMPT needs it: keep-alive and pipelining (messages
 * follow each other on the stream), bodies framed by Content-Length or chunked
 * Transfer-Encoding, and responses without either read to the end of the connection.
 *
 * Sans-IO and bounded: the head of a message is buffered up to MAX_HEAD bytes (64 header lines at
 * most are kept); bodies are never buffered here, they are passed on as they arrive. Never throws
 * on input: what cannot be framed ends parsing of this direction with one `error` event (the
 * caller reports it), after which everything is ignored. Split-invariant: feeding the same bytes
 * in any pieces yields the same heads, the same body bytes (possibly in other pieces) and the
 * same ends.
 */

export type HttpHead = {
  /** Requests: method and target; responses: null. */
  readonly method: string | null;
  readonly target: string | null;
  /** Responses: the status code; requests: null. */
  readonly status: number | null;
  /** Header names lower-cased; a repeated header keeps its first value. */
  readonly headers: ReadonlyMap<string, string>;
};

export type HttpEvent =
  | { readonly kind: 'head'; readonly head: HttpHead }
  | { readonly kind: 'body'; readonly data: Uint8Array }
  /** Bytes of a body the capture lost (a TCP gap inside a body of known length). */
  | { readonly kind: 'gap'; readonly length: number }
  | { readonly kind: 'end' }
  | { readonly kind: 'error'; readonly reason: string };

/** Largest message head (start line + headers) accepted. */
export const MAX_HEAD = 16 * 1024;
const MAX_HEADERS = 64;
/** Longest chunk-size or trailer line accepted. */
const MAX_LINE = 1024;

type State = 'head' | 'fixed' | 'to-close' | 'chunk-size' | 'chunk-data' | 'chunk-crlf' | 'trailer' | 'dead';

const CR = 13;
const LF = 10;

function latin1(b: Uint8Array): string {
  let s = '';
  for (let i = 0; i < b.length; i++) s += String.fromCharCode(b[i]!);
  return s;
}

export class HttpParser {
  private state: State = 'head';
  /** Head or line being collected. */
  private buf = new Uint8Array(256);
  private bufLen = 0;
  /** Body bytes left in a fixed body or chunk. */
  private left = 0;
  private out: HttpEvent[] = [];
  /** Messages completed so far. */
  messages = 0;

  constructor(
    readonly kind: 'request' | 'response',
    /**
     * Responses: whether the reply now due may carry no body whatever its headers say (a reply
     * to HEAD; 1xx, 204 and 304 never have one). Called once per response head.
     */
    private readonly bodyless: () => boolean = () => false,
  ) {}

  get dead(): boolean {
    return this.state === 'dead';
  }

  /** Bytes the parser holds (the head or line in progress). */
  get held(): number {
    return this.bufLen;
  }

  push(data: Uint8Array): HttpEvent[] {
    this.out = [];
    let i = 0;
    while (i < data.length && this.state !== 'dead') {
      switch (this.state) {
        case 'head':
        case 'chunk-size':
        case 'chunk-crlf':
        case 'trailer':
          i = this.line(data, i);
          break;
        case 'fixed':
        case 'chunk-data': {
          const n = Math.min(this.left, data.length - i);
          this.out.push({ kind: 'body', data: data.subarray(i, i + n) });
          this.left -= n;
          i += n;
          if (this.left === 0) {
            if (this.state === 'fixed') this.end();
            else this.state = 'chunk-crlf';
          }
          break;
        }
        case 'to-close':
          this.out.push({ kind: 'body', data: data.subarray(i) });
          i = data.length;
          break;
      }
    }
    return this.out;
  }

  /** Bytes never captured: only a body of known length can continue across them. */
  gap(length: number): HttpEvent[] {
    this.out = [];
    if (this.state === 'dead') return this.out;
    if ((this.state === 'fixed' || this.state === 'chunk-data') && length <= this.left) {
      this.out.push({ kind: 'gap', length });
      this.left -= length;
      if (this.left === 0) {
        if (this.state === 'fixed') this.end();
        else this.state = 'chunk-crlf';
      }
    } else if (this.state === 'to-close') {
      this.out.push({ kind: 'gap', length });
    } else {
      this.fail(`${length} bytes lost in the capture where the HTTP framing cannot continue across them`);
    }
    return this.out;
  }

  /** The connection's end in this direction: a body read to the close ends here. */
  finish(): HttpEvent[] {
    this.out = [];
    if (this.state === 'to-close') this.end();
    else if (this.state !== 'head' && this.state !== 'dead') this.fail('the connection ended inside an HTTP message');
    else if (this.state === 'head' && this.bufLen > 0) this.fail('the connection ended inside an HTTP message head');
    return this.out;
  }

  private fail(reason: string): void {
    this.state = 'dead';
    this.bufLen = 0;
    this.buf = new Uint8Array(0);
    this.out.push({ kind: 'error', reason });
  }

  private end(): void {
    this.messages++;
    this.state = 'head';
    this.out.push({ kind: 'end' });
  }

  private append(data: Uint8Array, from: number, to: number): boolean {
    const n = to - from;
    const cap = this.state === 'head' ? MAX_HEAD : MAX_LINE;
    if (this.bufLen + n > cap) return false;
    if (this.bufLen + n > this.buf.length) {
      const b = new Uint8Array(Math.min(cap, Math.max(this.buf.length * 2, this.bufLen + n)));
      b.set(this.buf.subarray(0, this.bufLen));
      this.buf = b;
    }
    this.buf.set(data.subarray(from, to), this.bufLen);
    this.bufLen += n;
    return true;
  }

  /** Non-CR bytes in the head's current line, and lines completed in the head so far. */
  private lineLen = 0;
  private headLines = 0;

  /** Collect up to the end of the head (an empty line) or of a line; then act on it. */
  private line(data: Uint8Array, i: number): number {
    let j = i;
    const head = this.state === 'head';
    let complete = false;
    for (; j < data.length; j++) {
      const b = data[j]!;
      if (b !== LF) {
        if (head && b !== CR) this.lineLen++;
        continue;
      }
      if (!head) {
        complete = true;
        break;
      }
      if (this.lineLen > 0) {
        this.headLines++;
        this.lineLen = 0;
      } else if (this.headLines > 0) {
        complete = true;
        break;
      }
    }
    if (!this.append(data, i, complete ? j + 1 : j)) {
      this.fail(head ? `an HTTP message head longer than ${MAX_HEAD} bytes` : `an HTTP chunk line longer than ${MAX_LINE} bytes`);
      return data.length;
    }
    if (!complete) return data.length;
    const text = latin1(this.buf.subarray(0, this.bufLen));
    this.bufLen = 0;
    this.lineLen = 0;
    this.headLines = 0;
    if (this.buf.length > 4096) this.buf = new Uint8Array(256);
    this.onLine(text);
    return j + 1;
  }

  private onLine(text: string): void {
    switch (this.state) {
      case 'head':
        this.onHead(text);
        return;
      case 'chunk-size': {
        const m = /^([0-9a-fA-F]{1,8})[ \t]*(;[^\r\n]*)?\r?\n$/.exec(text);
        if (m === null) return this.fail('a malformed chunk size line');
        this.left = parseInt(m[1]!, 16);
        this.state = this.left === 0 ? 'trailer' : 'chunk-data';
        return;
      }
      case 'chunk-crlf':
        if (text !== '\r\n' && text !== '\n') return this.fail('no CRLF after a chunk');
        this.state = 'chunk-size';
        return;
      case 'trailer':
        if (text === '\r\n' || text === '\n') this.end();
        return;
      default:
        return;
    }
  }

  private onHead(text: string): void {
    // Empty lines before a message are tolerated (RFC 9112 §2.2).
    const lines = text.split(/\r?\n/);
    while (lines.length > 0 && lines[0] === '') lines.shift();
    if (lines.length === 0) return;
    const start = lines[0]!;
    let method: string | null = null;
    let target: string | null = null;
    let status: number | null = null;
    if (this.kind === 'request') {
      const m = /^([A-Za-z]{1,20}) (\S{1,8000}) HTTP\/1\.[01]$/.exec(start);
      if (m === null) return this.fail('not an HTTP/1.x request line');
      method = m[1]!;
      target = m[2]!;
    } else {
      const m = /^HTTP\/1\.[01] (\d{3})(?: .*)?$/.exec(start);
      if (m === null) return this.fail('not an HTTP/1.x status line');
      status = Number(m[1]);
    }
    const headers = new Map<string, string>();
    for (const l of lines.slice(1)) {
      if (l === '') continue;
      const c = l.indexOf(':');
      if (c <= 0) return this.fail('a malformed HTTP header line');
      const name = l.slice(0, c).trim().toLowerCase();
      if (!headers.has(name) && headers.size < MAX_HEADERS) headers.set(name, l.slice(c + 1).trim());
    }
    const te = headers.get('transfer-encoding');
    const cl = headers.get('content-length');
    const noBody = status !== null && ((status >= 100 && status < 200) || status === 204 || status === 304 || this.bodyless());
    const chunked = te !== undefined && /(^|,)\s*chunked\s*$/i.test(te);
    if (!noBody && !chunked && cl !== undefined && !/^\d{1,15}$/.test(cl)) return this.fail('a malformed Content-Length');
    this.out.push({ kind: 'head', head: { method, target, status, headers } });
    if (noBody) return this.end();
    if (chunked) {
      this.state = 'chunk-size';
      return;
    }
    if (cl !== undefined) {
      this.left = Number(cl);
      if (this.left === 0) return this.end();
      this.state = 'fixed';
      return;
    }
    if (this.kind === 'request') return this.end();
    this.state = 'to-close';
  }
}
