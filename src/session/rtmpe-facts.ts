/**
 * The RTMPE facts of one session, gathered from its handshake records: the type asked (C0) and
 * answered (S0), each side's DH public key (located by the digest scheme, checked against the
 * group's bounds), and whether the content after the handshake could be read.
 */
import { isEncryptedVersion } from '../rtmp/detect.js';
import { isValidPublicKey } from '../crypto/dh-group2.js';
import { dhKeyOffset, dhPublicKey } from '../rtmp/rtmpe.js';
import type { RtmpeFacts } from '../records/index.js';

type KeyFact = { readonly offset: number; readonly valid: boolean };

export class RtmpeHandshake {
  private requested: number | null = null;
  private answered: number | null = null;
  private clientKey: KeyFact | null = null;
  private serverKey: KeyFact | null = null;

  /** C0 (side 'client') or S0 ('server'). */
  version(side: 'client' | 'server', v: number): void {
    if (side === 'client') this.requested = v;
    else this.answered = v;
  }

  /** The session negotiates RTMPE (by C0, or by S0 when C0 was not seen). */
  get active(): boolean {
    const v = this.requested ?? this.answered;
    return v !== null && isEncryptedVersion(v);
  }

  /** The handshake type that governs C2/S2 signatures: S0's byte, else C0's; 0 when not RTMPE. */
  get type(): number {
    if (!this.active) return 0;
    return this.answered ?? this.requested ?? 0;
  }

  /** C1/S1 of an RTMPE session whose digest verified under `scheme`: the DH key fact. */
  firstBlock(side: 'client' | 'server', block: Uint8Array, scheme: 0 | 1): KeyFact {
    const fact = { offset: dhKeyOffset(block, scheme), valid: isValidPublicKey(dhPublicKey(block, scheme)) };
    if (side === 'client') this.clientKey = fact;
    else this.serverKey = fact;
    return fact;
  }

  facts(decrypted: boolean): RtmpeFacts | null {
    if (!this.active) return null;
    const type = this.type;
    return {
      type,
      requested: this.requested,
      signatureCipher: type === 8 ? 'xtea' : type === 9 ? 'blowfish' : 'none',
      clientKey: this.clientKey,
      serverKey: this.serverKey,
      content: decrypted ? 'decrypted' : 'encrypted',
    };
  }
}
