/**
 * One process at a time per embedded database directory. PGlite is PostgreSQL in WASM inside one process, with no
 * server to arbitrate: a second process opening the same directory (say `npm run apikey` while the service runs)
 * works on its own copy of the data, and whichever closes last overwrites the other's writes — keys created or
 * revoked meanwhile were lost, and the directory could be left unable to start. A lock file beside the directory
 * names the holder's pid; a lock whose process is gone (an unclean exit) is taken over.
 */
import { closeSync, openSync, readFileSync, rmSync, writeSync } from 'node:fs';

export class DirectoryLockedError extends Error {
  constructor(
    readonly directory: string,
    readonly pid: number,
  ) {
    super(
      `the embedded database ${directory} is open in another process (pid ${pid}): stop it first, ` +
        'or run the service on PostgreSQL (DATABASE_URL) so several processes can share the database',
    );
    this.name = 'DirectoryLockedError';
  }
}

const heldHere = new Set<string>();

function processExists(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Takes the lock for `directory` or throws DirectoryLockedError; returns the release function. */
export function lockDirectory(directory: string): () => void {
  const file = `${directory}.lock`;
  if (heldHere.has(file)) throw new DirectoryLockedError(directory, process.pid);
  for (let attempt = 0; ; attempt++) {
    try {
      const fd = openSync(file, 'wx', 0o600);
      writeSync(fd, `${process.pid}\n`);
      closeSync(fd);
      break;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST' || attempt > 0) throw error;
      const pid = Number.parseInt(readFileSync(file, 'utf8'), 10);
      if (Number.isInteger(pid) && pid > 0 && pid !== process.pid && processExists(pid)) {
        throw new DirectoryLockedError(directory, pid);
      }
      // Left behind by a process that exited without releasing it.
      rmSync(file, { force: true });
    }
  }
  heldHere.add(file);
  return () => {
    heldHere.delete(file);
    rmSync(file, { force: true });
  };
}
