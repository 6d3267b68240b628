/**
 * PDF text through pdf-parse 2 (pdf.js), run in a worker thread. In Node pdf.js parses on the calling thread and
 * only yields through promises, so a timer cannot interrupt it: a pathological PDF would stall the whole process
 * (job heartbeats included). In a worker, a timeout terminates the thread, and a memory limit turns a PDF that
 * explodes in memory into a per-file error instead of a crashed process.
 *
 * Text comes out line by line as laid out, less its page furniture (running headers and footers, page numbers,
 * table-of-contents leaders, blank-page notices: `page-furniture.ts`, counted in the file's report); joining lines
 * into sentences is a later, separate pass (`pdf-lines.ts`).
 */
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import { errorMessage } from '../../lib/errors.ts';
import { type FurnitureRemoved, removePageFurniture } from '../page-furniture.ts';
import { normaliseNewlines } from './text.ts';
import { ExtractionTimeout } from './timeout.ts';

const PDF_PARSE_ENTRY = pathToFileURL(createRequire(import.meta.url).resolve('pdf-parse')).href;

/** Plain JavaScript evaluated in the worker: it must not depend on a TypeScript loader being present. */
const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
let lib;
parentPort.on('message', async ({ data }) => {
  let parser;
  try {
    lib ??= await import(workerData.entry);
    parser = new lib.PDFParse({ data, verbosity: 0, isEvalSupported: false });
    const r = await parser.getText({ pageJoiner: '' });
    parentPort.postMessage({ ok: true, pages: r.pages.map((p) => p.text), total: r.total });
  } catch (e) {
    parentPort.postMessage({ ok: false, name: String((e && e.name) || ''), message: String((e && e.message) || e) });
  } finally {
    if (parser) await parser.destroy().catch(() => {});
  }
});
`;

type WorkerReply = { ok: true; pages: string[]; total: number } | { ok: false; name: string; message: string };

/** Spare workers kept warm (pdf.js takes ~0.5 s to load), and how long a spare may sit unused. */
const MAX_IDLE_WORKERS = 1;
const IDLE_MS = 60_000;
const WORKER_HEAP_MB = 1024;

const idle: Array<{ worker: Worker; timer: NodeJS.Timeout }> = [];

function acquire(): Worker {
  const spare = idle.pop();
  if (spare) {
    clearTimeout(spare.timer);
    return spare.worker;
  }
  const worker = new Worker(WORKER_SOURCE, {
    eval: true,
    workerData: { entry: PDF_PARSE_ENTRY },
    resourceLimits: { maxOldGenerationSizeMb: WORKER_HEAP_MB },
  });
  // A spare worker must not keep the process alive.
  worker.unref();
  return worker;
}

function release(worker: Worker): void {
  if (idle.length >= MAX_IDLE_WORKERS) {
    void worker.terminate();
    return;
  }
  const entry = {
    worker,
    timer: setTimeout(() => {
      idle.splice(idle.indexOf(entry), 1);
      void worker.terminate();
    }, IDLE_MS).unref(),
  };
  idle.push(entry);
}

function parseInWorker(bytes: Uint8Array, timeoutMs: number): Promise<WorkerReply> {
  const worker = acquire();
  return new Promise<WorkerReply>((resolve, reject) => {
    let settled = false;
    const settle = (after: () => void) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      worker.off('message', onMessage).off('error', onError).off('exit', onExit);
      after();
    };
    const onMessage = (reply: WorkerReply) =>
      settle(() => {
        release(worker);
        resolve(reply);
      });
    const onError = (error: Error) =>
      settle(() => {
        void worker.terminate();
        reject(error);
      });
    const onExit = (code: number) =>
      settle(() => reject(new Error(`the PDF reader stopped unexpectedly (exit code ${code})`)));
    const timer = setTimeout(
      () =>
        settle(() => {
          void worker.terminate();
          reject(new ExtractionTimeout('reading the PDF', timeoutMs));
        }),
      timeoutMs,
    );
    worker.on('message', onMessage).on('error', onError).on('exit', onExit);
    // The worker gets its own copy, transferred rather than cloned; the caller's bytes stay usable.
    const copy = new Uint8Array(bytes);
    worker.postMessage({ data: copy }, [copy.buffer]);
  });
}

function describe(error: unknown): string {
  if (error instanceof ExtractionTimeout) return error.message;
  if ((error as { code?: unknown })?.code === 'ERR_WORKER_OUT_OF_MEMORY')
    return 'the PDF needs too much memory to read';
  return `cannot read the PDF: ${errorMessage(error)}`;
}

function describeReply(reply: { name: string; message: string }): string {
  if (reply.name === 'PasswordException') return 'the PDF is password-protected';
  if (reply.name === 'InvalidPDFException') return 'not a valid PDF (corrupt or truncated)';
  return `cannot read the PDF: ${reply.message}`;
}

export async function extractPdf(
  bytes: Uint8Array,
  options: { timeoutMs: number },
): Promise<{ text: string; pages: number; furniture: FurnitureRemoved } | { error: string }> {
  let reply: WorkerReply;
  try {
    reply = await parseInWorker(bytes, options.timeoutMs);
  } catch (error) {
    return { error: describe(error) };
  }
  if (!reply.ok) return { error: describeReply(reply) };
  // Pages are joined by a plain newline, as the original's per-page text was, so a sentence running across a page
  // break can be rejoined by the line-joining pass.
  const cleaned = removePageFurniture(reply.pages.map((p) => normaliseNewlines(p)));
  const text = cleaned.pages.map((p) => p.replace(/\s+$/, '')).join('\n');
  if (reply.pages.join('').trim() === '')
    return { error: 'the PDF has no extractable text (scanned pages need OCR, which is not supported)' };
  return { text, pages: reply.total, furniture: cleaned.removed };
}
