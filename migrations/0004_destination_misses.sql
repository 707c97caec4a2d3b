CREATE TABLE "destination_misses" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"destination_id" uuid NOT NULL,
	"org_id" uuid NOT NULL,
	"captured_from" timestamp (6) with time zone,
	"captured_to" timestamp (6) with time zone NOT NULL,
	"rows" bigint NOT NULL,
	"was_enabled" boolean NOT NULL,
	"recorded_time" timestamp (6) with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
ALTER TABLE "destination_misses" ADD CONSTRAINT "destination_misses_destination_id_destinations_id_fk" FOREIGN KEY ("destination_id") REFERENCES "public"."destinations"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "destination_misses" ADD CONSTRAINT "destination_misses_org_id_organizations_id_fk" FOREIGN KEY ("org_id") REFERENCES "public"."organizations"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "destination_misses_partition_idx" ON "destination_misses" USING btree ("destination_id","captured_to");