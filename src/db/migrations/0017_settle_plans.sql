CREATE TYPE "public"."settle_plan_status" AS ENUM('open', 'done');--> statement-breakpoint
CREATE TABLE "settle_plans" (
	"id" serial PRIMARY KEY NOT NULL,
	"round_id" integer NOT NULL,
	"group_code" text NOT NULL,
	"plan" jsonb NOT NULL,
	"accepted_by" integer,
	"accepted_by_name" text NOT NULL,
	"accepted_at" timestamp with time zone DEFAULT now() NOT NULL,
	"status" "settle_plan_status" DEFAULT 'open' NOT NULL,
	"done_at" timestamp with time zone
);
--> statement-breakpoint
ALTER TABLE "settle_plans" ADD CONSTRAINT "settle_plans_round_id_rounds_id_fk" FOREIGN KEY ("round_id") REFERENCES "public"."rounds"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "settle_plans" ADD CONSTRAINT "settle_plans_accepted_by_users_id_fk" FOREIGN KEY ("accepted_by") REFERENCES "public"."users"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "settle_plans_round_group_idx" ON "settle_plans" USING btree ("round_id","group_code");