/**
 * Server replies explained: every NetConnection.* / NetStream.* status code (and `_error`) that
 * rtmpscope reports, with what it means, its likely causes and the fix, per server family. Read
 * beside the diagnostics catalogue (diagnostics.ts): `rtmpscope explain CODE` prints either.
 *
 * The per-server notes come from those servers' sources (nginx-rtmp's live/access/notify modules,
 * SRS's rtmp_conn, node-media-server's rtmp session, OvenMediaEngine's rtmp provider) and from
 * captures of real peers (captures/ffmpeg-nginx-publish-rejected.pcap). Where a server's
 * behaviour was not read, it is not described.
 */

export type StatusExplanation = {
  readonly code: string;
  /** The level servers send it with. */
  readonly level: 'status' | 'error' | 'warning';
  readonly meaning: string;
  /** Likely causes and fixes, by server family (nginx-rtmp, SRS, node-media-server, Wowza, …). */
  readonly servers: Readonly<Record<string, string>>;
};

const S = (code: string, level: StatusExplanation['level'], meaning: string, servers: Record<string, string> = {}): StatusExplanation => ({ code, level, meaning, servers });

const INGEST = 'YouTube, Twitch and Facebook ingest';

export const STATUSES: readonly StatusExplanation[] = [
  S('NetConnection.Connect.Success', 'status', 'connect was accepted: the application exists and the client may create streams.'),
  S('NetConnection.Connect.Rejected', 'error', 'The server refused the connection: the application is unknown, the client is not allowed, or authentication is required or failed. The description says which; authentication challenges (authmod=adobe/llnw, reason=needauth) are explained by session.auth.*.', {
    Wowza: 'An application name not defined on the server ("Application … is not defined"), or an AccessManager rejection ("[ AccessManager.Reject ] : [ code=403 need auth; authmod=adobe ]"): configure the application, or give user and password in the URL (rtmp://user:pass@host/app).',
    'Adobe Media Server / FMS': 'An application without its folder, or server-side script (application.onConnect) rejecting: check the application name and the script.',
    [INGEST]: 'How these services answer a wrong URL or key was not found in their documentation. Check the application path of the server URL against the one the service shows (YouTube: rtmp://a.rtmp.youtube.com/live2; Twitch: …/app) and the stream key.',
  }),
  S('NetConnection.Connect.InvalidApp', 'error', 'The application named in connect (the first path segment of tcUrl) does not exist on the server.', {
    'Adobe Media Server / FMS': 'No application folder of that name: fix the app part of the URL or create the application.',
    'nginx-rtmp': 'nginx-rtmp does not send this: for an unknown application it closes the connection after connect without any reply ("application not found" in its error log). A session that ends right after connect with no _result is that.',
  }),
  S('NetConnection.Connect.Failed', 'error', 'The connection attempt failed (server-side error or unreachable application instance).', {
    'nginx-rtmp': 'Not sent: nginx-rtmp closes the connection instead. Look at its error log.',
  }),
  S('NetConnection.Connect.Closed', 'status', 'The connection was closed (normally, by either side). Sent by some servers before closing; clients also raise it locally when the TCP connection ends.'),
  S('NetConnection.Connect.AppShutdown', 'error', 'The application is shutting down (server restart, application unloaded).', {
    'Adobe Media Server / Wowza': 'The application instance was unloaded (idle timeout or an administrator): reconnect.',
  }),
  S('NetConnection.Connect.IdleTimeout', 'status', 'The server closed a connection that was idle for too long.', {
    'Adobe Media Server / Wowza': 'An idle-client timeout in the server configuration: send data or raise the timeout.',
  }),
  S('NetConnection.Connect.ReconnectRequest', 'status', 'Enhanced RTMP v2: the server asks the client to reconnect, optionally to another tcUrl given in the info object (before a restart, or to move load). Clients that announced the Reconnect capability (capsEx bit 1) in connect should reconnect and publish again; others ignore it and are cut off later.', {
    'any E-RTMP v2 server': 'Expected during maintenance: make the encoder (OBS 30+, FFmpeg 8.1) announce capsEx Reconnect, or reconnect on the following close.',
  }),
  S('NetConnection.Call.Failed', 'error', 'A call (connect, createStream or an application call) could not be invoked on the server.', {
    'Adobe Media Server / FMS': 'The server-side method does not exist in the application script.',
  }),
  S('NetConnection.Call.BadVersion', 'error', 'The packet was encoded in a format the server does not accept (an AMF3 objectEncoding where only AMF0 is supported).'),
  S('NetStream.Publish.Start', 'status', 'publish was accepted: the server now takes media on this stream. Not a guarantee of success: some servers check later and close (see NetStream.Publish.Denied).', {
    'nginx-rtmp': 'With `deny publish` (access module) nginx-rtmp still answers Publish.Start and then resets the connection ("access forbidden by rule" in its error log; captures/ffmpeg-nginx-publish-rejected.pcap, session 3); an on_publish callback answering other than 2xx/3xx also ends the connection.',
  }),
  S('NetStream.Publish.BadName', 'error', 'The stream name cannot be published: most often it is already being published in that application (another encoder, or an earlier session of the same encoder the server has not dropped yet); some servers also use it for a name they do not allow.', {
    'nginx-rtmp': 'The live module answers "Already publishing" when the name is published in the application (captures/ffmpeg-nginx-publish-rejected.pcap, session 2). Stop the other publisher, or wait until nginx drops the old session (drop_idle_publisher shortens that).',
    'node-media-server': '"Stream already publishing": the same; the earlier publisher\'s session must end first.',
    SRS: 'SRS does not send it for a busy stream: it closes the connection (ERROR_SYSTEM_STREAM_BUSY, "stream is busy" in its log).',
    OvenMediaEngine: 'Avoids BadName because OBS does not treat it as failure (its source comment: "NetStream.Publish.BadName does not work for OBS"); it answers NetStream.Play.StreamNotFound to a refused publish instead.',
  }),
  S('NetStream.Publish.Denied', 'error', 'The server refused publishing on this stream: a wrong stream key or token, a denied client address, or an application rule.', {
    'Adobe Media Server / Wowza': 'Publishing is restricted (a publish password, an allowed-encoder list such as Wowza\'s allowed flashVer, or a server-side script): configure the encoder\'s credentials or user agent.',
  }),
  S('NetStream.Publish.Rejected', 'error', 'The server refused the publish (a generic rejection some servers send instead of Denied/BadName).', {
    OvenMediaEngine: 'Its source notes that FFmpeg does not handle Publish.Rejected while OBS does.',
  }),
  S('NetStream.publish.Unauthorized', 'error', 'Publishing requires authorization the client did not give (note the lower-case "publish" some servers send).', {
    'node-media-server': 'With auth.publish enabled, the stream URL needs a valid ?sign=EXPIRES-HASH: generate it with the server\'s secret, or check the clocks (an expired sign is refused).',
  }),
  S('NetStream.Publish.Idle', 'status', 'The publisher of the stream has been idle (no data) for a while.'),
  S('NetStream.Publish.Failed', 'error', 'Publishing failed on the server side (for example it could not record, or a relay upstream failed).'),
  S('NetStream.Unpublish.Success', 'status', 'unpublish (or the end of publishing, FCUnpublish/deleteStream) was accepted.'),
  S('NetStream.Play.Start', 'status', 'play was accepted. For a live stream nobody publishes yet, many servers still answer Start and wait: no media comes until a publisher starts (see session.play.no-media).', {
    'node-media-server': 'Answers Start for a stream not yet published and keeps the player waiting.',
  }),
  S('NetStream.Play.Reset', 'status', 'A playlist reset, sent before Play.Start; normal.'),
  S('NetStream.Play.Stop', 'status', 'Playback stopped (the publisher ended, or the server stopped the stream).'),
  S('NetStream.Play.StreamNotFound', 'error', 'play named a stream the server does not have: nobody publishes that name in that application (live), or no such file (VOD). Check the application and the stream name, and that the publisher is up.', {
    'nginx-rtmp': 'Sent when the name is not published and `idle_streams off` is set; with the default (on), nginx-rtmp answers Play.Start and waits for a publisher instead.',
    OvenMediaEngine: 'Also sent for a refused publish (see NetStream.Publish.BadName).',
  }),
  S('NetStream.Play.Failed', 'error', 'Playback failed for a reason other than a missing stream (access rules, a server error).'),
  S('NetStream.Play.InsufficientBW', 'warning', 'The client cannot receive the stream fast enough (bandwidth below the stream\'s bitrate).'),
  S('NetStream.Play.PublishNotify', 'status', 'A publisher started publishing the stream this player waits for.'),
  S('NetStream.Play.UnpublishNotify', 'status', 'The publisher of the stream this player plays stopped.'),
  S('NetStream.Play.Unauthorized', 'error', 'Playing requires authorization (node-media-server auth.play: a valid ?sign= in the URL).'),
  S('NetStream.Record.NoAccess', 'error', 'The server may not record the stream (a record request where recording is disabled or forbidden).'),
  S('NetStream.Failed', 'error', 'A NetStream operation failed on the server.'),
  S('_error', 'error', 'The server answered a call with _error instead of _result: the call failed. For connect the info object\'s code (usually NetConnection.Connect.Rejected) and description say why; for createStream, releaseStream and FCPublish the description names the problem. FFmpeg, OBS and librtmp ignore _error to releaseStream/FCPublish (session.transaction.error-ignored); an _error to connect or createStream ends the session.', {
    'nginx-rtmp': 'nginx-rtmp does not answer with _error; it closes the connection.',
    Wowza: 'connect _error with NetConnection.Connect.Rejected and a description ("Application … is not defined", AccessManager.Reject for authentication).',
  }),
];

const BY_CODE = new Map(STATUSES.map((s) => [s.code.toLowerCase(), s]));

/** The explanation of a status code (case-insensitive), or null. */
export function statusExplanation(code: string): StatusExplanation | null {
  return BY_CODE.get(code.toLowerCase()) ?? null;
}
