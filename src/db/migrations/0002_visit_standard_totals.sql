CREATE TABLE "visit_standard_totals" (
	"round_id" integer NOT NULL,
	"unit_id" integer NOT NULL,
	"standard_id" integer NOT NULL,
	"visit_id" uuid NOT NULL,
	"findings" integer NOT NULL,
	"deduction" numeric NOT NULL,
	"points" numeric NOT NULL,
	"excess" numeric,
	CONSTRAINT "visit_standard_totals_round_id_unit_id_standard_id_visit_id_pk" PRIMARY KEY("round_id","unit_id","standard_id","visit_id")
);
