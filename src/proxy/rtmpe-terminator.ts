/**
 * RTMPE termination, as rtmpsuck does it: the proxy answers an RTMPE client's handshake itself
 * (Diffie-Hellman in RFC 2409 group 2, RC4 keys from HMAC-SHA256 over the shared secret, the first
 * 1536 keystream bytes discarded, type 8/9 signature encryption), decrypts what the client sends
 * and talks to the upstream with a handshake of its own: plain RTMP (C0 = 3, simple handshake) or,
 * for an `rtmpe://` upstream, RTMPE as a client. The RTMP chunk stream itself passes unchanged
 * (only the cipher differs), so the messages the upstream gets are the client's.
 *
 * Sans-IO and synchronous: bytes from either socket in, bytes for either socket out, plus the
 * client's leg as the decode tap sees it (wire bytes with their plaintext, equal lengths, in
 * order). Never throws on peer input: what cannot be terminated is a `failure`, after which the
 * caller closes the session. Bounded: plaintext waiting for the upstream handshake is capped.
 * See src/rtmp/rtmpe.ts for the handshake layout.
 */
import { randomBytes } from 'node:crypto';
import type { Direction } from '../core/diagnostics.js';
import { generateKeyPair, isValidPublicKey, type DhKeyPair } from '../crypto/dh-group2.js';
import { Rc4 } from '../crypto/rc4.js';
import { decodeFirstBlock, HANDSHAKE_SIZE, secondBlockSignature, signFirstBlock } from '../rtmp/handshake.js';
import { dhKeyOffset, dhPublicKey, rc4Keys } from '../rtmp/rtmpe.js';

/** The RTMPE client versions a proxy terminates. */
export const TERMINATED_VERSIONS: readonly number[] = [6, 8, 9];
/** Client plaintext held while the upstream handshake is still going on. */
const MAX_QUEUED = 1 << 20;
const SIG = HANDSHAKE_SIZE - 32;

export type TapBytes = { readonly dir: Direction; readonly wire: Uint8Array; readonly plain: Uint8Array };

export type TerminatorOutput = {
  readonly toClient: Uint8Array[];
  readonly toUpstream: Uint8Array[];
  /** The client's leg, in order: what the wire carried and what it means. */
  readonly tap: TapBytes[];
  /** Termination is impossible (bad client handshake, upstream not RTMP): close the session. */
  failure?: string;
  /**
   * With a failure before anything was sent to either side (the client's C0+C1 cannot be
   * answered): every byte the client sent so far, to be relayed unchanged instead.
   */
  passthrough?: Uint8Array;
};

type Cipher = { c2s: Rc4; s2c: Rc4 };

function ciphers(secret: Uint8Array, clientKey: Uint8Array, serverKey: Uint8Array): Cipher {
  const k = rc4Keys(secret, clientKey, serverKey);
  const c = { c2s: new Rc4(k.c2s), s2c: new Rc4(k.s2c) };
  c.c2s.skip(HANDSHAKE_SIZE);
  c.s2c.skip(HANDSHAKE_SIZE);
  return c;
}

/** Appends byte arrays until `want` bytes are there; no copy per push beyond the block itself. */
class Collect {
  private parts: Uint8Array[] = [];
  private have = 0;
  /** Take bytes from `data` at `p`; returns the new position. `block` is set once complete. */
  block: Uint8Array | null = null;
  constructor(private readonly want: number) {}
  take(data: Uint8Array, p: number): number {
    const n = Math.min(this.want - this.have, data.length - p);
    this.parts.push(data.subarray(p, p + n));
    this.have += n;
    if (this.have === this.want) {
      this.block = Buffer.concat(this.parts);
      this.parts = [];
    }
    return p + n;
  }
}

export class RtmpeTerminator {
  private clientStep: 'c01' | 'c2' | 'open' | 'failed' = 'c01';
  private upstreamStep: 'idle' | 's01' | 's2' | 'open' | 'failed' = 'idle';
  private c01 = new Collect(1 + HANDSHAKE_SIZE);
  private c2 = new Collect(HANDSHAKE_SIZE);
  private s01 = new Collect(1 + HANDSHAKE_SIZE);
  private s2 = new Collect(HANDSHAKE_SIZE);
  /** Client leg ciphers (the proxy is the server there). */
  private client: Cipher | null = null;
  /** Upstream leg ciphers (rtmpe:// upstream only). */
  private up: Cipher | null = null;
  private upKeys: DhKeyPair | null = null;
  private queued: Uint8Array[] = [];
  /** The client's bytes until its C0+C1 is answered (relayed unchanged if it cannot be). */
  private held: Uint8Array[] | null = [];
  private queuedBytes = 0;
  /** The RTMPE type the proxy answered the client (S0). */
  type = 0;
  /** Bytes written to and read from the upstream socket. */
  readonly upstreamBytes = { c2s: 0, s2c: 0 };

