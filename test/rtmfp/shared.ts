/**
 * Where the shared RTMFP captures are (they are not committed): $RTMFP_DATA, else
 * <repo>/../shared/data/rtmfp (CI: shared/ beside the clone), else two levels up (a git worktree
 * one level deeper than the clone). Null when none exists: the tests that need them skip.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';

export function rtmfpDataDir(root: string): string | null {
  const env = process.env['RTMFP_DATA'];
  const candidates = [...(env === undefined || env === '' ? [] : [env]), join(root, '..', 'shared', 'data', 'rtmfp'), join(root, '..', '..', 'shared', 'data', 'rtmfp')];
  return candidates.find((d) => existsSync(join(d, 'README.md'))) ?? null;
}
