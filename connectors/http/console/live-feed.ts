/**
 * One per web process: follows the events table (the transactional outbox every change writes
 * to) and hands each new batch to the open streams of this process. It looks when a writer
 * announces a change over Redis (core/runtime/live-changes.ts), and once a second besides while
 * anyone is listening, so a notice lost with Redis only delays a console. Nobody listening, it
 * reads nothing.
 */
import type { EventRecord, EventRepository } from '../../../core/repositories/events.ts';
import type { Logger } from '../../../core/runtime/logger.ts';

type Listener = (events: EventRecord[]) => void;
/** Ends a listener's stream when the process shuts down (its browser reconnects elsewhere). */
type Ending = () => void;

const BATCH = 500;
const LOOK_EVERY_MS = 1000;

export class LiveFeed {
  private readonly listeners = new Map<Listener, Ending>();
  private cursor: number | undefined;
  private reading = false;
  private again = false;
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly events: Pick<EventRepository, 'list' | 'lastId'>,
    private readonly log: Logger,
  ) {}

  /** Starts passing new events to `listener`; the function it returns stops it. */
  async listen(listener: Listener, end: Ending): Promise<() => void> {
    this.cursor ??= await this.events.lastId();
    this.listeners.set(listener, end);
    this.timer ??= setInterval(() => this.changed(), LOOK_EVERY_MS).unref();
    return () => {
      this.listeners.delete(listener);
      if (this.listeners.size === 0 && this.timer) {
        clearInterval(this.timer);
        this.timer = undefined;
        // Nobody listening: the next listener starts from the newest event again.
        this.cursor = undefined;
      }
    };
  }

  /** The newest event's id: where a stream without Last-Event-ID starts. */
  lastId(): Promise<number> {
    return this.events.lastId();
  }

  /** Most events `since` gives at once. */
  readonly batch = BATCH;

  /** Events after `after` (a reconnecting stream's Last-Event-ID), at most one batch. */
  since(after: number): Promise<EventRecord[]> {
    return this.events.list(after, undefined, BATCH);
  }

  /** A writer announced a change (or the second passed): read what is new, once at a time. */
  changed(): void {
    if (this.listeners.size === 0 || this.cursor === undefined) return;
    if (this.reading) {
      this.again = true;
      return;
    }
    this.reading = true;
    void this.read()
      .catch((error: unknown) => this.log.warn({ err: error }, 'live feed could not read events'))
      .finally(() => {
        this.reading = false;
        if (this.again) {
          this.again = false;
          this.changed();
        }
      });
  }

  private async read(): Promise<void> {
    for (;;) {
      if (this.cursor === undefined) return;
      const batch = await this.events.list(this.cursor, undefined, BATCH);
      if (batch.length === 0) return;
      this.cursor = batch[batch.length - 1]!.id;
      for (const listener of this.listeners.keys()) listener(batch);
      if (batch.length < BATCH) return;
    }
  }

  /** Ends every stream (before the HTTP server closes, which waits for them). */
  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    const endings = [...this.listeners.values()];
    this.listeners.clear();
    for (const end of endings) end();
  }
}
