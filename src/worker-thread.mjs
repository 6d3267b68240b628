/**
 * The job worker thread's entry (worker-thread-host.ts starts it; the work is in worker-thread.ts). Plain JavaScript
 * because Node 20 starts a worker without the `--import tsx` its process was started with (later versions pass it
 * on): a probe module tells whether this thread loads TypeScript, and where it does not, tsx is registered first.
 * (The probe is a module of its own because a failed import stays failed for the life of the thread.)
 */
try {
  await import('./worker-thread-probe.ts');
} catch (error) {
  if (error?.code !== 'ERR_UNKNOWN_FILE_EXTENSION') throw error;
  const { register } = await import('tsx/esm/api');
  register();
}
await import('./worker-thread.ts');
