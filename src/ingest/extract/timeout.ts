/**
 * An extraction that ran out of time. The whole-file parsers run on a parser thread (parser-thread.ts), which is
 * ended when its time is up: a timer on the calling thread could not stop their synchronous work.
 */
export class ExtractionTimeout extends Error {
  constructor(what: string, ms: number) {
    super(`${what} took longer than ${ms < 1000 ? `${ms} ms` : `${Math.round(ms / 1000)} s`}`);
  }
}
