/**
 * Reads a website post: urlencoded, JSON or multipart. Files stream into the blob store's
 * temporary area while they are hashed; a file over the size limit (or past the count limit) is
 * not kept but reported, so the customer's message still arrives. Only a body far over every
 * limit, or of a type no form sends, is refused.
 */
import type { Request } from 'express';
import { fieldRecord } from './field-values.ts';
import { siteBodyType } from './negotiate.ts';
import busboy from 'busboy';
import type { BlobStore, ReceivedBlob } from '../../core/repositories/blobs.ts';

export interface UploadedFile {
  field: string;
  filename: string;
  contentType: string;
  size: number;
  /** Set when the content was kept (in the temporary area until the post is accepted). */
  blob?: ReceivedBlob;
  skipped?: string;
}

export interface SiteBody {
  fields: Record<string, string>;
  files: UploadedFile[];
}

export interface BodyLimits {
  maxFileBytes: number;
  maxFiles: number;
}

/** Fields alone (no files) never need more than this. */
export const MAX_FIELDS_BYTES = 100 * 1024;

export class BodyError extends Error {
  constructor(
    readonly status: 400 | 413 | 415,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

const megabytes = (bytes: number) => `${Math.round((bytes / 1024 / 1024) * 10) / 10} MB`;

/** The most a multipart post may carry: every allowed file at its limit, two more drained, fields. */
export function totalLimit(limits: BodyLimits): number {
  return (limits.maxFiles + 2) * limits.maxFileBytes + 1024 * 1024;
}

export async function readSiteBody(
  req: Request,
  blobs: BlobStore,
  limits: BodyLimits,
): Promise<SiteBody> {
  // One look at Content-Type: false, or the first of these it matches.
  const type = siteBodyType(req);
  const multipart = type === 'multipart/form-data';
  const json = type === 'application/json';
  if (!type) {
    throw new BodyError(
      415,
      'unsupported_media_type',
      'send the form as application/x-www-form-urlencoded, multipart/form-data or application/json',
    );
  }
  const limit = multipart ? totalLimit(limits) : MAX_FIELDS_BYTES;
  const declared = Number(req.get('content-length') ?? 0);
  if (declared > limit) throw tooLarge(limit);
  if (multipart) return readMultipart(req, blobs, limits, limit);
  const text = await readText(req, limit);
  return { fields: json ? jsonFields(text) : urlencodedFields(text), files: [] };
}

function tooLarge(limit: number): BodyError {
  return new BodyError(413, 'too_large', `the post is larger than ${megabytes(limit)}`);
}

/** Reads up to `limit` bytes; past it the rest is drained, not read, and the post refused. */
function readText(req: Request, limit: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size <= limit) return void chunks.push(chunk);
      req.off('data', onData);
      req.resume();
      reject(tooLarge(limit));
    };
    req.on('data', onData);
    req.once('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.once('error', reject);
  });
}

function urlencodedFields(text: string): Record<string, string> {
  const fields = fieldRecord();
  for (const [key, value] of new URLSearchParams(text)) fields[key] ??= value;
  return fields;
}

function jsonFields(text: string): Record<string, string> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new BodyError(400, 'invalid_json', 'the body is not valid JSON');
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new BodyError(400, 'invalid_json', 'the body must be a JSON object of field values');
  }
  const fields = fieldRecord();
  for (const [key, value] of Object.entries(parsed)) {
    if (typeof value === 'string') fields[key] = value;
    else if (typeof value === 'number' || typeof value === 'boolean') fields[key] = String(value);
    else if (value !== null) {
      throw new BodyError(
        400,
        'invalid_json',
        `field "${key}" must be a string, number or boolean`,
      );
    }
  }
  return fields;
}

function readMultipart(
  req: Request,
  blobs: BlobStore,
  limits: BodyLimits,
  limit: number,
): Promise<SiteBody> {
  return new Promise((resolve, reject) => {
    const fields = fieldRecord();
    const files: UploadedFile[] = [];
    const writes: Promise<void>[] = [];
    let parser: busboy.Busboy;
    try {
      parser = busboy({
        headers: req.headers,
        defParamCharset: 'utf8',
        limits: {
          fileSize: limits.maxFileBytes,
          files: limits.maxFiles + 20,
          fields: 200,
          fieldSize: 20_000,
          parts: 300,
        },
      });
    } catch (error) {
      reject(new BodyError(400, 'invalid_multipart', (error as Error).message));
      return;
    }
    let received = 0;
    let failed = false;
    /** File parts still being written: stopped when the post is refused or cut off. */
    const writing = new Set<NodeJS.ReadableStream & { destroy(error?: Error): void }>();
    const fail = (error: BodyError) => {
      if (failed) return;
      failed = true;
      req.unpipe(parser);
      req.resume();
      for (const stream of writing) stream.destroy(error);
      parser.destroy();
      // Whatever was already written is not kept.
      void Promise.allSettled(writes).then(() =>
        Promise.all(files.map((file) => (file.blob ? blobs.discard(file.blob) : undefined))),
      );
      reject(error);
    };
    // A client that goes away mid-upload: nothing to answer, but nothing may be left behind.
    req.on('close', () => {
      if (!req.complete) fail(new BodyError(400, 'aborted', 'the upload was interrupted'));
    });
    req.on('data', (chunk: Buffer) => {
      received += chunk.length;
      if (received > limit) fail(tooLarge(limit));
    });
    parser.on('field', (name, value, info) => {
      if (info.valueTruncated) {
        fail(new BodyError(413, 'too_large', `field "${name}" is longer than 20,000 characters`));
      }
      fields[name] ??= value;
    });
    parser.on('file', (name, stream, info) => {
      // An empty file input still sends a part with no name and no content.
      if (!info.filename) {
        stream.resume();
        return;
      }
      const file: UploadedFile = {
        field: name,
        filename: info.filename.slice(0, 255),
        contentType: info.mimeType || 'application/octet-stream',
        size: 0,
      };
      files.push(file);
      if (files.length > limits.maxFiles) {
        file.skipped = `more than ${limits.maxFiles} files in one post`;
        stream.on('data', (chunk: Buffer) => (file.size += chunk.length));
        stream.resume();
        return;
      }
      writing.add(stream);
      const write = blobs
        .receive(stream)
        .then(async (blob) => {
          file.size = blob.size;
          if ((stream as unknown as { truncated?: boolean }).truncated) {
            file.skipped = `larger than the ${megabytes(limits.maxFileBytes)} limit`;
            file.size = limits.maxFileBytes;
            await blobs.discard(blob);
          } else if (failed) await blobs.discard(blob);
          else file.blob = blob;
        })
        .finally(() => writing.delete(stream));
      // Awaited at the end (or settled by fail); never an unhandled rejection meanwhile.
      write.catch(() => undefined);
      writes.push(write);
    });
    parser.on('error', (error: Error) =>
      fail(new BodyError(400, 'invalid_multipart', error.message)),
    );
    parser.on('close', () => {
      if (failed) return;
      Promise.all(writes).then(
        () => resolve({ fields, files }),
        (error: Error) => fail(new BodyError(400, 'invalid_multipart', error.message)),
      );
    });
    req.pipe(parser);
  });
}
