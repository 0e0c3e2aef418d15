/**
 * Compiles what the processes run into dist/: core/, db/, connectors/, workers/ and scripts/
 * (without the bench and soak tools), one JavaScript file per TypeScript file in the same place,
 * imports pointing at `.js`, and every other file (migrations, console assets) copied beside it.
 * Production runs these files; tsx stays for development and the tests.
 *
 * Plain JavaScript, so that it runs before anything is compiled:
 * - `node scripts/build.mjs` (`npm run build`) builds now;
 * - `node --import ./scripts/build.mjs dist/scripts/web.js` (npm start, the Procfile) first
 *   rebuilds dist/ when a source changed since the last build, then runs the compiled entry.
 *   When nothing changed that costs a few milliseconds (a stat of every source file).
 * Other code imports `ensureBuilt` and `compiledEntry` (types in build.d.mts).
 *
 * Each file is compiled on its own (esbuild, no type check: `npm run check` does that) and
 * imports stay imports, so a process loads only the modules it uses, as under tsx.
 */
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import {
  closeSync,
  copyFileSync,
  existsSync,
  mkdirSync,
  openSync,
  readdirSync,
  readFileSync,
  realpathSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
  writeSync,
} from 'node:fs';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import process from 'node:process';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const SELF = fileURLToPath(import.meta.url);
export const ROOT = path.dirname(path.dirname(SELF));
export const DIST = path.join(ROOT, 'dist');

const SOURCE_DIRS = ['core', 'db', 'connectors', 'workers', 'scripts'];
/** Tools run from the source tree under tsx, never in production (scripts/bench*, scripts/soak*). */
const DEV_ONLY = /^scripts\/(bench|soak)/;
/** Files outside the source folders whose change changes the output (this file is in scripts/). */
const BUILD_INPUTS = ['tsconfig.json', 'package-lock.json'];
const STAMP = '.build-stamp';
/** A build holding the lock longer than this is taken to be dead (killed, machine crashed). */
const LOCK_STALE_MS = 120_000;

export class BuildError extends Error {}
/** The project cannot be written here (a read-only image, another user's checkout). */
class UnwritableError extends BuildError {}

/** The compiled file of a source: `compiledEntry('scripts/worker.ts')` → `<dist>/scripts/worker.js`. */
export function compiledEntry(source, outDir = DIST) {
  return path.join(outDir, source.replace(/\.tsx?$/, '.js'));
}

/** Every file the build reads, as paths relative to the root, sorted. */
function sourceFiles() {
  const files = [];
  const walk = (dir) => {
    for (const entry of readdirSync(path.join(ROOT, dir), { withFileTypes: true })) {
      const relative = `${dir}/${entry.name}`;
      if (DEV_ONLY.test(relative)) continue;
      if (entry.isDirectory()) walk(relative);
      else if (entry.isFile()) files.push(relative);
    }
  };
  for (const dir of SOURCE_DIRS) walk(dir);
  return files.sort();
}

const isTypeScript = (file) => /\.tsx?$/.test(file) && !file.endsWith('.d.ts');
/** Every file but TypeScript, declarations and this builder itself (it builds, it is not run). */
const isCopied = (file) =>
  !/\.tsx?$/.test(file) && !/\.d\.mts$/.test(file) && file !== 'scripts/build.mjs';

/** Names, sizes and modification times of every input: any edit, addition or removal changes it. */
function fingerprint(files) {
  const hash = createHash('sha256');
  for (const file of [...files, ...BUILD_INPUTS]) {
    const stat = statSync(path.join(ROOT, file), { throwIfNoEntry: false });
    hash.update(`${file}\t${stat?.mtimeMs ?? '-'}\t${stat?.size ?? '-'}\n`);
  }
  return hash.digest('hex');
}

function readStamp(outDir) {
  try {
    return readFileSync(path.join(outDir, STAMP), 'utf8').trim();
  } catch {
    return undefined;
  }
}

/** Whether `outDir` holds a complete build of the sources as they are now. */
export function isFresh(outDir = DIST) {
  return readStamp(outDir) === fingerprint(sourceFiles());
}

/**
 * Builds when the sources changed since the last build (or there is none), printing one line on
 * stderr. Processes starting together (the Procfile's) build once: the others wait for it. The
 * build runs in a process of its own, so the builder's memory never stays in the caller (a
 * production process above all). Resolves true when it built.
 */
