/**
 * The whole-file parsers — pdf.js (through pdf-parse 2) for PDF, mammoth for DOCX — run on a worker thread of their
 * own, never on the thread that asked:
 * - neither can be interrupted where it runs (pdf.js only yields through promises, mammoth parses a document's XML in
 *   one synchronous pass), so a pathological file would stall its thread, job heartbeats included; a thread can be
 *   terminated when its time is up;
 * - a memory limit turns a file that explodes in memory into a per-file error instead of a crashed process;
 * - their garbage stays in that thread's heap: a .docx of 2 MB of text leaves ~65 MB of parse tree behind, a 4 MB
 *   PDF ~80 MB, which in the job worker's heap waited for its next full collection while the other uploads' text
 *   streamed through (the 1 GB ingest benchmark peaked ~200 MB higher with them than without).
 *
 * One spare thread is kept warm for a while (pdf.js takes ~0.5 s to load), then ended, its whole heap with it.
 */
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import { ExtractionTimeout } from './timeout.ts';

export type ParserKind = 'pdf' | 'docx';

/** What each parser gives back: pdf.js's text of each page, mammoth's raw text (paragraphs between blank lines). */
interface Parsed {
  pdf: { pages: string[]; total: number };
  docx: { text: string };
}

/** A parse that ran: its result, or what the parser threw (the error's name tells a locked PDF from a broken one). */
export type ParserReply<K extends ParserKind> =
  | ({ ok: true } & Parsed[K])
  | { ok: false; name: string; message: string };

const require = createRequire(import.meta.url);
const ENTRIES: Record<ParserKind, string> = {
  pdf: pathToFileURL(require.resolve('pdf-parse')).href,
  docx: pathToFileURL(require.resolve('mammoth')).href,
};

/** Plain JavaScript evaluated in the thread: it must not depend on a TypeScript loader being present. */
const THREAD_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const loaded = {};
const load = async (kind) => (loaded[kind] ??= await import(workerData.entries[kind]));
const parsers = {
  async pdf(data) {
    const parser = new (await load('pdf')).PDFParse({ data, verbosity: 0, isEvalSupported: false });
    try {
      const r = await parser.getText({ pageJoiner: '' });
      return { pages: r.pages.map((p) => p.text), total: r.total };
    } finally {
      await parser.destroy().catch(() => {});
    }
  },
  async docx(data) {
    const mammoth = (await load('docx')).default;
    const r = await mammoth.extractRawText({ buffer: Buffer.from(data.buffer, data.byteOffset, data.byteLength) });
    return { text: r.value };
  },
};
parentPort.on('message', async ({ kind, data }) => {
  try {
    parentPort.postMessage({ ok: true, ...(await parsers[kind](data)) });
  } catch (e) {
    parentPort.postMessage({ ok: false, name: String((e && e.name) || ''), message: String((e && e.message) || e) });
  }
});
`;

/** Spare threads kept warm, and how long a spare may sit unused. */
const MAX_IDLE_THREADS = 1;
const IDLE_MS = 60_000;
/** A thread's heap limit: past it the thread ends with ERR_WORKER_OUT_OF_MEMORY and the file fails alone. */
const THREAD_HEAP_MB = 1024;

const idle: Array<{ thread: Worker; timer: NodeJS.Timeout }> = [];

function acquire(): Worker {
  const spare = idle.pop();
  if (spare) {
    clearTimeout(spare.timer);
    return spare.thread;
  }
  const thread = new Worker(THREAD_SOURCE, {
    eval: true,
    workerData: { entries: ENTRIES },
    resourceLimits: { maxOldGenerationSizeMb: THREAD_HEAP_MB },
  });
  // A spare thread must not keep the process alive.
  thread.unref();
  return thread;
}

function release(thread: Worker): void {
  if (idle.length >= MAX_IDLE_THREADS) {
    void thread.terminate();
    return;
  }
  const entry = {
    thread,
    timer: setTimeout(() => {
      idle.splice(idle.indexOf(entry), 1);
      void thread.terminate();
    }, IDLE_MS).unref(),
  };
  idle.push(entry);
}

/**
 * Parses a whole file on a parser thread. Rejects with an ExtractionTimeout after `timeoutMs` (the thread is ended),
 * with the thread's error when it dies (see `isOutOfMemory`); a parser's own error is a reply, not a rejection.
 */
export function parseInThread<K extends ParserKind>(
  kind: K,
  bytes: Uint8Array,
  options: { timeoutMs: number; what: string },
): Promise<ParserReply<K>> {
  const thread = acquire();
  return new Promise<ParserReply<K>>((resolve, reject) => {
    let settled = false;
    const settle = (after: () => void) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      thread.off('message', onMessage).off('error', onError).off('exit', onExit);
      after();
    };
    const onMessage = (reply: ParserReply<K>) =>
      settle(() => {
        release(thread);
        resolve(reply);
      });
    const onError = (error: Error) =>
      settle(() => {
        void thread.terminate();
        reject(error);
      });
    const onExit = (code: number) =>
      settle(() => reject(new Error(`the ${kind} reader stopped unexpectedly (exit code ${code})`)));
    const timer = setTimeout(
      () =>
        settle(() => {
          void thread.terminate();
          reject(new ExtractionTimeout(options.what, options.timeoutMs));
        }),
      options.timeoutMs,
    );
    thread.on('message', onMessage).on('error', onError).on('exit', onExit);
    // The thread gets its own copy, transferred rather than cloned; the caller's bytes stay usable.
    const copy = new Uint8Array(bytes);
    thread.postMessage({ kind, data: copy }, [copy.buffer]);
  });
}

/** Whether a parse failed because its thread ran out of heap. */
export function isOutOfMemory(error: unknown): boolean {
  return (error as { code?: unknown })?.code === 'ERR_WORKER_OUT_OF_MEMORY';
}
