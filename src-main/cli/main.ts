/**
 * Command-line front end over the engine (`npm run cli -- <command>`, `npx latent-lab`): one
 * module per command (`info.ts`, `inspect.ts`, `train.ts`, `export.ts` for generate/embeddings,
 * `encode.ts`; `data.ts` for the dataset options).
 * Every failure exits non-zero with one line naming what was wrong; `--debug` adds the stack.
 */
import { parseCommandLine, UsageError, type ParsedArgs } from './args';
import { encode } from './encode';
import { cliWarning } from './data';
import { embeddings, generate } from './export';
import { info } from './info';
import { inspect } from './inspect';
import { train } from './train';
import { DATA_MISSING_APP_ADVICE } from '../engine/runCache';
import { commandUsage, USAGE, wantsHelp } from './usage';

const COMMANDS: Record<string, (a: ParsedArgs) => Promise<number>> = {
  info: (a) => info(a.options),
  inspect: (a) => inspect(a.options),
  train: (a) => train(a.options),
  generate: (a) => generate(a.options),
  embeddings: (a) => embeddings(a.options),
  encode: (a) => encode(a.options, a.positionals),
};

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  if (!command || command === '--help' || command === '-h' || command === 'help') {
    // `help <command>`: that command's usage.
    console.log((command === 'help' && rest[0] && commandUsage(rest[0])) || USAGE);
    return command ? 0 : 2;
  }
  // `<command> --help` / `-h`: that command's usage, whatever else is on the line.
  const own = wantsHelp(rest) ? commandUsage(command) : undefined;
  if (own) {
    console.log(own);
    return 0;
  }
  const run = Object.hasOwn(COMMANDS, command) ? COMMANDS[command] : undefined;
  if (!run) throw new UsageError(`unknown command "${command}"\n\n${USAGE}`);
  const args = parseCommandLine(rest);
  debug = !!args.options.debug;
  return run(args);
}

let debug = process.argv.includes('--debug');

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    if (debug && err instanceof Error) console.error(err.stack);
    let msg = err instanceof Error ? err.message : String(err);
    // node:util parseArgs' own text ("Unknown option '--x'. To specify a positional argument …") in our words.
    const unknown = /^Unknown option '([^']+)'/.exec(msg);
    if (unknown) msg = `unknown option ${unknown[1]}`;
    // The command's own usage when the command is known ("see train --help"), else the list.
    const command = process.argv[2];
    const where = command && Object.hasOwn(COMMANDS, command) && commandUsage(command) ? `${command} --help` : '--help';
    // A run's own data gone (the engine's message speaks of the app's run list): the CLI's own way instead.
    if ((err as { code?: string }).code === 'DATA_MISSING') {
      msg = msg.replace(DATA_MISSING_APP_ADVICE, '.');
      if (command === 'generate' || command === 'embeddings') msg += ` Here: ${command} --data PATH uses the run's data where it is now.`;
    }
    // A refused import's advice (set Fit to "pad" …) as the CLI's flag, as its warnings say it.
    if ((err as { code?: string }).code === 'BAD_DATASET') msg = cliWarning(msg);
    const usage = err instanceof UsageError || (err as { code?: string }).code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION';
    console.error(`latent-lab: ${msg}${usage ? ` (see ${where})` : ''}`);
    process.exitCode = usage ? 2 : 1;
  },
);
