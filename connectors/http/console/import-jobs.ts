/**
 * Client and lead imports started from the console: the uploaded file kept under DATA_DIR/imports with
 * what was learnt of it, and the imports running in this web process (their progress for the
 * page to poll, a way to stop them). The run itself is in the store (`imports`), so an import
 * stopped with the process can be resumed from its page.
 */
import { randomBytes } from 'node:crypto';
import { createReadStream, createWriteStream, type WriteStream } from 'node:fs';
import { mkdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { DuplicateMode } from '../../../core/import-plan.ts';
import { errorCsv } from '../../../core/import/error-csv.ts';
import type { ImportEntity, ImportTarget } from '../../../core/import/mapping.ts';
import { openCsv } from '../../../core/import/read-csv.ts';
import type { ImportCounts, ImportRun } from '../../../core/repositories/index.ts';
import type { ImportReport } from '../../../core/runtime/csv-import.ts';
import { importCsv, type CsvImportRepos } from '../../csv-import.ts';

/** What the console learnt of an uploaded file when it arrived. */
export interface UploadedCsv {
  token: string;
  /** What the file holds: its token serves only that entity's pages. */
  entity: ImportEntity;
  fileName: string;
  size: number;
  fingerprint: string;
  headers: string[];
  encoding: string;
  delimiter: string;
  /** The first records, to show beside the mapping. */
  sample: string[][];
}

export interface ImportJob {
  token: string;
  dryRun: boolean;
  bytes: number;
  size: number;
  records: number;
  counts: ImportCounts;
  done: boolean;
  report?: ImportReport;
  error?: string;
  controller: AbortController;
}

const TOKEN = /^[a-f0-9]{32}$/;

export class ImportJobs {
  private readonly jobs = new Map<string, ImportJob>();

  constructor(readonly dir: string) {}

  isToken(token: string): boolean {
    return TOKEN.test(token);
  }

  newToken(): string {
    return randomBytes(16).toString('hex');
  }

  fileOf(token: string): string {
    return path.join(this.dir, `${token}.csv`);
  }

  errorsOf(token: string): string {
    return path.join(this.dir, `${token}.errors.csv`);
  }

  async prepare(): Promise<void> {
    await mkdir(this.dir, { recursive: true });
  }

  /** Reads the stored file's header and first records, and keeps what was learnt beside it. */
  async describe(
    token: string,
    entity: ImportEntity,
    fileName: string,
    fingerprint: string,
  ): Promise<UploadedCsv | string> {
    const { size } = await stat(this.fileOf(token));
    let file;
    try {
      file = await openCsv(createReadStream(this.fileOf(token)));
    } catch (error) {
      await this.discard(token);
      return error instanceof Error ? error.message : String(error);
    }
    const sample: string[][] = [];
    for await (const row of file.rows) {
      if (row.error !== undefined) break;
      sample.push(row.values);
      if (sample.length >= 5) break;
    }
    const uploaded: UploadedCsv = {
      token,
      entity,
      fileName,
      size,
      fingerprint,
      headers: file.headers,
      encoding: file.encoding,
      delimiter: file.delimiter,
      sample,
    };
    await writeFile(path.join(this.dir, `${token}.json`), JSON.stringify(uploaded));
    return uploaded;
  }

  /** The upload of this token, when it holds `entity` records. */
  async uploaded(token: string, entity: ImportEntity): Promise<UploadedCsv | undefined> {
    if (!this.isToken(token)) return undefined;
    try {
      const uploaded = JSON.parse(
        await readFile(path.join(this.dir, `${token}.json`), 'utf8'),
      ) as UploadedCsv;
      return (uploaded.entity ?? 'client') === entity ? uploaded : undefined;
    } catch {
      return undefined;
    }
  }

  async discard(token: string): Promise<void> {
    await Promise.all(
      ['.csv', '.json', '.errors.csv'].map((end) =>
        rm(path.join(this.dir, `${token}${end}`), { force: true }),
      ),
    );
  }

  job(token: string): ImportJob | undefined {
    return this.jobs.get(token);
  }

  /**
   * Starts the import (or the dry run) in the background: the page polls `job(token)`. Refused
   * rows go to the token's error file (a resumed run adds to it).
   */
  start(
    uploaded: UploadedCsv,
    settings: {
      mapping: ImportTarget[];
      mode: DuplicateMode;
      defaultCountry: string | undefined;
    },
    repos: CsvImportRepos,
    target: { run: ImportRun } | { dryRun: true },
  ): ImportJob {
    const running = this.jobs.get(uploaded.token);
    if (running && !running.done) return running;
    const job: ImportJob = {
      token: uploaded.token,
      dryRun: !('run' in target),
      bytes: 0,
      size: uploaded.size,
      records: 'run' in target ? target.run.position : 0,
      counts:
        'run' in target
          ? { ...target.run.counts }
          : { created: 0, updated: 0, skipped: 0, refused: 0 },
      done: false,
      controller: new AbortController(),
    };
    this.jobs.set(uploaded.token, job);
    void this.run(job, uploaded, settings, repos, target);
    return job;
  }

  private async run(
    job: ImportJob,
    uploaded: UploadedCsv,
    settings: { mapping: ImportTarget[]; mode: DuplicateMode; defaultCountry: string | undefined },
    repos: CsvImportRepos,
    target: { run: ImportRun } | { dryRun: true },
  ): Promise<void> {
    const resuming = 'run' in target && target.run.position > 0;
    let errors: WriteStream | undefined;
    const errorFile = errorCsv(uploaded.headers, uploaded.delimiter as ',');
    const source = createReadStream(this.fileOf(uploaded.token), { highWaterMark: 256 * 1024 });
    source.on('data', (chunk) => (job.bytes += chunk.length));
    try {
      const file = await openCsv(source, {
        skipRecords: 'run' in target ? target.run.position : 0,
      });
      const entity = uploaded.entity ?? 'client';
      job.report = await importCsv(file, { entity, ...settings }, repos, target, {
        fileName: uploaded.fileName,
        signal: job.controller.signal,
        progress: (records, counts) => {
          job.records = records;
          job.counts = counts;
        },
        refused: (line, reason, values) => {
          if (!errors) {
            errors = createWriteStream(this.errorsOf(uploaded.token), {
              flags: resuming ? 'a' : 'w',
            });
            if (!resuming) errors.write(errorFile.header());
          }
          if (!errors.write(errorFile.row(line, reason, values)))
            return new Promise<void>((resolve) => errors!.once('drain', () => resolve()));
        },
      });
      job.counts = job.report.counts;
      job.records = job.report.records;
    } catch (error) {
      job.error = error instanceof Error ? error.message : String(error);
      // Resumable: the rows written so far are in, and a new run would write them again.
      if ('run' in target)
        await repos.imports.finish(target.run.id, 'interrupted', new Date()).catch(() => undefined);
    } finally {
      source.destroy();
      const closing = errors;
      if (closing) await new Promise((resolve) => closing.end(resolve));
      job.done = true;
    }
  }
}

/** Writes an upload's file part to disk, keeping at most `limit` bytes. */
export function keepUpload(
  stream: NodeJS.ReadableStream,
  file: string,
  limit: number,
): Promise<{ size: number; start: Buffer } | 'too-large'> {
  return new Promise((resolve, reject) => {
    const out = createWriteStream(file);
    let size = 0;
    const starts: Buffer[] = [];
    let startBytes = 0;
    stream.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (startBytes < 64 * 1024) {
        starts.push(chunk);
        startBytes += chunk.length;
      }
    });
    stream.on('limit', () => {
      out.destroy();
      resolve('too-large');
    });
    stream.on('error', reject);
    out.on('error', reject);
    out.on('finish', () =>
      resolve({ size: Math.min(size, limit), start: Buffer.concat(starts).subarray(0, 64 * 1024) }),
    );
    stream.pipe(out);
  });
}
