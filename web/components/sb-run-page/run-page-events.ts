/** What the run page's parts ask of it or tell it. */

/** Replay the run from this cell, reusing the recorded results of the cells before it (a resume). */
export interface ResumeRequestDetail {
  cell: string;
}

/** The playback clock moved: `at` is the moment shown, in epoch milliseconds. */
export interface PlaybackTimeDetail {
  at: number;
}

declare global {
  interface HTMLElementEventMap {
    'sb-resume-request': CustomEvent<ResumeRequestDetail>;
    'sb-playback-time': CustomEvent<PlaybackTimeDetail>;
  }
}

/** Dispatches one of the run page's events from `target`, crossing shadow roots. */
export function emit<T>(target: EventTarget, type: keyof HTMLElementEventMap, detail: T): void {
  target.dispatchEvent(new CustomEvent(type, { detail, bubbles: true, composed: true }));
}