  constructor(
    readonly upstream: 'rtmp' | 'rtmpe',
    private readonly random: (n: number) => Uint8Array = (n) => new Uint8Array(randomBytes(n)),
  ) {}

  private out(): TerminatorOutput {
    return { toClient: [], toUpstream: [], tap: [] };
  }

  private fail(o: TerminatorOutput, why: string): TerminatorOutput {
    this.clientStep = 'failed';
    this.upstreamStep = 'failed';
    o.failure = why;
    return o;
  }

  private sendUp(o: TerminatorOutput, b: Uint8Array): void {
    this.upstreamBytes.c2s += b.length;
    o.toUpstream.push(b);
  }

  /** Bytes the client sent. */
  fromClient(data: Uint8Array): TerminatorOutput {
    const o = this.out();
    this.held?.push(data);
    let p = 0;
    while (p < data.length) {
      if (this.clientStep === 'c01') {
        const start = p;
        p = this.c01.take(data, p);
        o.tap.push({ dir: 'c2s', wire: data.subarray(start, p), plain: data.subarray(start, p) });
        if (this.c01.block !== null && !this.answerClient(o, this.c01.block)) {
          o.tap.length = 0;
          o.passthrough = Buffer.concat(this.held ?? []);
          this.held = null;
          return o;
        }
      } else if (this.clientStep === 'c2') {
        const start = p;
        p = this.c2.take(data, p);
        o.tap.push({ dir: 'c2s', wire: data.subarray(start, p), plain: data.subarray(start, p) });
        if (this.c2.block !== null) this.clientStep = 'open';
      } else if (this.clientStep === 'open') {
        const wire = data.subarray(p);
        const plain = (this.client as Cipher).c2s.process(wire);
        o.tap.push({ dir: 'c2s', wire, plain });
        this.forwardUp(o, plain);
        p = data.length;
      } else {
        break;
      }
    }
    return o;
  }

  /** Bytes the upstream sent. */
  fromUpstream(data: Uint8Array): TerminatorOutput {
    const o = this.out();
    this.upstreamBytes.s2c += data.length;
    let p = 0;
    while (p < data.length) {
      if (this.upstreamStep === 's01') {
        p = this.s01.take(data, p);
        if (this.s01.block !== null && !this.upstreamFirst(o, this.s01.block)) return o;
      } else if (this.upstreamStep === 's2') {
        p = this.s2.take(data, p);
        if (this.s2.block !== null) this.upstreamOpen(o);
      } else if (this.upstreamStep === 'open') {
        const rest = data.subarray(p);
        const plain = this.up === null ? rest : this.up.s2c.process(rest);
        const wire = (this.client as Cipher).s2c.process(plain);
        o.toClient.push(wire);
        o.tap.push({ dir: 's2c', wire, plain });
        p = data.length;
      } else {
        // 'idle': the upstream speaks before the client's handshake started it.
        return this.fail(o, 'the upstream sent bytes before the proxy started its handshake');
      }
    }
    return o;
  }

