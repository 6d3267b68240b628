/** Polls until `check` returns a truthy value or the deadline passes: tests wait for states, never for time. */
export async function waitFor<T>(
  check: () => Promise<T | undefined | null | false>,
  options: { timeoutMs?: number; what?: string } = {},
): Promise<T> {
  const deadline = Date.now() + (options.timeoutMs ?? 30_000);
  let delay = 20;
  for (;;) {
    const value = await check();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${options.what ?? 'a condition'}`);
    await new Promise((r) => setTimeout(r, delay));
    delay = Math.min(delay * 2, 250);
  }
}

/** The run statuses a run ends in. */
export const TERMINAL_RUN_STATUSES: readonly string[] = ['succeeded', 'succeeded_with_drops', 'failed', 'canceled'];
