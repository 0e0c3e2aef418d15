/**
 * Graceful shutdown: the first SIGINT/SIGTERM stops intake and lets work in flight finish
 * (closers run in reverse order of registration, each within the timeout); a second signal (a
 * second later or more), or the timeout running out, exits at once. Whatever is not finished
 * stays pending in the inbox and the reconciler picks it up later, so a forced exit loses nothing.
 */
import type { Logger } from './logger.ts';

/** Signals closer together than this are one signal delivered twice. */
const SAME_SIGNAL_MS = 1000;

export type Closer = { name: string; close: () => Promise<unknown> | unknown };

export class Lifecycle {
  private readonly closers: Closer[] = [];
  private stopping: Promise<void> | undefined;

  constructor(
    private readonly log: Logger,
    private readonly timeoutMs = 15_000,
  ) {}

  /** Registers something to close at shutdown; the last registered closes first. */
  onShutdown(name: string, close: Closer['close']): void {
    this.closers.push({ name, close });
  }

  handleSignals(): void {
    let firstAt: number | undefined;
    const handler = (signal: NodeJS.Signals) => {
      if (firstAt !== undefined) {
        // One Ctrl-C under `npm start` arrives twice: from the terminal (to the whole process
        // group) and forwarded by npm. Only a signal sent later means "stop waiting".
        if (Date.now() - firstAt < SAME_SIGNAL_MS) return;
        this.log.warn({ signal }, 'second signal: exiting now');
        process.exit(1);
      }
      firstAt = Date.now();
      this.log.info({ signal }, 'shutting down: finishing work in flight (send again to force)');
      void this.shutdown().then(() => process.exit(0));
    };
    process.on('SIGINT', handler);
    process.on('SIGTERM', handler);
  }

  shutdown(): Promise<void> {
    this.stopping ??= this.closeAll();
    return this.stopping;
  }

  private async closeAll(): Promise<void> {
    const timer = setTimeout(() => {
      this.log.error(
        { timeoutMs: this.timeoutMs },
        'shutdown timed out: exiting with work unfinished (it stays pending in the inbox)',
      );
      process.exit(1);
    }, this.timeoutMs);
    timer.unref();
    for (const closer of [...this.closers].reverse()) {
      try {
        await closer.close();
      } catch (error) {
        this.log.warn({ err: error, part: closer.name }, 'error while closing');
      }
    }
    clearTimeout(timer);
  }
}
