CREATE TABLE "previews" (
	"id" text PRIMARY KEY NOT NULL,
	"tenant_id" text NOT NULL,
	"project_id" text NOT NULL,
	"config_id" text NOT NULL,
	"chunks_per_source" integer NOT NULL,
	"status" text NOT NULL,
	"result" jsonb,
	"error" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"finished_at" timestamp with time zone
);
--> statement-breakpoint
ALTER TABLE "llm_calls" ADD COLUMN "tenant_id" text;--> statement-breakpoint
ALTER TABLE "llm_calls" ADD COLUMN "prompt" text;--> statement-breakpoint
ALTER TABLE "runs" ADD COLUMN "estimate" jsonb;--> statement-breakpoint
ALTER TABLE "previews" ADD CONSTRAINT "previews_project_id_projects_id_fk" FOREIGN KEY ("project_id") REFERENCES "public"."projects"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "previews_project_idx" ON "previews" USING btree ("project_id","created_at");--> statement-breakpoint
CREATE INDEX "llm_calls_prompt_idx" ON "llm_calls" USING btree ("tenant_id","prompt","model");