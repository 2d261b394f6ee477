/**
 * What extraction does across a loss: after bytes or messages were lost, coded video frames are
 * dropped up to the next keyframe (the frames in between reference pictures that never arrived),
 * and so is the audio of a stream that has shown video (kept in step with the picture). Audio of
 * a stream that has shown no video resumes at its next frame, but video that appears later still
 * waits for a keyframe. Configuration, metadata and other tags are always kept.
 * Pure state, no I/O: the writer asks per tag, and hears of each episode when it ends.
 */

export type TagKind = 'video-key' | 'video-frame' | 'audio-frame' | 'other';

/** One loss and what it cost: reasons, the last timestamp before it, the one decoding resumed at. */
export type GapEpisode = {
  readonly reasons: readonly string[];
  /** Timestamp of the last tag written before the loss (null: none yet). */
  readonly after: number | null;
  /** Timestamp of the tag writing resumed with (null: the stream ended first). */
  readonly resumedAt: number | null;
  readonly droppedVideo: number;
  readonly droppedAudio: number;
};

/** Reasons listed per episode at most (more are counted). */
const MAX_REASONS = 2;

export class GapPolicy {
  /** Video waits for a keyframe (since a loss). */
  private needKey = false;
  /** Audio waits for the video to resume (since a loss, in a stream that has shown video). */
  private holdAudio = false;
  private sawVideo = false;
  private lastTs: number | null = null;
  private episode: { reasons: string[]; more: number; after: number | null; droppedVideo: number; droppedAudio: number; quiet: boolean } | null = null;
  /** Loss episodes, and the tags they cost. */
  gaps = 0;
  dropped = 0;

  constructor(private readonly onEpisode: (e: GapEpisode) => void) {}

  /**
   * Messages may have been lost here. `quiet`: a loss that is no gap unless it costs a tag (the
   * start of a stream that is not in the capture: its first frame may or may not be a keyframe).
   */
  loss(why: string, quiet = false): void {
    if (this.episode === null) {
      this.episode = { reasons: [why], more: 0, after: this.lastTs, droppedVideo: 0, droppedAudio: 0, quiet };
    } else {
      this.episode.quiet &&= quiet;
      if (this.episode.reasons.length < MAX_REASONS) this.episode.reasons.push(why);
      else this.episode.more++;
    }
    this.needKey = true;
    this.holdAudio = true;
  }

  /** A tag that could not be written whole (its bytes were lost or not kept): dropped, and a loss. */
  damaged(kind: TagKind, why: string): void {
    if (kind === 'video-key' || kind === 'video-frame') this.sawVideo = true;
    this.loss(why);
    this.count(kind);
  }

  /** Should this tag be written? */
  admit(kind: TagKind, timestamp: number): boolean {
    if (kind === 'video-key') {
      this.sawVideo = true;
      this.needKey = false;
      this.holdAudio = false;
      this.end(timestamp);
    } else if (kind === 'video-frame') {
      this.sawVideo = true;
      if (this.needKey) {
        // Video after an audio-only resumption: the loss is still being paid for.
        this.episode ??= { reasons: ['video before a keyframe since the last loss'], more: 0, after: this.lastTs, droppedVideo: 0, droppedAudio: 0, quiet: false };
        this.count(kind);
        return false;
      }
    } else if (kind === 'audio-frame' && this.holdAudio) {
      if (this.sawVideo) {
        this.count(kind);
        return false;
      }
      this.holdAudio = false;
      this.end(timestamp);
    }
    if (kind !== 'other') this.lastTs = timestamp;
    return true;
  }

  /** The stream ended: an episode still open is reported (nothing resumed). */
  finish(): void {
    if (this.episode !== null) this.end(null);
  }

  private count(kind: TagKind): void {
    if (this.episode === null) return;
    this.dropped++;
    if (kind === 'audio-frame') this.episode.droppedAudio++;
    else if (kind !== 'other') this.episode.droppedVideo++;
  }

  private end(resumedAt: number | null): void {
    const e = this.episode;
    this.episode = null;
    if (e === null || (e.quiet && e.droppedVideo + e.droppedAudio === 0)) return;
    this.gaps++;
    const reasons = e.more > 0 ? [...e.reasons, `${e.more} more`] : e.reasons;
    this.onEpisode({ reasons, after: e.after, resumedAt, droppedVideo: e.droppedVideo, droppedAudio: e.droppedAudio });
  }
}
