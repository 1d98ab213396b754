// Talking to ClickHouse over HTTP with @clickhouse/client, in the subset that works against
// 18.16 (see docs/adr/0004-clickhouse-on-18-16.md): `exec` for statements, RowBinary inserts and
// RowBinary reads, `query` for JSONEachRow reads. Every request carries wait_end_of_query=1, so
// an error in the middle of a result comes back as an HTTP error, not as text after good rows.
import { ClickHouseLogLevel, createClient } from '@clickhouse/client';
import type { ClickHouseClient, ClickHouseSettings } from '@clickhouse/client';
import { TracelightError } from '@tracelight/core';
import { Readable } from 'node:stream';

export interface ConnectionOptions {
  readonly url: string;
  readonly username: string;
  readonly password: string;
  readonly requestTimeoutMs: number;
  readonly maxOpenConnections: number;
  /** Sent with every request (e.g. load_balancing in cluster mode). */
  readonly settings: Readonly<Record<string, string | number>>;
}

export interface Connection {
  /** A statement without a result (DDL, ALTER, ...). */
  command(sql: string, settings?: Readonly<Record<string, string | number>>): Promise<void>;
  /** Rows of a SELECT as objects (JSONEachRow: 64-bit integers arrive as strings). */
  json<T>(sql: string, settings?: Readonly<Record<string, string | number>>): Promise<T[]>;
  /** A SELECT's result in RowBinary (the SQL must not name a format). */
  binary(sql: string, settings?: Readonly<Record<string, string | number>>): Promise<Buffer>;
  /** `INSERT INTO <target> FORMAT RowBinary` with the chunks as body; resolves when the server acknowledged it. */
  insertRowBinary(target: string, body: Buffer | readonly Buffer[], settings?: Readonly<Record<string, string | number>>): Promise<void>;
  close(): Promise<void>;
}

export function createConnection(options: ConnectionOptions): Connection {
  const client: ClickHouseClient = createClient({
    url: options.url,
    username: options.username,
    password: options.password,
    request_timeout: options.requestTimeoutMs,
    max_open_connections: options.maxOpenConnections,
    compression: { request: false, response: false },
    log: { level: ClickHouseLogLevel.OFF },
    // Only settings 18.16 knows; `wait_end_of_query` is an HTTP parameter there, not a setting.
    clickhouse_settings: { wait_end_of_query: 1, ...options.settings } as ClickHouseSettings,
  });
  const settingsOf = (extra?: Readonly<Record<string, string | number>>) => (extra ? (extra as ClickHouseSettings) : undefined);

  const run = async <T>(what: string, sql: string, work: () => Promise<T>): Promise<T> => {
    try {
      return await work();
    } catch (err) {
      throw classifyClickHouseError(err, `${what}: ${summarize(sql)}`);
    }
  };

  return {
    command: (sql, settings) =>
      run('command', sql, async () => {
        const r = await client.exec({ query: sql, clickhouse_settings: settingsOf(settings) });
        await readAll(r.stream);
      }),
    json: <T>(sql: string, settings?: Readonly<Record<string, string | number>>) =>
      run('query', sql, async () => {
        const r = await client.query({ query: sql, format: 'JSONEachRow', clickhouse_settings: settingsOf(settings) });
        return r.json<T>();
      }),
    binary: (sql, settings) =>
      run('query', sql, async () => {
        const r = await client.exec({ query: `${sql}\nFORMAT RowBinary`, clickhouse_settings: settingsOf(settings) });
        return readAll(r.stream);
      }),
    insertRowBinary: (target, body, settings) =>
      run('insert', `INSERT INTO ${target}`, async () => {
        const r = await client.exec({ query: `INSERT INTO ${target} FORMAT RowBinary`, values: Readable.from(Array.isArray(body) ? body : [body]), clickhouse_settings: settingsOf(settings) });
        await readAll(r.stream);
      }),
    close: () => client.close(),
  };
}

async function readAll(stream: AsyncIterable<Buffer | string>): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(typeof chunk === 'string' ? Buffer.from(chunk) : chunk);
  return chunks.length === 1 ? chunks[0] : Buffer.concat(chunks);
}

function summarize(sql: string): string {
  const oneLine = sql.replace(/\s+/g, ' ').trim();
  return oneLine.length > 160 ? `${oneLine.slice(0, 157)}...` : oneLine;
}

