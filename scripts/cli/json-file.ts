/** The JSON file a `create`/`update` command reads (`-` is stdin), with a usage error for each way it can be wrong. */
import { readFileSync } from 'node:fs';
import { CliError } from './options.ts';

const REASONS: Record<string, string> = {
  ENOENT: 'there is no such file',
  EACCES: 'permission denied',
  EISDIR: 'it is a directory',
};

/** The parsed object; `command` (`forms create`) names what asked for it in the message. */
export function readJsonObject(file: string | undefined, command: string): Record<string, unknown> {
  if (!file) throw new CliError(`${command} needs --file FILE.json (or --file - to read stdin)`);
  let text: string;
  try {
    text = readFileSync(file === '-' ? 0 : file, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? '';
    throw new CliError(`cannot read ${file}: ${REASONS[code] ?? (error as Error).message}`);
  }
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch (error) {
    throw new CliError(`${file} is not valid JSON: ${(error as Error).message}`);
  }
  if (typeof body !== 'object' || body === null || Array.isArray(body))
    throw new CliError(`${file} must hold one JSON object ({ … }), the body the API takes`);
  return body as Record<string, unknown>;
}
