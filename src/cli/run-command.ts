import { parseArgs } from 'node:util';
import { createLogger } from '../adapters/logging/pino-logger.ts';
import { ConfigError, loadConfig, type Config } from '../config.ts';
import { PACKAGE_VERSION } from '../package-info.ts';
import type { Command, JobCommand, OptionValues } from './command.ts';
import { jobFailure } from './failure.ts';
import { commandUsage, parseArgsOptions, programUsage } from './usage.ts';

const EX_USAGE = 2;
const EX_CONFIG = 78;

/** Where the command line writes; tests hand in their own. */
export interface Io {
  readonly stdout: NodeJS.WritableStream;
  readonly stderr: NodeJS.WritableStream;
  readonly env: Readonly<Record<string, string | undefined>>;
}

/** Parses argv (without node and the script), runs the command, and resolves with the exit status. */
export async function runCommandLine(commands: readonly Command[], argv: readonly string[], io: Io): Promise<number> {
  const [first, ...rest] = argv;
  if (first === '--help' || first === '-h') return print(io.stdout, programUsage(commands), 0);
  if (first === '--version' || first === '-v') return print(io.stdout, `${PACKAGE_VERSION}\n`, 0);
  const command = commands.find((candidate) => candidate.name === first);
  if (!command) {
    const problem = first === undefined ? 'no command given' : `unknown command "${first}"`;
    return print(io.stderr, `academy-billing: ${problem}\n\n${programUsage(commands)}`, EX_USAGE);
  }
  let values: OptionValues;
  try {
    values = parseArgs({ args: [...rest], options: parseArgsOptions(command), strict: true, allowPositionals: false }).values;
  } catch (error) {
    // parseArgs throws TypeError with a message naming the unknown option or the unexpected argument.
    return print(io.stderr, `academy-billing ${command.name}: ${(error as Error).message}\n\n${commandUsage(command)}`, EX_USAGE);
  }
  if (values.help === true) return print(io.stdout, commandUsage(command), 0);

  let config: Config;
  try {
    // A job sees only the variables it declares (and --help prints): a setting it does not use, wrong or
    // incomplete (a short JWT secret, half the catalog credentials), cannot stop it.
    config = loadConfig(command.kind === 'job' ? declaredOnly(io.env, command.variables) : io.env);
  } catch (error) {
    return configFailure(command, error, io);
  }
  if (command.kind === 'server') {
    try {
      await command.run(config, values);
      return 0;
    } catch (error) {
      return configFailure(command, error, io);
    }
  }
  return runJob(command, config, values, io);
}

async function runJob(command: JobCommand, config: Config, values: OptionValues, io: Io): Promise<number> {
  const logger = createLogger(config.logLevel, io.stderr, config.logFormat);
  try {
    const result = await command.run(config, logger, values);
    return print(io.stdout, `${JSON.stringify({ ok: true, ...result })}\n`, 0);
  } catch (error) {
    if (error instanceof ConfigError) return configFailure(command, error, io);
    logger.error({ err: error }, `${command.name} failed`);
    return print(io.stdout, `${JSON.stringify(jobFailure(command.name, error))}\n`, 1);
  }
}

/**
 * An invalid configuration (checked at start-up, or while wiring for settings that depend on each other):
 * the message on stderr and exit 78; a job also prints its one JSON object. Anything else is rethrown.
 */
function configFailure(command: Command, error: unknown, io: Io): number {
  if (!(error instanceof ConfigError)) throw error;
  io.stderr.write(`${error.message}\n`);
  if (command.kind === 'job') {
    io.stdout.write(`${JSON.stringify({ ok: false, error_code: 'invalid_configuration', detail: error.message })}\n`);
  }
  return EX_CONFIG;
}

function declaredOnly(env: Io['env'], variables: readonly string[]): Record<string, string | undefined> {
  return Object.fromEntries(variables.filter((name) => env[name] !== undefined).map((name) => [name, env[name]]));
}

function print(stream: NodeJS.WritableStream, text: string, status: number): number {
  stream.write(text);
  return status;
}
