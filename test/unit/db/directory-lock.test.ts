import { spawnSync } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { DirectoryLockedError, lockDirectory } from '../../../src/db/directory-lock.ts';

let dir: string;
beforeEach(async () => {
  dir = path.join(await mkdtemp(path.join(os.tmpdir(), 'lock-')), 'pg');
});
afterEach(async () => {
  await rm(path.dirname(dir), { recursive: true, force: true });
});

it('lets one holder in at a time and frees the lock on release', () => {
  const release = lockDirectory(dir);
  expect(() => lockDirectory(dir)).toThrow(DirectoryLockedError);
  release();
  lockDirectory(dir)();
});

it('refuses while another live process holds it, naming that process', async () => {
  await writeFile(`${dir}.lock`, `${process.ppid}\n`);
  expect(() => lockDirectory(dir)).toThrow(new RegExp(`pid ${process.ppid}`));
});

it('takes over a lock left by a process that is gone', async () => {
  const gone = spawnSync(process.execPath, ['-e', 'console.log(process.pid)']).stdout.toString().trim();
  await writeFile(`${dir}.lock`, `${gone}\n`);
  const release = lockDirectory(dir);
  expect((await readFile(`${dir}.lock`, 'utf8')).trim()).toBe(String(process.pid));
  release();
});
