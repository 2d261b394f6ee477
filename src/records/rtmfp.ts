/**
 * What RTMFP adds to the output records (part of the NDJSON contract, src/records/index.ts:
 * fields are added, never renamed). Handshake records of the startup chunks carry
 * `rtmfp: RtmfpHandshakeFacts`; session records of RTMFP sessions carry `rtmfp: RtmfpSessionFacts`.
 * The startup chunks' decoded parts (Epd, Certificate, KeyComponent) are decoded by src/rtmfp/handshake.ts.
 */
import type { PerDir } from './facts.js';

/** Endpoint discriminator (RFC 7425 §4.4.2): whom an IHello is for. */
export type Epd = {
  /** Ancillary data: for Flash, the rtmfp: URI the client connects to. */
  readonly url?: string;
  /** SHA-256 of the wanted responder's canonical certificate, hex. */
  readonly fingerprint?: string;
  readonly hostname?: string;
};

/** A Flash certificate (RFC 7425 §4.3): its canonical options before the first marker. */
export type Certificate = {
  readonly length: number;
  /** SHA-256 of the canonical part, hex: what an EPD fingerprint names. */
  readonly fingerprint: string;
  readonly hostname?: string;
  readonly acceptsAncillaryData: boolean;
  /** Ephemeral DH groups offered (option 0x15). */
  readonly dhGroups: readonly number[];
  /** Groups with a static DH public key in the certificate (option 0x1d). */
  readonly staticDhGroups: readonly number[];
  readonly extraRandomness: boolean;
};

/** HMAC or session sequence number negotiation flags (RFC 7425 §4.6.4, §4.6.5). */
export type Negotiation = {
  readonly flags: number;
  /** Will send always / will send on request / requests the peer to send. */
  readonly sendAlways: boolean;
  readonly sendOnRequest: boolean;
  readonly request: boolean;
  /** HMAC only: the truncated length this end sends. */
  readonly length?: number;
};

/** A session key component, initiator's or responder's (RFC 7425 §4.6.2, §4.6.3). */
export type KeyComponent = {
  readonly length: number;
  /** The DH group of the ephemeral public key sent (0x0d) or selected from a static key (0x1d). */
  readonly dhGroup: number | null;
  readonly dhPublicKeyBytes: number | null;
  readonly hmac: Negotiation | null;
  readonly sseq: Negotiation | null;
};

export type RtmfpHandshakeFacts = {
  /** The session id in the packet's header (0 for IHello/RHello/IIKeying), 8 hex digits. */
  readonly packetSessionId: string;
  /** IHello: how many of this session's IHellos this is (1 = the first; more = retransmissions). */
  readonly attempt?: number;
  readonly epd?: Epd;
  /** IHello: bytes of the endpoint discriminator. */
  readonly epdLength?: number;
  readonly tag?: string;
  readonly cookie?: string;
  /** RHello: the cookie's length (the hex shows at most 64 bytes). */
  readonly cookieLength?: number;
  readonly certificate?: Certificate;
  /** IIKeying: the id the initiator chose; RIKeying: the id the responder chose. */
  readonly sessionId?: string;
  readonly keyComponent?: KeyComponent;
  /** Bytes of the signature after the key component (the Flash profile sends none or a placeholder). */
  readonly signatureLength?: number;
};

export type RtmfpFlowFacts = {
  /** The sender's direction and its flow id (each direction numbers its own flows). */
  readonly dir: 'c2s' | 's2c';
  readonly flowId: number;
  /** The flow's metadata: "TC" (RTMP over RTMFP), else printable text or hex. */
  readonly signature: string | null;
  /** TC flows: the RTMP message stream the flow carries. */
  readonly streamId?: number;
  readonly receiveIntent?: string;
  /** Return flow association: the flow of the other direction this flow answers. */
  readonly returnFor?: number;
  readonly fragments: number;
  readonly duplicates: number;
  readonly bytes: number;
  readonly messages: number;
  /** Acknowledgement chunks the receiver sent for this flow. */
  readonly acks: number;
  /** Fragments given up: abandoned by the sender or not captured. */
  readonly lostFragments: number;
  readonly firstFrame: number;
  readonly startMs: number;
  readonly lastMs: number;
  /** The sender marked the last fragment final. */
  readonly final: boolean;
  /** Flow Exception Report from the receiver (the flow was rejected), with its code. */
  readonly exception: number | null;
};

export type RtmfpSessionFacts = {
  /** RIKeying seen: both ends have keys. */
  readonly established: boolean;
  /** IHellos sent, and when (ms after the first; at most 16 listed). */
  readonly ihello: { readonly count: number; readonly elapsedMs: readonly number[] };
  /** Milliseconds after the first IHello of the other startup chunks (null: not captured). */
  readonly rhelloMs: number | null;
  readonly iikeyingMs: number | null;
  readonly rikeyingMs: number | null;
  readonly epd: Epd | null;
  readonly tag: string | null;
  readonly cookie: string | null;
  readonly responderCertificate: Certificate | null;
  readonly initiatorCertificate: Certificate | null;
  /** Whether the IHello's fingerprint names the responder's certificate (null: no fingerprint EPD). */
  readonly fingerprintMatches: boolean | null;
  readonly initiatorSessionId: string | null;
  readonly responderSessionId: string | null;
  readonly initiatorKeyComponent: KeyComponent | null;
  readonly responderKeyComponent: KeyComponent | null;
  /** Negotiated per direction from both key components: HMAC instead of checksum, session sequence numbers. */
  readonly hmac: PerDir<boolean> | null;
  readonly sseq: PerDir<boolean> | null;
  /** 'logged': a key log had this session's keys; 'none': session packets could not be read. */
  readonly keys: 'logged' | 'none';
  /** UDP datagrams and their payload bytes per direction (startup packets included). */
  readonly packets: PerDir<number>;
  readonly bytes: PerDir<number>;
  readonly decrypted: PerDir<number>;
  /** Session packets that were not read: no keys, or they failed the HMAC/checksum. */
  readonly undecrypted: PerDir<number>;
  /** Chunks per direction by type ("0x10 User Data", "0xec"), in decrypted packets (at most 32 types). */
  readonly chunkTypes: PerDir<Readonly<Record<string, number>>>;
  readonly acks: PerDir<number>;
  readonly pings: PerDir<number>;
  /** Session Close Request / Acknowledgement: who sent it first, and when (ms after the first IHello). */
  readonly closeRequest: { readonly dir: 'c2s' | 's2c'; readonly elapsedMs: number } | null;
  readonly closeAck: { readonly dir: 'c2s' | 's2c'; readonly elapsedMs: number } | null;
  readonly flowCount: number;
  /** The first 64 flows. */
  readonly flows: readonly RtmfpFlowFacts[];
};
