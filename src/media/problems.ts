/**
 * Problem codes of the media tag-header and codec-configuration decoders.
 *
 * Contract: the decoders in src/media never throw and never build Diagnostic events themselves
 * (they have no locator); they return `problems: MediaProblemCode[]` and the stage that owns the
 * message turns each code into a diagnostic. Their severities and explanations live in the one diagnostics catalogue (core/diagnostics.ts). Codes are stable,
 * dotted and lower-case; tests assert codes, never text.
 */
import { CATALOGUE, type DiagnosticCode } from '../core/diagnostics.js';

export type MediaProblemCode = Extract<DiagnosticCode, `media.${string}`>;

/** The media entries of the catalogue. */
export const MEDIA_PROBLEMS: Readonly<Record<MediaProblemCode, (typeof CATALOGUE)[MediaProblemCode]>> = Object.fromEntries(Object.entries(CATALOGUE).filter(([code]) => code.startsWith('media.'))) as Record<
  MediaProblemCode,
  (typeof CATALOGUE)[MediaProblemCode]
>;

/** Appends `code` once (problem lists are sets, kept in first-seen order). */
export function addProblem(problems: MediaProblemCode[], code: MediaProblemCode): void {
  if (!problems.includes(code)) problems.push(code);
}
