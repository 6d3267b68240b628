import { randomBytes } from 'node:crypto';

/** Prefixes make an id's kind visible in logs and URLs (`run_…`, `file_…`). */
export const idPrefixes = {
  tenant: 'ten',
  apiKey: 'key',
  project: 'proj',
  source: 'src',
  file: 'file',
  config: 'cfg',
  run: 'run',
  hubPush: 'push',
  promptSet: 'pset',
  preview: 'prv',
  request: 'req',
} as const;

export type IdKind = keyof typeof idPrefixes;

const alphabet = '0123456789abcdefghjkmnpqrstvwxyz'; // Crockford base32, lower case

/**
 * Time-ordered, prefixed random id: 10 chars of millisecond time then 16 random chars, so ids sort by creation
 * time (cursor pagination relies on this) and never collide in practice (80 random bits).
 */
export function newId(kind: IdKind, now = Date.now()): string {
  let time = '';
  let t = now;
  for (let i = 0; i < 10; i++) {
    time = alphabet[t % 32] + time;
    t = Math.floor(t / 32);
  }
  const bytes = randomBytes(16);
  let rand = '';
  for (const b of bytes) rand += alphabet[b % 32];
  return `${idPrefixes[kind]}_${time}${rand}`;
}

export function hasPrefix(id: string, kind: IdKind): boolean {
  return id.startsWith(`${idPrefixes[kind]}_`);
}
