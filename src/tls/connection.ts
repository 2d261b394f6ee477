/**
 * One TLS connection seen in a capture: both directions' records (record-framer.ts), the
 * handshake messages they carry (reassembled across records, bounded), the hello facts, and —
 * when a key log has this connection's client random — the decrypted application data of each
 * direction with its own offsets, ready for the RTMP decoder exactly like a plain TCP stream.
 *
 * TLS 1.3 (RFC 8446): handshake traffic keys from ServerHello to each side's Finished, then the
 * application traffic secrets (_0, advanced by KeyUpdate, §4.6.3). TLS 1.2 (RFC 5246): the key
 * block from the master secret, each side switching at its ChangeCipherSpec. Without keys, only
 * the hellos are read and the rest of the connection is skipped cheaply.
 *
 * A TCP gap loses the record it falls in; decoding resumes at the next record that opens under a
 * sequence number a little ahead (the lost records' count is bounded by the bytes lost), and the
 * plaintext stream gets a gap of the lost records' estimated plaintext size. Never throws on peer
 * input; every problem is a diagnostic.
 */
import { diag, type Diagnostic, type DiagnosticCode, type Direction } from '../core/diagnostics.js';
import type { ByteMeta } from '../rtmp/chunk-decoder.js';
import { SUITES, hashLen, open12, open13, suiteName, tls12Keys, tls13NextSecret, tls13TrafficKeys, type DirKeys, type Suite } from './crypto.js';
import { decodeClientHello, decodeEncryptedExtensionsAlpn, decodeServerHello, versionName, type ClientHello, type ServerHello } from './hello.js';
import type { TlsKeyLog, TlsSecrets } from './keylog.js';
import { RecordFramer, TLS_HEADER, plausibleHeader, type TlsRecord } from './record-framer.js';
import { u16 } from '../core/byte-reader.js';

export type TlsEvent =
  | { readonly kind: 'data'; readonly dir: Direction; readonly data: Uint8Array; readonly offset: number; readonly meta: ByteMeta }
  | { readonly kind: 'gap'; readonly dir: Direction; readonly length: number; readonly meta: ByteMeta }
  | { readonly kind: 'diagnostic'; readonly diagnostic: Diagnostic };

/** What the session record and the diagnostics say about the connection. */
export type TlsFacts = {
  readonly version: string | null;
  readonly cipherSuite: string | null;
  readonly sni: string | null;
  /** ALPN protocols the client offered, and the one the server chose (if seen). */
  readonly alpnOffered: readonly string[];
  readonly alpn: string | null;
  readonly offeredVersions: readonly string[];
  readonly offeredSuites: number;
  /** Application data was decrypted (in at least one direction). */
  readonly decrypted: boolean;
  /** Records that could not be decrypted or were lost, per direction. */
  readonly unreadRecords: { readonly c2s: number; readonly s2c: number };
};

/** Handshake bodies kept (ClientHello, ServerHello, EncryptedExtensions); others are skipped. */
const KEEP_HS = new Set([1, 2, 8]);
const MAX_HS_BODY = 1 << 16;
/** Sequence numbers tried per resynchronisation candidate, and candidates per gap. */
const MAX_SEQ_TRIES = 512;
const MAX_CANDIDATES = 16;

type Cipher = { readonly v: 13; readonly suite: Suite; secret: Uint8Array; keys: { key: Uint8Array; iv: Uint8Array }; seq: bigint; app: boolean } | { readonly v: 12; readonly suite: Suite; keys: DirKeys; seq: bigint; etm: boolean };

type Side = {
  readonly dir: Direction;
  readonly framer: RecordFramer;
  /** Handshake message reassembly: header bytes, then the body (kept or skipped). */
  hsHead: number[];
  hsType: number;
  hsLeft: number;
  hsBody: number[] | null;
  cipher: Cipher | null;
  /** Encrypted records arrive but cannot be opened (no keys, or given up). */
  opaque: boolean;
  plainOffset: number;
  unread: number;
  /** Since the last gap: ciphertext bytes lost, candidates tried. */
  lostBytes: number;
  candidates: number;
  gaveUp: boolean;
};

export class TlsConnection {
  private readonly sides: Record<Direction, Side>;
  private out: TlsEvent[] = [];
  private ch: ClientHello | null = null;
  private sh: ServerHello | null = null;
  private secrets: TlsSecrets | undefined;
  private suite: Suite | null = null;
  private alpn: string | null = null;
  private decryptedAny = false;
  /** Nothing more to learn: hellos seen and no keys (the rest is skipped). */
  private idle = false;
  private noticed = false;

