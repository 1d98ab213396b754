/** Where the CLI talks to people: stdout for results and progress, stderr for problems. */
export interface Io {
  out(line: string): void;
  err(line: string): void;
}

export const processIo: Io = {
  out: (line) => console.log(line),
  err: (line) => console.error(line),
};
