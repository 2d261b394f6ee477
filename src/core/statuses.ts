/**
 * Server replies explained: every NetConnection.* / NetStream.* status code (and `_error`) that
 * rtmpscope reports, with what it means, its likely causes and the fix, per server family. Read
 * beside the diagnostics catalogue (diagnostics.ts): `rtmpscope explain CODE` prints either.
 *
 * The per-server notes come from those servers' sources and from captures of real peers
 * (captures/ffmpeg-nginx-publish-rejected.pcap); docs/server-replies.md names the file each note
 * was checked against, and lists the notes that could not be checked (Wowza and Adobe Media
 * Server are closed source: their notes rest on their documentation or on what clients expect).
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
  S(
    'NetConnection.Connect.Rejected',
    'error',
    'The server refused the connection: the application is unknown, the client is not allowed, or authentication is required or failed. The description says which; authentication challenges (authmod=adobe/llnw, reason=needauth) are explained by session.auth.*.',
    {
      Wowza:
        'An application name not defined on the server ("Application … is not defined"), or an AccessManager rejection ("[ AccessManager.Reject ] : [ code=403 need auth; authmod=adobe ]"): configure the application, or give user and password in the URL (rtmp://user:pass@host/app).',
      'Adobe Media Server / FMS': 'An application without its folder, or server-side script (application.onConnect) rejecting: check the application name and the script.',
      [INGEST]: 'How these services answer a wrong URL or key was not found in their documentation. Check the application path of the server URL against the one the service shows (YouTube: rtmp://a.rtmp.youtube.com/live2; Twitch: …/app) and the stream key.',
    },
  ),
  S('NetConnection.Connect.InvalidApp', 'error', 'The application named in connect (the first path segment of tcUrl) does not exist on the server.', {
    'Adobe Media Server / FMS': 'No application folder of that name: fix the app part of the URL or create the application.',
    'nginx-rtmp': 'nginx-rtmp does not send this: for an unknown application it closes the connection after connect without any reply ("connect: application not found" in its log). A session that ends right after connect with no _result is that.',
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
  S(
    'NetConnection.Connect.ReconnectRequest',
    'status',
    'Enhanced RTMP v2: the server asks the client to reconnect, optionally to another tcUrl given in the info object (before a restart, or to move load). Clients that announced the Reconnect capability (capsEx bit 1) in connect should reconnect and publish again; others ignore it and are cut off later.',
    {
      'any E-RTMP v2 server': 'Expected during maintenance: make the encoder (OBS 30+, FFmpeg 8.1) announce capsEx Reconnect, or reconnect on the following close.',
    },
  ),
  S('NetConnection.Call.Failed', 'error', 'A call (connect, createStream or an application call) could not be invoked on the server.', {
    'Adobe Media Server / FMS': 'The server-side method does not exist in the application script.',
  }),
  S('NetConnection.Call.BadVersion', 'error', 'The packet was encoded in a format the server does not accept (an AMF3 objectEncoding where only AMF0 is supported).'),
  S(
    'NetStream.Publish.Start',
    'status',
    'publish was accepted: the server now takes media on this stream. Not a guarantee of success: several servers answer Start first, check afterwards and close the connection without another status (a connection that ends right after Publish.Start is that).',
    {
      'nginx-rtmp':
        'With `deny publish` (access module) nginx-rtmp still answers Publish.Start and then resets the connection ("access forbidden by rule" in its error log; captures/ffmpeg-nginx-publish-rejected.pcap, session 3); an on_publish callback answering other than 2xx/3xx also ends the connection.',
      'node-media-server': 'Version 4 answers Publish.Start before it checks anything, then closes the connection when the name already has a publisher or the auth sign fails ("already has a publisher" / "authentication verification failed" in its log).',
      SRS: 'Sends Publish.Start (onFCPublish, and in older versions onStatus too) before it checks whether the stream is busy; a busy stream then ends the connection (see NetStream.Publish.BadName).',
      MediaMTX: 'Answers Publish.Start to every publish before the path is looked up; a path that cannot be published is refused afterwards.',
    },
  ),
  S(
    'NetStream.Publish.BadName',
    'error',
    'The stream name cannot be published: most often it is already being published in that application (another encoder, or an earlier session of the same encoder the server has not dropped yet); some servers also use it for a name they do not allow.',
    {
      'nginx-rtmp':
        'The live module answers "Already publishing" when the name is published in the application (captures/ffmpeg-nginx-publish-rejected.pcap, session 2). Stop the other publisher, or wait until nginx drops the old session (drop_idle_publisher shortens that).',
      'node-media-server': 'Version 2 answers "Stream already publishing" and closes the connection; version 4 sends no BadName: it answers Publish.Start and then closes. Either way the earlier publisher\'s session must end first.',
      SRS: 'SRS does not send it for a busy stream: it closes the connection ("rtmp: stream … is busy", ERROR_SYSTEM_STREAM_BUSY, in its log), after onFCPublish NetStream.Publish.Start (see NetStream.Publish.Start).',
      OvenMediaEngine: 'Avoids BadName because OBS does not treat it as failure (its source comment: "NetStream.Publish.BadName does not work for OBS"); it answers NetStream.Play.StreamNotFound to a refused publish instead.',
    },
  ),
  S('NetStream.Publish.Denied', 'error', 'The server refused publishing on this stream: a wrong stream key or token, a denied client address, or an application rule.', {
    'Adobe Media Server / Wowza': "Publishing is restricted (a publish password, an allowed-encoder list such as Wowza's allowed flashVer, or a server-side script): configure the encoder's credentials or user agent.",
  }),
  S('NetStream.Publish.Rejected', 'error', 'The server refused the publish (a generic rejection some servers send instead of Denied/BadName).', {
    OvenMediaEngine: 'Its source notes that FFmpeg does not handle Publish.Rejected while OBS does.',
  }),
  S('NetStream.publish.Unauthorized', 'error', 'Publishing requires authorization the client did not give (note the lower-case "publish" some servers send).', {
    'node-media-server':
      'Version 2 sends it ("Authorization required.") when auth.publish is on and the stream URL has no valid ?sign=EXPIRES-HASH, HASH being the MD5 of "/app/stream-EXPIRES-secret": generate it with the server\'s secret, and check the clocks (an expired sign is refused). Version 4 checks the same sign but answers Publish.Start and closes the connection instead.',
  }),
  S('NetStream.Publish.Idle', 'status', 'The publisher of the stream has been idle (no data) for a while.'),
  S('NetStream.Publish.Failed', 'error', 'Publishing failed on the server side (for example it could not record, or a relay upstream failed).'),
  S('NetStream.Unpublish.Success', 'status', 'unpublish (or the end of publishing, FCUnpublish/deleteStream) was accepted.'),
  S('NetStream.Play.Start', 'status', 'play was accepted. For a live stream nobody publishes yet, many servers still answer Start and wait: no media comes until a publisher starts (see session.play.no-media).', {
    'node-media-server': 'Answers Start for a stream not yet published and keeps the player waiting (version 4 sends Play.Reset and Play.Start before any check, and closes the connection when the auth sign fails).',
    MediaMTX: 'Answers Play.Reset, Play.Start, Data.Start and Play.PublishNotify to every play before the path is looked up.',
  }),
  S('NetStream.Play.Reset', 'status', 'A playlist reset, sent before Play.Start; normal.'),
  S('NetStream.Play.Stop', 'status', 'Playback stopped (the publisher ended, or the server stopped the stream).'),
  S('NetStream.Play.StreamNotFound', 'error', 'play named a stream the server does not have: nobody publishes that name in that application (live), or no such file (VOD). Check the application and the stream name, and that the publisher is up.', {
    'nginx-rtmp': 'Sent when the name is not published and `idle_streams off` is set; with the default (on), nginx-rtmp answers Play.Start and waits for a publisher instead.',
    OvenMediaEngine: 'Also sent for a refused publish (see NetStream.Publish.BadName).',
  }),
  S('NetStream.Play.Failed', 'error', 'Playback failed for a reason other than a missing stream (access rules, a server error).'),
  S('NetStream.Play.InsufficientBW', 'warning', "The client cannot receive the stream fast enough (bandwidth below the stream's bitrate)."),
  S('NetStream.Play.PublishNotify', 'status', 'A publisher started publishing the stream this player waits for.'),
  S('NetStream.Play.UnpublishNotify', 'status', 'The publisher of the stream this player plays stopped.'),
  S('NetStream.Play.Unauthorized', 'error', 'Playing requires authorization.', {
    'node-media-server': 'Version 2 sends it as "NetStream.play.Unauthorized" when auth.play is on and the URL has no valid ?sign= (see NetStream.publish.Unauthorized); version 4 closes the connection after Play.Start instead.',
  }),
  S('NetStream.Record.NoAccess', 'error', 'The server may not record the stream (a record request where recording is disabled or forbidden).'),
  S('NetStream.Failed', 'error', 'A NetStream operation failed on the server.'),
  S(
    '_error',
    'error',
    "The server answered a call with _error instead of _result: the call failed. For connect the info object's code (usually NetConnection.Connect.Rejected) and description say why; for createStream, releaseStream and FCPublish the description names the problem. FFmpeg, OBS and librtmp ignore _error to releaseStream/FCPublish (session.transaction.error-ignored); an _error to connect or createStream ends the session.",
    {
      'nginx-rtmp': 'For an unknown application nginx-rtmp closes the connection instead of answering _error (see NetConnection.Connect.InvalidApp).',
      MediaMTX:
        'With credentials configured, connect gets _error NetConnection.Connect.Rejected in Adobe authentication\'s steps: "code=403 need auth; authmod=adobe" (give user and password in the URL), then "authmod=adobe ?reason=needauth&user=…&salt=…&challenge=…" (the client answers the challenge), and "authmod=adobe ?reason=authfailed" for a wrong password.',
      Wowza: 'connect _error with NetConnection.Connect.Rejected and a description ("Application … is not defined", AccessManager.Reject for authentication).',
    },
  ),
];

const BY_CODE = new Map(STATUSES.map((s) => [s.code.toLowerCase(), s]));

/** The explanation of a status code (case-insensitive), or null. */
export function statusExplanation(code: string): StatusExplanation | null {
  return BY_CODE.get(code.toLowerCase()) ?? null;
}
