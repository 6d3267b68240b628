import type { Server } from 'node:http';

/**
 * Stops an HTTP server promptly. Node's `server.close()` (and fastify's `close()`, which calls it) closes the
 * keep-alive connections that are idle at that instant, then waits for every other connection to end. A response
 * that finishes a moment later leaves its connection idle and open until the client's or the server's keep-alive
 * timeout (72 s in fastify) — which is what held a test's `stop()` for 70 s. So while the close is pending, idle
 * connections are closed as soon as they appear, and requests still in flight after `graceMs` are cut.
 */
export async function closeHttpServer(
  server: Server,
  close: () => Promise<void>,
  options: { graceMs: number; idleSweepMs?: number },
): Promise<void> {
  const sweep = setInterval(() => server.closeIdleConnections(), options.idleSweepMs ?? 50);
  const cut = setTimeout(() => server.closeAllConnections(), options.graceMs);
  try {
    await close();
  } finally {
    clearInterval(sweep);
    clearTimeout(cut);
  }
}

/** `close` for a plain node:http server, as a promise (an unstarted server counts as closed). */
export function closeNodeServer(server: Server): Promise<void> {
  return new Promise((resolve, reject) =>
    server.close((error) => {
      if (error && (error as NodeJS.ErrnoException).code !== 'ERR_SERVER_NOT_RUNNING') reject(error);
      else resolve();
    }),
  );
}
