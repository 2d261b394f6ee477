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
  'capture.time-out-of-range': {
    severity: 'warn',
    explain: 'Packet timestamps (after the pcapng if_tsresol and if_tsoffset options of their interface) lie outside the range a date can show (about ±275,000 years): they are kept as raw seconds since 1970, and shown as such.',
  },
  'capture.pcapng.bad-packet': { severity: 'warn', explain: 'A pcapng packet block is internally inconsistent (too short, or its captured length overruns the block); the packet was skipped and decoding continued with the next block.' },
  'capture.unsupported-link': { severity: 'info', explain: 'Packets with a link-layer type rtmpscope does not decode were counted and skipped.' },
  // net layer
  'net.truncated': {
    severity: 'warn',
    explain:
      "A packet was cut short by the capture's snap length (tcpdump -s): the bytes it lacks were sent but not kept by the capture. They are counted as truncation per connection, not as TCP gaps, and RTMP cannot be decoded across them; capture again with -s 0 to decode everything. (When the cut falls inside the link, IP or TCP header, the packet is skipped.)",
  },
  'net.malformed': { severity: 'warn', explain: 'A link, IP or TCP header was inconsistent (bad lengths or version); the packet was skipped.' },
  'net.ip-fragment': { severity: 'info', explain: 'IP fragments were seen; rtmpscope does not reassemble IP fragments, so bytes they carried count as lost.' },
  // tcp layer
  'tcp.gap': { severity: 'warn', explain: 'Bytes of this TCP direction were never captured (packet loss at the capture point, or the capture started mid-stream); decoding cannot glue across the hole.' },
  'tcp.overlap-conflict': { severity: 'warn', explain: 'A retransmitted TCP segment carried different bytes for a range already seen; the first copy was kept.' },
  'tcp.buffer-cap': { severity: 'warn', explain: 'Too many out-of-order bytes were waiting for a missing segment; the hole was declared lost to keep memory bounded.' },
  'tcp.start-unseen': { severity: 'info', explain: 'The connection started before the capture did (no SYN seen); the client side was inferred.' },
  'tcp.client-guessed': { severity: 'info', explain: 'No SYN was seen, so which side is the client was inferred from the RTMP handshake or the port.' },
  'tcp.data-after-close': { severity: 'info', explain: 'Data arrived after a FIN or RST in the same direction and was ignored.' },
  'tcp.connection-cap': {
    severity: 'warn',
    explain:
      'More TCP connections were open at once than --max-connections allows; to keep memory bounded one was evicted (a closing or non-RTMP one first, else the one idle the longest): it is no longer followed, and its session (if RTMP) ends as evicted. The capture record counts the evictions.',
  },
  'tcp.reset': { severity: 'info', explain: 'The connection was reset (RST).' },
  // tls (RTMPS in captures: src/tls/)
  'tls.encrypted': {
    severity: 'info',
    explain:
      'A TLS connection (RTMPS, if it carries RTMP): its hello is reported, its content is encrypted. Give the key log its client or server wrote (SSLKEYLOGFILE) with --keylog to decrypt it, or capture through `rtmpscope proxy`, which sees the plaintext.',
  },
  'tls.no-key': { severity: 'warn', explain: 'Key logs were given, but none has the secrets of this TLS connection (its client random is not logged, or some TLS 1.3 secrets are missing); its content cannot be read.' },
  'tls.unsupported-suite': { severity: 'warn', explain: 'This TLS connection negotiated a cipher suite rtmpscope does not decrypt (it decrypts TLS 1.3 AES-GCM and ChaCha20-Poly1305, and TLS 1.2 AES-GCM, ChaCha20-Poly1305 and AES-CBC suites).' },
  'tls.decrypt-failed': { severity: 'error', explain: 'A TLS record did not decrypt with the logged keys (a key log from another session, or a damaged record); the rest of that direction is not decrypted.' },
  'tls.record.lost': { severity: 'warn', explain: 'TLS records were lost in a TCP gap; decryption resumed at the next record that opens, and the RTMP stream gets a gap of about the lost plaintext size.' },
  'tls.resync-failed': { severity: 'warn', explain: 'After a TCP gap, no later TLS record decrypted under the sequence numbers tried; the rest of that direction is not decrypted.' },
  'tls.record.bad-header': { severity: 'warn', explain: 'Bytes where a TLS record header should be are not one (wrong type, version or length); the stream is scanned for the next record.' },
  'tls.hello.malformed': { severity: 'warn', explain: "A ClientHello or ServerHello did not parse; the connection's TLS facts are incomplete." },
  'tls.alert': { severity: 'warn', explain: 'A peer sent a fatal TLS alert (its description number is in the context, RFC 8446 §6).' },
  'tls.not-rtmp': { severity: 'info', explain: 'A decrypted TLS connection does not carry RTMP (its first client bytes are not an RTMP handshake); it is not decoded further.' },
  // rtmp handshake
  'rtmp.handshake.bad-version': { severity: 'error', explain: 'C0/S0 is not an RTMP version byte (3 for RTMP; 6, 8, 9, 10 for RTMPE). The peer is not speaking RTMP, or the stream is corrupt.' },
  // rtmp chunk layer
  'rtmp.chunk.no-previous-header': { severity: 'error', explain: 'A chunk used a compressed header (type 1, 2 or 3) on a chunk stream that never had a full header; its fields cannot be known. Decoding of this direction stops until it can resynchronise.' },
  'rtmp.chunk.interrupted': {
    severity: 'error',
    explain: 'A new message header arrived on a chunk stream whose previous message was not complete; the partial message was dropped. Peers must finish a message (type-3 chunks) before starting another on the same chunk stream.',
  },
  'rtmp.chunk.size-top-bit': { severity: 'warn', explain: 'Set Chunk Size had its most significant bit set; RTMP 1.0 requires it to be 0. The lower 31 bits were used.' },
  'rtmp.chunk.size-out-of-range': { severity: 'error', explain: 'Set Chunk Size carried a value outside 1..2147483647; it was ignored.' },
  'rtmp.chunk.desync': {
    severity: 'warn',
    explain: 'Decoding lost the chunk boundaries of this direction (bytes missing from the capture, or a header that cannot be right). Messages in progress are dropped; rtmpscope scans for the next plausible chunk header and resumes there.',
  },
  'rtmp.chunk.resync': { severity: 'info', explain: 'Decoding resumed at a chunk header that is consistent with the ones after it; the captured bytes skipped before it are counted. A capture that starts mid-stream always begins this way.' },
  'rtmp.chunk.size-inferred': {
    severity: 'warn',
    explain:
      'Decoding resumed with a chunk size inferred from where continuation headers fall (or, when no message spans two chunks, the smallest size that fits), because the Set Chunk Size that set it was not captured. A guess, checked against the following headers.',
  },
  'rtmp.message.damaged': { severity: 'warn', explain: "Part of this message's body was lost in the capture (a TCP gap inside one of its chunks). Its header is known; fields decoded from the body may be wrong." },
  'rtmp.chunk.stream-cap': {
    severity: 'warn',
    explain:
      'A peer used more chunk streams at once than the per-connection buffer (--conn-buffer) has room for: the least recently used chunk stream was forgotten (with its message in progress). A later header that continues it is reported as having no previous header.',
  },
  'rtmp.message.repeated': {
    severity: 'warn',
    explain:
      "A long run of identical tiny messages (same chunk stream, type, message stream and a length of at most 8 bytes) — a flood of one-byte or empty chunks: the first 1000 were written as records, the rest only counted (the session's message counts stay exact). Real peers do not do this.",
  },
  'rtmp.message.buffer-cap': {
    severity: 'warn',
    explain:
      "Messages still being assembled on this connection held more bytes than the per-connection buffer allows (--conn-buffer, default 8 MiB), so this message's body was kept only in part and fields decoded from it may be missing. Caused by a peer (or damage) opening many huge messages at once, or claiming lengths it never sends.",
  },
  'rtmp.message.incomplete': { severity: 'info', explain: 'The capture or connection ended in the middle of a message.' },
  // rtmp handshake checks (need both directions)
  'rtmp.handshake.s2-invalid': { severity: 'warn', explain: "S2 neither echoes C1 (simple handshake) nor carries a valid digest over the client's C1 digest (complex handshake). Strict clients (Flash Player) drop such a server." },
  'rtmp.handshake.c2-invalid': { severity: 'warn', explain: "C2 neither echoes S1 (simple handshake) nor carries a valid digest over the server's S1 digest. Strict servers close the connection here." },
  'rtmp.handshake.digest-unverified': { severity: 'info', explain: 'C1/S1 has a non-zero version field, which announces the digest ("complex") handshake, but no digest verifies under either offset scheme with the well-known keys.' },
  'rtmp.handshake.encrypted': {
    severity: 'info',
    explain:
      'The peers negotiated RTMPE (encrypted RTMP): after the handshake this direction is RC4 ciphertext under keys from a Diffie-Hellman exchange, which a capture cannot recover. This is not damage; to read the content, put an endpoint in the path: `rtmpscope proxy` terminates RTMPE and decodes the plaintext.',
  },
  'rtmp.handshake.rtmpe-key-invalid': {
    severity: 'warn',
    explain: 'An RTMPE C1/S1 carries a Diffie-Hellman public key outside 1 < y < p-1 (RFC 2409 group 2) where its digest scheme puts it: the peer cannot agree on keys with it (or the block was built wrongly).',
  },
  // RTMPT (RTMP tunnelled in HTTP)
  'rtmpt.http.unframed': {
    severity: 'warn',
    explain: 'The HTTP messages of an RTMPT connection could not be framed (a malformed head or chunk, a TCP gap outside a body of known length, a reply without a request, or a request that is not RTMPT); the rest of that connection is not decoded.',
  },
  'rtmpt.sequence-missing': {
    severity: 'warn',
    explain:
      'An RTMPT request or reply body with this sequence number was never captured (or came too late); its bytes are missing from the tunnelled RTMP stream, whose decoder resynchronises after the hole (stream offsets move on by 16 MiB, as the size is unknown).',
  },
  'rtmpt.tunnel-limit': {
    severity: 'warn',
    explain:
      'One connection carried requests of more RTMPT session ids than rtmpscope follows per connection (16), or more tunnel sessions were alive at once than it keeps (4096); requests of further ids are not decoded. Real clients use one session id per connection.',
  },
  'rtmpt.reply-error': { severity: 'warn', explain: 'The server answered an RTMPT request with a status other than 200 (often 404: the session id is unknown to it); the reply carries no tunnel bytes.' },
  // RTMFP (RTMP over UDP, RFC 7016 / RFC 7425)
  'rtmfp.keys-needed': {
    severity: 'info',
    explain:
      "After its four startup packets an RTMFP session is encrypted with keys from a Diffie-Hellman exchange, which no capture reveals. The handshake facts are shown; to read the flows and the RTMP messages, pass --keylog with a key log that has this session's keys.",
  },
  'rtmfp.decrypt-failed': { severity: 'warn', explain: 'A packet of an RTMFP session failed its HMAC or checksum with the keys logged for the session: the key log belongs to another session, or the packet was damaged. The packet was skipped.' },
  'rtmfp.unanswered': {
    severity: 'info',
    explain: 'An initiator sent IHello (and retransmitted it) but no RHello came back in the capture: nothing listened at that address, the endpoint discriminator named no one there, or the answer was not captured. No session was established.',
  },
  'rtmfp.malformed': { severity: 'warn', explain: 'An RTMFP packet or chunk that decrypted correctly does not parse (a length overruns its packet, or a field is cut short); the rest of it was skipped.' },
  'rtmfp.flow.lost': {
    severity: 'warn',
    explain: 'User-data fragments of an RTMFP flow were given up: the sender abandoned them (its forward sequence number moved past them) or the capture missed them. A message they belonged to was dropped, not glued across the hole.',
  },
  'rtmfp.cap': { severity: 'warn', explain: 'An RTMFP limit was reached (sessions tracked, flows per session, or fragments held out of order per session); what did not fit was counted and dropped to keep memory bounded.' },
  // rtmp messages
  'rtmp.control.short': { severity: 'error', explain: 'A protocol control or user control message is shorter than its type requires; it cannot be applied.' },
  'rtmp.control.long': { severity: 'warn', explain: 'A protocol control message is longer than its type defines; the extra bytes were ignored.' },
  'rtmp.message.unknown-type': { severity: 'warn', explain: 'A message type id RTMP does not define; the message is kept with its raw bytes.' },
  'rtmp.message.body-capped': { severity: 'info', explain: 'A command or data message was longer than rtmpscope keeps in memory (1 MiB by default); it was decoded as far as the kept bytes go.' },
  'rtmp.amf3.format-byte': {
    severity: 'warn',
    explain: 'An AMF3 command/data/shared-object message (type 17/15/16) must start with a format byte 0 before its AMF0-encoded values; this one does not. Decoders that skip the byte blindly (HaishinKit #16, nginx-rtmp #313) misread such messages.',
  },
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
  'media.video.non-standard-codec': {
    severity: 'info',
    explain:
      'The peer uses a pre-E-RTMP codec id (12 = HEVC, 13 = AV1) that many mobile apps, Chinese CDNs and forks of FFmpeg/SRS defined. It is not in FLV 10.1 nor in E-RTMP: servers and players that follow E-RTMP expect the FourCC form (hvc1/av01) and drop or reject this video. The body is the same HEVC/AV1 configuration record and NAL units, so re-muxing to the FourCC form is lossless.',
  },
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
  'media.config.flac-bare-streaminfo': {
    severity: 'info',
    explain:
      'A FLAC SequenceStart holds the 34-byte STREAMINFO block alone, without the "fLaC" signature and metadata block header that the E-RTMP v2 FlacSequenceHeader has. FFmpeg 8.1 sends it so (its FLAC extradata); rtmpscope decodes it, a receiver that follows the specification may not.',
  },
  'media.config.no-sps': { severity: 'warn', explain: 'The AVC/HEVC configuration record carries no sequence parameter set, so picture size and frame rate are unknown.' },
  'media.config.unsupported': { severity: 'info', explain: 'Part of the configuration uses a feature rtmpscope does not decode (for example an AAC program config element); the rest was decoded.' },
  // rtmp chunk-layer interop (session analysis: src/analysis; ets-omitted: the chunk decoder)
  'rtmp.chunk.ets-omitted': {
    severity: 'warn',
    explain:
      'This peer leaves the 4-byte extended timestamp out of type-3 continuation chunks of messages whose timestamp needs one (the old librtmp convention). RTMP 1.0 and FFmpeg repeat it; decoders that expect it (Wireshark, go-rtmp, rust-media-libs) lose the chunk boundaries once timestamps pass 0xFFFFFF (about 4 h 40 min). rtmpscope accepts both; the session facts say which convention each peer used.',
  },
  'rtmp.chunk.size-small': { severity: 'warn', explain: 'Set Chunk Size below 128 bytes (the default). RTMP allows it, but SRS rejects it and closes the connection, and tiny chunks multiply the header overhead.' },
  'rtmp.chunk.size-large': {
    severity: 'warn',
    explain: 'Set Chunk Size above 65536 bytes. RTMP allows it, but SRS warns about it (SRS #160), Wireshark 4.0 silently misparses chunks over 32 KiB, and some libraries allocate a buffer of the chunk size per chunk stream.',
  },
  'rtmp.chunk.size-huge': { severity: 'error', explain: 'Set Chunk Size above 10 MiB. nginx-rtmp rejects it and drops the connection, and libraries that allocate a chunk-sized buffer run out of memory (joy4 #88).' },
  'rtmp.chunk.csid-high': { severity: 'warn', explain: 'A chunk stream id of 32 or more. RTMP allows up to 65599, but nginx-rtmp closes the connection when a chunk stream id reaches its max_streams setting (default 32, nginx-rtmp #246).' },
  'rtmp.control.wrong-stream': {
    severity: 'warn',
    explain: 'A protocol control or User Control message (types 1-6) was sent on a chunk stream other than 2 or a message stream other than 0. RTMP 1.0 requires chunk stream 2 and message stream 0; some servers (SRS #4683) ignore or misroute such messages.',
  },
  'rtmp.chunk.abort': { severity: 'info', explain: 'An Abort Message told the receiver to discard a partly sent message. It is rarely used, and some decoders and players (Wireshark among them) ignore it and misread the chunks that follow.' },
  // session: command transactions (src/analysis)
  'session.transaction.unanswered': {
    severity: 'warn',
    explain: 'A connect or createStream call got no _result or _error before the session ended. The caller waits for it, so the session stalls here: the server may be overloaded, the application may not exist, or the reply was lost.',
  },
  'session.transaction.unanswered-optional': {
    severity: 'info',
    explain:
      'Calls that servers often leave unanswered (releaseStream, FCPublish, FCUnpublish, FCSubscribe, getStreamLength, _checkbw, application-defined calls) got no reply. Encoders such as FFmpeg and OBS do not wait for them, so this is normally harmless.',
  },
  'session.transaction.error': { severity: 'error', explain: "The peer answered a call with _error: the call failed. The message names the call and quotes the peer's description." },
  'session.transaction.error-ignored': {
    severity: 'info',
    explain:
      "The peer answered an optional call (releaseStream, FCPublish, FCUnpublish, FCSubscribe, getStreamLength, _checkbw, or the server's onBWCheck bandwidth probe) with _error. FFmpeg, OBS and librtmp ignore these errors and carry on; they matter only if the publish or play that follows fails too.",
  },
  'session.transaction.unmatched-reply': {
    severity: 'warn',
    explain: 'A _result or _error carries a transaction id that matches no outstanding call from the other side (never sent, or already answered). Clients match replies by transaction id, so they may misread it or keep waiting for the real answer.',
  },
  'session.transaction.duplicate-id': { severity: 'warn', explain: 'A call reused a transaction id that was still waiting for its reply, so the peer cannot tell which call a reply belongs to.' },
  'session.transaction.slow-reply': { severity: 'info', explain: 'A call took more than 3 seconds to be answered (an overloaded server, a slow authentication backend, or network delay). Many clients give up after 5 to 10 seconds.' },
  // session: connect and authentication
  'session.connect.missing': { severity: 'warn', explain: 'Commands or media arrived before any connect, on a session whose start was captured. Servers require connect first and drop or reject anything before it.' },
  'session.connect.rejected': { severity: 'error', explain: 'The server refused the connect (an _error reply, or a NetConnection.Connect.Rejected/Failed status): an unknown application name, a denied client, or a server rule. The description says why.' },
  'session.connect.repeated': { severity: 'warn', explain: 'A second connect on the same connection. RTMP allows one connect per TCP connection; servers reject or ignore the second.' },
  'session.connect.no-app': { severity: 'warn', explain: 'The connect command object has no app property, or an empty one. Servers choose the application from it: they reject the connection or fall back to a default application.' },
  'session.connect.reconnect-request': {
    severity: 'info',
    explain:
      'The server asked the client to reconnect (Enhanced RTMP NetConnection.Connect.ReconnectRequest), possibly to another tcUrl, for example before a restart or to move load. Clients that advertise the Reconnect capability (capsEx bit 1) reconnect without ending the stream.',
  },
  'session.connect.reconnected': {
    severity: 'info',
    explain:
      'After a Reconnect Request the client opened a new connection from the same host (E-RTMP v2: keep streaming to a media boundary, connect anew, then close the old connection). The context tells to which tcUrl, whether it is the one the server asked for, and whether the old connection was still open (make before break) or already closed, which leaves a gap in the stream.',
  },
  'session.connect.reconnect-ignored': {
    severity: 'warn',
    explain:
      'The server sent a Reconnect Request (E-RTMP v2) and no new connection came from the client before the capture ended: the client kept streaming on the old connection, or closed it without reconnecting. The server then usually drops the client when it restarts or moves load. FFmpeg 8.1 does not handle the request; clients that advertise capsEx Reconnect (bit 1) should.',
  },
  'session.auth.required': {
    severity: 'warn',
    explain:
      'The server rejected connect because it requires authentication ("code=403 need auth", authmod=adobe or authmod=llnw) and the connect carried no user name. The client must reconnect with credentials (rtmp://user:password@host/app); FFmpeg and OBS do this by themselves when the URL has them.',
  },
  'session.auth.challenge': {
    severity: 'info',
    explain:
      'The server sent an authentication challenge (reason=needauth with a salt and challenge, or a nonce): the normal second step of Adobe or Limelight authentication. The client must reconnect and answer it; a later reason=authfailed means the answer was wrong.',
  },
  'session.auth.failed': { severity: 'error', explain: 'The server rejected the credentials (reason=authfailed, or reason=nosuchuser for an unknown user): a wrong user name or password, or a client that computes the Adobe/Limelight response differently.' },
  // session: message streams, publish and play flows
  'session.stream.unknown-id': {
    severity: 'warn',
    explain: 'publish or play used a message stream id that no createStream reply returned in this session (or stream 0, which is the connection itself). Servers that check stream ids ignore or reject such messages.',
  },
  'session.stream.no-name': { severity: 'error', explain: 'publish or play without a stream name (missing or empty). Servers reject it (NetStream.Publish.BadName, NetStream.Play.StreamNotFound) or use an empty name.' },
  'session.stream.data-on-stream-zero': {
    severity: 'info',
    explain:
      'The server sent the media or data of a played stream (audio, video, onMetaData, |RtmpSampleAccess, @setDataFrame) on message stream 0, the connection itself, instead of the stream id the player created. Flash-compatible players route messages by stream id, so they drop the media or hand the metadata to the connection; FFmpeg ignores the stream id and plays it. node-media-server 4 does this.',
  },
  'session.publish.media-before-publish': {
    severity: 'error',
    explain: 'The client sent audio, video or metadata on a message stream before publishing on it. Servers discard media on a stream that is not being published, so the start of the stream (often the sequence headers) is lost.',
  },
  'session.publish.bad-type': { severity: 'warn', explain: 'The publish type argument is not live, record or append (or appendWithGap). Servers may reject it or take it as live; a missing type breaks the argument parsing of some servers.' },
  'session.publish.bad-name': { severity: 'error', explain: 'The server answered publish with NetStream.Publish.BadName: usually the stream name is already being published (an earlier session still holds it), or the name is not allowed.' },
  'session.publish.rejected': { severity: 'error', explain: 'The server answered publish with an error status (NetStream.Publish.Denied, NetStream.Publish.Failed or similar): a wrong stream key, a denied application, or a server rule.' },
  'session.publish.no-start': { severity: 'warn', explain: 'publish was sent, but neither NetStream.Publish.Start nor an error came back before the session ended. Encoders wait for it before they send media.' },
  'session.publish.no-metadata': {
    severity: 'warn',
    explain:
      'The publisher sent media but never @setDataFrame("onMetaData", ...). Servers hand that metadata to players, which use it for the picture size, codecs and duration; without it some players and CDNs show nothing until the first keyframe, or refuse the stream.',
  },
  'session.publish.bare-onmetadata': {
    severity: 'info',
    explain: 'The publisher sent onMetaData directly instead of @setDataFrame("onMetaData", ...). Servers such as Wowza and FMS keep only metadata sent with @setDataFrame, so players that join later do not get it (FFmpeg PR #93).',
  },
  'session.publish.duplicate': {
    severity: 'warn',
    explain:
      'Two sessions published the same application and stream name on one server at the same time, and the server accepted both (NetStream.Publish.Start) instead of answering the second with NetStream.Publish.BadName (nginx-rtmp #96). Players get one of them, or both interleaved.',
  },
  'session.relay.media-dropped': {
    severity: 'error',
    explain:
      'A publisher and a player of the same app/stream on one server overlap in the capture: the publisher sent video (or audio), the player got the other kind but none of this one. The classic "publish works, players get audio only": a server without Enhanced RTMP support drops E-RTMP video (nginx-rtmp 1.2.2 reads the ExHeader byte\'s high nibble as a legacy frame type, never sees a keyframe, never starts the video). Relay through an E-RTMP server (node-media-server 4.4, SRS 6, MediaMTX) or publish legacy AVC.',
  },
  'session.relay.no-sequence-header': {
    severity: 'error',
    explain:
      'The player got coded frames of a codec that needs a sequence header (AVC, HEVC, AV1, VVC, AAC) without one, though the publisher sent it: the server did not pass it on. Servers keep the last sequence header to give late joiners; one that does not keep E-RTMP SequenceStart (or multitrack ones) leaves late joiners unable to decode.',
  },
  'session.relay.track-dropped': {
    severity: 'warn',
    explain: 'The publisher sent E-RTMP multitrack media (a trackId other than 0), the player of the same stream got none of those tracks: the server passes on the default track only, or drops Multitrack packets.',
  },
  'session.play.rejected': { severity: 'error', explain: 'The server answered play with an error status, most often NetStream.Play.StreamNotFound (nobody publishes that name in that application) or NetStream.Play.Failed.' },
  'session.play.no-start': { severity: 'warn', explain: 'play was sent, but neither NetStream.Play.Start/Play.Reset nor an error came back before the session ended.' },
  'session.play.no-stream-begin': {
    severity: 'info',
    explain: 'The server started playback without a User Control StreamBegin for the stream. RTMP 1.0 has the server send it before the media; most players do not need it, but some older Flash-based players wait for it.',
  },
  'session.play.no-media': { severity: 'warn', explain: 'Playback started, but no audio or video arrived on the stream for at least 2 seconds: nobody publishes the name yet (live streams wait for a publisher), or the server waits for a keyframe.' },
  'session.play.setdataframe': {
    severity: 'info',
    explain:
      "The server sent @setDataFrame to a player. @setDataFrame is the publisher's instruction to the server to store metadata; players expect onMetaData. FFmpeg unwraps it, but Flash-style players ignore the message and lose the metadata. node-media-server does this.",
  },
  // session: flow control
  'session.flow.ack-missing': {
    severity: 'warn',
    explain:
      'A peer announced a Window Acknowledgement Size, but the other side received more than twice that many bytes without sending an Acknowledgement. Servers such as FMS and Wowza, and some CDNs, stop sending or close the connection when acknowledgements do not come.',
  },
  'session.flow.ack-beyond-received': {
    severity: 'warn',
    explain:
      'An Acknowledgement counts more bytes than the other side had sent by then (its sequence number must be the bytes received so far). Usually a Window Acknowledgement Size value sent as an Acknowledgement by mistake (seen from FMS/Akamai); a peer that trusts it may think its data was received.',
  },
  'session.flow.bad-limit-type': { severity: 'warn', explain: 'Set Peer Bandwidth carries a limit type other than 0 (hard), 1 (soft) or 2 (dynamic); the receiver cannot apply it.' },
  // media streams: what one published or played stream carries
  'stream.video.no-sequence-header': {
    severity: 'error',
    explain: 'Coded video frames arrived before any video sequence header (the AVC/HEVC/AV1 decoder configuration). Decoders cannot decode them without the parameter sets: players show nothing, and servers may drop the stream until a sequence header comes.',
  },
  'stream.audio.no-sequence-header': { severity: 'error', explain: 'AAC frames arrived before the AAC sequence header (the AudioSpecificConfig). Decoders cannot decode them without it.' },
  'stream.video.first-frame-not-key': { severity: 'warn', explain: 'The first video frame of the stream is not a keyframe. Decoders cannot start on it: players show garbage or wait for the next keyframe, and recordings start broken.' },
  'stream.video.keyframe-interval': {
    severity: 'warn',
    explain: 'More than 4 seconds between keyframes. YouTube, Twitch and most CDNs want a keyframe at least every 2 to 4 seconds and reject or warn about the stream; players that join must wait that long for a picture.',
  },
  'stream.timestamp.regression': { severity: 'warn', explain: 'A media timestamp went backwards within one track (audio or video) of a stream. Players stall, drop frames or lose A/V sync; servers that remux to HLS or FLV may cut the stream.' },
  'stream.timestamp.jump': {
    severity: 'warn',
    explain: 'A media timestamp jumped forward by more than 1 second between consecutive frames of one track: a gap in the source or a jump of the encoder clock. Players freeze or skip, and audio and video may drift apart.',
  },
  'stream.av-drift': { severity: 'warn', explain: 'The audio and video timestamps of one stream were more than 1 second apart while the media was being sent. Players buffer to make up for it, or play out of sync.' },
  'stream.video.uncommon-format': {
    severity: 'info',
    explain:
      'The video uses chroma subsampling other than 4:2:0 or, for H.264, more than 8 bits per sample (High 4:4:4 Predictive, High 4:2:2, High 10): libx264 chooses these when its input is not yuv420p (ffmpeg -f lavfi testsrc without -pix_fmt gives High 4:4:4 Predictive). Browsers, phones, hardware decoders and most ingest services (YouTube, Twitch, Facebook) decode only 8-bit 4:2:0 H.264: players show nothing or fail, services reject or transcode badly. Encode with -pix_fmt yuv420p (and -profile:v high). Check a publish against a service with --target.',
  },
  // ingest targets (--target youtube|twitch|facebook|generic; src/targets/ingest.ts, docs/ingest-targets.md)
  'target.video.codec': {
    severity: 'error',
    explain:
      'The published video codec, profile, chroma or bit depth is not one the --target service documents accepting (YouTube: H.264, HEVC or AV1; Twitch and Facebook: H.264; all: 8-bit 4:2:0, Facebook: Baseline, Main or High profile). The service rejects the stream or shows no picture. Re-encode: x264 with -pix_fmt yuv420p -profile:v high, or the codec the service takes.',
  },
  'target.video.keyframe-interval': {
    severity: 'warn',
    explain:
      'The longest stretch between keyframes exceeds what the --target service documents (YouTube and Facebook: at most 4 s, 2 s recommended; Twitch: 2 s). YouTube reports poor stream health ("use a keyframe frequency of four seconds or less"), Twitch may refuse the ingest, viewers wait for a picture. Set the encoder\'s keyframe interval (x264/ffmpeg -g = seconds x frame rate; OBS Keyframe Interval 2).',
  },
  'target.video.bitrate': {
    severity: 'info',
    explain:
      'The measured average video bitrate is outside the range the --target service documents for this resolution and frame rate (YouTube Help 2853702, Facebook Live Video API; Twitch: at most 6 Mbit/s recommended). Below, the picture is soft after transcoding; above, the ingest may drop frames or buffer. A short capture measures roughly.',
  },
  'target.audio': {
    severity: 'warn',
    explain:
      'The published audio is missing or is not what the --target service documents: codec (AAC-LC; Twitch also MP3), sample rate (44.1 or 48 kHz), channels (at most stereo) or bitrate (Twitch at most 320 kbit/s, Facebook at most 256). Facebook requires audio with the video. The service may reject the stream or transcode it with artefacts.',
  },
  'target.transport': {
    severity: 'warn',
    explain: 'The --target service requires RTMPS (RTMP over TLS, rtmps://…:443) and this publish connected with plain RTMP (its tcUrl is rtmp://). Facebook Live accepts RTMPS only. Use the rtmps:// URL the service gives.',
  },
  'stream.config-changed': {
    severity: 'info',
    explain: 'A sequence header with a different codec configuration (picture size, profile, sample rate, channels) arrived in the middle of the stream. Players that do not reinitialise their decoder show garbage or stop.',
  },
  'stream.metadata.size-mismatch': { severity: 'warn', explain: 'The onMetaData width/height differ from the picture size in the video sequence header. Players that size their view from the metadata show the picture scaled or cropped.' },
  'stream.metadata.codec-mismatch': { severity: 'warn', explain: 'The onMetaData videocodecid or audiocodecid names a different codec than the stream carries. Players and servers that choose a decoder from the metadata fail.' },
  'stream.metadata.legacy-codec-id': {
    severity: 'warn',
    explain: 'onMetaData says videocodecid 7 (AVC) while the stream carries HEVC, AV1 or VP9 in Enhanced RTMP form. Enhanced RTMP puts the FourCC there as a number (enhanced-rtmp #8); players that trust the metadata set up an H.264 decoder and fail.',
  },
  'stream.metadata.non-standard-codec-id': {
    severity: 'info',
    explain: 'onMetaData uses the non-standard videocodecid 12 (HEVC) or 13 (AV1) of some Chinese CDNs and FFmpeg forks. Standard players do not know these ids; Enhanced RTMP uses the FourCC as a number instead.',
  },
  'stream.metadata.framerate-mismatch': { severity: 'info', explain: 'The onMetaData framerate differs by more than 20% from the frame rate measured from the video timestamps. Usually harmless, but players that pace frames by the metadata rate stutter.' },
  'stream.metadata.audio-mismatch': {
    severity: 'info',
    explain: 'The onMetaData audiosamplerate or stereo flag disagrees with the audio sequence header. Decoders trust the sequence header; the metadata misleads tools and servers that report stream properties.',
  },
  'stream.track.described-not-sent': {
    severity: 'warn',
    explain:
      "onMetaData's videoTrackIdInfoMap or audioTrackIdInfoMap (E-RTMP v2 multitrack metadata) describes a track on which no media arrived. Players that offer the tracks the metadata lists show one that never plays; a server may have dropped the track.",
  },
  'stream.ertmp.not-advertised': {
    severity: 'warn',
    explain:
      'The server sent Enhanced RTMP media (a FourCC codec such as hvc1, av01, vp09 or Opus) to a player whose connect did not declare that FourCC. E-RTMP v2 ("Enhancing NetConnection connect Command"): the connect Command Object "is where the client indicates the audio and video codecs it supports", in fourCcList ("*" for any) or videoFourCcInfoMap/audioFourCcInfoMap with CanDecode/CanForward. A player that did not declare the codec (a legacy player declares none) cannot be expected to decode it: typically audio plays and the picture stays black.',
  },
  'stream.ertmp.publish-not-advertised': {
    severity: 'info',
    explain:
      'A publisher sent Enhanced RTMP media whose FourCC its connect did not list. E-RTMP v2 makes fourCcList and the FourCC info maps a declaration of what the client supports, a name-value pair that "can be set"; nothing requires a publisher to list what it sends, and FFmpeg 8.1 sends fourCcList only when rtmp_enhanced_codecs is set. Harmless for a server that reads E-RTMP; a server that chooses its handling from the declaration may not expect the codec.',
  },
  'stream.ertmp.capability-not-advertised': {
    severity: 'info',
    explain:
      "Media used an E-RTMP v2 extended capability (Multitrack, ModEx, TimestampNanoOffset) that the receiving side did not announce in capsEx: the player's connect, or the server's connect reply when it has a capsEx. E-RTMP v2 defines capsEx as the place to declare these capabilities; a receiver without them may take only the first track, or misparse ModEx packets. FFmpeg 8.1 as a player sends no capsEx yet reads multitrack.",
  },
  'stream.ertmp.server-not-enhanced': {
    severity: 'warn',
    explain: 'The client publishes Enhanced RTMP media, but the server\'s connect reply showed no sign of Enhanced RTMP support (no fourCcList, FourCC info map or capsEx). Servers without it misread these packets (OBS #8589: nginx-rtmp\'s "wrong codec 0").',
  },
  // live proxy
  'proxy.upstream.unreachable': {
    severity: 'error',
    explain: 'The proxy could not open a TCP connection to the upstream server (refused, unreachable, name not resolved or timed out); the client connection was closed.',
  },
  'proxy.upstream.tls-failed': {
    severity: 'error',
    explain: 'The TLS handshake with the rtmps upstream failed (certificate not trusted, wrong name, protocol error); the client connection was closed. Use --ca FILE for a private CA, or --insecure for a self-signed test server.',
  },
  'proxy.upstream.closed': {
    severity: 'info',
    explain: 'The server ended its sending side (FIN) before the client did; the FIN was passed on to the client and the other direction kept open until the client ended it too.',
  },
  'proxy.upstream.reset': {
    severity: 'warn',
    explain: 'The connection to the server failed mid-session (reset or socket error); what the client had already been sent was delivered and its connection was then closed.',
  },
  'proxy.client.reset': {
    severity: 'warn',
    explain: 'The client connection failed mid-session (reset or socket error); what the server had already been sent was delivered and its connection was then closed.',
  },
  'proxy.client.tls-failed': {
    severity: 'warn',
    explain: 'A client connecting to the TLS listener failed its TLS handshake; nothing was forwarded.',
  },
  'proxy.rtmpe.terminated': {
    severity: 'info',
    explain:
      "The client asked for RTMPE (encrypted RTMP). As rtmpsuck does, the proxy answered its handshake itself (Diffie-Hellman, RC4), decrypts what it sends and encrypts what it gets, and talks to the upstream with a handshake of its own (plain RTMP, or RTMPE for an rtmpe:// upstream). The bytes forwarded therefore differ from the client's; the RTMP messages do not. The session is decoded from the decrypted client leg; the --pcap file holds that leg as it was on the wire (encrypted).",
  },
  'proxy.rtmpe.failed': {
    severity: 'warn',
    explain:
      "The proxy could not terminate RTMPE for this session. When the client's C0+C1 cannot be answered (no digest that verifies, so the DH key cannot be located, or an invalid DH key), nothing has been sent yet and the session is relayed unchanged like any other (context relayed: true). When the upstream does not answer as RTMP/RTMPE, or the client sends too much before the upstream finished its handshake, the session is closed (relayed: false).",
  },
  'proxy.session-limit': {
    severity: 'warn',
    explain: 'A connection was refused because the proxy already serves its maximum number of sessions (--max-sessions).',
  },
  'proxy.connection-limit': {
    severity: 'warn',
    explain:
      'A connection was refused because --max-connections TCP connections (default 4096) were already open through the proxy. Reading a capture back follows at most that many at once and evicts beyond it (tcp.connection-cap); the live proxy refuses instead, so that its --pcap never holds more connections at once than the reader follows, and reading it back with the same --max-connections gives the live records.',
  },
  'proxy.shutdown': {
    severity: 'info',
    explain: 'The proxy was stopped while this session was open; both sides were closed with a FIN.',
  },
  'proxy.handshake-timeout': {
    severity: 'warn',
    explain:
      'The client had not sent its whole RTMP handshake (C0, C1 and C2: 3073 bytes) --handshake-timeout seconds (default 10) after connecting, so the proxy closed both sides: a client trickling its handshake (a slowloris) would otherwise hold one of the --max-sessions slots for ever.',
  },
  'proxy.idle-timeout': {
    severity: 'warn',
    explain:
      "No byte moved in either direction for --idle-timeout seconds (default 120), counted from the connection's arrival and including the connection to the upstream, so the proxy closed both sides. An idle peer or a half-open connection would otherwise hold a session and one of the --max-sessions slots for ever. Check whether the client or the server stopped sending (a hung encoder, an upstream that accepted the connection but never answered the handshake, a network path that drops packets); raise the timeout for sessions that are legitimately quiet for long.",
  },
  'proxy.stall-timeout': {
    severity: 'warn',
    explain:
      "Data was waiting to be sent to one peer (the client or the server, as named in the message), which did not read it for --stall-timeout seconds (default 60); the proxy had stopped reading from the other peer meanwhile (backpressure), so the proxy closed both sides. A peer that stops reading would otherwise hold the session, its buffers and one of the --max-sessions slots for ever. Check the named peer: a hung or overloaded player or server, or a network path too slow for the stream's bitrate.",
  },
  'proxy.analysis.failed': {
    severity: 'error',
    explain: 'The decoder threw on this session (a bug in rtmpscope: please report it with the pcap); decoding of this session stopped, forwarding continued unchanged.',
  },
  'proxy.analysis.behind': {
    severity: 'warn',
    explain: 'The record output (NDJSON file or pipe) fell too far behind the traffic; decoding of this session stopped so that memory stays bounded. Forwarding continued unchanged.',
  },
  'proxy.analysis.slow': {
    severity: 'warn',
    explain:
      "Decoding took more than its share of the proxy's time (60% over about half a second), so decoding of the session that cost the most stopped; forwarding continued unchanged, for it and for every other session. Usually a peer that sends something other than RTMP (the decoder scans it byte by byte for a chunk header) or floods tiny messages; otherwise more traffic than one proxy can decode.",
  },
  'proxy.memory-budget': {
    severity: 'warn',
    explain:
      'The decoders of all proxied sessions together held more than --memory-budget (default 256 MiB: messages in progress, chunk-stream state), so the session holding the most stopped being decoded and gave its memory back; forwarding continued unchanged. Usually a peer opening many huge messages or chunk streams at once.',
  },
  'proxy.pcap.behind': {
    severity: 'warn',
    explain: 'The pcap output fell too far behind the traffic; pcap writing stopped for the rest of the run (the file holds every packet up to this point). Forwarding and decoding continued.',
  },
  'proxy.pcap.failed': {
    severity: 'error',
    explain: 'Synthesising or writing the pcap failed; pcap writing stopped for the rest of the run. Forwarding and decoding continued.',
  },
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

export function diag(code: DiagnosticCode, message: string, at: Locator = {}, context?: Readonly<Record<string, string | number | boolean>>): Diagnostic {
  const d: Diagnostic = { kind: 'diagnostic', code, severity: CATALOGUE[code].severity, message, at };
  return context === undefined ? d : { ...d, context };
}
