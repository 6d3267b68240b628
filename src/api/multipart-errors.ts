/**
 * A multipart upload's failures as problems: limits (413), a body that is not multipart (415), and busboy's parse
 * errors — no boundary, a malformed part header, a body cut off before its closing boundary, a client gone mid-upload
 * — as the client's fault (400), never a 500.
 */

import { ServiceError } from '../lib/errors.ts';
import { BlobTooLargeError } from '../storage/blob-store.ts';

export function multipartError(error: unknown, maxBytes: number): unknown {
  const code = (error as { code?: string }).code;
  if (error instanceof BlobTooLargeError || code === 'FST_REQ_FILE_TOO_LARGE') {
    return new ServiceError(
      'payload-too-large',
      `a file exceeds the upload limit of ${maxBytes} bytes; nothing was kept`,
    );
  }
  if (code === 'FST_FILES_LIMIT' || code === 'FST_PARTS_LIMIT') {
    return new ServiceError('payload-too-large', 'too many files in one request; nothing was kept');
  }
  if (code === 'FST_INVALID_MULTIPART_CONTENT_TYPE') {
    return new ServiceError('unsupported-media-type', 'upload files as multipart/form-data');
  }
  // busboy's parse errors: no boundary, a malformed part header, a body that ends before its closing boundary, or
  // a client that went away mid-upload. The body is the client's to fix, so this is a 400 and never a 500.
  const message = error instanceof Error ? error.message : '';
  if (/Multipart: |Malformed part header|Unexpected end of|terminated early/.test(message) || code === 'ECONNRESET') {
    return new ServiceError(
      'validation',
      `the multipart body is malformed or incomplete (${message}); nothing was kept`,
      {
        errors: [{ path: 'body', message }],
      },
    );
  }
  if (message === 'aborted' || code === 'ERR_STREAM_PREMATURE_CLOSE') {
    return new ServiceError('validation', 'the upload was cut off before it ended; nothing was kept');
  }
  return error;
}
