ALTER TABLE "view_states" ADD COLUMN "last_seen_time" timestamp (6) with time zone DEFAULT now() NOT NULL;--> statement-breakpoint
-- The event store becomes a table partitioned by day of captured_time (server/db/schema/events.ts).
-- The rows stored so far stay where they are: the old table becomes the first partition,
-- "events_legacy", for every capture time before the next UTC midnight; retention drops it once
-- all of it is old enough. Later days get partitions of their own (server/retention/partitions.ts).
ALTER TABLE "events" RENAME TO "events_legacy";--> statement-breakpoint
ALTER TABLE "events_legacy" DROP CONSTRAINT "events_pkey";--> statement-breakpoint
ALTER TABLE "events_legacy" ADD CONSTRAINT "events_legacy_pkey" PRIMARY KEY ("event_id", "captured_time");--> statement-breakpoint
ALTER TABLE "events_legacy" DROP CONSTRAINT "events_org_id_organizations_id_fk";--> statement-breakpoint
-- A client event's identity is kept unique by the writer: a unique index of a partitioned table would have to hold the partition key.
DROP INDEX "events_live_dedup_idx";--> statement-breakpoint
ALTER INDEX "events_change_idx" RENAME TO "events_legacy_change_idx";--> statement-breakpoint
ALTER INDEX "events_view_order_idx" RENAME TO "events_legacy_view_order_idx";--> statement-breakpoint
ALTER INDEX "events_view_navigates_idx" RENAME TO "events_legacy_view_navigates_idx";--> statement-breakpoint
CREATE TABLE "events" (
	"event_id" text NOT NULL,
	"org_id" uuid NOT NULL,
	"dedup_key" text NOT NULL,
	"client_seq" bigint DEFAULT 0 NOT NULL,
	"device_id" bigint NOT NULL,
	"session_id" bigint,
	"view_id" bigint,
	"event_time" timestamp (6) with time zone NOT NULL,
	"processed_time" timestamp (6) with time zone DEFAULT statement_timestamp() NOT NULL,
	"captured_time" timestamp (6) with time zone NOT NULL,
	"event_type" text,
	"event_properties" jsonb,
	"source_type" text NOT NULL,
	"source_properties" jsonb,
	"url_inherited" boolean DEFAULT false NOT NULL,
	"target_path" jsonb,
	"change_xid" "xid8" DEFAULT pg_current_xact_id() NOT NULL,
	CONSTRAINT "events_event_id_captured_time_pk" PRIMARY KEY("event_id","captured_time")
) PARTITION BY RANGE ("captured_time");--> statement-breakpoint
ALTER TABLE "events" ADD CONSTRAINT "events_org_id_organizations_id_fk" FOREIGN KEY ("org_id") REFERENCES "public"."organizations"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "events_live_dedup_idx" ON "events" USING btree ("org_id","dedup_key") WHERE "events"."event_type" is not null;--> statement-breakpoint
CREATE INDEX "events_change_idx" ON "events" USING btree ("org_id","change_xid","event_id");--> statement-breakpoint
CREATE INDEX "events_view_order_idx" ON "events" USING btree ("org_id","view_id","event_time","client_seq") WHERE "events"."event_type" is not null and "events"."view_id" is not null;--> statement-breakpoint
CREATE INDEX "events_view_navigates_idx" ON "events" USING btree ("org_id","view_id","event_time","client_seq") WHERE "events"."event_type" = 'navigate' and "events"."view_id" is not null;--> statement-breakpoint
DO $$
BEGIN
  EXECUTE format('ALTER TABLE "events" ATTACH PARTITION "events_legacy" FOR VALUES FROM (MINVALUE) TO (%L)',
    (date_trunc('day', now() AT TIME ZONE 'UTC') + interval '1 day') AT TIME ZONE 'UTC');
END $$;
