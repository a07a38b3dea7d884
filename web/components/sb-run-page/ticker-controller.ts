import type { ReactiveController, ReactiveControllerHost } from 'lit';

/**
 * A clock for a component: while started and the host is in the page, calls `onTick` with the real
 * milliseconds since the last call. It drives playback and the live growth of running steps; nothing runs
 * while the host is detached, and a re-attached host resumes without a jump (the gap is not counted).
 */
export class TickerController implements ReactiveController {
  #timer: ReturnType<typeof setInterval> | undefined;
  #wanted = false;
  #last = 0;

  constructor(
    host: ReactiveControllerHost,
    private readonly onTick: (elapsedMs: number) => void,
    private readonly intervalMs = 100,
  ) {
    host.addController(this);
  }

  /** Whether the clock is meant to run. */
  get running(): boolean {
    return this.#wanted;
  }

  start(): void {
    this.#wanted = true;
    this.#begin();
  }

  stop(): void {
    this.#wanted = false;
    this.#end();
  }

  hostConnected(): void {
    if (this.#wanted) this.#begin();
  }

  hostDisconnected(): void {
    this.#end();
  }

  #begin(): void {
    if (this.#timer !== undefined) return;
    this.#last = performance.now();
    this.#timer = setInterval(() => {
      const now = performance.now();
      const elapsed = now - this.#last;
      this.#last = now;
      this.onTick(elapsed);
    }, this.intervalMs);
  }

  #end(): void {
    clearInterval(this.#timer);
    this.#timer = undefined;
  }
}
