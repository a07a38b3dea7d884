import type { ReactiveController, ReactiveControllerHost } from 'lit';

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
    // The virtualiser sizes its content a frame after the rows change: keep to the end across it.
    this.#toEnd();
    requestAnimationFrame(() => {
      this.#toEnd();
      requestAnimationFrame(() => this.#toEnd());
    });
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
    const atEnd = scroller.scrollHeight - scroller.scrollTop - scroller.clientHeight < 4;
    if (atEnd && this.reachesEnd()) {
      if (!this.following) this.resume();
    } else if (this.following && performance.now() - this.#intentAt < 1000) this.stop();
  };

  #toEnd(): void {
    const scroller = this.scroller();
    if (scroller && this.following) scroller.scrollTop = scroller.scrollHeight;
  }
}
