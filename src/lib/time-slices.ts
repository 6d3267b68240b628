/**
 * Long synchronous work written as a generator that yields wherever it may pause (after a paragraph, after a chunk),
 * run either to the end at once or in slices of a few milliseconds with the event loop served between them. The
 * service's one thread also answers HTTP requests and LLM streams: chunking a 1 MB document in one go held every
 * request for ~230 ms.
 */

/** Milliseconds of work between two turns of the event loop: short against a status poll's 20 ms budget. */
export const SLICE_MS = 8;

/** Runs the steps to the end without pausing (tests, callers that are synchronous themselves). */
export function runToEnd<T>(steps: Generator<void, T>): T {
  for (;;) {
    const step = steps.next();
    if (step.done) return step.value;
  }
}

/** Runs the steps, letting the event loop take a turn whenever `sliceMs` of work has gone by since the last. */
export async function runInSlices<T>(steps: Generator<void, T>, sliceMs = SLICE_MS): Promise<T> {
  let sliceEnd = performance.now() + sliceMs;
  for (;;) {
    const step = steps.next();
    if (step.done) return step.value;
    if (performance.now() >= sliceEnd) {
      await new Promise<void>((resolve) => setImmediate(resolve));
      sliceEnd = performance.now() + sliceMs;
    }
  }
}

/** `items.map(fn)` for a long list of heavy items (rendering thousands of conversations), in slices as above. */
export function mapInSlices<T, U>(items: readonly T[], fn: (item: T) => U, sliceMs = SLICE_MS): Promise<U[]> {
  function* steps(): Generator<void, U[]> {
    const out: U[] = [];
    for (const item of items) {
      out.push(fn(item));
      yield;
    }
    return out;
  }
  return runInSlices(steps(), sliceMs);
}
