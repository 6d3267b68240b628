/**
 * Requests exactly as written, for hostile-input tests: fetch normalises URLs and bodies, node:http with a raw path
 * does not. Every request has its own connection (no keep-alive), so a test never leaves one idle.
 */
import { request } from 'node:http';
import { connect } from 'node:net';
import openapi from '../../openapi/openapi.json' with { type: 'json' };

export interface RawResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

export function rawRequest(
  baseUrl: string,
  options: { method: string; path: string; headers?: Record<string, string>; body?: string | Buffer },
): Promise<RawResponse> {
  const url = new URL(baseUrl);
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: url.hostname,
        port: url.port,
        method: options.method,
        path: options.path,
        headers: {
          connection: 'close',
          // Node sends a body of DELETE or OPTIONS without a length otherwise, which the server cannot delimit.
          ...(options.body !== undefined ? { 'content-length': String(Buffer.byteLength(options.body)) } : {}),
          ...options.headers,
        },
        agent: false,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () =>
          resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') }),
        );
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(options.body);
  });
}

/**
 * Writes `bytes` on a fresh socket, then either half-closes (`end`) or destroys it (`abort`), and returns whatever
 * the server answered (possibly nothing). Used to cut a body off at any byte.
 */
export function sendAndCut(baseUrl: string, bytes: Buffer, how: 'end' | 'abort'): Promise<string> {
  const url = new URL(baseUrl);
  return new Promise((resolve) => {
    const socket = connect(Number(url.port), url.hostname);
    const received: Buffer[] = [];
    socket.on('data', (c: Buffer) => received.push(c));
    socket.on('error', () => {});
    socket.on('close', () => resolve(Buffer.concat(received).toString('utf8')));
    socket.write(bytes, () => {
      if (how === 'end') socket.end();
      else socket.destroy();
    });
  });
}

export interface Operation {
  method: string;
  /** OpenAPI path template, e.g. `/v1/runs/{id}/artifacts/{path}`. */
  path: string;
  pathParams: string[];
  queryParams: string[];
  bodyTypes: string[];
}

/** Every operation of the committed OpenAPI document. */
export const operations: Operation[] = Object.entries(
  openapi.paths as Record<
    string,
    Record<string, { parameters?: Array<{ in: string; name: string }>; requestBody?: { content: object } }>
  >,
).flatMap(([path, ops]) =>
  Object.entries(ops).map(([method, op]) => ({
    method: method.toUpperCase(),
    path,
    pathParams: (op.parameters ?? []).filter((p) => p.in === 'path').map((p) => p.name),
    queryParams: (op.parameters ?? []).filter((p) => p.in === 'query').map((p) => p.name),
    bodyTypes: Object.keys(op.requestBody?.content ?? {}),
  })),
);

/** Fills a path template, each parameter with `value(name)` (already encoded as it should appear on the wire). */
export const fillPath = (template: string, value: (name: string) => string) =>
  template.replace(/\{([^}]+)\}/g, (_m, name: string) => value(name));

export function isProblem(response: RawResponse): boolean {
  return String(response.headers['content-type'] ?? '').startsWith('application/problem+json');
}