  constructor(
    private readonly keylog: TlsKeyLog | null,
    private readonly conn: number,
    /** The direction (as the capture's TCP stage named it) that carried the ClientHello. */
    private readonly clientDir: Direction = 'c2s',
    /** The handshake is not in the capture: only say what this is (nothing can be decrypted). */
    private readonly midstream = false,
  ) {
    const side = (dir: Direction): Side => ({
      dir,
      framer: new RecordFramer(),
      hsHead: [],
      hsType: 0,
      hsLeft: 0,
      hsBody: null,
      cipher: null,
      opaque: false,
      plainOffset: 0,
      unread: 0,
      lostBytes: 0,
      candidates: 0,
      gaveUp: false,
    });
    this.sides = { c2s: side('c2s'), s2c: side('s2c') };
  }

  /** Keys for this connection are known (so it may become an RTMP session). */
  get decrypting(): boolean {
    return this.secrets !== undefined && this.suite !== null && !this.idle;
  }

  /** 'client' or 'server': who sends on this side (message text and key choice). */
  private who(s: Side): 'client' | 'server' {
    return s.dir === this.clientDir ? 'client' : 'server';
  }

  private get client(): Side {
    return this.sides[this.clientDir];
  }

  private get server(): Side {
    return this.sides[this.clientDir === 'c2s' ? 's2c' : 'c2s'];
  }

  facts(): TlsFacts {
    const version = this.sh === null ? null : versionName(this.sh.version);
    return {
      version,
      cipherSuite: this.sh === null ? null : suiteName(this.sh.cipherSuite),
      sni: this.ch?.sni ?? null,
      alpnOffered: this.ch?.alpn ?? [],
      alpn: this.alpn,
      offeredVersions: (this.ch === null ? [] : this.ch.versions.length > 0 ? this.ch.versions : [this.ch.legacyVersion]).map(versionName),
      offeredSuites: this.ch?.cipherSuites.length ?? 0,
      decrypted: this.decryptedAny,
      unreadRecords: { c2s: this.client.unread, s2c: this.server.unread },
    };
  }

  push(dir: Direction, bytes: Uint8Array, meta: ByteMeta): TlsEvent[] {
    this.out = [];
    if (this.midstream && !this.noticed) {
      this.noticed = true;
      this.idle = true;
      const msg =
        'a TLS connection whose handshake is not in the capture (it began before the capture did): its content (RTMPS?) cannot be decrypted, not even with a key log, whose secrets are found by the ClientHello; capture from the start, or through `rtmpscope proxy`';
      this.problem('tls.encrypted', msg, meta, undefined, undefined, { midstream: true });
    }
    if (this.idle) return this.out;
    const s = this.sides[dir];
    s.framer.push(bytes, meta, {
      record: (r) => this.onRecord(s, r),
      candidate: (r, skipped) => this.onCandidate(s, r, skipped),
      desync: (offset, m) => {
        s.lostBytes = 0;
        s.candidates = 0;
        this.problem('tls.record.bad-header', `${this.who(s)}: bytes at offset ${offset} are not a TLS record header; scanning for the next record`, m, dir, offset);
      },
    });
    return this.out;
  }

  gap(dir: Direction, length: number, _meta: ByteMeta): TlsEvent[] {
    this.out = [];
    if (this.idle) return this.out;
    const s = this.sides[dir];
    s.lostBytes += s.framer.gap(length) + length;
    s.candidates = 0;
    // A handshake message cut by the hole cannot be completed.
    s.hsHead = [];
    s.hsLeft = 0;
    s.hsBody = null;
    return this.out;
  }

  /** End of the connection: a handshake that never finished is said plainly. */
  finish(meta: ByteMeta): TlsEvent[] {
    this.out = [];
    this.notice(meta);
    return this.out;
  }

  private problem(code: DiagnosticCode, message: string, meta: ByteMeta, dir?: Direction, offset?: number, context?: Record<string, string | number | boolean>): void {
    const at = { frame: meta.frame, conn: this.conn, ...(dir === undefined ? {} : { dir }), ...(offset === undefined ? {} : { offset }) };
    this.out.push({ kind: 'diagnostic', diagnostic: diag(code, message, at, context) });
  }

