-- Everything publication writes is append-only, and no append-only table can be emptied.
-- unit_results (what later rounds read for rank change and escalation) joins publications, the
-- ledger and the audit log: a correction is a new revision with rows of its own, never an edit.
-- TRUNCATE fires no row trigger, so each of the four tables also refuses it with a statement
-- trigger (a TRUNCATE … CASCADE that reaches one of them is refused as a whole).
CREATE TRIGGER unit_results_append_only BEFORE UPDATE OR DELETE ON unit_results
  FOR EACH ROW EXECUTE FUNCTION civindex_forbid_change();
--> statement-breakpoint
CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON audit_log
  FOR EACH STATEMENT EXECUTE FUNCTION civindex_forbid_change();
--> statement-breakpoint
CREATE TRIGGER ledger_entries_no_truncate BEFORE TRUNCATE ON ledger_entries
  FOR EACH STATEMENT EXECUTE FUNCTION civindex_forbid_change();
--> statement-breakpoint
CREATE TRIGGER publications_no_truncate BEFORE TRUNCATE ON publications
  FOR EACH STATEMENT EXECUTE FUNCTION civindex_forbid_change();
--> statement-breakpoint
CREATE TRIGGER unit_results_no_truncate BEFORE TRUNCATE ON unit_results
  FOR EACH STATEMENT EXECUTE FUNCTION civindex_forbid_change();
--> statement-breakpoint
-- The server may run as a role that owns no table (README, "A server role that owns nothing"),
-- and PostgreSQL 15 lets only a table's owner ANALYZE it. Closing fieldwork refreshes the
-- statistics of the totals it has just written through this function, which runs as its owner
-- (the role that applied the migrations) and can analyze that one table and nothing else.
CREATE OR REPLACE FUNCTION civindex_analyze_visit_totals() RETURNS void
  LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
BEGIN
  ANALYZE public.visit_standard_totals;
END;
$$;
