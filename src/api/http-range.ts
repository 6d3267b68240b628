import type { Readable } from 'node:stream';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { ServiceError } from '../lib/errors.ts';

/** Parses a single `bytes=` range (the only form clients of large downloads use); multi-range is answered whole. */
export function parseRange(header: string | undefined, size: number): { start: number; end: number } | undefined {
  if (!header) return undefined;
  const match = /^bytes=(\d*)-(\d*)$/.exec(header.trim());
  if (!match) return undefined;
  const [, a, b] = match;
  let start: number;
  let end: number;
  if (a === '') {
    const suffix = Number(b);
    if (!b || suffix === 0) throw unsatisfiable(size);
    start = Math.max(0, size - suffix);
    end = size - 1;
  } else {
    start = Number(a);
    end = b === '' ? size - 1 : Math.min(Number(b), size - 1);
  }
  if (start > end || start >= size) throw unsatisfiable(size);
  return { start, end };
}

function unsatisfiable(size: number): ServiceError {
  return new ServiceError('range-not-satisfiable', `the range is outside the ${size}-byte resource`, {
    extra: { size },
  });
}

/** Sends a stored blob with Content-Length, Accept-Ranges and, when asked, a 206 partial response. */
export function sendBlob(
  request: FastifyRequest,
  reply: FastifyReply,
  options: {
    size: number;
    mediaType: string;
    fileName?: string;
    open: (range?: { start: number; end: number }) => Readable;
  },
) {
  let range: { start: number; end: number } | undefined;
  try {
    range = parseRange(request.headers.range, options.size);
  } catch (error) {
    reply.header('content-range', `bytes */${options.size}`);
    throw error;
  }
  reply.header('accept-ranges', 'bytes').type(options.mediaType);
  if (options.fileName) {
    reply.header('content-disposition', `attachment; filename*=UTF-8''${encodeURIComponent(options.fileName)}`);
  }
  if (range) {
    reply.code(206).header('content-range', `bytes ${range.start}-${range.end}/${options.size}`);
    reply.header('content-length', range.end - range.start + 1);
    return reply.send(options.size === 0 ? '' : options.open(range));
  }
  reply.header('content-length', options.size);
  return reply.send(options.size === 0 ? '' : options.open());
}
