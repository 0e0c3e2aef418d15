/**
 * Reads a `.env` file strictly: values mean what they mean to `node --env-file` (Node's own
 * parser does the quoting, `#` comments and multi-line values), but a line that is not
 * `NAME=value` is reported instead of silently dropped or glued onto the next one.
 */
import { parseEnv } from 'node:util';

const ASSIGNMENT = /^\s*(?:export\s+)?([A-Za-z_][A-Za-z0-9_]*)\s*=(.*)$/;
const QUOTES = ['"', "'", '`'];

export interface EnvFile {
  values: Record<string, string>;
  /** One line each, naming the line (never its value: it may be a password). */
  problems: string[];
}

export function parseEnvFile(text: string): EnvFile {
  const lines = text.split(/\r?\n/);
  const values: Record<string, string> = {};
  const problems: string[] = [];
  for (let i = 0; i < lines.length; i += 1) {
    const line = lines[i] ?? '';
    if (/^\s*(#|$)/.test(line)) continue;
    const match = ASSIGNMENT.exec(line);
    if (!match) {
      problems.push(`line ${i + 1} is not NAME=value (a name is letters, digits and _)`);
      continue;
    }
    const name = match[1] ?? '';
    const value = (match[2] ?? '').trimStart();
    let entry = `${name}=${value}`;
    const quote = value[0] ?? '';
    if (QUOTES.includes(quote) && !value.slice(1).includes(quote)) {
      // A multi-line value runs to the first line holding its closing quote, as Node reads it.
      const end = lines.findIndex((next, j) => j > i && next.includes(quote));
      if (end === -1) {
        problems.push(`line ${i + 1}: the value of ${name} opens a ${quote} that is never closed`);
        break;
      }
      entry = [entry, ...lines.slice(i + 1, end + 1)].join('\n');
      i = end;
    }
    values[name] = parseEnv(entry)[name] ?? '';
  }
  return { values, problems };
}