  /** The first time it is clear the content cannot be read: say what to do. */
  private notice(meta: ByteMeta): void {
    if (this.noticed || this.ch === null) return;
    if (this.decrypting && this.sh !== null) return;
    this.noticed = true;
    const f = this.facts();
    const what = `a TLS connection (${f.version ?? 'no ServerHello captured'}${f.cipherSuite === null ? '' : ` ${f.cipherSuite}`}${f.sni === null ? '' : `, SNI ${f.sni}`}${f.alpnOffered.length === 0 ? '' : `, ALPN ${f.alpnOffered.join(',')}`})`;
    const ctx = {
      sni: f.sni ?? '',
      version: f.version ?? '',
      cipherSuite: f.cipherSuite ?? '',
      alpn: f.alpnOffered.join(','),
      offeredVersions: f.offeredVersions.join(','),
      offeredSuites: f.offeredSuites,
    };
    const noLogs = this.keylog === null || this.keylog.size === 0;
    if (this.secrets === undefined) {
      const advice = noLogs
        ? 'its content (RTMPS?) is encrypted: decrypt it with --keylog FILE (the SSLKEYLOGFILE of the client or server), or capture through `rtmpscope proxy`'
        : 'no --keylog file has its client random: its content cannot be read (was SSLKEYLOGFILE set for this session?); or capture through `rtmpscope proxy`';
      this.problem(noLogs ? 'tls.encrypted' : 'tls.no-key', `${what}: ${advice}`, meta, undefined, undefined, ctx);
    } else if (this.sh === null) {
      this.problem('tls.encrypted', `${what}: the ServerHello is not in the capture, so the logged keys cannot be used`, meta, undefined, undefined, ctx);
    } else if (SUITES.get(this.sh.cipherSuite)?.tls !== (this.sh.version === 0x0304 ? 13 : 12)) {
      this.problem('tls.unsupported-suite', `${what}: keys are logged, but this cipher suite is not one rtmpscope decrypts`, meta, undefined, undefined, ctx);
    } else {
      this.problem('tls.no-key', `${what}: the key log lacks the secrets this connection needs (CLIENT_RANDOM for TLS 1.2; the handshake and traffic secrets for TLS 1.3)`, meta, undefined, undefined, ctx);
    }
  }

  private onRecord(s: Side, r: TlsRecord): void {
    if (r.type === 20) {
      // ChangeCipherSpec: TLS 1.2 switches this side to the negotiated keys; TLS 1.3 ignores it.
      if (this.sh !== null && this.sh.version !== 0x0304) this.startCipher12(s);
      return;
    }
    if (s.cipher !== null && (r.type === 23 || s.cipher.v === 12)) {
      const p = this.open(s, r, s.cipher.seq);
      if (p === null) {
        s.unread++;
        this.stopSide(s, 'tls.decrypt-failed', `${this.who(s)}: a record at offset ${r.offset} does not decrypt with the logged keys (a wrong key log, or a damaged capture); the rest of this direction is not decrypted`, r);
        return;
      }
      s.cipher.seq++;
      this.onPlain(s, p.type, p.data, r);
      return;
    }
    if (r.type === 22 && !s.opaque) {
      this.handshakeBytes(s, r.body, r);
      return;
    }
    if (r.type === 21 && r.body.length === 2) {
      this.alert(s, r.body, r);
      return;
    }
    if (r.type === 23) s.unread++;
  }

  private onCandidate(s: Side, r: TlsRecord, skipped: number): boolean {
    const c = s.cipher;
    if (c === null || s.gaveUp) {
      // Nothing to check it against: accept a handshake or application record as it comes.
      if (r.type === 23) s.unread++;
      return r.type === 22 || r.type === 23;
    }
    if (++s.candidates > MAX_CANDIDATES) {
      this.stopSide(s, 'tls.resync-failed', `${this.who(s)}: no record after the gap decrypts; the rest of this direction is not decrypted`, r);
      return true;
    }
    const lost = s.lostBytes + skipped;
    const maxLost = Math.min(MAX_SEQ_TRIES, Math.ceil(lost / (TLS_HEADER + 17)) + 1);
    for (let k = 0; k <= maxLost; k++) {
      const p = this.open(s, r, c.seq + BigInt(k));
      if (p === null) continue;
      const overhead = c.v === 13 ? 17 : c.suite.cipher === 'aes-gcm' ? 24 : c.suite.cipher === 'chacha20-poly1305' ? 16 : 16 + hashLen(c.suite.mac ?? 'sha1') + 8;
      const plainLost = Math.max(0, lost - k * (TLS_HEADER + overhead));
      s.unread += k;
      c.seq += BigInt(k) + 1n;
      s.lostBytes = 0;
      s.candidates = 0;
      this.problem('tls.record.lost', `${this.who(s)}: ${k} TLS record(s) lost in a gap (${lost} bytes); decryption resumed at offset ${r.offset}; about ${plainLost} plaintext bytes missing`, r.meta, s.dir, r.offset, {
        records: k,
        bytes: lost,
        plaintextBytes: plainLost,
      });
      if (plainLost > 0 || k > 0) this.out.push({ kind: 'gap', dir: s.dir, length: Math.max(1, plainLost), meta: r.meta });
      s.plainOffset += Math.max(1, plainLost);
      this.onPlain(s, p.type, p.data, r);
      return true;
    }
    return false;
  }

