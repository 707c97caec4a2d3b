DROP INDEX "batch_jobs_idempotency_idx";--> statement-breakpoint
ALTER TABLE "batch_jobs" ADD COLUMN "kind" text DEFAULT 'events' NOT NULL;--> statement-breakpoint
CREATE UNIQUE INDEX "batch_jobs_kind_idempotency_idx" ON "batch_jobs" USING btree ("org_id","kind","idempotency_key");