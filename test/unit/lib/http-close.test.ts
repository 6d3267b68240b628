/**
 * closeHttpServer against a real node:http server and keep-alive clients: a stop must not wait for the keep-alive
 * timeout of connections that are idle, or become idle after the stop began, and must cut requests that outlast
 * the grace period.
 */
import { Agent, createServer, get, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, expect, it } from 'vitest';
import { closeHttpServer, closeNodeServer } from '../../../src/lib/http-close.ts';

let agent: Agent | undefined;
afterEach(() => agent?.destroy());

async function listen(handler: Parameters<typeof createServer>[1]): Promise<{ server: Server; url: string }> {
  const server = createServer(handler);
  // Far longer than any test: if a stop waited for it, the test would time out instead of passing by luck.
  server.keepAliveTimeout = 600_000;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}` };
}

function request(url: string): Promise<{ response: IncomingMessage; body: Promise<string> }> {
  agent ??= new Agent({ keepAlive: true });
  return new Promise((resolve, reject) => {
    get(url, { agent }, (response) => {
      const body = new Promise<string>((done, fail) => {
        let text = '';
        response.on('data', (chunk) => {
          text += chunk;
        });
        response.on('end', () => done(text));
        response.on('error', fail);
        response.on('aborted', () => fail(new Error('aborted')));
      });
      resolve({ response, body });
    }).on('error', reject);
  });
}

it('returns at once when a keep-alive client is idle', async () => {
  const { server, url } = await listen((_req, res) => res.end('ok'));
  expect(await (await request(url)).body).toBe('ok');
  const started = performance.now();
  await closeHttpServer(server, () => closeNodeServer(server), { graceMs: 60_000 });
  expect(performance.now() - started).toBeLessThan(1000);
});

it('closes a keep-alive connection whose response finishes after the stop began', async () => {
  let respond: () => void = () => {};
  let arrived: () => void = () => {};
  const inHandler = new Promise<void>((resolve) => {
    arrived = resolve;
  });
  const { server, url } = await listen((_req, res) => {
    respond = () => res.end('late');
    arrived();
  });
  const pending = request(url);
  await inHandler;
  const stopping = closeHttpServer(server, () => closeNodeServer(server), { graceMs: 60_000 });
  // The request is in flight while the close starts; it still gets its answer.
  respond();
  expect(await (await pending).body).toBe('late');
  const started = performance.now();
  await stopping;
  expect(performance.now() - started).toBeLessThan(1000);
});

it('cuts a request still in flight after the grace period', async () => {
  const { server, url } = await listen((_req, res) => {
    res.writeHead(200);
    res.write('first part');
  });
  const { body } = await request(url);
  await closeHttpServer(server, () => closeNodeServer(server), { graceMs: 200 });
  await expect(body).rejects.toThrow();
});