  private stopSide(s: Side, code: DiagnosticCode, message: string, r: TlsRecord): void {
    s.cipher = null;
    s.opaque = true;
    s.gaveUp = true;
    this.problem(code, message, r.meta, s.dir, r.offset);
  }

  private open(s: Side, r: TlsRecord, seq: bigint): { type: number; data: Uint8Array } | null {
    const c = s.cipher;
    if (c === null) return null;
    if (c.v === 13) return r.type === 23 ? open13(c.suite, c.keys, seq, r.header, r.body) : null;
    const data = open12(c.suite, c.keys, seq, r.type, r.version, r.body, c.etm);
    return data === null ? null : { type: r.type, data };
  }

  private onPlain(s: Side, type: number, data: Uint8Array, r: TlsRecord): void {
    if (type === 23) {
      if (data.length === 0) return;
      this.decryptedAny = true;
      this.out.push({ kind: 'data', dir: s.dir, data, offset: s.plainOffset, meta: r.meta });
      s.plainOffset += data.length;
    } else if (type === 22) {
      this.handshakeBytes(s, data, r);
    } else if (type === 21 && data.length === 2) {
      this.alert(s, data, r);
    }
  }

  private alert(s: Side, body: Uint8Array, r: TlsRecord): void {
    // close_notify (0) is the normal end; a fatal alert is worth saying.
    if (body[0] === 2) this.problem('tls.alert', `${this.who(s)}: fatal TLS alert ${body[1]}`, r.meta, s.dir, r.offset, { description: body[1]! });
  }

  /** Handshake messages may span records and records may hold several (RFC 8446 §5.1). */
  private handshakeBytes(s: Side, b: Uint8Array, r: TlsRecord): void {
    let i = 0;
    while (i < b.length) {
      if (s.hsLeft === 0 && s.hsHead.length < 4) {
        s.hsHead.push(b[i++]!);
        if (s.hsHead.length === 4) {
          s.hsType = s.hsHead[0]!;
          s.hsLeft = (s.hsHead[1]! << 16) | (s.hsHead[2]! << 8) | s.hsHead[3]!;
          s.hsBody = KEEP_HS.has(s.hsType) && s.hsLeft <= MAX_HS_BODY ? [] : null;
          if (s.hsLeft === 0) this.endHandshake(s, r);
        }
        continue;
      }
      const n = Math.min(s.hsLeft, b.length - i);
      if (s.hsBody !== null) for (let j = 0; j < n; j++) s.hsBody.push(b[i + j]!);
      i += n;
      s.hsLeft -= n;
      if (s.hsLeft === 0) this.endHandshake(s, r);
    }
  }