  /** C0+C1 complete: answer S0+S1+S2 and start the upstream handshake. */
  private answerClient(o: TerminatorOutput, c01: Uint8Array): boolean {
    const c0 = c01[0] as number;
    const c1 = c01.subarray(1);
    if (!TERMINATED_VERSIONS.includes(c0)) return !this.fail(o, `C0 ${c0} is not an RTMPE version`);
    const f = decodeFirstBlock(c1, 'client');
    if (f.scheme === null || f.digest === null) return !this.fail(o, 'the RTMPE C1 carries no digest that verifies, so its DH key cannot be located');
    const clientKey = dhPublicKey(c1, f.scheme);
    if (!isValidPublicKey(clientKey)) return !this.fail(o, 'the RTMPE C1 carries an invalid DH public key');
    // As rtmpsrv: a client asking 6 that announces Flash Player 10 (version byte 128) gets type 8.
    this.type = c0 === 6 && c1[4] === 128 ? 8 : c0;
    const keys = generateKeyPair();
    const s1 = this.random(HANDSHAKE_SIZE);
    s1.set([0, 0, 0, 0, 3, 5, 1, 1], 0);
    s1.set(keys.publicKey, dhKeyOffset(s1, f.scheme));
    signFirstBlock(s1, f.scheme, 'server');
    this.client = ciphers(keys.secret(clientKey), clientKey, keys.publicKey);
    const s2 = this.random(HANDSHAKE_SIZE);
    s2.set(secondBlockSignature(s2, 'server', f.digest, this.type), SIG);
    const answer = new Uint8Array(1 + 2 * HANDSHAKE_SIZE);
    answer[0] = this.type;
    answer.set(s1, 1);
    answer.set(s2, 1 + HANDSHAKE_SIZE);
    o.toClient.push(answer);
    o.tap.push({ dir: 's2c', wire: answer, plain: answer });
    this.clientStep = 'c2';
    this.held = null;
    this.startUpstream(o);
    return true;
  }

  /** The proxy's own C0+C1 to the upstream. */
  private startUpstream(o: TerminatorOutput): void {
    const c1 = this.random(HANDSHAKE_SIZE);
    c1.set([0, 0, 0, 0], 0);
    if (this.upstream === 'rtmp') {
      c1.set([0, 0, 0, 0], 4); // simple handshake: C2 will echo S1
    } else {
      c1.set([128, 0, 3, 2], 4);
      this.upKeys = generateKeyPair();
      c1.set(this.upKeys.publicKey, dhKeyOffset(c1, 1));
      signFirstBlock(c1, 1, 'client');
    }
    const c01 = new Uint8Array(1 + HANDSHAKE_SIZE);
    c01[0] = this.upstream === 'rtmp' ? 3 : 6;
    c01.set(c1, 1);
    this.sendUp(o, c01);
    this.upstreamStep = 's01';
  }

  /** The upstream's S0+S1: answer C2. */
  private upstreamFirst(o: TerminatorOutput, s01: Uint8Array): boolean {
    const s0 = s01[0] as number;
    const s1 = s01.subarray(1);
    if (this.upstream === 'rtmp') {
      if (s0 !== 3) return !this.fail(o, `the upstream answered S0 ${s0} to a plain RTMP C0`);
      this.sendUp(o, s1.slice());
    } else {
      if (!TERMINATED_VERSIONS.includes(s0)) return !this.fail(o, `the rtmpe:// upstream answered S0 ${s0}, not RTMPE`);
      const f = decodeFirstBlock(s1, 'server');
      if (f.scheme === null || f.digest === null) return !this.fail(o, "the upstream's S1 carries no digest that verifies");
      const serverKey = dhPublicKey(s1, f.scheme);
      if (!isValidPublicKey(serverKey)) return !this.fail(o, "the upstream's S1 carries an invalid DH public key");
      const mine = this.upKeys as DhKeyPair;
      this.up = ciphers(mine.secret(serverKey), mine.publicKey, serverKey);
      const c2 = this.random(HANDSHAKE_SIZE);
      c2.set(secondBlockSignature(c2, 'client', f.digest, s0), SIG);
      this.sendUp(o, c2);
    }
    this.upstreamStep = 's2';
    return true;
  }

  /** S2 read: the upstream leg is open; send what the client already said. */
  private upstreamOpen(o: TerminatorOutput): void {
    this.upstreamStep = 'open';
    const q = this.queued;
    this.queued = [];
    this.queuedBytes = 0;
    for (const b of q) this.forwardUp(o, b);
  }

  private forwardUp(o: TerminatorOutput, plain: Uint8Array): void {
    if (plain.length === 0) return;
    if (this.upstreamStep !== 'open') {
      this.queuedBytes += plain.length;
      if (this.queuedBytes > MAX_QUEUED) {
        this.fail(o, `the client sent more than ${MAX_QUEUED} bytes before the upstream finished its handshake`);
        return;
      }
      this.queued.push(plain);
      return;
    }
    this.sendUp(o, this.up === null ? plain : this.up.c2s.process(plain));
  }
}
