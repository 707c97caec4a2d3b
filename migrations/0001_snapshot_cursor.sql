ALTER TABLE "destinations" ADD COLUMN "cursor_snapshot" "pg_snapshot";--> statement-breakpoint
ALTER TABLE "sync_runs" ADD COLUMN "window_from" "pg_snapshot";--> statement-breakpoint
ALTER TABLE "sync_runs" ADD COLUMN "window_to" "pg_snapshot";--> statement-breakpoint
-- An xid cursor c ("every xid below c was sent") is the snapshot c:c: (it sees exactly the xids below c).
UPDATE "destinations" SET "cursor_snapshot" = ("cursor_xid"::text || ':' || "cursor_xid"::text || ':')::pg_snapshot WHERE "cursor_xid" IS NOT NULL;--> statement-breakpoint
UPDATE "sync_runs" SET
  "window_from" = ("window_from_xid"::text || ':' || "window_from_xid"::text || ':')::pg_snapshot,
  "window_to" = ("window_to_xid"::text || ':' || "window_to_xid"::text || ':')::pg_snapshot
  WHERE "window_from_xid" IS NOT NULL AND "window_to_xid" IS NOT NULL;--> statement-breakpoint
ALTER TABLE "destinations" DROP COLUMN "cursor_xid";--> statement-breakpoint
ALTER TABLE "sync_runs" DROP COLUMN "window_from_xid";--> statement-breakpoint
ALTER TABLE "sync_runs" DROP COLUMN "window_to_xid";
