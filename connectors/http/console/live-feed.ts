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
/**
 * How far behind the newest event read each read looks again. On PostgreSQL an event's id is
 * taken when it is written, not when it commits: a transaction that took id 41 may commit after
 * the one that took 42 was read, and a reader that only asked for ids after 42 would never see
 * 41. Ids this close behind are read again and those already handed out are left out.
 */
const LOOK_BACK_IDS = 200;

export class LiveFeed {
  private readonly listeners = new Map<Listener, Ending>();
  private cursor: number | undefined;
  /** Ids handed out within the look-back, so a second read of them hands out nothing. */
  private readonly handed = new Set<number>();
  /** The newest id when the first listener came: what was there before is nobody's news. */
  private floor = 0;
  private reading = false;
  private again = false;
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly events: Pick<EventRepository, 'list' | 'lastId'>,
    private readonly log: Logger,
  ) {}

  /** Starts passing new events to `listener`; the function it returns stops it. */
  async listen(listener: Listener, end: Ending): Promise<() => void> {
    if (this.cursor === undefined) {
      this.cursor = await this.events.lastId();
      this.floor = this.cursor;
    }
    this.listeners.set(listener, end);
    this.timer ??= setInterval(() => this.changed(), LOOK_EVERY_MS).unref();
    return () => {
      this.listeners.delete(listener);
      if (this.listeners.size === 0 && this.timer) {
        clearInterval(this.timer);
        this.timer = undefined;
        // Nobody listening: the next listener starts from the newest event again.
        this.cursor = undefined;
        this.handed.clear();
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
      const from = Math.max(0, this.cursor - LOOK_BACK_IDS);
      const batch = await this.events.list(from, undefined, BATCH + LOOK_BACK_IDS);
      const fresh = batch.filter((event) => event.id > this.floor && !this.handed.has(event.id));
      const last = batch[batch.length - 1]?.id ?? this.cursor;
      if (last > this.cursor) this.cursor = last;
      for (const event of fresh) this.handed.add(event.id);
      for (const id of this.handed) if (id <= this.cursor - LOOK_BACK_IDS) this.handed.delete(id);
      if (fresh.length) for (const listener of this.listeners.keys()) listener(fresh);
      if (batch.length < BATCH + LOOK_BACK_IDS) return;
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
