/**
 * A worker that dies and one that takes over, for the tests of recovery: `killWorker` stops a test service's worker
 * as a crash would (no more fetches or heartbeats; its jobs stay active), and `startSecondWorker` starts another
 * worker on the same database, which takes those jobs once their heartbeat (10 s, pg-boss's minimum) has lapsed and
 * its monitor (every second) has noticed. A test sets what the dead worker's code should see between the two.
 */
import pino from 'pino';
import { loadSettings, type Settings } from '../../src/config/settings.ts';
import type { AnyStageDefinition } from '../../src/pipelines/stage.ts';
import { type Service, startService } from '../../src/service.ts';
import type { TestService } from './service.ts';

export async function killWorker(t: TestService): Promise<void> {
  await t.service.worker?.kill();
  await t.service.queue.stop();
}

export function startSecondWorker(
  t: TestService,
  options: { settings?: Partial<Settings>; extraStages?: AnyStageDefinition[] } = {},
): Promise<Service> {
  return startService(
    loadSettings(
      {},
      { dataDir: t.dataDir, logLevel: 'silent', jobHeartbeatSeconds: 10, role: 'worker', ...options.settings },
    ),
    {
      database: t.database,
      monitorIntervalSeconds: 1,
      sweepIntervalMs: 1000,
      logger: pino({ level: 'silent' }),
      ...(options.extraStages ? { extraStages: options.extraStages } : {}),
    },
  );
}
