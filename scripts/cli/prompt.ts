/**
 * Asking a person at a terminal: a line typed (echoed), a password (not echoed, asked twice), or,
 * for scripts, the password as one line of standard input (`--password-stdin`).
 */
import { createInterface } from 'node:readline';
import { createInterface as createQuestions } from 'node:readline/promises';
import { hashPassword, passwordProblem } from '../../core/passwords.ts';
import { InterruptedError } from './interrupt.ts';
import { CliError } from './options.ts';

const ATTEMPTS = 3;

export const atTerminal = () => process.stdin.isTTY && process.stdout.isTTY;

/** A line typed at the terminal, echoed. */
export async function ask(question: string): Promise<string> {
  const questions = createQuestions({ input: process.stdin, output: process.stdout });
  try {
    return await questions.question(question);
  } finally {
    questions.close();
  }
}

/** A line typed at the terminal without echo; Ctrl-C (or Ctrl-D on an empty line) cancels. */
function askHidden(question: string): Promise<string> {
  const { stdin, stdout } = process;
  stdout.write(question);
  stdin.setRawMode(true);
  stdin.setEncoding('utf8');
  stdin.resume();
  return new Promise((resolve, reject) => {
    let typed = '';
    const finish = (cancelled: boolean) => {
      stdin.off('data', onData);
      stdin.setRawMode(false);
      stdin.pause();
      stdout.write('\n');
      if (cancelled) reject(new InterruptedError('cancelled: nothing was changed'));
      else resolve(typed);
    };
    const onData = (chunk: string) => {
      for (const character of chunk) {
        if (character === '\r' || character === '\n') return finish(false);
        if (character === '\u0003' || (character === '\u0004' && !typed)) return finish(true);
        if (character === '\u007f' || character === '\b') typed = [...typed].slice(0, -1).join('');
        else if (character >= ' ') typed += character;
      }
    };
    stdin.on('data', onData);
  });
}

/** The first line of standard input (without its line ending), or undefined when it is empty. */
async function stdinLine(): Promise<string | undefined> {
  const lines = createInterface({ input: process.stdin, crlfDelay: Infinity });
  try {
    for await (const line of lines) return line;
    return undefined;
  } finally {
    lines.close();
  }
}

async function typedTwice(): Promise<string> {
  for (let attempt = 1; ; attempt++) {
    const password = await askHidden('Password: ');
    const problem = passwordProblem(password);
    const again = problem ? undefined : await askHidden('The same again: ');
    const mistake = problem ?? (again === password ? undefined : 'the two were not the same');
    if (!mistake) return password;
    if (attempt >= ATTEMPTS) throw new CliError(mistake);
    process.stderr.write(`${mistake}; try again\n`);
  }
}

/**
 * A new password's hash: read from standard input (`fromStdin`) or asked twice at the terminal.
 * `command` names what asked, for the sentence when there is neither.
 */
export async function newPasswordHash(fromStdin: boolean, command: string): Promise<string> {
  let password: string;
  if (fromStdin) {
    const line = await stdinLine();
    if (line === undefined)
      throw new CliError(
        '--password-stdin found nothing on standard input: pipe the password in, e.g. printf \'%s\\n\' "$PASSWORD" | …',
      );
    password = line;
  } else if (atTerminal()) {
    password = await typedTwice();
  } else {
    throw new CliError(
      `${command} asks for the password at a terminal; in a script, give it on standard input with --password-stdin`,
    );
  }
  const problem = passwordProblem(password);
  if (problem) throw new CliError(problem);
  return hashPassword(password);
}
