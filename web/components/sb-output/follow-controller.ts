import type { ReactiveController, ReactiveControllerHost } from 'lit';

/** At most this many frames (about a second) of keeping to the end after an update. */
const SETTLE_FRAMES = 60;

/**
 * Keeps a scroller at its end while the user has not scrolled away from it, as a terminal does. Only a
 * scroll the user asked for (wheel, keys, a drag, a touch) stops following, not the virtualiser's own
 * corrections nor our scrolls to the end; reaching the end again resumes it.
 */
export class FollowController implements ReactiveController {
  following = true;
  /** Lines added since following stopped. */
  unseen = 0;
  #intentAt = -Infinity;

  constructor(
    private readonly host: ReactiveControllerHost,
    private readonly scroller: () => HTMLElement | null,
    /** Whether the scroller's content reaches the last line (it may show an earlier window of lines). */
    private readonly reachesEnd: () => boolean,
  ) {
    host.addController(this);
  }

  hostUpdated(): void {
    if (!this.following) return;
    this.#toEnd();
    this.#settle();
  }

  /** Frames left to keep to the end while the virtualiser sizes its content; a loop runs while above 0. */
  #frames = 0;

  // The virtualiser sizes its content over several frames after the rows change (more for a long output:
  // it measures rendered rows, then re-estimates the rest): keep to the end each frame until the end holds
  // still, not for a fixed two frames — else a long recorded output opens at its top until something else
  // updates the view, and the placeholders there are fetched for nothing.
  #settle(): void {
    const running = this.#frames > 0;
    this.#frames = SETTLE_FRAMES;
    if (running) return;
    let height = -1;
    const frame = () => {
      const scroller = this.scroller();
      if (!this.following || !scroller) return void (this.#frames = 0);
      this.#toEnd();
      const still = scroller.scrollHeight === height && this.#atEnd(scroller);
      height = scroller.scrollHeight;
      if (still || --this.#frames <= 0) return void (this.#frames = 0);
      requestAnimationFrame(frame);
    };
    requestAnimationFrame(frame);
  }

  #atEnd(scroller: HTMLElement): boolean {
    return scroller.scrollHeight - scroller.scrollTop - scroller.clientHeight < 4;
  }

  /** Counts lines that arrived; they are unseen while not following. */
  added(count: number): void {
    if (!this.following && count) this.unseen += count;
  }

  resume(): void {
    [this.following, this.unseen] = [true, 0];
    this.host.requestUpdate();
  }

  stop(): void {
    this.following = false;
    this.host.requestUpdate();
  }

  // A wheel or key upwards stops following at once, before a frame of new output scrolls the view back down.
  readonly onIntent = {
    handleEvent: (event: Event) => {
      this.#intentAt = performance.now();
      const up =
        (event instanceof WheelEvent && event.deltaY < 0) ||
        (event instanceof KeyboardEvent && ['ArrowUp', 'PageUp', 'Home'].includes(event.key));
      if (up && this.following && this.scroller()?.scrollTop) this.stop();
    },
    passive: true,
  };

  readonly onScroll = (): void => {
    const scroller = this.scroller();
    if (!scroller) return;
    if (this.#atEnd(scroller) && this.reachesEnd()) {
      if (!this.following) this.resume();
    } else if (this.following && performance.now() - this.#intentAt < 1000) this.stop();
  };

  #toEnd(): void {
    const scroller = this.scroller();
    if (scroller && this.following) scroller.scrollTop = scroller.scrollHeight;
  }
}
