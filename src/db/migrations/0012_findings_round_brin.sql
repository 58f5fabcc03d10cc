DROP INDEX "findings_round_creator_idx";--> statement-breakpoint
CREATE INDEX "findings_round_brin" ON "findings" USING brin ("round_id");