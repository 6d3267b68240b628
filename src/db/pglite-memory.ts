/**
 * The embedded database's memory. PGlite is PostgreSQL compiled to WASM inside the service's process, so what it
 * holds is the service's resident memory, for the life of the process:
 * - `EMBEDDED_POSTGRESQL_CONF`: PGlite starts with PostgreSQL's 128 MB of shared buffers (a 188 MB WASM heap); the
 *   service's database is small and its files sit in the OS page cache anyway, and 16 MB of buffers make a 128 MB
 *   heap (a restarted embedded process idles ~120 MB lower).
 * - `initializeInChildProcess`: creating a data directory runs initdb in a second WASM instance beside the first,
 *   which took the process to 1.06 GB at its first start and left it ~190 MB above a restarted one for good. A new
 *   directory is initialized by a short-lived child process instead, and the service then opens it like any other.
 */
import { execFile } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { rename, rm, rmdir } from 'node:fs/promises';
import { createRequire } from 'node:module';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';

export const EMBEDDED_POSTGRESQL_CONF = ['shared_buffers = 16MB'];

// Plain JavaScript, so the child needs neither this project's TypeScript loader nor its modules: only PGlite.
const INITDB_SCRIPT = `
const [entry, dir, conf] = process.argv.slice(1);
const loaded = await import(entry);
const PGlite = loaded.PGlite ?? loaded.default.PGlite;
const db = await PGlite.create(dir, { postgresqlconf: JSON.parse(conf) });
await db.close();
`;

/**
 * Initializes `dir` as a PGlite data directory in a child process, unless it already is one. The child builds it in
 * a sibling directory that is renamed into place when complete, so a start interrupted at this point (killed, power
 * lost) leaves no half-made database behind: the next start simply builds it again.
 */
export async function initializeInChildProcess(dir: string): Promise<void> {
  if (existsSync(path.join(dir, 'PG_VERSION'))) return;
  // The service made `dir` (empty) to lock it; anything else there is not ours to replace.
  if (existsSync(dir)) {
    const why = !statSync(dir).isDirectory()
      ? 'it is a file, not a directory'
      : readdirSync(dir).length > 0
        ? 'it holds files but no database (PG_VERSION is missing)'
        : undefined;
    if (why) {
      throw new Error(
        `could not create the embedded database in ${dir}: ${why}; move it away or set DATA_DIR elsewhere`,
      );
    }
  }
  const building = `${dir}.creating`;
  // Resolved here, so the child finds the same PGlite wherever it is started from.
  const entry = pathToFileURL(createRequire(import.meta.url).resolve('@electric-sql/pglite')).href;
  try {
    await rm(building, { recursive: true, force: true });
    await promisify(execFile)(
      process.execPath,
      ['--input-type=module', '-e', INITDB_SCRIPT, entry, building, JSON.stringify(EMBEDDED_POSTGRESQL_CONF)],
      { timeout: 120_000, maxBuffer: 4 * 1024 * 1024 },
    );
    // Only ever an empty directory (checked above; rmdir refuses anything else).
    if (existsSync(dir)) await rmdir(dir);
    await rename(building, dir);
  } catch (error) {
    await rm(building, { recursive: true, force: true }).catch(() => {});
    const stderr = String((error as { stderr?: unknown }).stderr ?? '').trim();
    const why = stderr || (error instanceof Error ? error.message : String(error));
    throw new Error(`could not create the embedded database in ${dir}: ${why}`);
  }
}
