ALTER TABLE "destination_periods" ADD COLUMN "kind" text DEFAULT 'active' NOT NULL;--> statement-breakpoint
ALTER TABLE "destination_periods" ADD COLUMN "backfill_id" uuid;--> statement-breakpoint
ALTER TABLE "sync_runs" ADD COLUMN "requested_by" text;--> statement-breakpoint
ALTER TABLE "sync_runs" ADD COLUMN "capture_from" timestamp (6) with time zone;--> statement-breakpoint
ALTER TABLE "sync_runs" ADD COLUMN "capture_to" timestamp (6) with time zone;--> statement-breakpoint
ALTER TABLE "sync_runs" ADD COLUMN "sent_until" timestamp (6) with time zone;--> statement-breakpoint
ALTER TABLE "sync_runs" ADD COLUMN "rows_to_send" bigint;--> statement-breakpoint
ALTER TABLE "sync_runs" ADD COLUMN "cancel_requested" boolean DEFAULT false NOT NULL;--> statement-breakpoint
ALTER TABLE "destination_periods" ADD CONSTRAINT "destination_periods_backfill_id_sync_runs_id_fk" FOREIGN KEY ("backfill_id") REFERENCES "public"."sync_runs"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "destination_periods_backfill_idx" ON "destination_periods" USING btree ("backfill_id");--> statement-breakpoint
CREATE UNIQUE INDEX "sync_runs_open_backfill_idx" ON "sync_runs" USING btree ("destination_id") WHERE "sync_runs"."trigger" = 'backfill' and "sync_runs"."status" in ('queued', 'running');