CREATE TYPE "public"."finding_status" AS ENUM('pending', 'accepted', 'rejected');--> statement-breakpoint
CREATE TYPE "public"."rectification_status" AS ENUM('issued', 'replied', 'reopened', 'closed');--> statement-breakpoint
CREATE TYPE "public"."round_status" AS ENUM('draft', 'fieldwork', 'review', 'published');--> statement-breakpoint
CREATE TYPE "public"."user_role" AS ENUM('admin', 'evaluator', 'reviewer', 'leader', 'unit');--> statement-breakpoint
CREATE TABLE "audit_log" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"at" timestamp with time zone DEFAULT now() NOT NULL,
	"actor_id" integer,
	"actor" text NOT NULL,
	"action" text NOT NULL,
	"entity" text NOT NULL,
	"entity_key" text NOT NULL,
	"details" jsonb NOT NULL,
	"prev_hash" text,
	"hash" text NOT NULL
);
--> statement-breakpoint
CREATE TABLE "users" (
	"id" serial PRIMARY KEY NOT NULL,
	"name" text NOT NULL,
	"role" "user_role" NOT NULL,
	"unit_id" integer,
	"token_hash" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"disabled_at" timestamp with time zone,
	CONSTRAINT "users_token_hash_unique" UNIQUE("token_hash")
);
--> statement-breakpoint
CREATE TABLE "points" (
	"id" serial PRIMARY KEY NOT NULL,
	"code" text NOT NULL,
	"name" text NOT NULL,
	"point_type" text NOT NULL,
	"unit_id" integer NOT NULL,
	"address" text,
	"lat" numeric,
	"lng" numeric,
	"active" boolean DEFAULT true NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "points_code_unique" UNIQUE("code")
);
--> statement-breakpoint
CREATE TABLE "units" (
	"id" serial PRIMARY KEY NOT NULL,
	"code" text NOT NULL,
	"name" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "units_code_unique" UNIQUE("code")
);
--> statement-breakpoint
CREATE TABLE "indicator_components" (
	"set_id" integer NOT NULL,
	"code" text NOT NULL,
	"name" text NOT NULL,
	"weight" numeric NOT NULL,
	"source" text NOT NULL,
	"ordinal" integer NOT NULL,
	CONSTRAINT "indicator_components_set_id_code_pk" PRIMARY KEY("set_id","code")
);
--> statement-breakpoint
CREATE TABLE "indicator_nodes" (
	"id" serial PRIMARY KEY NOT NULL,
	"set_id" integer NOT NULL,
	"code" text NOT NULL,
	"parent_id" integer,
	"kind" text NOT NULL,
	"name" text NOT NULL,
	"component" text,
	"points" numeric NOT NULL,
	"rule_kind" text,
	"rule" jsonb,
	"point_types" text[] DEFAULT '{}' NOT NULL,
	"top_code" text NOT NULL,
	"depth" integer NOT NULL,
	"ordinal" integer NOT NULL,
	CONSTRAINT "indicator_nodes_set_code_uq" UNIQUE("set_id","code")
);
--> statement-breakpoint
CREATE TABLE "indicator_point_types" (
	"set_id" integer NOT NULL,
	"code" text NOT NULL,
	"name" text NOT NULL,
	"ordinal" integer NOT NULL,
	CONSTRAINT "indicator_point_types_set_id_code_pk" PRIMARY KEY("set_id","code")
);
--> statement-breakpoint
CREATE TABLE "indicator_sets" (
	"id" serial PRIMARY KEY NOT NULL,
	"code" text NOT NULL,
	"version" text NOT NULL,
	"name" text NOT NULL,
	"na_policy" text NOT NULL,
	"definition" jsonb NOT NULL,
	"content_hash" text NOT NULL,
	"source_text" text,
	"loaded_at" timestamp with time zone DEFAULT now() NOT NULL,
	"loaded_by" integer,
	CONSTRAINT "indicator_sets_code_version_uq" UNIQUE("code","version")
);
--> statement-breakpoint
CREATE TABLE "round_groups" (
	"id" serial PRIMARY KEY NOT NULL,
	"round_id" integer NOT NULL,
	"code" text NOT NULL,
	"name" text NOT NULL,
	"weights" jsonb,
	"consequences" jsonb,
	"ordinal" integer NOT NULL,
	CONSTRAINT "round_groups_round_code_uq" UNIQUE("round_id","code")
);
--> statement-breakpoint
CREATE TABLE "round_members" (
	"round_id" integer NOT NULL,
	"unit_id" integer NOT NULL,
	"group_id" integer NOT NULL,
	"head" text,
	CONSTRAINT "round_members_round_id_unit_id_pk" PRIMARY KEY("round_id","unit_id")
);
--> statement-breakpoint
CREATE TABLE "rounds" (
	"id" serial PRIMARY KEY NOT NULL,
	"code" text NOT NULL,
	"series" text NOT NULL,
	"name" text NOT NULL,
	"indicator_set_id" integer NOT NULL,
	"period_from" date NOT NULL,
	"period_to" date NOT NULL,
	"evaluator" text NOT NULL,
	"status" "round_status" DEFAULT 'draft' NOT NULL,
	"consequences" jsonb,
	"tiebreak" jsonb,
	"options" jsonb,
	"source" jsonb,
	"revision" integer DEFAULT 0 NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "rounds_code_unique" UNIQUE("code")
);
--> statement-breakpoint
CREATE TABLE "direct_scores" (
	"round_id" integer NOT NULL,
	"unit_id" integer NOT NULL,
	"standard_id" integer NOT NULL,
	"value" numeric NOT NULL,
	"note" text,
	"entered_by" integer,
	"entered_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "direct_scores_round_id_unit_id_standard_id_pk" PRIMARY KEY("round_id","unit_id","standard_id")
);
--> statement-breakpoint
CREATE TABLE "external_scores" (
	"round_id" integer NOT NULL,
	"unit_id" integer NOT NULL,
	"component" text NOT NULL,
	"value" numeric NOT NULL,
	"entered_by" integer,
	"entered_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "external_scores_round_id_unit_id_component_pk" PRIMARY KEY("round_id","unit_id","component")
);
--> statement-breakpoint
CREATE TABLE "finding_reviews" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"finding_id" uuid NOT NULL,
	"decision" text NOT NULL,
	"reason" text,
	"reviewer_id" integer,
	"at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "finding_versions" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"finding_id" uuid NOT NULL,
	"version" integer NOT NULL,
	"data" jsonb NOT NULL,
	"changed_by" integer,
	"changed_at" timestamp with time zone DEFAULT now() NOT NULL,
	"reason" text,
	CONSTRAINT "finding_versions_finding_version_uq" UNIQUE("finding_id","version")
);
--> statement-breakpoint
CREATE TABLE "findings" (
	"id" uuid PRIMARY KEY NOT NULL,
	"round_id" integer NOT NULL,
	"visit_id" uuid NOT NULL,
	"unit_id" integer NOT NULL,
	"standard_id" integer NOT NULL,
	"count" integer DEFAULT 1 NOT NULL,
	"deduction" numeric,
	"note" text,
	"evaluator" text,
	"at" timestamp with time zone,
	"lat" numeric,
	"lng" numeric,
	"photos" text[] DEFAULT '{}' NOT NULL,
	"status" "finding_status" DEFAULT 'pending' NOT NULL,
	"review_reason" text,
	"reviewed_by" integer,
	"reviewed_at" timestamp with time zone,
	"version" integer DEFAULT 1 NOT NULL,
	"content_hash" text NOT NULL,
	"created_by" integer,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "measures" (
	"round_id" integer NOT NULL,
	"unit_id" integer NOT NULL,
	"standard_id" integer NOT NULL,
	"value" numeric NOT NULL,
	"entered_by" integer,
	"entered_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "measures_round_id_unit_id_standard_id_pk" PRIMARY KEY("round_id","unit_id","standard_id")
);
--> statement-breakpoint
CREATE TABLE "photos" (
	"hash" text PRIMARY KEY NOT NULL,
	"mime" text NOT NULL,
	"bytes" integer NOT NULL,
	"uploaded_by" integer,
	"uploaded_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "visits" (
	"id" uuid PRIMARY KEY NOT NULL,
	"round_id" integer NOT NULL,
	"point_id" integer NOT NULL,
	"unit_id" integer NOT NULL,
	"point_type" text NOT NULL,
	"evaluator" text,
	"at" timestamp with time zone NOT NULL,
	"lat" numeric,
	"lng" numeric,
	"note" text,
	"content_hash" text NOT NULL,
	"created_by" integer,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "computed_results" (
	"round_id" integer PRIMARY KEY NOT NULL,
	"inputs_digest" text NOT NULL,
	"result" jsonb NOT NULL,
	"computed_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "ledger_entries" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"publication_id" integer NOT NULL,
	"round_id" integer NOT NULL,
	"group_code" text NOT NULL,
	"rule" integer NOT NULL,
	"unit_id" integer NOT NULL,
	"counterparty_id" integer NOT NULL,
	"amount" numeric NOT NULL,
	"kind" text NOT NULL,
	"reverses_id" integer,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "publications" (
	"id" serial PRIMARY KEY NOT NULL,
	"round_id" integer NOT NULL,
	"revision" integer NOT NULL,
	"reason" text,
	"snapshot_text" text NOT NULL,
	"hash" text NOT NULL,
	"inputs_digest" text NOT NULL,
	"published_by" integer,
	"published_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "publications_round_revision_uq" UNIQUE("round_id","revision")
);
--> statement-breakpoint
CREATE TABLE "unit_results" (
	"publication_id" integer NOT NULL,
	"round_id" integer NOT NULL,
	"unit_id" integer NOT NULL,
	"group_code" text NOT NULL,
	"ranked" boolean NOT NULL,
	"total" numeric,
	"rank" integer,
	"bottom" integer,
	"on_black_list" boolean DEFAULT false NOT NULL,
	"on_red_list" boolean DEFAULT false NOT NULL,
	"components" jsonb,
	CONSTRAINT "unit_results_publication_unit_uq" UNIQUE("publication_id","unit_id")
);
--> statement-breakpoint
CREATE TABLE "rectification_events" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"order_id" integer NOT NULL,
	"event" text NOT NULL,
	"note" text,
	"evidence" text[] DEFAULT '{}' NOT NULL,
	"actor_id" integer,
	"at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "rectification_orders" (
	"id" serial PRIMARY KEY NOT NULL,
	"code" text NOT NULL,
	"round_id" integer NOT NULL,
	"finding_id" uuid NOT NULL,
	"unit_id" integer NOT NULL,
	"point_id" integer NOT NULL,
	"standard_id" integer NOT NULL,
	"severity" text NOT NULL,
	"deadline" timestamp with time zone NOT NULL,
	"status" "rectification_status" DEFAULT 'issued' NOT NULL,
	"rebound" boolean DEFAULT false NOT NULL,
	"rebound_of" integer,
	"issued_at" timestamp with time zone DEFAULT now() NOT NULL,
	"closed_at" timestamp with time zone,
	"rework_count" integer DEFAULT 0 NOT NULL,
	CONSTRAINT "rectification_orders_code_unique" UNIQUE("code")
);
--> statement-breakpoint
ALTER TABLE "audit_log" ADD CONSTRAINT "audit_log_actor_id_users_id_fk" FOREIGN KEY ("actor_id") REFERENCES "public"."users"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "users" ADD CONSTRAINT "users_unit_id_units_id_fk" FOREIGN KEY ("unit_id") REFERENCES "public"."units"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "points" ADD CONSTRAINT "points_unit_id_units_id_fk" FOREIGN KEY ("unit_id") REFERENCES "public"."units"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "indicator_components" ADD CONSTRAINT "indicator_components_set_id_indicator_sets_id_fk" FOREIGN KEY ("set_id") REFERENCES "public"."indicator_sets"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "indicator_nodes" ADD CONSTRAINT "indicator_nodes_set_id_indicator_sets_id_fk" FOREIGN KEY ("set_id") REFERENCES "public"."indicator_sets"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "indicator_point_types" ADD CONSTRAINT "indicator_point_types_set_id_indicator_sets_id_fk" FOREIGN KEY ("set_id") REFERENCES "public"."indicator_sets"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "indicator_sets" ADD CONSTRAINT "indicator_sets_loaded_by_users_id_fk" FOREIGN KEY ("loaded_by") REFERENCES "public"."users"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "round_groups" ADD CONSTRAINT "round_groups_round_id_rounds_id_fk" FOREIGN KEY ("round_id") REFERENCES "public"."rounds"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "round_members" ADD CONSTRAINT "round_members_round_id_rounds_id_fk" FOREIGN KEY ("round_id") REFERENCES "public"."rounds"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "round_members" ADD CONSTRAINT "round_members_unit_id_units_id_fk" FOREIGN KEY ("unit_id") REFERENCES "public"."units"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "round_members" ADD CONSTRAINT "round_members_group_id_round_groups_id_fk" FOREIGN KEY ("group_id") REFERENCES "public"."round_groups"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "rounds" ADD CONSTRAINT "rounds_indicator_set_id_indicator_sets_id_fk" FOREIGN KEY ("indicator_set_id") REFERENCES "public"."indicator_sets"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "direct_scores" ADD CONSTRAINT "direct_scores_round_id_rounds_id_fk" FOREIGN KEY ("round_id") REFERENCES "public"."rounds"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "direct_scores" ADD CONSTRAINT "direct_scores_unit_id_units_id_fk" FOREIGN KEY ("unit_id") REFERENCES "public"."units"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "direct_scores" ADD CONSTRAINT "direct_scores_standard_id_indicator_nodes_id_fk" FOREIGN KEY ("standard_id") REFERENCES "public"."indicator_nodes"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "direct_scores" ADD CONSTRAINT "direct_scores_entered_by_users_id_fk" FOREIGN KEY ("entered_by") REFERENCES "public"."users"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "external_scores" ADD CONSTRAINT "external_scores_round_id_rounds_id_fk" FOREIGN KEY ("round_id") REFERENCES "public"."rounds"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "external_scores" ADD CONSTRAINT "external_scores_unit_id_units_id_fk" FOREIGN KEY ("unit_id") REFERENCES "public"."units"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "external_scores" ADD CONSTRAINT "external_scores_entered_by_users_id_fk" FOREIGN KEY ("entered_by") REFERENCES "public"."users"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "finding_reviews" ADD CONSTRAINT "finding_reviews_finding_id_findings_id_fk" FOREIGN KEY ("finding_id") REFERENCES "public"."findings"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "finding_reviews" ADD CONSTRAINT "finding_reviews_reviewer_id_users_id_fk" FOREIGN KEY ("reviewer_id") REFERENCES "public"."users"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "finding_versions" ADD CONSTRAINT "finding_versions_finding_id_findings_id_fk" FOREIGN KEY ("finding_id") REFERENCES "public"."findings"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "finding_versions" ADD CONSTRAINT "finding_versions_changed_by_users_id_fk" FOREIGN KEY ("changed_by") REFERENCES "public"."users"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "findings" ADD CONSTRAINT "findings_round_id_rounds_id_fk" FOREIGN KEY ("round_id") REFERENCES "public"."rounds"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "findings" ADD CONSTRAINT "findings_visit_id_visits_id_fk" FOREIGN KEY ("visit_id") REFERENCES "public"."visits"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "findings" ADD CONSTRAINT "findings_unit_id_units_id_fk" FOREIGN KEY ("unit_id") REFERENCES "public"."units"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "findings" ADD CONSTRAINT "findings_standard_id_indicator_nodes_id_fk" FOREIGN KEY ("standard_id") REFERENCES "public"."indicator_nodes"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "findings" ADD CONSTRAINT "findings_reviewed_by_users_id_fk" FOREIGN KEY ("reviewed_by") REFERENCES "public"."users"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "findings" ADD CONSTRAINT "findings_created_by_users_id_fk" FOREIGN KEY ("created_by") REFERENCES "public"."users"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "measures" ADD CONSTRAINT "measures_round_id_rounds_id_fk" FOREIGN KEY ("round_id") REFERENCES "public"."rounds"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "measures" ADD CONSTRAINT "measures_unit_id_units_id_fk" FOREIGN KEY ("unit_id") REFERENCES "public"."units"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "measures" ADD CONSTRAINT "measures_standard_id_indicator_nodes_id_fk" FOREIGN KEY ("standard_id") REFERENCES "public"."indicator_nodes"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "measures" ADD CONSTRAINT "measures_entered_by_users_id_fk" FOREIGN KEY ("entered_by") REFERENCES "public"."users"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "photos" ADD CONSTRAINT "photos_uploaded_by_users_id_fk" FOREIGN KEY ("uploaded_by") REFERENCES "public"."users"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "visits" ADD CONSTRAINT "visits_round_id_rounds_id_fk" FOREIGN KEY ("round_id") REFERENCES "public"."rounds"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "visits" ADD CONSTRAINT "visits_point_id_points_id_fk" FOREIGN KEY ("point_id") REFERENCES "public"."points"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "visits" ADD CONSTRAINT "visits_unit_id_units_id_fk" FOREIGN KEY ("unit_id") REFERENCES "public"."units"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "visits" ADD CONSTRAINT "visits_created_by_users_id_fk" FOREIGN KEY ("created_by") REFERENCES "public"."users"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "computed_results" ADD CONSTRAINT "computed_results_round_id_rounds_id_fk" FOREIGN KEY ("round_id") REFERENCES "public"."rounds"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "ledger_entries" ADD CONSTRAINT "ledger_entries_publication_id_publications_id_fk" FOREIGN KEY ("publication_id") REFERENCES "public"."publications"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "ledger_entries" ADD CONSTRAINT "ledger_entries_round_id_rounds_id_fk" FOREIGN KEY ("round_id") REFERENCES "public"."rounds"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "ledger_entries" ADD CONSTRAINT "ledger_entries_unit_id_units_id_fk" FOREIGN KEY ("unit_id") REFERENCES "public"."units"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "ledger_entries" ADD CONSTRAINT "ledger_entries_counterparty_id_units_id_fk" FOREIGN KEY ("counterparty_id") REFERENCES "public"."units"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "publications" ADD CONSTRAINT "publications_round_id_rounds_id_fk" FOREIGN KEY ("round_id") REFERENCES "public"."rounds"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "publications" ADD CONSTRAINT "publications_published_by_users_id_fk" FOREIGN KEY ("published_by") REFERENCES "public"."users"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "unit_results" ADD CONSTRAINT "unit_results_publication_id_publications_id_fk" FOREIGN KEY ("publication_id") REFERENCES "public"."publications"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "unit_results" ADD CONSTRAINT "unit_results_round_id_rounds_id_fk" FOREIGN KEY ("round_id") REFERENCES "public"."rounds"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "unit_results" ADD CONSTRAINT "unit_results_unit_id_units_id_fk" FOREIGN KEY ("unit_id") REFERENCES "public"."units"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "rectification_events" ADD CONSTRAINT "rectification_events_order_id_rectification_orders_id_fk" FOREIGN KEY ("order_id") REFERENCES "public"."rectification_orders"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "rectification_events" ADD CONSTRAINT "rectification_events_actor_id_users_id_fk" FOREIGN KEY ("actor_id") REFERENCES "public"."users"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "rectification_orders" ADD CONSTRAINT "rectification_orders_round_id_rounds_id_fk" FOREIGN KEY ("round_id") REFERENCES "public"."rounds"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "rectification_orders" ADD CONSTRAINT "rectification_orders_finding_id_findings_id_fk" FOREIGN KEY ("finding_id") REFERENCES "public"."findings"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "rectification_orders" ADD CONSTRAINT "rectification_orders_unit_id_units_id_fk" FOREIGN KEY ("unit_id") REFERENCES "public"."units"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "rectification_orders" ADD CONSTRAINT "rectification_orders_point_id_points_id_fk" FOREIGN KEY ("point_id") REFERENCES "public"."points"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "rectification_orders" ADD CONSTRAINT "rectification_orders_standard_id_indicator_nodes_id_fk" FOREIGN KEY ("standard_id") REFERENCES "public"."indicator_nodes"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "audit_log_entity_idx" ON "audit_log" USING btree ("entity","entity_key");--> statement-breakpoint
CREATE INDEX "points_unit_idx" ON "points" USING btree ("unit_id");--> statement-breakpoint
CREATE INDEX "indicator_nodes_set_kind_idx" ON "indicator_nodes" USING btree ("set_id","kind");--> statement-breakpoint
CREATE INDEX "finding_reviews_finding_idx" ON "finding_reviews" USING btree ("finding_id");--> statement-breakpoint
CREATE INDEX "findings_round_unit_standard_idx" ON "findings" USING btree ("round_id","unit_id","standard_id");--> statement-breakpoint
CREATE INDEX "findings_visit_idx" ON "findings" USING btree ("visit_id");--> statement-breakpoint
CREATE INDEX "visits_round_unit_idx" ON "visits" USING btree ("round_id","unit_id");--> statement-breakpoint
CREATE INDEX "ledger_entries_unit_idx" ON "ledger_entries" USING btree ("unit_id");--> statement-breakpoint
CREATE INDEX "ledger_entries_round_idx" ON "ledger_entries" USING btree ("round_id");--> statement-breakpoint
CREATE INDEX "unit_results_unit_idx" ON "unit_results" USING btree ("unit_id");--> statement-breakpoint
CREATE INDEX "rectification_events_order_idx" ON "rectification_events" USING btree ("order_id");--> statement-breakpoint
CREATE INDEX "rectification_orders_unit_idx" ON "rectification_orders" USING btree ("unit_id","status");