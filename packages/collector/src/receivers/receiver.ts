import type { TracelightError } from '@tracelight/core';
import type { Component } from '../component.js';
import type { Consumers } from '../consumer.js';
import type { ReceiverCounters } from '../telemetry.js';

/**
 * Asked before a request's body is read or decoded: an error (retryable, e.g. the memory
 * limiter's MEMORY_LIMIT) refuses it at once; undefined lets it in.
 */
export type Admission = () => TracelightError | undefined;

/** What every receiver is given besides its config. */
export interface ReceiverDeps {
  readonly next: Consumers;
  /** Counters to bump; a fresh set when left out. Share one set to count several receivers together. */
  readonly counters?: ReceiverCounters;
  /** Checked before each request is read; every request is let in when left out. */
  readonly admit?: Admission;
}

export interface ListenAddress {
  readonly host: string;
  readonly port: number;
}

/** A component that takes data in from the outside and hands it to `next`. */
export interface Receiver extends Component {
  /** The factory type, e.g. `otlp-http`. */
  readonly type: string;
  readonly counters: ReceiverCounters;
  /** Where it listens once started (the real port when configured with port 0); undefined before. */
  address(): ListenAddress | undefined;
}
