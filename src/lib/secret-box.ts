/**
 * Encryption at rest for the secrets inside configs (provider API keys, Hub tokens): AES-256-GCM from node:crypto.
 * A sealed value reads `enc:v1:<key id>:<base64url of iv ‖ tag ‖ ciphertext>`; the key id (the first 8 hex digits of
 * the key's sha256) says which key sealed it, so keys can rotate: seal with the current key, open with any key still
 * configured. Values stored before encryption existed (no `enc:` prefix) are read as they are.
 */
import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';

const PREFIX = 'enc:v1:';

export class SecretKeyMissingError extends Error {
  constructor(readonly keyId: string) {
    super(
      `a config secret was sealed with key ${keyId}, which this process does not have: give every process the same ` +
        'SECRETS_KEY (and the retired ones in SECRETS_KEY_PREVIOUS)',
    );
    this.name = 'SecretKeyMissingError';
  }
}

export const keyIdOf = (key: Buffer) => createHash('sha256').update(key).digest('hex').slice(0, 8);

export class SecretBox {
  private readonly byId: Map<string, Buffer>;
  private readonly current: Buffer;
  readonly currentKeyId: string;

  /** `keys[0]` seals; every key opens. Each key is 32 bytes. */
  constructor(keys: Buffer[]) {
    const [current] = keys;
    if (!current) throw new Error('SecretBox needs at least one key');
    for (const key of keys) if (key.length !== 32) throw new Error('a secrets key must be 32 bytes');
    this.current = current;
    this.currentKeyId = keyIdOf(current);
    this.byId = new Map(keys.map((key) => [keyIdOf(key), key]));
  }

  seal(plain: string): string {
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', this.current, iv);
    const body = Buffer.concat([cipher.update(plain, 'utf8'), cipher.final()]);
    return `${PREFIX}${this.currentKeyId}:${Buffer.concat([iv, cipher.getAuthTag(), body]).toString('base64url')}`;
  }

  open(stored: string): string {
    if (!stored.startsWith(PREFIX)) return stored;
    const [keyId = '', payload = ''] = stored.slice(PREFIX.length).split(':');
    const key = this.byId.get(keyId);
    if (!key) throw new SecretKeyMissingError(keyId);
    const bytes = Buffer.from(payload, 'base64url');
    const decipher = createDecipheriv('aes-256-gcm', key, bytes.subarray(0, 12));
    decipher.setAuthTag(bytes.subarray(12, 28));
    return Buffer.concat([decipher.update(bytes.subarray(28)), decipher.final()]).toString('utf8');
  }

  sealAll(values: Record<string, string>): Record<string, string> {
    return Object.fromEntries(Object.entries(values).map(([path, value]) => [path, this.seal(value)]));
  }

  openAll(values: Record<string, string>): Record<string, string> {
    return Object.fromEntries(Object.entries(values).map(([path, value]) => [path, this.open(value)]));
  }
}
