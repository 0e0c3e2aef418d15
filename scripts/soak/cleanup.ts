/**
 * What the soak must undo however it ends (finished, failed, Ctrl-C): closers run once, last
 * registered first (children stop before their Redis keys and directory go), and one failing
 * closer does not keep the others from running.
 */
export class Cleanup {
  private readonly closers: (() => unknown)[] = [];
  private running: Promise<void> | undefined;

  constructor(private readonly report: (line: string) => void) {}

  readonly defer = (close: () => unknown): void => {
    this.closers.push(close);
  };

  run(): Promise<void> {
    this.running ??= this.closeAll();
    return this.running;
  }

  private async closeAll(): Promise<void> {
    const newestFirst = this.closers.splice(0).reverse();
    for (const close of newestFirst) {
      await Promise.resolve()
        .then(close)
        .catch((error: unknown) => this.report(`cleanup step failed: ${String(error)}`));
    }
  }
}
