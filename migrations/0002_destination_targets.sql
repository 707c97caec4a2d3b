ALTER TABLE "destinations" ADD COLUMN "cleared_secrets" text[];--> statement-breakpoint
ALTER TABLE "destinations" ADD COLUMN "local_file" text;--> statement-breakpoint
CREATE UNIQUE INDEX "destinations_local_file_idx" ON "destinations" USING btree ("local_file");