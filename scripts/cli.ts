/**
 * `npm run leadwire -- <command>`: the operator's command line. The commands are listed in
 * scripts/cli/commands.ts; this file answers help and finds the command, scripts/cli/run.ts runs
 * it. A mistake in what was typed (an unknown command or option, a missing or bad value, a file
 * that cannot be read) is answered with a sentence and the command's usage, exit code 2; a
 * configuration or service problem with its message, exit code 1. Nothing here calls process.exit:
 * output to a pipe is written out before the process ends.
 */
import { COMMANDS, type Command } from './cli/commands.ts';
import { CliError, nearest, parseStrict } from './cli/options.ts';

const RUN = 'npm run leadwire --';

const OVERVIEW = `usage: ${RUN} <command> [options]
${COMMANDS.map((command) => command.usage).join('\n')}
${RUN} help <command> (or <command> --help) shows one command`;

const helpOf = (command: Command) => `usage: ${RUN} ${command.name} …\n${command.usage}`;

/** A mistake in what was typed: the sentence, then what to type instead; exit code 2. */
function usageError(message: string, help: string): number {
  process.stderr.write(`${message}\n\n${help}\n`);
  return 2;
}

/** `--help`: what was asked for, on stdout; exit code 0. */
function printHelp(text: string): number {
  process.stdout.write(`${text}\n`);
  return 0;
}

function commandNamed(name: string): Command | string {
  const command = COMMANDS.find((candidate) => candidate.name === name);
  if (command) return command;
  const near = nearest(
    name,
    COMMANDS.map((candidate) => candidate.name),
  );
  return `unknown command: ${name}${near ? ` (did you mean ${near}?)` : ''}; the commands are below`;
}

/** The command to run with its options checked, or the exit code once help or a mistake is printed. */
function chooseCommand(argv: string[]): Command | number {
  const [first, ...rest] = argv;
  if (first === undefined)
    return usageError('no command given: say what to do, e.g. `api-keys list`', OVERVIEW);
  if (first === 'help' || first === '--help' || first === '-h') {
    if (rest[0] === undefined) return printHelp(OVERVIEW);
    const asked = commandNamed(rest[0]);
    return typeof asked === 'string' ? usageError(asked, OVERVIEW) : printHelp(helpOf(asked));
  }
  if (first.startsWith('-'))
    return usageError(`put the command first: ${RUN} <command> [options]`, OVERVIEW);
  const command = commandNamed(first);
  if (typeof command === 'string') return usageError(command, OVERVIEW);
  if (rest.some((arg) => arg === '--help' || arg === '-h')) return printHelp(helpOf(command));
  try {
    parseStrict(argv, command.options);
  } catch (error) {
    if (!(error instanceof CliError)) throw error;
    const typed = argv.slice(0, 2).filter((word) => !word.startsWith('-'));
    return usageError(`${typed.join(' ')}: ${error.message}`, helpOf(command));
  }
  return command;
}

const argv = process.argv.slice(2);
const command = chooseCommand(argv);
if (typeof command === 'number') {
  process.exitCode = command;
} else {
  // Loaded only now: help and usage mistakes are answered without the database code.
  const { runCommand } = await import('./cli/run.ts');
  process.exitCode = await runCommand(command, argv, (message) =>
    usageError(message, helpOf(command)),
  );
}
