CREATE TABLE "anonymous_devices" (
	"org_id" uuid NOT NULL,
	"anonymous_id" text NOT NULL,
	"device_id" bigint NOT NULL,
	"created_time" timestamp (6) with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "anonymous_devices_org_id_anonymous_id_pk" PRIMARY KEY("org_id","anonymous_id")
);
--> statement-breakpoint
DROP INDEX "batch_jobs_idempotency_idx";--> statement-breakpoint
ALTER TABLE "batch_jobs" ADD COLUMN "kind" text DEFAULT 'events' NOT NULL;--> statement-breakpoint
ALTER TABLE "anonymous_devices" ADD CONSTRAINT "anonymous_devices_org_id_organizations_id_fk" FOREIGN KEY ("org_id") REFERENCES "public"."organizations"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "anonymous_devices_device_idx" ON "anonymous_devices" USING btree ("org_id","device_id");--> statement-breakpoint
CREATE UNIQUE INDEX "batch_jobs_kind_idempotency_idx" ON "batch_jobs" USING btree ("org_id","kind","idempotency_key");