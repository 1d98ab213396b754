export type { ParseResult, StartOptions } from './commands/start.js';
export { parseStartArgs, runStart } from './commands/start.js';
export type { Io } from './internal/io.js';
export { main } from './main.js';
