ALTER TABLE "runs" ADD COLUMN "budget_usd" double precision;--> statement-breakpoint
ALTER TABLE "runs" ADD COLUMN "pause_reason" text;