  private endHandshake(s: Side, r: TlsRecord): void {
    const type = s.hsType;
    const body = s.hsBody === null ? null : Uint8Array.from(s.hsBody);
    s.hsHead = [];
    s.hsBody = null;
    if (type === 1 && body !== null && this.ch === null) {
      this.ch = decodeClientHello(body);
      if (this.ch === null) this.problem('tls.hello.malformed', `${this.who(s)}: a ClientHello that does not parse`, r.meta, s.dir, r.offset);
      else this.secrets = this.keylog?.get(this.ch.random);
    } else if (type === 2 && body !== null) {
      const sh = decodeServerHello(body);
      if (sh === null) this.problem('tls.hello.malformed', `${this.who(s)}: a ServerHello that does not parse`, r.meta, s.dir, r.offset);
      else if (!sh.retry) this.onServerHello(sh, r);
    } else if (type === 8 && body !== null) {
      this.alpn = decodeEncryptedExtensionsAlpn(body) ?? this.alpn;
    } else if (type === 20) {
      // Finished: in TLS 1.3 this side now uses its application traffic secret.
      const c = s.cipher;
      if (c !== null && c.v === 13 && !c.app) this.startApp13(s, r);
    } else if (type === 24) {
      // KeyUpdate: this side's next record uses the next generation of its secret.
      const c = s.cipher;
      if (c !== null && c.v === 13 && c.app) {
        c.secret = tls13NextSecret(c.suite, c.secret);
        c.keys = tls13TrafficKeys(c.suite, c.secret);
        c.seq = 0n;
      }
    }
  }

  private onServerHello(sh: ServerHello, r: TlsRecord): void {
    if (this.sh !== null) return;
    this.sh = sh;
    this.alpn = sh.alpn;
    const suite = SUITES.get(sh.cipherSuite);
    const tls13 = sh.version === 0x0304;
    const sec = this.secrets;
    if (suite !== undefined && suite.tls === (tls13 ? 13 : 12) && sec !== undefined) {
      if (tls13 && sec.clientHandshake !== undefined && sec.serverHandshake !== undefined && sec.clientTraffic0 !== undefined && sec.serverTraffic0 !== undefined) {
        this.suite = suite;
        const mk = (secret: Uint8Array): Cipher => ({ v: 13, suite, secret, keys: tls13TrafficKeys(suite, secret), seq: 0n, app: false });
        this.client.cipher = mk(sec.clientHandshake);
        this.server.cipher = mk(sec.serverHandshake);
      } else if (!tls13 && sec.master !== undefined && this.ch !== null) {
        this.suite = suite;
      }
    }
    if (this.suite === null) {
      this.notice(r.meta);
      // Nothing more can be read: skip the rest of the connection.
      this.idle = true;
      for (const d of ['c2s', 's2c'] as const) this.sides[d].opaque = true;
    }
  }

  private startApp13(s: Side, r: TlsRecord): void {
    const sec = this.secrets;
    const c = s.cipher;
    if (sec === undefined || c === null || c.v !== 13) return;
    const secret = this.who(s) === 'client' ? sec.clientTraffic0 : sec.serverTraffic0;
    if (secret === undefined) {
      this.stopSide(s, 'tls.decrypt-failed', `${this.who(s)}: no application traffic secret logged`, r);
      return;
    }
    s.cipher = { v: 13, suite: c.suite, secret, keys: tls13TrafficKeys(c.suite, secret), seq: 0n, app: true };
  }

  private startCipher12(s: Side): void {
    const sec = this.secrets;
    if (this.suite === null || sec?.master === undefined || this.ch === null || this.sh === null) {
      s.opaque = true;
      return;
    }
    const keys = tls12Keys(this.suite, sec.master, this.ch.random, this.sh.random);
    s.cipher = { v: 12, suite: this.suite, keys: keys[this.who(s) === 'client' ? 'c2s' : 's2c'], seq: 0n, etm: this.sh.encryptThenMac };
    s.hsHead = [];
    s.hsLeft = 0;
    s.hsBody = null;
  }
}

/** The first bytes of a direction open a TLS handshake record holding a ClientHello. */
export function looksLikeClientHello(b: Uint8Array): boolean {
  return b.length >= 6 && b[0] === 22 && b[1] === 3 && b[2]! <= 4 && b[5] === 1;
}

/**
 * How the first captured bytes of a connection show TLS: a ClientHello ('hello'), or — when the
 * connection's start is not in the capture — protected records ('midstream': an application data
 * or alert record header of TLS 1.2/1.3, followed by another record header when the segment holds
 * one). A guess for 'midstream', as every mid-stream recognition is.
 */
export function tlsStart(b: Uint8Array, startSeen: boolean): 'hello' | 'midstream' | null {
  if (looksLikeClientHello(b)) return 'hello';
  if (startSeen || b.length < TLS_HEADER || (b[0] !== 23 && b[0] !== 21) || b[2] !== 3 || !plausibleHeader(b, 0)) return null;
  const next = TLS_HEADER + u16(b, 3);
  return next + TLS_HEADER > b.length || plausibleHeader(b, next) ? 'midstream' : null;
}

export { MAX_HS_BODY };
