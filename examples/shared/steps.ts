/**
 * The three handlers of the messaging scenario, the same over NATS and RabbitMQ: `first` works
 * 100 ms and passes the job on to `second` (50 ms), which passes it to `third` (75 ms).
 */
export const STEPS = [
  { name: 'first', workMs: 100, next: 'second' },
  { name: 'second', workMs: 50, next: 'third' },
  { name: 'third', workMs: 75, next: undefined },
] as const;

export type StepName = (typeof STEPS)[number]['name'];

export interface Job {
  jobId: string;
  /** Steps done so far, in order. */
  done: string[];
}

/** Queue / subject name of a step: `<TOPIC_PREFIX>.<step>`. */
export function destination(prefix: string, step: string): string {
  return `${prefix}.${step}`;
}

export function parseJob(bytes: Uint8Array): Job | undefined {
  try {
    const value = JSON.parse(Buffer.from(bytes).toString('utf8')) as Partial<Job>;
    return typeof value.jobId === 'string' && Array.isArray(value.done) ? { jobId: value.jobId, done: value.done.map(String) } : undefined;
  } catch {
    return undefined;
  }
}

export function encodeJob(job: Job): Buffer {
  return Buffer.from(JSON.stringify(job));
}