export async function ensureBuilt({ outDir = DIST, quiet = false } = {}) {
  if (isFresh(outDir)) return false;
  const built = readStamp(outDir);
  return withLock(outDir, async () => {
    // Built by another process while this one waited.
    if (isFresh(outDir)) return false;
    const why = readStamp(outDir) ? 'sources changed since the last build' : 'first build';
    const { code, output } = await runBuilder(['--out', outDir, '--why', why, '--lock-held']);
    if (code !== 0) throw new BuildError(output.trim() || `the build ended with code ${code}`);
    if (!quiet) process.stderr.write(output);
    return true;
  }).catch((error) => {
    // A deployment built at deploy time and copied without its files' times (an image, an
    // archive) looks changed: where nothing can be written, it runs the build it has.
    if (!(error instanceof UnwritableError) || !built) throw error;
    process.stderr.write(
      `${path.relative(ROOT, outDir)}/ may be older than the sources, but it cannot be rebuilt here (${error.message}); running it as it is\n`,
    );
    return false;
  });
}

/** This file as a command; resolves its exit code and what it wrote to stderr. */
function runBuilder(args) {
  const child = spawn(process.execPath, [SELF, ...args], {
    cwd: ROOT,
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let output = '';
  child.stderr.on('data', (chunk) => (output += chunk));
  return new Promise((resolve, reject) => {
    child.once('error', reject);
    child.once('close', (code) => resolve({ code, output }));
  });
}

/**
 * Builds into a folder beside `outDir` and swaps it in whole, so `outDir` is either the previous
 * complete build or the new one, never half of one.
 */
async function build({ outDir = DIST, why = '' } = {}) {
  const started = performance.now();
  const files = sourceFiles();
  const stamp = fingerprint(files);
  const building = `${outDir}.building-${process.pid}`;
  removeLeftovers(outDir);
  try {
    await compile(files.filter(isTypeScript), building);
    for (const file of files.filter(isCopied)) {
      mkdirSync(path.dirname(path.join(building, file)), { recursive: true });
      copyFileSync(path.join(ROOT, file), path.join(building, file));
    }
    // Marks the files as ES modules wherever outDir is (a folder under node_modules has no
    // package.json of the project above it).
    writeFileSync(path.join(building, 'package.json'), '{ "type": "module" }\n');
    writeFileSync(path.join(building, STAMP), `${stamp}\n`);
    const previous = `${outDir}.old-${process.pid}`;
    if (existsSync(outDir)) renameSync(outDir, previous);
    renameSync(building, outDir);
    rmSync(previous, { recursive: true, force: true });
  } catch (error) {
    rmSync(building, { recursive: true, force: true });
    if (error instanceof BuildError) throw error;
    throw new BuildError(`could not write ${outDir}: ${error.message}`);
  }
  const seconds = ((performance.now() - started) / 1000).toFixed(1);
  const where = path.relative(process.cwd(), outDir) || outDir;
  process.stderr.write(`built ${where} in ${seconds} s${why ? ` (${why})` : ''}\n`);
}

/** What builds killed halfway left beside `outDir` (the lock says no other build is running). */
function removeLeftovers(outDir) {
  const parent = path.dirname(outDir);
  const name = path.basename(outDir);
  for (const entry of readdirSync(parent)) {
    if (entry.startsWith(`${name}.building-`) || entry.startsWith(`${name}.old-`))
      rmSync(path.join(parent, entry), { recursive: true, force: true });
  }
}

async function compile(entryPoints, outdir) {
  const esbuild = await import('esbuild').catch(() => {
    throw new BuildError('esbuild is not installed: run npm install');
  });
  const sources = new Set(entryPoints);
  const missing = [];
  try {
    await esbuild.build({
      absWorkingDir: ROOT,
      entryPoints,
      outdir,
      outbase: '.',
      // Bundling only so the plugin below sees every import; each one stays external, so every
      // file compiles to itself.
      bundle: true,
      packages: 'external',
      plugins: [
        {
          name: 'imports-to-js',
          setup(on) {
            on.onResolve({ filter: /^\.\.?\// }, ({ path: specifier, importer, kind }) => {
              if (kind === 'entry-point') return undefined;
              if (/\.tsx?$/.test(specifier)) {
                const target = path.relative(ROOT, path.resolve(path.dirname(importer), specifier));
                if (!sources.has(target))
                  missing.push(`${path.relative(ROOT, importer)} → ${target}`);
              }
              return { path: specifier.replace(/\.tsx?$/, '.js'), external: true };
            });
          },
        },
      ],
      format: 'esm',
      platform: 'node',
      target: 'node20',
      tsconfig: 'tsconfig.json',
      sourcemap: 'linked',
      sourcesContent: false,
      charset: 'utf8',
      logLevel: 'silent',
    });
  } catch (error) {
    if (!Array.isArray(error.errors)) throw error;
    const shown = await esbuild.formatMessages(error.errors.slice(0, 10), { kind: 'error' });
    const count = `${error.errors.length} error${error.errors.length === 1 ? '' : 's'}`;
    throw new BuildError(`${shown.join('')}the build failed (${count}); nothing was replaced`);
  } finally {
    await esbuild.stop();
  }
  if (missing.length)
    throw new BuildError(
      `the build leaves out files these import (test/, scripts/bench*, scripts/soak*):\n  ${missing.join('\n  ')}`,
    );
}

/**
 * Runs `action` holding a lock file beside `outDir` with this process's pid. A lock whose process
 * is gone, or older than LOCK_STALE_MS, is broken.
 */
async function withLock(outDir, action) {
  const release = await lock(outDir);
  try {
    return await action();
  } finally {
    release();
  }
}

async function lock(outDir) {
  const file = `${outDir}.lock`;
  mkdirSync(path.dirname(file), { recursive: true });
  for (;;) {
    try {
      const fd = openSync(file, 'wx');
      writeSync(fd, String(process.pid));
      closeSync(fd);
      return () => rmSync(file, { force: true });
    } catch (error) {
      if (error.code !== 'EEXIST')
        throw new UnwritableError(
          `could not lock ${file} to build: ${error.message} (run npm run build where the project can be written)`,
        );
    }
    if (lockIsStale(file)) rmSync(file, { force: true });
    else await sleep(100);
  }
}

function lockIsStale(file) {
  let pid;
  let age;
  try {
    pid = Number(readFileSync(file, 'utf8'));
    age = Date.now() - statSync(file).mtimeMs;
  } catch {
    return false; // Removed meanwhile: the next attempt takes it.
  }
  if (age > LOCK_STALE_MS) return true;
  // Our own pid in a lock we do not hold: a container restarted after a build was killed, and
  // its first process got the same pid again.
  if (pid === process.pid) return true;
  // An empty file is a lock being written this instant.
  if (!pid) return false;
  try {
    process.kill(pid, 0);
    return false;
  } catch (error) {
    return error.code === 'ESRCH';
  }
}

/** Runs `action`; a BuildError ends the process with its message, no stack trace. */
async function orExit(action) {
  try {
    await action();
  } catch (error) {
    if (!(error instanceof BuildError)) throw error;
    process.stderr.write(`${error.message}\n`);
    process.exit(1);
  }
}

/** `file` with symbolic links resolved, also when it does not exist yet (dist/ before a build). */
function realPath(file) {
  try {
    return realpathSync(file);
  } catch {
    const parent = path.dirname(file);
    return parent === file ? file : path.join(realPath(parent), path.basename(file));
  }
}

const main = process.argv[1] && realPath(path.resolve(process.argv[1]));
if (main === SELF) {
  // `npm run build`; ensureBuilt runs it with the options below, holding the lock itself.
  await orExit(() => {
    let values;
    try {
      ({ values } = parseArgs({
        options: {
          out: { type: 'string' },
          why: { type: 'string' },
          'lock-held': { type: 'boolean' },
        },
      }));
    } catch (error) {
      throw new BuildError(`${error.message}\nusage: node scripts/build.mjs [--out DIR]`);
    }
    const options = { outDir: path.resolve(values.out ?? DIST), why: values.why };
    return values['lock-held'] ? build(options) : withLock(options.outDir, () => build(options));
  });
} else if (main?.startsWith(`${DIST}${path.sep}`)) {
  // Preloaded before a compiled entry: bring dist/ up to date before the entry is loaded.
  await orExit(() => ensureBuilt());
}
