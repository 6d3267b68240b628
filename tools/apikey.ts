/**
 * API key management: `npm run apikey -- create NAME [--tenant TENANT]`, `list`, `revoke KEY_ID`.
 * The clear key is printed once; only its sha256 is stored.
 *
 * On PostgreSQL this works while the service runs: the service looks keys up on every request, so a new key works
 * at once and a revoked one stops at once. On the embedded database it refuses while the service has the database
 * open (a lock file beside it says so): stop the service, manage keys, start it again.
 */
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { loadSettings } from '../src/config/settings.ts';
import { migrateDatabase, openDatabase } from '../src/db/client.ts';
import { DirectoryLockedError } from '../src/db/directory-lock.ts';
import { createApiKey, createTenant, findTenantByName, listApiKeys, revokeApiKey } from '../src/db/queries/tenants.ts';

const { positionals, values } = parseArgs({ allowPositionals: true, options: { tenant: { type: 'string' } } });
const [command, arg] = positionals;
const settings = loadSettings();
const database = await openDatabase({
  databaseUrl: settings.databaseUrl,
  pgliteDir: path.join(settings.dataDir, 'pg'),
}).catch((error: unknown) => {
  if (!(error instanceof DirectoryLockedError)) throw error;
  console.error(`${error.message}.\nKeys of the embedded database are managed while the service is stopped.`);
  process.exit(1);
});
await migrateDatabase(database);
const { db } = database;
try {
  if (command === 'create' && arg) {
    const tenantName = values.tenant ?? arg;
    const tenant = (await findTenantByName(db, tenantName)) ?? (await createTenant(db, tenantName));
    const key = `dg_${randomBytes(24).toString('base64url')}`;
    const { id } = await createApiKey(db, tenant.id, arg, key);
    console.log(`created key ${id} for tenant ${tenantName} (${tenant.id})`);
    console.log(key);
  } else if (command === 'list') {
    for (const k of await listApiKeys(db)) {
      console.log(`${k.id}\t${k.name}\t${k.tenantId}\t${k.keyPrefix}…\t${k.revokedAt ? 'revoked' : 'active'}`);
    }
  } else if (command === 'revoke' && arg) {
    console.log((await revokeApiKey(db, arg)) ? `revoked ${arg}` : `no key ${arg}`);
  } else {
    console.error('usage: npm run apikey -- create NAME [--tenant TENANT] | list | revoke KEY_ID');
    process.exitCode = 2;
  }
} finally {
  await database.close();
}
