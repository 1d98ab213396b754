import { DEMO_HELP, parseDemoArgs, runDemo } from './commands/demo.js';
import { parseStartArgs, runStart, START_HELP } from './commands/start.js';
import type { Io } from './internal/io.js';
import { processIo } from './internal/io.js';

export const HELP = `Usage: tracelight <command> [options]

Commands:
  start     run the receivers and the store (tracelight start --help for options)
  demo      start, plus a small system of instrumented services and load (tracelight demo --help)

Options:
  -h, --help   show this help`;

/**
 * The `tracelight` command. Resolves the process exit code: 0 done, 1 failed at run time (e.g. a
 * port in use), 2 usage error.
 */
export async function main(argv: readonly string[], io: Io = processIo): Promise<number> {
  const [command, ...rest] = argv;
  if (command === undefined || command === '-h' || command === '--help' || command === 'help') {
    io.out(HELP);
    return command === undefined ? 2 : 0;
  }
  if (command === 'start') {
    const parsed = parseStartArgs(rest);
    switch (parsed.kind) {
      case 'help':
        io.out(START_HELP);
        return 0;
      case 'error':
        io.err(`tracelight start: ${parsed.message}`);
        io.err(`Run 'tracelight start --help' for the options.`);
        return 2;
      case 'run':
        return runStart(parsed.options, io);
    }
  }
  if (command === 'demo') {
    const parsed = parseDemoArgs(rest);
    switch (parsed.kind) {
      case 'help':
        io.out(DEMO_HELP);
        return 0;
      case 'error':
        io.err(`tracelight demo: ${parsed.message}`);
        io.err(`Run 'tracelight demo --help' for the options.`);
        return 2;
      case 'run':
        return runDemo(parsed.options, io);
    }
  }
  io.err(`tracelight: unknown command ${JSON.stringify(command)}`);
  io.err(`Run 'tracelight --help' for the commands.`);
  return 2;
}
