import type { Command } from './command.ts';

const PROGRAM = 'academy-billing';
const HELP_OPTION = { short: 'h', description: 'show this help and exit' } as const;

function columns(rows: readonly (readonly [string, string])[]): string {
  const width = Math.max(...rows.map(([left]) => left.length));
  return rows.map(([left, right]) => `  ${left.padEnd(width)}  ${right}`).join('\n');
}

/** `academy-billing --help`, and the usage printed (on stderr) for an unknown command. */
export function programUsage(commands: readonly Command[]): string {
  return [
    `usage: ${PROGRAM} <command> [options]`,
    `       ${PROGRAM} --help | --version`,
    '',
    'Commands:',
    columns(commands.map((command) => [command.name, command.description.split('\n')[0] ?? ''])),
    '',
    `Run \`${PROGRAM} <command> --help\` for what a command does, its options and the variables it reads.`,
    '',
  ].join('\n');
}

/** `academy-billing <command> --help`, and the usage printed (on stderr) for an unknown option. */
export function commandUsage(command: Command): string {
  const options = [
    ...Object.entries(command.options).map(([name, option]) => [`${option.short ? `-${option.short}, ` : ''}--${name}`, option.description] as const),
    [`-${HELP_OPTION.short}, --help`, HELP_OPTION.description] as const,
  ];
  const output =
    command.kind === 'job'
      ? 'Output: exactly one JSON object on stdout, {"ok": true, ...} or {"ok": false, "error_code", "detail"};\n' +
        'logs go to stderr. Exit status: 0 done, 1 failed, 2 usage error, 78 invalid configuration.'
      : 'Exit status: 0 after a clean shutdown, 1 on a failure, 2 usage error, 78 invalid configuration.';
  return [
    `usage: ${PROGRAM} ${command.name}${Object.keys(command.options).length > 0 ? ' [options]' : ''}`,
    '',
    command.description,
    '',
    'Options:',
    columns(options),
    '',
    'Environment (see README "Configuration" and .env.example):',
    wrap(command.variables.join(', '), 96),
    '',
    output,
    '',
  ].join('\n');
}

function wrap(text: string, width: number): string {
  const lines: string[] = [];
  let line = '';
  for (const word of text.split(' ')) {
    if (line && line.length + word.length + 1 > width) {
      lines.push(line);
      line = '';
    }
    line = line ? `${line} ${word}` : word;
  }
  return [...lines, line].map((entry) => `  ${entry}`).join('\n');
}

/** The options node:util's parseArgs takes for a command: its own plus `--help`. */
export function parseArgsOptions(command: Command): Record<string, { type: 'boolean' | 'string'; short?: string }> {
  return {
    ...Object.fromEntries(
      Object.entries(command.options).map(([name, option]) => [name, { type: option.type, ...(option.short ? { short: option.short } : {}) }]),
    ),
    help: { type: 'boolean', short: HELP_OPTION.short },
  };
}
