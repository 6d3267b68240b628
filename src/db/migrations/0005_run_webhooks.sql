ALTER TABLE "runs" ADD COLUMN "webhook_url" text;--> statement-breakpoint
ALTER TABLE "runs" ADD COLUMN "webhook_secret_sealed" text;