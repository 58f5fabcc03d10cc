ALTER TABLE "findings" DROP CONSTRAINT "findings_round_id_rounds_id_fk";
--> statement-breakpoint
ALTER TABLE "findings" DROP CONSTRAINT "findings_visit_id_visits_id_fk";
--> statement-breakpoint
ALTER TABLE "findings" DROP CONSTRAINT "findings_unit_id_units_id_fk";
--> statement-breakpoint
ALTER TABLE "findings" DROP CONSTRAINT "findings_standard_id_indicator_nodes_id_fk";
--> statement-breakpoint
ALTER TABLE "findings" DROP CONSTRAINT "findings_reviewed_by_users_id_fk";
--> statement-breakpoint
ALTER TABLE "findings" DROP CONSTRAINT "findings_created_by_users_id_fk";
--> statement-breakpoint
DROP INDEX "findings_round_unit_standard_idx";--> statement-breakpoint
CREATE INDEX "findings_round_creator_idx" ON "findings" USING btree ("round_id","created_by");