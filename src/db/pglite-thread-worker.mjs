/**
 * The embedded database's own thread: owns the PGlite instance and runs, in arrival order, what the service's thread
 * (src/db/pglite-thread.ts) posts. Plain JavaScript so a worker thread can load it without a TypeScript loader
 * (Node 20, and the test runner, start workers with none).
 *
 * Messages in: { id, op: 'open', dir, conf, template? } | { id, op: 'query', sql, params, rowMode, rawTypes }
 *            | { id, op: 'exec', sql } | { id, op: 'dump' } | { id, op: 'close' }
 * Messages out: { id, ok: true, result } | { id, ok: false, error: { message, name, code, … } }
 */
import { parentPort } from 'node:worker_threads';
import { PGlite } from '@electric-sql/pglite';

/** @type {PGlite | undefined} */
let pglite;

/** What a database error carries besides its message (SQLSTATE above all: callers test `code === '23505'`). */
const ERROR_FIELDS = ['code', 'detail', 'hint', 'severity', 'schema', 'table', 'column', 'constraint', 'position'];

function errorOf(error) {
  const out = { message: String(error?.message ?? error), name: String(error?.name ?? 'Error') };
  for (const field of ERROR_FIELDS) if (error?.[field] !== undefined) out[field] = error[field];
  return out;
}

/** Types returned as PostgreSQL's text (drizzle asks this for dates and intervals, which it parses itself). */
function rawParsers(rawTypes) {
  if (!rawTypes || rawTypes.length === 0) return undefined;
  return Object.fromEntries(rawTypes.map((oid) => [oid, (value) => value]));
}

/** What of a result crosses the thread: rows, their fields, and the count a write changed. */
function plain(result) {
  return { rows: result.rows, fields: result.fields, affectedRows: result.affectedRows };
}

async function handle(message) {
  switch (message.op) {
    case 'open': {
      const options = { postgresqlconf: message.conf };
      if (message.template) options.loadDataDir = new Blob([message.template]);
      pglite = await PGlite.create(message.dir, options);
      return { result: null };
    }
    case 'query': {
      const parsers = rawParsers(message.rawTypes);
      const result = await pglite.query(message.sql, message.params, {
        ...(message.rowMode ? { rowMode: message.rowMode } : {}),
        ...(parsers ? { parsers } : {}),
      });
      return { result: plain(result) };
    }
    case 'exec': {
      return { result: (await pglite.exec(message.sql)).map(plain) };
    }
    case 'dump': {
      const file = await pglite.dumpDataDir(message.compression ?? 'none');
      const buffer = await file.arrayBuffer();
      return { result: { buffer, name: file.name, type: file.type }, transfer: [buffer] };
    }
    case 'close': {
      await pglite?.close();
      pglite = undefined;
      return { result: null };
    }
    default:
      throw new Error(`unknown operation ${message.op}`);
  }
}

// One message at a time, in order: PGlite has one session, and a transaction is BEGIN, statements, COMMIT posted in
// sequence by the one caller that holds it.
let line = Promise.resolve();
parentPort.on('message', (message) => {
  line = line.then(async () => {
    try {
      const { result, transfer } = await handle(message);
      parentPort.postMessage({ id: message.id, ok: true, result }, transfer ?? []);
    } catch (error) {
      parentPort.postMessage({ id: message.id, ok: false, error: errorOf(error) });
    }
  });
});
