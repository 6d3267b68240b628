/**
 * The V8 flags the service's process runs with. package.json's scripts and the Dockerfile spell them out (a flag that
 * sizes the main thread's heap must be on the command line); benches and tests that start the service as a child
 * process use this list, and a test keeps the three in step.
 *
 * `--max-semi-space-size=16`: Node 24 sizes V8's young generation from the machine's memory (128 MB per thread on a
 * 24 GB machine, against 48 MB on Node 20). Each thread (the service's, the job worker's, the embedded database's)
 * fills its young generation with short-lived garbage before the first scavenge, so that size is resident memory:
 * an idle service on PostgreSQL 505 MB RSS with the job worker on its thread, 302 MB with 16 MB semi-spaces. Worker
 * threads take the process's flags.
 */
export const SERVICE_NODE_FLAGS: readonly string[] = ['--max-semi-space-size=16'];
