/**
 * The diagnostics catalogue: every stable code rtmpscope can emit, with its severity and a
 * plain-language explanation. Codes are dotted, lower-case, and never renamed once released;
 * tests assert codes, never message text. Stages create diagnostics only through `diag()` so an
 * unknown code is a compile error.
 */

export type Severity = 'error' | 'warn' | 'info';

export const CATALOGUE = {
  // capture layer
  'capture.truncated': { severity: 'warn', explain: 'The capture file ends in the middle of a record (the capturing tool was probably killed); the partial record was ignored.' },
  'capture.record-too-large': { severity: 'error', explain: 'A record claims a length larger than the reader accepts; the capture is damaged past this point.' },
  'capture.pcapng.bad-block': { severity: 'error', explain: 'A pcapng block has an impossible length or a mismatched trailing length; the rest of the file cannot be framed.' },
  'capture.pcapng.unknown-interface': { severity: 'warn', explain: 'A pcapng packet refers to an interface that no Interface Description Block declared; the packet was skipped.' },
  'capture.pcapng.no-section': { severity: 'error', explain: 'A pcapng block appeared before any Section Header Block.' },
  'capture.pcapng.bad-packet': { severity: 'warn', explain: 'A pcapng packet block is internally inconsistent (too short, or its captured length overruns the block); the packet was skipped and decoding continued with the next block.' },
  'capture.unsupported-link': { severity: 'info', explain: 'Packets with a link-layer type rtmpscope does not decode were counted and skipped.' },
  // net layer
  'net.truncated': { severity: 'warn', explain: 'A packet was cut short by the capture snap length; the missing TCP bytes are treated as lost.' },
  'net.malformed': { severity: 'warn', explain: 'A link, IP or TCP header was inconsistent (bad lengths or version); the packet was skipped.' },
  'net.ip-fragment': { severity: 'info', explain: 'IP fragments were seen; rtmpscope does not reassemble IP fragments, so bytes they carried count as lost.' },
  // tcp layer
  'tcp.gap': { severity: 'warn', explain: 'Bytes of this TCP direction were never captured (packet loss at the capture point, or the capture started mid-stream); decoding cannot glue across the hole.' },
  'tcp.overlap-conflict': { severity: 'warn', explain: 'A retransmitted TCP segment carried different bytes for a range already seen; the first copy was kept.' },
  'tcp.buffer-cap': { severity: 'warn', explain: 'Too many out-of-order bytes were waiting for a missing segment; the hole was declared lost to keep memory bounded.' },
  'tcp.start-unseen': { severity: 'info', explain: 'The connection started before the capture did (no SYN seen); the client side was inferred.' },
  'tcp.client-guessed': { severity: 'info', explain: 'No SYN was seen, so which side is the client was inferred from the RTMP handshake or the port.' },
  'tcp.data-after-close': { severity: 'info', explain: 'Data arrived after a FIN or RST in the same direction and was ignored.' },
  'tcp.reset': { severity: 'info', explain: 'The connection was reset (RST).' },
  // rtmp handshake
  'rtmp.handshake.bad-version': { severity: 'error', explain: 'C0/S0 is not an RTMP version byte (3 for RTMP; 6, 8, 9, 10 for RTMPE). The peer is not speaking RTMP, or the stream is corrupt.' },
  // rtmp chunk layer
  'rtmp.chunk.no-previous-header': { severity: 'error', explain: 'A chunk used a compressed header (type 1, 2 or 3) on a chunk stream that never had a full header; its fields cannot be known. Decoding of this direction stops until it can resynchronise.' },
  'rtmp.chunk.interrupted': { severity: 'error', explain: 'A new message header arrived on a chunk stream whose previous message was not complete; the partial message was dropped. Peers must finish a message (type-3 chunks) before starting another on the same chunk stream.' },
  'rtmp.chunk.size-top-bit': { severity: 'warn', explain: 'Set Chunk Size had its most significant bit set; RTMP 1.0 requires it to be 0. The lower 31 bits were used.' },
  'rtmp.chunk.size-out-of-range': { severity: 'error', explain: 'Set Chunk Size carried a value outside 1..2147483647; it was ignored.' },
  'rtmp.chunk.desync': { severity: 'warn', explain: 'Decoding lost the chunk boundaries of this direction (bytes missing from the capture, or a header that cannot be right). Messages in progress are dropped; rtmpscope scans for the next plausible chunk header and resumes there.' },
  'rtmp.chunk.resync': { severity: 'info', explain: 'Decoding resumed at a chunk header that is consistent with the ones after it; the captured bytes skipped before it are counted. A capture that starts mid-stream always begins this way.' },
  'rtmp.chunk.size-inferred': { severity: 'warn', explain: 'Decoding resumed with a chunk size inferred from the spacing of chunk headers, because the Set Chunk Size that set it was not captured. A guess, checked against the following headers.' },
  'rtmp.message.damaged': { severity: 'warn', explain: 'Part of this message\'s body was lost in the capture (a TCP gap inside one of its chunks). Its header is known; fields decoded from the body may be wrong.' },
  'rtmp.message.incomplete': { severity: 'info', explain: 'The capture or connection ended in the middle of a message.' },
  // rtmp handshake checks (need both directions)
  'rtmp.handshake.s2-invalid': { severity: 'warn', explain: 'S2 neither echoes C1 (simple handshake) nor carries a valid digest over the client\'s C1 digest (complex handshake). Strict clients (Flash Player) drop such a server.' },
  'rtmp.handshake.c2-invalid': { severity: 'warn', explain: 'C2 neither echoes S1 (simple handshake) nor carries a valid digest over the server\'s S1 digest. Strict servers close the connection here.' },
  'rtmp.handshake.digest-unverified': { severity: 'info', explain: 'C1/S1 has a non-zero version field, which announces the digest ("complex") handshake, but no digest verifies under either offset scheme with the well-known keys.' },
  'rtmp.handshake.encrypted': { severity: 'info', explain: 'The peers negotiated RTMPE (encrypted RTMP); nothing after the handshake can be decoded passively.' },
  // rtmp messages
  'rtmp.control.short': { severity: 'error', explain: 'A protocol control or user control message is shorter than its type requires; it cannot be applied.' },
  'rtmp.control.long': { severity: 'warn', explain: 'A protocol control message is longer than its type defines; the extra bytes were ignored.' },
  'rtmp.message.unknown-type': { severity: 'warn', explain: 'A message type id RTMP does not define; the message is kept with its raw bytes.' },
  'rtmp.message.body-capped': { severity: 'info', explain: 'A command or data message was longer than rtmpscope keeps in memory (1 MiB by default); it was decoded as far as the kept bytes go.' },
  'rtmp.amf3.format-byte': { severity: 'warn', explain: 'An AMF3 command/data/shared-object message (type 17/15/16) must start with a format byte 0 before its AMF0-encoded values; this one does not. Decoders that skip the byte blindly (HaishinKit #16, nginx-rtmp #313) misread such messages.' },
  'rtmp.command.no-name': { severity: 'error', explain: 'A command or data message does not start with a string (the command or handler name).' },
  'rtmp.shared-object.truncated': { severity: 'warn', explain: 'A shared object message ends inside its header or an event.' },
  'rtmp.aggregate.truncated': { severity: 'warn', explain: 'An aggregate message ends inside a sub-tag (its FLV tag sizes do not add up to the message length).' },
  // AMF (commands, data, shared objects)
  'amf.truncated': { severity: 'error', explain: 'The AMF data ends in the middle of a value.' },
  'amf.unknown-marker': { severity: 'error', explain: 'A type marker that AMF0/AMF3 does not define; the rest of the body cannot be framed.' },
  'amf.reserved-marker': { severity: 'error', explain: 'An AMF0 marker the spec reserves and nobody serialises (movieclip 0x04, recordset 0x0E); its length is unknown.' },
  'amf.unexpected-object-end': { severity: 'error', explain: 'An AMF0 object-end marker (0x09) where a value was expected.' },
  'amf.depth-cap': { severity: 'error', explain: 'Objects or arrays nested deeper than the decoder accepts.' },
  'amf.length-cap': { severity: 'error', explain: 'The body holds more values, or more string characters (counting AMF3 string references), than the decoder accepts for one message.' },
  'amf.bad-reference': { severity: 'error', explain: 'A reference to an AMF0 complex value, or an AMF3 string, object or trait table entry, that does not exist.' },
  'amf.externalizable': { severity: 'error', explain: 'An AMF3 externalizable object of a class whose private body format is unknown; decoding cannot continue past it.' },
  // media tag headers and codec configuration records
  // video tag header (RTMP message type 9 / FLV VIDEODATA)
  'media.video.empty': { severity: 'warn', explain: 'A video message had no payload at all; only audio defines an empty message (silence).' },
  'media.video.truncated': { severity: 'warn', explain: 'The video message ended inside its tag header; the fields read so far are shown.' },
  'media.video.reserved-frame-type': { severity: 'warn', explain: 'The video frame type is 0, 6 or 7, which FLV and E-RTMP reserve.' },
  'media.video.unknown-codec': { severity: 'warn', explain: 'The legacy video codec id is not one FLV 10.1 defines (2-7) nor a known non-standard one (12 HEVC, 13 AV1).' },
  'media.video.non-standard-codec': { severity: 'info', explain: 'The peer uses a pre-E-RTMP codec id (12 = HEVC, 13 = AV1) that some Chinese CDNs and forks of FFmpeg/SRS defined; standard players expect the E-RTMP FourCC form (hvc1/av01) instead.' },
  'media.video.unknown-packet-type': { severity: 'warn', explain: 'The AVC/HEVC packet type or E-RTMP VideoPacketType is reserved; the rest of the message cannot be interpreted.' },
  'media.video.unknown-fourcc': { severity: 'warn', explain: 'The E-RTMP video FourCC is not one rtmpscope knows (avc1, hvc1, av01, vp08, vp09, vvc1).' },
  'media.video.unknown-command': { severity: 'info', explain: 'A video command frame carried a command other than 0 (start seek) or 1 (end seek).' },
  'media.video.unknown-modex-type': { severity: 'warn', explain: 'An E-RTMP ModEx entry has a type other than TimestampOffsetNano; its data was skipped.' },
  'media.video.bad-nano-offset': { severity: 'warn', explain: 'A TimestampOffsetNano ModEx entry is shorter than 3 bytes or exceeds 999,999 ns.' },
  'media.video.too-many-modex': { severity: 'warn', explain: 'More ModEx entries than rtmpscope records (16) were chained; the extra ones were parsed but not listed.' },
  'media.video.unknown-multitrack-type': { severity: 'warn', explain: 'The E-RTMP multitrack type is reserved (not OneTrack, ManyTracks or ManyTracksManyCodecs); the tracks cannot be split.' },
  'media.video.bad-multitrack-packet-type': { severity: 'warn', explain: 'The packet type inside a Multitrack header is Multitrack or ModEx again, which E-RTMP forbids.' },
  'media.video.track-overrun': { severity: 'warn', explain: 'A multitrack track declares more bytes than the message holds; it was cut at the end of the message.' },
  'media.video.too-many-tracks': { severity: 'warn', explain: 'A multitrack message holds more tracks than rtmpscope records (256); the rest were not listed.' },
  'media.video.duplicate-track-id': { severity: 'info', explain: 'The same track id appears twice in one multitrack video message.' },
  // audio tag header (RTMP message type 8 / FLV AUDIODATA)
  'media.audio.truncated': { severity: 'warn', explain: 'The audio message ended inside its tag header; the fields read so far are shown.' },
  'media.audio.reserved-sound-format': { severity: 'warn', explain: 'The sound format is 12 or 13, which FLV reserves.' },
  'media.audio.unknown-packet-type': { severity: 'warn', explain: 'The AAC packet type or E-RTMP AudioPacketType is reserved; the rest of the message cannot be interpreted.' },
  'media.audio.unknown-fourcc': { severity: 'warn', explain: 'The E-RTMP audio FourCC is not one rtmpscope knows (mp4a, Opus, fLaC, ac-3, ec-3, .mp3).' },
  'media.audio.unknown-modex-type': { severity: 'warn', explain: 'An E-RTMP ModEx entry has a type other than TimestampOffsetNano; its data was skipped.' },
  'media.audio.bad-nano-offset': { severity: 'warn', explain: 'A TimestampOffsetNano ModEx entry is shorter than 3 bytes or exceeds 999,999 ns.' },
  'media.audio.too-many-modex': { severity: 'warn', explain: 'More ModEx entries than rtmpscope records (16) were chained; the extra ones were parsed but not listed.' },
  'media.audio.unknown-multitrack-type': { severity: 'warn', explain: 'The E-RTMP multitrack type is reserved (not OneTrack, ManyTracks or ManyTracksManyCodecs); the tracks cannot be split.' },
  'media.audio.bad-multitrack-packet-type': { severity: 'warn', explain: 'The packet type inside a Multitrack header is Multitrack or ModEx again, which E-RTMP forbids.' },
  'media.audio.track-overrun': { severity: 'warn', explain: 'A multitrack track declares more bytes than the message holds; it was cut at the end of the message.' },
  'media.audio.too-many-tracks': { severity: 'warn', explain: 'A multitrack message holds more tracks than rtmpscope records (256); the rest were not listed.' },
  'media.audio.duplicate-track-id': { severity: 'info', explain: 'The same track id appears twice in one multitrack audio message.' },
  'media.audio.unknown-channel-order': { severity: 'warn', explain: 'A MultichannelConfig packet uses a channel order other than 0 (unspecified), 1 (native) or 2 (custom).' },
  // codec configuration records (sequence headers)
  'media.config.truncated': { severity: 'warn', explain: 'A codec configuration record (or the parameter set inside it) ended early; the fields read so far are shown.' },
  'media.config.bad-version': { severity: 'warn', explain: 'A codec configuration record has an unexpected version or marker, so it is probably not the record its packet type claims.' },
  'media.config.bad-syntax': { severity: 'warn', explain: 'A codec configuration record or parameter set holds an impossible value (overlong Exp-Golomb code, out-of-range field, wrong NAL type).' },
  'media.config.no-sps': { severity: 'warn', explain: 'The AVC/HEVC configuration record carries no sequence parameter set, so picture size and frame rate are unknown.' },
  'media.config.unsupported': { severity: 'info', explain: 'Part of the configuration uses a feature rtmpscope does not decode (for example an AAC program config element); the rest was decoded.' },
} as const satisfies Record<string, { severity: Severity; explain: string }>;

export type DiagnosticCode = keyof typeof CATALOGUE;

/** Where something happened. Every field optional: each stage fills what it knows. */
export type Locator = {
  readonly frame?: number;
  readonly time?: number;
  readonly conn?: number;
  readonly dir?: Direction;
  readonly offset?: number;
};

export type Direction = 'c2s' | 's2c';

export type Diagnostic = {
  readonly kind: 'diagnostic';
  readonly code: DiagnosticCode;
  readonly severity: Severity;
  readonly message: string;
  readonly at: Locator;
  readonly context?: Readonly<Record<string, string | number | boolean>>;
};

export function diag(
  code: DiagnosticCode,
  message: string,
  at: Locator = {},
  context?: Readonly<Record<string, string | number | boolean>>,
): Diagnostic {
  const d: Diagnostic = { kind: 'diagnostic', code, severity: CATALOGUE[code].severity, message, at };
  return context === undefined ? d : { ...d, context };
}
