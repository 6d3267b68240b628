/**
 * The job worker on a thread of its own, inside the one process of ROLE=all (see worker-thread-host.ts, which starts
 * it): the worker role's service over the process's database (a port to the embedded database's thread, or a pool of
 * its own on PostgreSQL), so a run's JavaScript never holds back an HTTP request on the main thread.
 *
 * Messages from the host: `wake` (new jobs were sent), `metrics` (answered with this thread's metrics as JSON),
 * `stop` (jobs in flight get their grace, then `stopped`). The host hears `ready` once jobs are being taken.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { attachEmbeddedDatabase } from './db/client.ts';
import { startService } from './service.ts';
import type { HostMessage, ThreadMessage, WorkerThreadData } from './worker-thread-host.ts';

const host = parentPort;
if (!host) throw new Error('worker-thread.ts runs as a worker thread (service.ts starts it)');
const { settings, port } = workerData as WorkerThreadData;
const send = (message: ThreadMessage) => host.postMessage(message);

try {
  const database = port ? attachEmbeddedDatabase(port) : undefined;
  const service = await startService(
    { ...settings, role: 'worker', workerThread: false, metricsPort: undefined },
    database ? { database } : {},
  );
  host.on('message', (message: HostMessage) => {
    if (message.type === 'wake') service.worker?.wake();
    else if (message.type === 'metrics') {
      service.metrics
        .getMetricsAsJSON()
        .then((metrics) => send({ type: 'metrics', id: message.id, metrics }))
        .catch(() => send({ type: 'metrics', id: message.id, metrics: [] }));
    } else if (message.type === 'stop') {
      service
        .stop()
        .then(() => database?.close())
        .then(() => {
          send({ type: 'stopped' });
          host.close();
        })
        .catch((error: unknown) => send({ type: 'failed', message: String((error as Error)?.message ?? error) }));
    }
  });
  send({ type: 'ready' });
} catch (error) {
  send({ type: 'failed', message: String((error as Error)?.message ?? error) });
  host.close();
}
