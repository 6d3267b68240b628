/**
 * The fake LLM in another process: `spawnFakeLlm` starts tools/fake-llm/main.ts as a child (so its CPU is not
 * counted as the caller's, as the benchmark needs) and `connectFakeLlm` drives a running one through its /_fake/
 * control endpoints. Both return the same `FakeLlm` handle as `startFakeLlm`.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { FakeCounters, FakeLlm, FakeLlmOptions } from './server.ts';

export function connectFakeLlm(url: string, onClose: () => Promise<void> = async () => {}): FakeLlm {
  const origin = new URL(url).origin;
  const call = async <T>(route: string, body?: unknown): Promise<T> => {
    const response = await fetch(`${origin}/_fake/${route}`, {
      method: body === undefined ? 'GET' : 'POST',
      headers: { 'content-type': 'application/json' },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    if (!response.ok) throw new Error(`fake-llm ${route}: HTTP ${response.status}`);
    return (await response.json()) as T;
  };
  return {
    url,
    counters: () => call<FakeCounters>('counters'),
    reset: async () => void (await call('reset', {})),
    setOptions: async (options: Partial<FakeLlmOptions>) => void (await call('options', options)),
    close: onClose,
  };
}

const MAIN = path.join(path.dirname(fileURLToPath(import.meta.url)), 'main.ts');

/** Flags as main.ts takes them, e.g. `['--latency', '300']`; the port is chosen by the system. */
export async function spawnFakeLlm(flags: string[] = []): Promise<FakeLlm> {
  const child = spawn(process.execPath, ['--import', 'tsx', MAIN, '--port', '0', ...flags], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const url = await new Promise<string>((resolve, reject) => {
    let out = '';
    child.stdout?.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      const match = /listening at (\S+)/.exec(out);
      if (match?.[1]) resolve(match[1]);
    });
    child.once('exit', (code) => reject(new Error(`fake-llm exited with code ${code} before listening`)));
    child.once('error', reject);
  });
  return connectFakeLlm(url, () => stopChild(child));
}

function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    child.once('exit', () => resolve());
    child.kill('SIGTERM');
  });
}
