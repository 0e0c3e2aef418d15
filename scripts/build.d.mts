/** Types of scripts/build.mjs (plain JavaScript, so it runs before anything is compiled). */

/** The project root. */
export const ROOT: string;
/** Where production's compiled JavaScript goes: `<root>/dist`. */
export const DIST: string;

/** A build that failed; its message says why (esbuild's errors, or what could not be written). */
export class BuildError extends Error {}

export interface BuildOptions {
  /**
   * Where to build (default DIST). Bare imports resolve from the project's node_modules, so it
   * must be inside the project: dist/, or a folder under node_modules/.cache.
   */
  outDir?: string;
  /** No line on stderr when it builds (a failed build's output is in the BuildError). */
  quiet?: boolean;
}

/** The compiled file of a source path: `compiledEntry('scripts/worker.ts')` → `<dist>/scripts/worker.js`. */
export function compiledEntry(source: string, outDir?: string): string;

/** Whether `outDir` holds a complete build of the sources as they are now (a few milliseconds). */
export function isFresh(outDir?: string): boolean;

/**
 * Builds when a source changed since the last build (or there is none), printing one line on
 * stderr; processes starting together build once. Resolves true when it built.
 */
export function ensureBuilt(options?: BuildOptions): Promise<boolean>;
