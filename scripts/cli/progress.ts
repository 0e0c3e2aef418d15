/** How far a replay got, on stderr: a bar on a terminal, a plain line now and then elsewhere. */
import cliProgress from 'cli-progress';
import type { ReplayRun } from '../../core/repositories/replays.ts';

/** How often a progress line is printed when stderr is not a terminal (a log file, a CI job). */
const PLAIN_PROGRESS_MS = 2000;

export interface Progress {
  update(done: number): void;
  stop(): void;
}

/** A bar on a terminal; elsewhere a plain line every few seconds (a bar would fill a log file). */
export function startProgress(
  run: ReplayRun,
  stream: NodeJS.WriteStream = process.stderr,
): Progress {
  let stopped = false;
  if (stream.isTTY) {
    const bar = new cliProgress.SingleBar(
      {
        stream,
        format: `replay ${run.id} [{bar}] {percentage}% | {value}/{total} rows | {eta_formatted} left`,
        hideCursor: true,
      },
      cliProgress.Presets.shades_classic,
    );
    bar.start(run.total, run.doneCount);
    return {
      update(done) {
        // Rows recorded while the run goes (below its upper id) can push it past the first count.
        if (done > bar.getTotal()) bar.setTotal(done);
        bar.update(done);
      },
      stop() {
        if (!stopped) bar.stop();
        stopped = true;
      },
    };
  }
  let current = run.doneCount;
  let printed = -1;
  let printedAt = 0;
  const print = () => {
    const percent = run.total ? Math.min(100, Math.floor((current / run.total) * 100)) : 100;
    stream.write(`replay ${run.id}: ${current}/${run.total} rows (${percent}%)\n`);
    printed = current;
    printedAt = Date.now();
  };
  return {
    update(done) {
      current = done;
      if (Date.now() - printedAt >= PLAIN_PROGRESS_MS) print();
    },
    stop() {
      if (!stopped && printed !== current) print();
      stopped = true;
    },
  };
}
