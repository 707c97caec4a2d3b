CREATE TABLE "organizations" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"name" text NOT NULL,
	"created_time" timestamp (6) with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "api_keys" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"org_id" uuid NOT NULL,
	"name" text NOT NULL,
	"role" text NOT NULL,
	"prefix" text NOT NULL,
	"key_hash" text NOT NULL,
	"allowed_origins" text[] DEFAULT '{}'::text[] NOT NULL,
	"created_by" text NOT NULL,
	"created_time" timestamp (6) with time zone DEFAULT now() NOT NULL,
	"revoked_time" timestamp (6) with time zone,
	CONSTRAINT "api_keys_key_hash_unique" UNIQUE("key_hash")
);
--> statement-breakpoint
CREATE TABLE "batch_jobs" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"org_id" uuid NOT NULL,
	"idempotency_key" text,
	"status" text NOT NULL,
	"imports" bigint DEFAULT 0 NOT NULL,
	"errors" jsonb DEFAULT '[]'::jsonb NOT NULL,
	"created_time" timestamp (6) with time zone DEFAULT now() NOT NULL,
	"finished_time" timestamp (6) with time zone
);
--> statement-breakpoint
CREATE TABLE "events" (
	"event_id" text PRIMARY KEY NOT NULL,
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
	"captured_type" text NOT NULL,
	"event_properties" jsonb,
	"source_type" text NOT NULL,
	"source_properties" jsonb,
	"url_inherited" boolean DEFAULT false NOT NULL,
	"target_path" jsonb,
	"change_xid" "xid8" DEFAULT pg_current_xact_id() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "sessions" (
	"org_id" uuid NOT NULL,
	"device_id" bigint NOT NULL,
	"session_id" bigint NOT NULL,
	"last_event_time" timestamp (6) with time zone NOT NULL,
	CONSTRAINT "sessions_org_id_device_id_session_id_pk" PRIMARY KEY("org_id","device_id","session_id")
);
--> statement-breakpoint
CREATE TABLE "users" (
	"org_id" uuid NOT NULL,
	"uid" text NOT NULL,
	"device_id" bigint NOT NULL,
	"display_name" text,
	"email" text,
	"properties" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"updated_time" timestamp (6) with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "users_org_id_uid_pk" PRIMARY KEY("org_id","uid")
);
--> statement-breakpoint
CREATE TABLE "view_states" (
	"org_id" uuid NOT NULL,
	"view_id" bigint NOT NULL,
	"last_event_micros" bigint,
	"last_seq" bigint,
	"page_context" jsonb,
	CONSTRAINT "view_states_org_id_view_id_pk" PRIMARY KEY("org_id","view_id")
);
--> statement-breakpoint
CREATE TABLE "destinations" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"org_id" uuid NOT NULL,
	"name" text NOT NULL,
	"plugin_id" text NOT NULL,
	"config" jsonb NOT NULL,
	"secret_config" text,
	"enabled" boolean DEFAULT true NOT NULL,
	"event_types_include" text[],
	"event_types_exclude" text[],
	"interval_minutes" integer DEFAULT 60 NOT NULL,
	"active_since" timestamp (6) with time zone,
	"cursor_xid" "xid8",
	"next_run_time" timestamp (6) with time zone DEFAULT now() NOT NULL,
	"lease_owner" text,
	"lease_expires_time" timestamp (6) with time zone,
	"consecutive_failures" integer DEFAULT 0 NOT NULL,
	"last_success_time" timestamp (6) with time zone,
	"last_error" text,
	"last_error_kind" text,
	"tables_version" text,
	"definitions_hash" text,
	"created_time" timestamp (6) with time zone DEFAULT now() NOT NULL,
	"created_by" text NOT NULL,
	"modified_time" timestamp (6) with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "sync_runs" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"destination_id" uuid NOT NULL,
	"org_id" uuid NOT NULL,
	"status" text NOT NULL,
	"trigger" text NOT NULL,
	"window_from_xid" "xid8",
	"window_to_xid" "xid8",
	"rows" bigint DEFAULT 0 NOT NULL,
	"bytes" bigint DEFAULT 0 NOT NULL,
	"statements" integer DEFAULT 0 NOT NULL,
	"attempts" integer DEFAULT 0 NOT NULL,
	"queued_time" timestamp (6) with time zone DEFAULT now() NOT NULL,
	"started_time" timestamp (6) with time zone,
	"finished_time" timestamp (6) with time zone,
	"duration_ms" integer,
	"error" text,
	"error_kind" text,
	"runner" text,
	"details" jsonb
);
--> statement-breakpoint
CREATE TABLE "definition_versions" (
	"org_id" uuid PRIMARY KEY NOT NULL,
	"version" bigint NOT NULL
);
--> statement-breakpoint
CREATE TABLE "definitions" (
	"id" text PRIMARY KEY NOT NULL,
	"org_id" uuid NOT NULL,
	"kind" text NOT NULL,
	"name" text NOT NULL,
	"description" text DEFAULT '' NOT NULL,
	"state" text DEFAULT 'active' NOT NULL,
	"version" integer DEFAULT 1 NOT NULL,
	"rule" jsonb NOT NULL,
	"priority" integer,
	"created_time" timestamp (6) with time zone DEFAULT now() NOT NULL,
	"created_by" text NOT NULL,
	"modified_time" timestamp (6) with time zone DEFAULT now() NOT NULL,
	"modified_by" text NOT NULL,
	CONSTRAINT "definitions_kind_check" CHECK ("definitions"."kind" in ('page', 'element', 'event')),
	CONSTRAINT "definitions_state_check" CHECK ("definitions"."state" in ('active', 'archived')),
	CONSTRAINT "definitions_priority_check" CHECK (("definitions"."kind" = 'page') = ("definitions"."priority" is not null))
);
--> statement-breakpoint
ALTER TABLE "api_keys" ADD CONSTRAINT "api_keys_org_id_organizations_id_fk" FOREIGN KEY ("org_id") REFERENCES "public"."organizations"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "batch_jobs" ADD CONSTRAINT "batch_jobs_org_id_organizations_id_fk" FOREIGN KEY ("org_id") REFERENCES "public"."organizations"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "events" ADD CONSTRAINT "events_org_id_organizations_id_fk" FOREIGN KEY ("org_id") REFERENCES "public"."organizations"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "sessions" ADD CONSTRAINT "sessions_org_id_organizations_id_fk" FOREIGN KEY ("org_id") REFERENCES "public"."organizations"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "users" ADD CONSTRAINT "users_org_id_organizations_id_fk" FOREIGN KEY ("org_id") REFERENCES "public"."organizations"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "view_states" ADD CONSTRAINT "view_states_org_id_organizations_id_fk" FOREIGN KEY ("org_id") REFERENCES "public"."organizations"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "destinations" ADD CONSTRAINT "destinations_org_id_organizations_id_fk" FOREIGN KEY ("org_id") REFERENCES "public"."organizations"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "sync_runs" ADD CONSTRAINT "sync_runs_destination_id_destinations_id_fk" FOREIGN KEY ("destination_id") REFERENCES "public"."destinations"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "sync_runs" ADD CONSTRAINT "sync_runs_org_id_organizations_id_fk" FOREIGN KEY ("org_id") REFERENCES "public"."organizations"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "definition_versions" ADD CONSTRAINT "definition_versions_org_id_organizations_id_fk" FOREIGN KEY ("org_id") REFERENCES "public"."organizations"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "definitions" ADD CONSTRAINT "definitions_org_id_organizations_id_fk" FOREIGN KEY ("org_id") REFERENCES "public"."organizations"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "api_keys_org_idx" ON "api_keys" USING btree ("org_id");--> statement-breakpoint
CREATE UNIQUE INDEX "batch_jobs_idempotency_idx" ON "batch_jobs" USING btree ("org_id","idempotency_key");--> statement-breakpoint
CREATE UNIQUE INDEX "events_live_dedup_idx" ON "events" USING btree ("org_id","dedup_key") WHERE "events"."event_type" is not null;--> statement-breakpoint
CREATE INDEX "events_change_idx" ON "events" USING btree ("org_id","change_xid","event_id");--> statement-breakpoint
CREATE INDEX "events_view_order_idx" ON "events" USING btree ("org_id","view_id","event_time","client_seq") WHERE "events"."event_type" is not null and "events"."view_id" is not null;--> statement-breakpoint
CREATE INDEX "destinations_org_idx" ON "destinations" USING btree ("org_id");--> statement-breakpoint
CREATE INDEX "destinations_due_idx" ON "destinations" USING btree ("next_run_time") WHERE "destinations"."enabled";--> statement-breakpoint
CREATE INDEX "sync_runs_destination_idx" ON "sync_runs" USING btree ("destination_id","queued_time");--> statement-breakpoint
CREATE INDEX "definitions_org_kind_idx" ON "definitions" USING btree ("org_id","kind","state");--> statement-breakpoint
CREATE UNIQUE INDEX "definitions_active_page_priority_idx" ON "definitions" USING btree ("org_id","priority") WHERE "definitions"."kind" = 'page' and "definitions"."state" = 'active';