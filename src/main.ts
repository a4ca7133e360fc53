#!/usr/bin/env node
import { COMMANDS } from './cli/commands.ts';
import { runCommandLine } from './cli/run-command.ts';

runCommandLine(COMMANDS, process.argv.slice(2), { stdout: process.stdout, stderr: process.stderr, env: process.env }).then(
  (status) => {
    process.exitCode = status;
  },
  (error: unknown) => {
    process.stderr.write(`academy-billing: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exit(1);
  },
);
