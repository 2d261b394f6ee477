/**
 * Session and capture records: one `session` line per RTMP session (connection facts, decode
 * statistics and the analysis's facts merged in) and the final `capture` line.
 * Part of the NDJSON contract (src/records/index.ts): fields are added, never renamed.
 */
import type { SessionFacts } from './facts.js';
import type { RtmfpSessionFacts } from './rtmfp.js';
import type { TlsFacts } from '../tls/connection.js';
import type { TunnelLayer } from '../net/tunnel.js';

export type GapStats = { readonly count: number; readonly bytes: number };

/** Which RTMP variant carried a session: plain TCP, TLS, HTTP tunnel, Adobe's encryption, or UDP. */
export type Transport = 'rtmp' | 'rtmps' | 'rtmpt' | 'rtmpe' | 'rtmfp';

/** What an RTMPE session's handshake tells (see src/rtmp/rtmpe.ts). */
export type RtmpeFacts = {
  /** The handshake type: S0's byte (C0's when S0 was not seen): 6 DH + RC4, 8 + XTEA, 9 + Blowfish signatures. */
  readonly type: number;
  /** C0's byte (rtmpdump asks 6 and is answered 8). */
  readonly requested: number | null;
  /** How C2/S2 signatures are encrypted (types 8 and 9). */
  readonly signatureCipher: 'none' | 'xtea' | 'blowfish';
  /** Each side's DH public key: its offset in C1/S1 and whether 1 < y < p-1 (null: not locatable). */
  readonly clientKey: { readonly offset: number; readonly valid: boolean } | null;
  readonly serverKey: { readonly offset: number; readonly valid: boolean } | null;
  /**
   * 'encrypted': everything after the handshake is RC4 ciphertext that only an endpoint can read;
   * 'decrypted': the proxy terminated RTMPE and decoded the plaintext.
   */
  readonly content: 'encrypted' | 'decrypted';
  /**
   * The proxy terminated RTMPE: it answered the client's handshake itself and talks to the
   * upstream in `upstream` with its own handshake, so the bytes it forwarded (`upstreamBytes`)
   * differ from the client's (`bytes`), while the RTMP messages do not.
   */
  readonly terminated?: { readonly upstream: 'rtmp' | 'rtmpe'; readonly upstreamBytes: { readonly c2s: number; readonly s2c: number } };
};

/** Written when the session's TCP connection ends; the analysis's facts are merged in. */
export type SessionRecord = Partial<SessionFacts> & {
  readonly type: 'session';
  /** 1-based RTMP session number, in order of the connection's first packet. */
  readonly session: number;
  /** 0-based TCP connection index, as Wireshark's `tcp.stream` (RTMFP: index of the UDP address pair among those carrying RTMFP). */
  readonly tcpStream: number;
  readonly client: string;
  readonly server: string;
  /** True when no SYN told us which side is the client (decided from RTMP or the port). */
  readonly clientGuessed: boolean;
  /** How the connection was recognised as RTMP. */
  readonly detectedBy: 'handshake' | 'chunk-heuristic' | 'port';
  /** C0 version byte when the handshake start was seen (3 plain; 6, 8, 9, 10 RTMPE). */
  readonly version: number | null;
  readonly encrypted: boolean;
  /** The variant that carried the session (always present; 'rtmpe' after an encrypted handshake). */
  readonly transport: Transport;
  readonly firstFrame: number;
  readonly lastFrame: number;
  readonly startTime: number;
  readonly endTime: number;
  readonly duration: number;
  readonly packets: number;
  /** TCP payload bytes per direction, each byte counted once (retransmissions excluded). */
  readonly bytes: { readonly c2s: number; readonly s2c: number };
  readonly gaps: { readonly c2s: GapStats; readonly s2c: GapStats };
  /**
   * Present when the capture's snap length cut packets of this connection: holes (and bytes)
   * per direction that were sent but not kept by the capture. Not counted in `gaps`.
   */
  readonly truncated?: { readonly c2s: GapStats; readonly s2c: GapStats };
  readonly startUnseen: { readonly c2s: boolean; readonly s2c: boolean };
  /** How the TCP connection ended: FIN, RST, reuse of its 4-tuple, or the end of the capture. */
  readonly end: 'fin' | 'rst' | 'reused' | 'eof' | 'evicted';
  /**
   * Present when the connection came through tunnels or overlays: per direction, the layers of
   * its first segment, outermost first, with outer endpoints and ids (null: that direction was
   * not tunnelled or sent nothing).
   */
  readonly tunnel?: { readonly c2s: readonly TunnelLayer[] | null; readonly s2c: readonly TunnelLayer[] | null };
  /** RTMP messages decoded per direction. */
  readonly messageCount: { readonly c2s: number; readonly s2c: number };
  /** Chunk size in force at the end, per direction. */
  readonly chunkSize: { readonly c2s: number; readonly s2c: number };
  /** Which type-3 extended-timestamp convention each peer used (null: never needed). */
  readonly type3ExtendedTimestamp: { readonly c2s: 'repeated' | 'omitted' | 'mixed' | null; readonly s2c: 'repeated' | 'omitted' | 'mixed' | null };
  /** RTMPE sessions: handshake type, DH keys, whether the content could be read. */
  readonly rtmpe?: RtmpeFacts;
  /** Diagnostics of this session by code, repeats included (only the first few of each are written). */
  readonly diagnosticCounts?: Readonly<Record<string, number>>;
  /** RTMFP sessions: the handshake, keys, packets, flows and close (rtmfp.ts). */
  readonly rtmfp?: RtmfpSessionFacts;
  /** RTMPT sessions: the HTTP tunnel's facts. */
  readonly rtmpt?: RtmptFacts;
  /** RTMPS: the TLS connection's facts (src/tls/connection.ts). */
  readonly tls?: TlsFacts;
};

