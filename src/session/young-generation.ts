/**
 * V8's young generation capped at run time. The decoders allocate many short-lived objects; with
 * V8's default the young generation's semi-spaces grow to 16 MiB and peak memory with them, with
 * the capture's size (65 → 94 MiB RSS from the 1× to the 10× benchmark capture). Capped at 4 MiB
 * per semi-space, peak memory is the same for both (65 → 67 MiB) at the same speed.
 *
 * `--max-semi-space-size=4` would do it, but a V8 flag on the command line (the executable's
 * shebang) changes V8's flag hash and Node then rejects the code cache of its built-in modules,
 * ≈ 25 ms of every start. That flag is read once, when the heap is set up; the growth factor is
 * read whenever the young generation grows. So: let it grow to 4 MiB per semi-space (checked
 * every few input chunks, which costs nothing measurable), then stop its growth.
 */
import { getHeapSpaceStatistics, setFlagsFromString } from 'node:v8';

/** Both semi-spaces of 4 MiB (what --max-semi-space-size=4 allows). */
const NEW_SPACE_CAP = 8 * 1024 * 1024;
let capped = false;
let calls = 0;

/** Call once per input chunk: from the 4 MiB semi-space on, the young generation stops growing. */
export function capYoungGeneration(): void {
  if (capped || (++calls & 15) !== 0) return;
  const space = getHeapSpaceStatistics().find((s) => s.space_name === 'new_space');
  if (space === undefined || space.space_size >= NEW_SPACE_CAP) {
    if (space !== undefined) setFlagsFromString('--semi-space-growth-factor=1');
    capped = true;
  }
}
