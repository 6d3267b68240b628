/**
 * The whole service stops promptly with keep-alive clients connected: it must not wait for their keep-alive timeout
 * (72 s), which is what made test teardowns time out.
 */
import { rm } from 'node:fs/promises';
import { Agent, get } from 'node:http';
import { afterAll, expect, it } from 'vitest';
import { startTestService, type TestService } from '../../support/service.ts';

let t: TestService | undefined;
const agent = new Agent({ keepAlive: true });
afterAll(async () => {
  agent.destroy();
  await t?.database.close();
  if (t) await rm(t.dataDir, { recursive: true, force: true });
});

function fetchText(url: string): Promise<string> {
  return new Promise((resolve, reject) => {
    get(url, { agent }, (response) => {
      let text = '';
      response.on('data', (chunk) => {
        text += chunk;
      });
      response.on('end', () => resolve(text));
    }).on('error', reject);
  });
}

it('stops in well under a second with idle keep-alive connections open', async () => {
  t = await startTestService();
  // Two connections: one idle for a while, one whose response ended just before the stop.
  await Promise.all([fetchText(`${t.baseUrl}/healthz`), fetchText(`${t.baseUrl}/openapi.json`)]);
  expect(await fetchText(`${t.baseUrl}/openapi.json`)).toContain('"openapi"');
  const started = performance.now();
  await t.service.stop();
  expect(performance.now() - started).toBeLessThan(1000);
});