/** The HTTP side of an RTMPT tunnel session (src/rtmpt/tunnel.ts). */
export type RtmptFacts = {
  /** The id /open's reply gave (or the requests carried, when /open was not captured). */
  readonly sessionId: string;
  /** TCP connections (tcp.stream) that carried the tunnel's requests (the first 64). */
  readonly connections: readonly number[];
  /** Requests by kind (ident: /fcs/ident2 on the connection before /open). */
  readonly requests: { readonly open: number; readonly ident: number; readonly send: number; readonly idle: number; readonly close: number };
  /** Replies with a status other than 200. */
  readonly errorReplies: number;
  /** Replies to send/idle that carried no RTMP bytes. */
  readonly emptyReplies: number;
  /** Bodies dropped because their sequence number was already passed (repeated, or too late). */
  readonly lateBodies: number;
  /** idle / (send + idle): the share of requests that only polled. */
  readonly idleRatio: number | null;
  /** The polling interval hints (the first byte of each reply body). */
  readonly pollHint: { readonly first: number; readonly last: number; readonly min: number; readonly max: number } | null;
  /** From a request's last byte to its reply's first byte, capture time. */
  readonly replyLatencyMs: { readonly count: number; readonly min: number; readonly mean: number; readonly max: number } | null;
};

/** The connection-level part of a session record; the rest comes from the session's decoders. */
export type SessionBase = Pick<
  SessionRecord,
  'session' | 'tcpStream' | 'client' | 'server' | 'clientGuessed' | 'detectedBy' | 'version' | 'encrypted' | 'firstFrame' | 'lastFrame' | 'packets' | 'bytes' | 'gaps' | 'truncated' | 'startUnseen' | 'end' | 'tunnel'
> & {
  /** Default: 'rtmpe' when `encrypted`, else 'rtmp'. */
  readonly transport?: Transport;
  readonly firstTime: { readonly sec: number; readonly nsec: number };
  readonly lastTime: { readonly sec: number; readonly nsec: number };
};

/** A session record from its connection facts, decode statistics and the analysis's facts. */
export function buildSessionRecord(
  base: SessionBase,
  stats: Pick<SessionRecord, 'messageCount' | 'chunkSize' | 'type3ExtendedTimestamp'>,
  facts: (Partial<SessionFacts> & { readonly rtmpe?: RtmpeFacts; readonly diagnosticCounts?: Readonly<Record<string, number>> }) | null,
): SessionRecord {
  const startTime = base.firstTime.sec + base.firstTime.nsec / 1e9;
  const endTime = base.lastTime.sec + base.lastTime.nsec / 1e9;
  return {
    type: 'session',
    session: base.session,
    tcpStream: base.tcpStream,
    client: base.client,
    server: base.server,
    clientGuessed: base.clientGuessed,
    detectedBy: base.detectedBy,
    version: base.version,
    encrypted: base.encrypted,
    transport: base.transport ?? (base.encrypted ? 'rtmpe' : 'rtmp'),
    firstFrame: base.firstFrame,
    lastFrame: base.lastFrame,
    startTime,
    endTime,
    duration: Math.round((endTime - startTime) * 1e6) / 1e6,
    packets: base.packets,
    bytes: base.bytes,
    gaps: base.gaps,
    ...(base.truncated === undefined ? {} : { truncated: base.truncated }),
    startUnseen: base.startUnseen,
    end: base.end,
    ...(base.tunnel === undefined ? {} : { tunnel: base.tunnel }),
    ...stats,
    ...(facts ?? {}),
  };
}

export type CaptureSummaryRecord = {
  readonly type: 'capture';
  readonly format: string | null;
  readonly frames: number;
  readonly linkTypes: readonly number[];
  readonly tcpConnections: number;
  readonly rtmpSessions: number;
  /** TCP connections that were TLS (present when there were any). */
  readonly tlsConnections?: number;
  /** Packets that were not TCP or could not be decoded, by reason. */
  readonly skipped: Readonly<Record<string, number>>;
  /** TCP connections no longer followed to stay within --max-connections (absent when none). */
  readonly evictedConnections?: number;
  /**
   * Present when tunnels were seen: TCP packets decoded through each kind of tunnel (a packet
   * counts once per layer), and tunnelled packets left undecoded by reason ('gtp-u-signalling', …).
   */
  /**
   * Present when the snap length cut TCP payload: connections affected, holes and bytes cut
   * off, and the snap length the capture declared (null: none declared).
   */
  readonly truncated?: { readonly connections: number; readonly holes: number; readonly bytes: number; readonly snapLen: number | null };
  readonly tunnels?: { readonly packets: Readonly<Record<string, number>>; readonly undecodable: Readonly<Record<string, number>> };
  /** Proxy: connections refused at --max-sessions (absent when none). */
  readonly refusedConnections?: number;
  /** Proxy: clients whose TLS handshake failed on a --tls-cert listener (absent when none). */
  readonly failedTlsHandshakes?: number;
};
