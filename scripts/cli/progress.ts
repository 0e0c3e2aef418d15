/** How far a long command got, on stderr: a bar on a terminal, a plain line now and then elsewhere. */
import cliProgress from 'cli-progress';

/** How often a progress line is printed when stderr is not a terminal (a log file, a CI job). */
const PLAIN_PROGRESS_MS = 2000;

export interface Progress {
  update(done: number): void;
  stop(): void;
}

export interface ProgressOf {
  /** What is done, e.g. `replay 3`. */
  label: string;
  /** What is counted, e.g. `rows`. */
  unit: string;
  total: number;
  done: number;
}

/** A bar on a terminal; elsewhere a plain line every few seconds (a bar would fill a log file). */
export function startProgress(
  run: ProgressOf,
  stream: NodeJS.WriteStream = process.stderr,
): Progress {
  let stopped = false;
  if (stream.isTTY) {
    const bar = new cliProgress.SingleBar(
      {
        stream,
        format: `${run.label} [{bar}] {percentage}% | {value}/{total} ${run.unit} | {eta_formatted} left`,
        hideCursor: true,
      },
      cliProgress.Presets.shades_classic,
    );
    bar.start(run.total, run.done);
    return {
      update(done) {
        // Work found while the run goes (rows recorded below a replay's upper id) can push it past the first count.
        if (done > bar.getTotal()) bar.setTotal(done);
        bar.update(done);
      },
      stop() {
        if (!stopped) bar.stop();
        stopped = true;
      },
    };
  }
  let current = run.done;
  let printed = -1;
  let printedAt = 0;
  const print = () => {
    const percent = run.total ? Math.min(100, Math.floor((current / run.total) * 100)) : 100;
    stream.write(`${run.label}: ${current}/${run.total} ${run.unit} (${percent}%)\n`);
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
