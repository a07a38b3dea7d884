import type { ReactiveController, ReactiveControllerHost } from 'lit';
import { api } from '../api/api-client.ts';
import type { EventView } from '../api/api-types.ts';
import { FINAL_RUN_STATUSES } from '../lib/format.ts';

/** Whether an event is the run-level status that ends a run's stream. */
export function isFinalRunStatus(event: EventView): boolean {
  if (event.kind !== 'status' || event.cell !== null) return false;
  const data = JSON.parse(event.data) as { run?: string; status?: string };
  return Boolean(data.run) && FINAL_RUN_STATUSES.has(data.status ?? '');
}

export type StreamState = 'idle' | 'connecting' | 'live' | 'reconnecting' | 'ended';

/**
 * Follows a run's events over SSE for a component. Every event is handed to `onEvents` exactly once and in
 * order: after a network drop it reconnects from the last seq it delivered (the server replays the rest from
 * its store), and duplicates are dropped by seq.
 */
export class RunStreamController implements ReactiveController {
  state: StreamState = 'idle';
  /** The last seq delivered. */
  last = 0;
  #source: EventSource | undefined;
  #run: string | undefined;
  #retry: ReturnType<typeof setTimeout> | undefined;

  constructor(
    private readonly host: ReactiveControllerHost,
    private readonly onEvents: (events: EventView[]) => void,
    private readonly createSource: (url: string) => EventSource = (url) => new EventSource(url),
  ) {
    host.addController(this);
  }

  /** Starts following `run` from after `from` (0: from the start). */
  follow(run: string, from = 0): void {
    this.stop();
    this.#run = run;
    this.last = from;
    this.#connect('connecting');
  }

  stop(): void {
    clearTimeout(this.#retry);
    this.#source?.close();
    this.#source = undefined;
    this.#run = undefined;
    this.#set('idle');
  }

  hostDisconnected(): void {
    clearTimeout(this.#retry);
    this.#source?.close();
    this.#source = undefined;
  }

  hostConnected(): void {
    if (this.#run && !this.#source && this.state !== 'ended') this.#connect('reconnecting');
  }

  #connect(state: StreamState): void {
    if (!this.#run) return;
    this.#set(state);
    // The seq to resume after travels in the URL: EventSource cannot set Last-Event-ID on its own first try.
    const source = this.createSource(`${api.streamUrl(this.#run)}?after=${this.last}`);
    this.#source = source;
    const deliver = (message: MessageEvent<string>) => {
      const event = JSON.parse(message.data) as EventView;
      if (event.seq !== null && event.seq <= this.last) return;
      if (event.seq !== null) this.last = event.seq;
      this.#set('live');
      this.onEvents([event]);
      if (event.kind === 'status' && event.cell === null && (event.seq === null || isFinalRunStatus(event))) {
        source.close();
        this.#source = undefined;
        this.#set('ended');
      }
    };
    for (const kind of ['stdout', 'stderr', 'log', 'progress', 'status'])
      source.addEventListener(kind, deliver as EventListener);
    source.onopen = () => this.#set('live');
    source.onerror = () => {
      // Reconnect ourselves, from our own last seq, rather than trust the browser's retry timing.
      source.close();
      if (this.#source !== source) return;
      this.#source = undefined;
      this.#set('reconnecting');
      this.#retry = setTimeout(() => this.#connect('reconnecting'), 1000);
    };
  }

  #set(state: StreamState): void {
    if (this.state === state) return;
    this.state = state;
    this.host.requestUpdate();
  }
}
