import type { IncomingMessage } from 'node:http';
import type { Transform } from 'node:stream';
import { createGunzip, createInflate } from 'node:zlib';

export type ContentEncoding = 'identity' | 'gzip' | 'deflate';

export type BodyResult =
  | { readonly ok: true; readonly body: Uint8Array; readonly wireBytes: number }
  | {
      readonly ok: false;
      /** too-large: over the limit (compressed or decompressed); bad-encoding: not valid gzip/deflate; aborted: the client went away. */
      readonly reason: 'too-large' | 'bad-encoding' | 'aborted';
      readonly message: string;
      readonly wireBytes: number;
    };

/** The Content-Encoding header as one of ours; undefined for anything we cannot decompress. */
export function parseContentEncoding(header: string | undefined): ContentEncoding | undefined {
  if (header === undefined || header === '') return 'identity';
  switch (header.trim().toLowerCase()) {
    case 'identity':
      return 'identity';
    case 'gzip':
    case 'x-gzip':
      return 'gzip';
    case 'deflate':
      return 'deflate';
    default:
      return undefined;
  }
}

/**
 * Reads a request body, decompressing as it arrives. Bytes are counted as they come, on the
 * wire and after decompression: once either count passes `maxBytes` reading stops at once (the
 * request is paused, the decompressor destroyed), so neither a huge body nor a gzip bomb is ever
 * held whole. After a failure the caller answers and closes the connection; the rest of the body
 * is never read.
 */
export function readBody(req: IncomingMessage, encoding: ContentEncoding, maxBytes: number): Promise<BodyResult> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let wireBytes = 0;
    let done = false;
    let inflater: Transform | undefined;

    const finish = (result: BodyResult) => {
      if (done) return;
      done = true;
      req.removeListener('data', onData);
      req.removeListener('end', onEnd);
      if (!result.ok) {
        req.pause();
        inflater?.destroy();
      }
      resolve(result);
    };
    const fail = (reason: 'too-large' | 'bad-encoding' | 'aborted', message: string) =>
      finish({ ok: false, reason, message, wireBytes });
    const tooLarge = (what: string) => fail('too-large', `${what} is larger than the limit of ${maxBytes} bytes`);
    const collect = (chunk: Buffer) => {
      size += chunk.length;
      if (size > maxBytes) tooLarge(inflater ? 'decompressed body' : 'body');
      else chunks.push(chunk);
    };
    const complete = () => finish({ ok: true, body: chunks.length === 1 ? chunks[0] : Buffer.concat(chunks, size), wireBytes });

    const onData = (chunk: Buffer) => {
      wireBytes += chunk.length;
      if (!inflater) return collect(chunk);
      if (wireBytes > maxBytes) return tooLarge('body');
      if (!inflater.write(chunk)) req.pause();
    };
    const onEnd = () => (inflater ? inflater.end() : complete());

    if (encoding !== 'identity') {
      inflater = encoding === 'gzip' ? createGunzip() : createInflate();
      inflater.on('data', collect);
      inflater.on('drain', () => {
        if (!done) req.resume();
      });
      inflater.on('end', complete);
      inflater.on('error', (err: Error) => fail('bad-encoding', `body is not valid ${encoding}: ${err.message}`));
    }
    req.on('data', onData);
    req.on('end', onEnd);
    req.on('error', (err) => fail('aborted', err.message));
    req.on('close', () => {
      if (!req.complete) fail('aborted', 'client closed the connection before the body was complete');
    });
  });
}
