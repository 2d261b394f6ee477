/**
 * Authentication challenges in _error descriptions (connect rejections). Adobe (FMS/Wowza
 * "authmod=adobe") and Limelight ("authmod=llnw") authentication run over several connections:
 *
 *   1. connect without a user → _error "[ AccessManager.Reject ] : [ code=403 need auth; authmod=adobe ] : "
 *   2. connect with ?authmod=adobe&user=U → _error "... : ?reason=needauth&user=U&salt=S&challenge=C&opaque=O"
 *      (llnw: "?reason=needauth&nonce=N")
 *   3. connect with the response → _result, or _error "... ?reason=authfailed" (or reason=nosuchuser)
 *
 * FFmpeg's rtmpproto.c (handle_connection_error) reads the same markers. Pure string parsing.
 */

export type AuthStep = {
  /** required: step 1; challenge: step 2; failed: step 3 rejected. */
  readonly kind: 'required' | 'challenge' | 'failed';
  readonly authmod: string | null;
  readonly reason: string | null;
};

/** The authentication step an error description shows, or null when it is not about authentication. */
export function parseAuthDescription(description: string): AuthStep | null {
  const authmod = /authmod=([A-Za-z0-9_-]+)/.exec(description)?.[1] ?? null;
  const reason = /[?&]reason=([A-Za-z0-9_-]+)/.exec(description)?.[1] ?? null;
  if (reason === 'needauth') return { kind: 'challenge', authmod, reason };
  if (reason !== null && (authmod !== null || reason === 'authfailed' || reason === 'nosuchuser')) return { kind: 'failed', authmod, reason };
  if (authmod !== null || /need auth/i.test(description)) return { kind: 'required', authmod, reason };
  return null;
}
