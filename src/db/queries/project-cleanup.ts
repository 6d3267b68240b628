import { eq } from 'drizzle-orm';
import type { Db } from '../client.ts';
import { runs } from '../schema/index.ts';

/** Runs of a project, for deletion checks and blob clean-up. */
export async function listRunsOfProject(db: Db, projectId: string) {
  return db.select({ id: runs.id, status: runs.status }).from(runs).where(eq(runs.projectId, projectId));
}
