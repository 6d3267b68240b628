import { Registry } from 'prom-client';
import { buildApp } from '../src/api/app.ts';
import { loadSettings } from '../src/config/settings.ts';
import type { Db } from '../src/db/client.ts';
import type { SecretBox } from '../src/lib/secret-box.ts';
import type { BlobStore } from '../src/storage/blob-store.ts';

/** The OpenAPI document as the app generates it; registering routes touches no database, so none is opened. */
export async function renderOpenApi(): Promise<string> {
  const unused = () => {
    throw new Error('not used while rendering the OpenAPI document');
  };
  const app = await buildApp({
    db: {} as Db,
    blobs: {} as BlobStore,
    settings: loadSettings({}),
    secretBox: {} as SecretBox,
    registry: new Registry(),
    jobs: {
      advanceInTransaction: unused,
      wake: unused,
      sendExtractFile: unused,
      sendHubPush: unused,
      sendPreview: unused,
      sendRunWebhook: unused,
      requeueRun: unused,
      checkPromptSet: unused,
      promptCatalog: unused,
      graph: unused,
      stageWarnings: unused,
      estimate: unused,
    },
    auth: { tenantForKey: unused, localTenant: unused },
    checkReady: unused,
  });
  await app.ready();
  const document = JSON.stringify(app.swagger(), null, 2);
  await app.close();
  return `${document}\n`;
}
