/**
 * Where the key that encrypts config secrets comes from: SECRETS_KEY (base64 of 32 bytes), with retired keys in
 * SECRETS_KEY_PREVIOUS (comma-separated) so secrets sealed before a rotation still open. Without SECRETS_KEY the
 * key is `DATA_DIR/secrets.key`, created (mode 0600) on first start: right for one machine; several machines need
 * SECRETS_KEY set to the same value everywhere.
 */
import { randomBytes } from 'node:crypto';
import { linkSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { SecretBox } from '../lib/secret-box.ts';
import type { Settings } from './settings.ts';

export function decodeSecretsKey(text: string, name: string): Buffer {
  const key = Buffer.from(text.trim(), 'base64');
  if (key.length !== 32) {
    throw new Error(
      `${name} must be 32 random bytes in base64 (e.g. \`openssl rand -base64 32\`), got ${key.length} bytes`,
    );
  }
  return key;
}

function keyFromFile(dataDir: string): Buffer {
  const file = path.join(dataDir, 'secrets.key');
  try {
    return decodeSecretsKey(readFileSync(file, 'utf8'), file);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
  mkdirSync(dataDir, { recursive: true });
  // Written whole under a temporary name and linked into place, so a process starting at the same moment (an API
  // and a worker sharing DATA_DIR) reads either no file or the whole key, and both end up with the same one.
  const temp = `${file}.${process.pid}.${randomBytes(4).toString('hex')}`;
  writeFileSync(temp, `${randomBytes(32).toString('base64')}\n`, { mode: 0o600 });
  try {
    linkSync(temp, file);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
  } finally {
    rmSync(temp, { force: true });
  }
  return decodeSecretsKey(readFileSync(file, 'utf8'), file);
}

export function loadSecretBox(settings: Pick<Settings, 'secretsKey' | 'secretsKeyPrevious' | 'dataDir'>): SecretBox {
  const current = settings.secretsKey
    ? decodeSecretsKey(settings.secretsKey, 'SECRETS_KEY')
    : keyFromFile(settings.dataDir);
  const previous = settings.secretsKeyPrevious.map((k, i) => decodeSecretsKey(k, `SECRETS_KEY_PREVIOUS[${i}]`));
  return new SecretBox([current, ...previous]);
}
