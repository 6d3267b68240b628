/**
 * The service's V8 flags are spelled out in three places a module cannot reach (package.json's scripts, the
 * Dockerfile's entrypoint) besides src/process-flags.ts, which spawned copies use: they must agree.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { SERVICE_NODE_FLAGS } from '../../../src/process-flags.ts';

const scripts = (JSON.parse(readFileSync('package.json', 'utf8')) as { scripts: Record<string, string> }).scripts;
const entrypoint = JSON.parse(
  /^ENTRYPOINT (\[.*\])$/m.exec(readFileSync('Dockerfile', 'utf8'))?.[1] ?? '[]',
) as string[];

describe('the service process flags', () => {
  it('are passed by every npm script that starts the service or a bench of it', () => {
    for (const name of ['start', 'api', 'worker', 'bench']) {
      const words = scripts[name]?.split(/\s+/) ?? [];
      expect(words[0], name).toBe('node');
      for (const flag of SERVICE_NODE_FLAGS) expect(words.slice(0, words.indexOf('--import')), name).toContain(flag);
    }
  });

  it('are passed by the Docker image before the service module', () => {
    expect(entrypoint[0]).toBe('node');
    const before = entrypoint.slice(0, entrypoint.indexOf('src/main.ts'));
    for (const flag of SERVICE_NODE_FLAGS) expect(before).toContain(flag);
  });

  it('are flags this Node accepts', () => {
    // process.allowedNodeEnvironmentFlags lists the V8 flags Node takes on its command line and in NODE_OPTIONS.
    for (const flag of SERVICE_NODE_FLAGS)
      expect(process.allowedNodeEnvironmentFlags.has(flag.split('=')[0] ?? '')).toBe(true);
  });
});
