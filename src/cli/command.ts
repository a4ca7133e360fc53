import type { Logger } from 'pino';
import type { Config } from '../config.ts';

/** One option of a command, as `node:util` parseArgs takes it, with the line `--help` prints. */
export interface CommandOption {
  readonly type: 'boolean' | 'string';
  readonly short?: string;
  readonly description: string;
}

export type OptionValues = Readonly<Record<string, string | boolean | undefined>>;

interface CommandBase {
  readonly name: string;
  /** First line: the one-line summary the command list shows; the rest follows it in `--help`. */
  readonly description: string;
  readonly options: Readonly<Record<string, CommandOption>>;
  /** The environment variables the command reads (printed by `--help`). */
  readonly variables: readonly string[];
}

/** Runs until signalled (`serve`); prints logs, not a result. */
export interface ServerCommand extends CommandBase {
  readonly kind: 'server';
  readonly run: (config: Config, options: OptionValues) => Promise<void>;
}

/**
 * Runs once and reports: the harness wires the dependencies (logs on stderr), prints
 * `{"ok": true, ...result}` or `{"ok": false, "error_code", "detail"}` as one JSON line on stdout,
 * and closes everything. Adding a job is one entry in the table of `commands.ts`.
 */
export interface JobCommand extends CommandBase {
  readonly kind: 'job';
  /** Wires what the job needs (`withDeps` in commands.ts: everything), runs it, and closes what it opened. */
  readonly run: (config: Config, logger: Logger, options: OptionValues) => Promise<object>;
}

export type Command = ServerCommand | JobCommand;
