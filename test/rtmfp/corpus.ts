/** Other UDP for the negative corpus: a DNS query and its answer (RFC 1035), as on the wire. */
import { cat } from '../builders/rtmfp.js';

const name = cat([7], new TextEncoder().encode('example'), [3], new TextEncoder().encode('com'), [0]);

export function dnsQuery(): Uint8Array {
  return cat([0x12, 0x34, 0x01, 0x00, 0, 1, 0, 0, 0, 0, 0, 0], name, [0, 1, 0, 1]);
}

export function dnsResponse(): Uint8Array {
  return cat([0x12, 0x34, 0x81, 0x80, 0, 1, 0, 1, 0, 0, 0, 0], name, [0, 1, 0, 1], [0xc0, 0x0c, 0, 1, 0, 1, 0, 0, 0x0e, 0x10, 0, 4, 93, 184, 216, 34]);
}
