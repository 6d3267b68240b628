ALTER TABLE "llm_responses" ADD COLUMN "tenant_id" text;--> statement-breakpoint
ALTER TABLE "llm_responses" ADD COLUMN "project_id" text;--> statement-breakpoint
CREATE INDEX "llm_responses_project_idx" ON "llm_responses" USING btree ("project_id");--> statement-breakpoint
-- Answers stored before the cache was scoped are keyed without a tenant: no call can find them any more.
DELETE FROM "llm_responses" WHERE "tenant_id" IS NULL;