/**
 * Assembly of one direction's handshake (RTMP 1.0 §5.2): the version byte, then two 1536-byte
 * blocks (C1/C2 or S1/S2), each reported whole as a `handshake` event with its stream offset, the
 * bytes a capture hole took counted as `lost`. Kept apart from chunking (as rml_rtmp keeps its
 * handshake): the chunk decoder hands bytes here until the handshake is done, then decodes chunks
 * (or passes RTMPE's encrypted bytes over).
 */
import type { Diagnostic } from '../core/diagnostics.js';
import { HANDSHAKE_SIZE } from './handshake.js';
import { isEncryptedVersion, isRtmpVersion } from './detect.js';
import type { ByteMeta, RtmpEvent } from './chunk-types.js';

/** What follows the handshake once its last block is complete. */
export type AfterHandshake = 'chunks' | 'encrypted';

export class HandshakeAssembler {
  /** The part expected next: the version byte, the first block or the second. */
  private step: 'version' | 'first' | 'second';
  /** Bytes of the current block gathered so far. */
  private buf: Uint8Array | null = null;
  private fill = 0;
  /** Stream offset of the current block's first byte. */
  private offset = 0;
  /** Bytes of the current block lost in the capture. */
  private lost = 0;
  /** The RTMPE version the version byte announced (0: plain RTMP). */
  private encryptedVersion = 0;

  constructor(
    private readonly side: 'client' | 'server',
    /** The bytes after an RTMPE handshake arrive decrypted: chunks follow, not encrypted bytes. */
    private readonly decrypted: boolean,
    /** The capture starts this direction at its second block (C2/S2). */
    atSecondBlock: boolean,
  ) {
    this.step = atSecondBlock ? 'second' : 'version';
    if (atSecondBlock) this.buf = new Uint8Array(HANDSHAKE_SIZE);
  }

  /**
   * Take bytes from `data[p]` on (at stream offset `pos`, arrived with `meta`), pushing events to
   * `out`. Returns how many were taken and, when the handshake completed with them, what follows.
   */
  push(data: Uint8Array, p: number, pos: number, meta: ByteMeta, out: RtmpEvent[], diag: (code: Diagnostic['code'], message: string, offset: number) => Diagnostic): { taken: number; done: AfterHandshake | null } {
    if (this.step === 'version') {
      const v = data[p] as number;
      const part = this.side === 'client' ? 'C0' : 'S0';
      out.push({ kind: 'handshake', part, offset: pos, version: v, ...meta });
      if (!isRtmpVersion(v)) out.push(diag('rtmp.handshake.bad-version', `${part} version ${v} is not an RTMP version (3, or 6/8/9/10 for RTMPE)`, pos));
      this.step = 'first';
      this.buf = new Uint8Array(HANDSHAKE_SIZE);
      this.fill = 0;
      this.offset = pos + 1;
      if (isRtmpVersion(v) && isEncryptedVersion(v)) this.encryptedVersion = v;
      return { taken: 1, done: null };
    }
    const buf = this.buf as Uint8Array;
    if (this.fill === 0) this.offset = pos;
    const take = Math.min(HANDSHAKE_SIZE - this.fill, data.length - p);
    buf.set(data.subarray(p, p + take), this.fill);
    this.fill += take;
    if (this.fill < HANDSHAKE_SIZE) return { taken: take, done: null };
    const first = this.step === 'first';
    const part = this.side === 'client' ? (first ? 'C1' : 'C2') : first ? 'S1' : 'S2';
    out.push({ kind: 'handshake', part, offset: this.offset, block: buf, ...(this.lost > 0 ? { lost: this.lost } : {}), ...meta });
    this.lost = 0;
    if (first) {
      this.step = 'second';
      this.buf = new Uint8Array(HANDSHAKE_SIZE);
      this.fill = 0;
      return { taken: take, done: null };
    }
    this.buf = null;
    if (this.encryptedVersion !== 0 && !this.decrypted) {
      out.push({ kind: 'encrypted', version: this.encryptedVersion, frame: meta.frame });
      return { taken: take, done: 'encrypted' };
    }
    return { taken: take, done: 'chunks' };
  }

  /** `length` bytes were lost here: true when they fall inside a block (its position stays known). */
  lose(length: number): boolean {
    if (this.step === 'version' || this.fill + length >= HANDSHAKE_SIZE) return false;
    this.fill += length;
    this.lost += length;
    return true;
  }
}
