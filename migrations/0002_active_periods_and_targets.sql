CREATE TABLE "destination_periods" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"destination_id" uuid NOT NULL,
	"org_id" uuid NOT NULL,
	"start_time" timestamp (6) with time zone NOT NULL,
	"end_time" timestamp (6) with time zone,
	"event_types_include" text[],
	"event_types_exclude" text[]
);
--> statement-breakpoint
-- Sessions were tracked by arrival time; the best span known for existing ones is that instant.
ALTER TABLE "sessions" ADD COLUMN "first_event_time" timestamp (6) with time zone;--> statement-breakpoint
UPDATE "sessions" SET "first_event_time" = "last_event_time";--> statement-breakpoint
ALTER TABLE "sessions" ALTER COLUMN "first_event_time" SET NOT NULL;--> statement-breakpoint
ALTER TABLE "destinations" ADD COLUMN "cleared_secrets" text[];--> statement-breakpoint
ALTER TABLE "destinations" ADD COLUMN "local_file" text;--> statement-breakpoint
ALTER TABLE "destination_periods" ADD CONSTRAINT "destination_periods_destination_id_destinations_id_fk" FOREIGN KEY ("destination_id") REFERENCES "public"."destinations"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "destination_periods" ADD CONSTRAINT "destination_periods_org_id_organizations_id_fk" FOREIGN KEY ("org_id") REFERENCES "public"."organizations"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "destination_periods_destination_idx" ON "destination_periods" USING btree ("destination_id","start_time");--> statement-breakpoint
CREATE INDEX "events_view_navigates_idx" ON "events" USING btree ("org_id","view_id","event_time","client_seq") WHERE "events"."event_type" = 'navigate' and "events"."view_id" is not null;--> statement-breakpoint
CREATE UNIQUE INDEX "destinations_local_file_idx" ON "destinations" USING btree ("local_file");--> statement-breakpoint
ALTER TABLE "events" DROP COLUMN "captured_type";--> statement-breakpoint
-- The current active period of each destination (earlier ones were not recorded): open while
-- enabled, closed at the last change for a disabled one.
INSERT INTO "destination_periods" ("destination_id", "org_id", "start_time", "end_time", "event_types_include", "event_types_exclude")
  SELECT "id", "org_id", "active_since", CASE WHEN "enabled" THEN NULL ELSE greatest("modified_time", "active_since") END,
    "event_types_include", "event_types_exclude"
  FROM "destinations" WHERE "active_since" IS NOT NULL;--> statement-breakpoint
ALTER TABLE "destinations" DROP COLUMN "active_since";