/**
 * The Docker path, checked from its files (no Docker engine runs here): the image holds what the documented npm
 * scripts need, the healthcheck can pass for every role, the compose services restart and workers expose their ops
 * port, and the build context leaves node_modules and data out.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';

const dockerfile = readFileSync('Dockerfile', 'utf8');
const compose = parse(readFileSync('docker-compose.yml', 'utf8')) as {
  services: Record<string, { restart?: string; environment?: Record<string, string>; command?: string[] }>;
};
const ignore = readFileSync('.dockerignore', 'utf8').split('\n');

describe('the Docker image and compose file', () => {
  it('copies everything the service and the documented scripts read', () => {
    for (const folder of ['src', 'prompts', 'prompts-local', 'tools']) {
      expect(dockerfile, folder).toMatch(new RegExp(`^COPY ${folder} \\./${folder}$`, 'm'));
    }
    expect(dockerfile).toMatch(/^USER node$/m);
  });

  it('has a healthcheck a worker can pass too (its ops port), and workers that expose one', () => {
    expect(dockerfile).toMatch(/HEALTHCHECK .*process\.env\.METRICS_PORT\|\|process\.env\.PORT.*\/healthz/);
    expect(compose.services.worker?.environment?.METRICS_PORT).toMatch(/^\d+$/);
    expect(compose.services.worker?.environment?.HOST).toBe('0.0.0.0');
  });

  it('restarts the service containers and keeps node_modules and data out of the build context', () => {
    for (const name of ['api', 'worker']) expect(compose.services[name]?.restart, name).toBe('unless-stopped');
    for (const entry of ['node_modules', 'data', '.git']) expect(ignore).toContain(entry);
  });
});
