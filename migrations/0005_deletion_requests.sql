CREATE TABLE "deleted_devices" (
	"org_id" uuid NOT NULL,
	"device_id" bigint NOT NULL,
	"deleted_before" timestamp (6) with time zone NOT NULL,
	"suppress" boolean NOT NULL,
	"request_id" uuid NOT NULL,
	CONSTRAINT "deleted_devices_org_id_device_id_pk" PRIMARY KEY("org_id","device_id")
);
--> statement-breakpoint
CREATE TABLE "deletion_destinations" (
	"request_id" uuid NOT NULL,
	"destination_id" uuid NOT NULL,
	"org_id" uuid NOT NULL,
	"status" text NOT NULL,
	"rows_deleted" bigint,
	"completed_time" timestamp (6) with time zone,
	CONSTRAINT "deletion_destinations_request_id_destination_id_pk" PRIMARY KEY("request_id","destination_id")
);
--> statement-breakpoint
CREATE TABLE "deletion_requests" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"org_id" uuid NOT NULL,
	"subject_kind" text NOT NULL,
	"subject" text NOT NULL,
	"device_ids" text[] NOT NULL,
	"suppress" boolean NOT NULL,
	"requested_by" text NOT NULL,
	"requested_time" timestamp (6) with time zone DEFAULT now() NOT NULL,
	"store_rows_deleted" bigint DEFAULT 0 NOT NULL,
	"dropped_events" bigint DEFAULT 0 NOT NULL
);
--> statement-breakpoint
CREATE TABLE "user_devices" (
	"org_id" uuid NOT NULL,
	"uid" text NOT NULL,
	"device_id" bigint NOT NULL,
	"last_seen_time" timestamp (6) with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "user_devices_org_id_uid_device_id_pk" PRIMARY KEY("org_id","uid","device_id")
);
--> statement-breakpoint
ALTER TABLE "deleted_devices" ADD CONSTRAINT "deleted_devices_org_id_organizations_id_fk" FOREIGN KEY ("org_id") REFERENCES "public"."organizations"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "deleted_devices" ADD CONSTRAINT "deleted_devices_request_id_deletion_requests_id_fk" FOREIGN KEY ("request_id") REFERENCES "public"."deletion_requests"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "deletion_destinations" ADD CONSTRAINT "deletion_destinations_request_id_deletion_requests_id_fk" FOREIGN KEY ("request_id") REFERENCES "public"."deletion_requests"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "deletion_destinations" ADD CONSTRAINT "deletion_destinations_destination_id_destinations_id_fk" FOREIGN KEY ("destination_id") REFERENCES "public"."destinations"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "deletion_destinations" ADD CONSTRAINT "deletion_destinations_org_id_organizations_id_fk" FOREIGN KEY ("org_id") REFERENCES "public"."organizations"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "deletion_requests" ADD CONSTRAINT "deletion_requests_org_id_organizations_id_fk" FOREIGN KEY ("org_id") REFERENCES "public"."organizations"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "user_devices" ADD CONSTRAINT "user_devices_org_id_organizations_id_fk" FOREIGN KEY ("org_id") REFERENCES "public"."organizations"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "deletion_destinations_pending_idx" ON "deletion_destinations" USING btree ("destination_id") WHERE "deletion_destinations"."status" = 'pending';--> statement-breakpoint
CREATE INDEX "deletion_requests_org_idx" ON "deletion_requests" USING btree ("org_id","requested_time");--> statement-breakpoint
CREATE INDEX "events_device_idx" ON "events" USING btree ("org_id","device_id");--> statement-breakpoint
-- the devices known so far: each user's latest
INSERT INTO "user_devices" ("org_id", "uid", "device_id", "last_seen_time") SELECT "org_id", "uid", "device_id", "updated_time" FROM "users";