/** Error codes of the store's own failures (TracelightError.code). */
export const ClickHouseErrorCode = {
  /** No connection (refused, reset, DNS): retryable. */
  UNAVAILABLE: 'CLICKHOUSE_UNAVAILABLE',
  /** No answer in time: retryable. */
  TIMEOUT: 'CLICKHOUSE_TIMEOUT',
  /** The server failed for a reason that may pass (too many parts, ZooKeeper gone, memory): retryable. */
  FAILED: 'CLICKHOUSE_FAILED',
  /** The server refused the query or the data itself: retrying would fail the same way. */
  REJECTED: 'CLICKHOUSE_REJECTED',
} as const;

const NETWORK_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH', 'ECONNABORTED', 'ETIMEDOUT', 'ESOCKETTIMEDOUT']);

/**
 * ClickHouse exception codes that mean "this query or this data is wrong": the same request can
 * never succeed. Everything else the server reports (and every 5xx without a code) is treated as
 * passing trouble, so data is retried rather than dropped.
 */
const PERMANENT_CLICKHOUSE_CODES = new Set([
  6, // CANNOT_PARSE_TEXT
  16, // NO_SUCH_COLUMN_IN_TABLE
  20, // NUMBER_OF_COLUMNS_DOESNT_MATCH
  26, // CANNOT_PARSE_QUOTED_STRING
  27, // CANNOT_PARSE_INPUT_ASSERTION_FAILED
  32, // ATTEMPT_TO_READ_AFTER_EOF (truncated insert body)
  33, // CANNOT_READ_ALL_DATA
  36, // BAD_ARGUMENTS
  38, // CANNOT_PARSE_DATE
  41, // CANNOT_PARSE_DATETIME
  42, // NUMBER_OF_ARGUMENTS_DOESNT_MATCH
  43, // ILLEGAL_TYPE_OF_ARGUMENT
  44, // ILLEGAL_COLUMN
  46, // UNKNOWN_FUNCTION
  47, // UNKNOWN_IDENTIFIER
  48, // NOT_IMPLEMENTED
  49, // LOGICAL_ERROR
  53, // TYPE_MISMATCH
  57, // TABLE_ALREADY_EXISTS
  60, // UNKNOWN_TABLE
  62, // SYNTAX_ERROR
  69, // ARGUMENT_OUT_OF_BOUND
  70, // CANNOT_CONVERT_TYPE
  72, // CANNOT_PARSE_NUMBER
  81, // UNKNOWN_DATABASE
  115, // UNKNOWN_SETTING
  117, // INCORRECT_DATA
  131, // TOO_LARGE_STRING_SIZE
  164, // READONLY (user)
  192, // UNKNOWN_USER
  193, // WRONG_PASSWORD
  194, // REQUIRED_PASSWORD
  395, // FUNCTION_THROW_IF_VALUE_IS_NON_ZERO
  497, // ACCESS_DENIED
  516, // AUTHENTICATION_FAILED
]);

/** The ClickHouse exception code in an error text ("Code: 60, e.displayText() = ..." in 18.16, "Code: 60. DB::Exception" later). */
export function clickHouseCodeOf(message: string): number | undefined {
  const m = /\bCode: (\d+)[,.]/.exec(message);
  return m ? Number(m[1]) : undefined;
}

/** Turns whatever the client threw into a TracelightError that says whether to retry. */
export function classifyClickHouseError(err: unknown, context: string): TracelightError {
  if (err instanceof TracelightError) return err;
  const e = err as { code?: unknown; message?: unknown; name?: unknown };
  const message = typeof e?.message === 'string' ? e.message : String(err);
  const netCode = typeof e?.code === 'string' ? e.code : undefined;
  if ((netCode && (NETWORK_CODES.has(netCode) || netCode.startsWith('UND_ERR'))) || /socket hang up/i.test(message)) {
    return new TracelightError(ClickHouseErrorCode.UNAVAILABLE, `ClickHouse unreachable (${netCode ?? message}) during ${context}`, { retryable: true, cause: err });
  }
  if (/^Timeout error/.test(message) || e?.name === 'AbortError' || e?.name === 'TimeoutError') {
    return new TracelightError(ClickHouseErrorCode.TIMEOUT, `ClickHouse did not answer in time during ${context}`, { retryable: true, cause: err });
  }
  const chCode = clickHouseCodeOf(message);
  const text = message.trim().slice(0, 1000);
  if (chCode !== undefined && PERMANENT_CLICKHOUSE_CODES.has(chCode)) {
    return new TracelightError(ClickHouseErrorCode.REJECTED, `ClickHouse rejected ${context}: ${text}`, { retryable: false, cause: err });
  }
  return new TracelightError(ClickHouseErrorCode.FAILED, `ClickHouse failed ${context}: ${text}`, { retryable: true, cause: err });
}
