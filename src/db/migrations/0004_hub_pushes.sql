CREATE TABLE "hub_pushes" (
	"id" text PRIMARY KEY NOT NULL,
	"tenant_id" text NOT NULL,
	"run_id" text NOT NULL,
	"repo" text NOT NULL,
	"branch" text NOT NULL,
	"private" boolean NOT NULL,
	"status" text NOT NULL,
	"token_sealed" text,
	"error" text,
	"commit" text,
	"files" integer,
	"bytes" bigint,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"finished_at" timestamp with time zone
);
--> statement-breakpoint
ALTER TABLE "hub_pushes" ADD CONSTRAINT "hub_pushes_run_id_runs_id_fk" FOREIGN KEY ("run_id") REFERENCES "public"."runs"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "hub_pushes_run_idx" ON "hub_pushes" USING btree ("run_id","created_at");