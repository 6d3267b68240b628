/**
 * Bounds an extraction in time. A timer cannot stop synchronous work already running, so this only helps parsers
 * that yield to the event loop (JSZip/mammoth do between entries); PDF parsing runs in a worker thread instead,
 * which can be terminated.
 */
export class ExtractionTimeout extends Error {
  constructor(what: string, ms: number) {
    super(`${what} took longer than ${ms < 1000 ? `${ms} ms` : `${Math.round(ms / 1000)} s`}`);
  }
}

export async function withTimeout<T>(work: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new ExtractionTimeout(what, ms)), ms);
  });
  try {
    return await Promise.race([work, timeout]);
  } finally {
    clearTimeout(timer);
  }
}
