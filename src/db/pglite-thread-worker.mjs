/**
 * The embedded database's own thread: owns the PGlite instance and runs, in arrival order, what the service's thread
 * (src/db/pglite-thread.ts) posts. Plain JavaScript so a worker thread can load it without a TypeScript loader
 * (Node 20, and the test runner, start workers with none).
 *
 * Messages in: { id, op: 'open', dir, conf, template? } | { id, op: 'query', sql, params, rowMode, rawTypes }
 *            | { id, op: 'exec', sql } | { id, op: 'dump' } | { id, op: 'close' } | { id, op: 'connect', port }
 *            ('exec' and 'query' may carry tx: 'begin' or 'end': they open or close the caller's transaction)
 * Messages out: { id, ok: true, result } | { id, ok: false, error: { message, name, code, … } }
 *
 * More than one thread may use the database: 'connect' hands over a MessagePort on which another thread (the
 * service's job worker) posts the same messages. PGlite has one session, so while a caller's transaction is open
 * the others' messages wait; a caller whose port closes inside its transaction has it rolled back.
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

/** Messages waiting, in arrival order, each with the port its answer goes to. */
const waiting = [];
/** The port whose transaction holds the session, if any: only its messages run until it ends. */
let owner;
let draining = false;

function arrive(port, message) {
  waiting.push({ port, message });
  void drain();
}

// One message at a time: PGlite has one session, and a transaction is BEGIN, statements, COMMIT posted in sequence
// by the one caller that holds it.
async function drain() {
  if (draining) return;
  draining = true;
  try {
    for (;;) {
      const at = owner ? waiting.findIndex((w) => w.port === owner) : 0;
      if (at < 0 || waiting.length === 0) return;
      const [{ port, message }] = waiting.splice(at, 1);
      await answer(port, message);
    }
  } finally {
    draining = false;
  }
}

async function answer(port, message) {
  try {
    if (message.op === 'connect') {
      listen(message.port);
      port.postMessage({ id: message.id, ok: true, result: null });
      return;
    }
    if (message.tx === 'begin') owner = port;
    const { result, transfer } = await handle(message);
    port.postMessage({ id: message.id, ok: true, result }, transfer ?? []);
  } catch (error) {
    port.postMessage({ id: message.id, ok: false, error: errorOf(error) });
  } finally {
    if (message.tx === 'end' && owner === port) owner = undefined;
  }
}

/** Serves another thread on `port`; its transaction, if one is open when the port closes, is rolled back. */
function listen(port) {
  port.on('message', (message) => arrive(port, message));
  port.on('close', () => {
    for (let i = waiting.length - 1; i >= 0; i--) if (waiting[i].port === port) waiting.splice(i, 1);
    if (owner !== port) return;
    owner = undefined;
    pglite
      ?.exec('ROLLBACK')
      .catch(() => {})
      .finally(() => void drain());
  });
}

parentPort.on('message', (message) => arrive(parentPort, message));
