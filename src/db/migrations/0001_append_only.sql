-- The audit log, the money ledger and published revisions are append-only: corrections are
-- new rows (reversing ledger entries, a new revision), never edits.
CREATE OR REPLACE FUNCTION civindex_forbid_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'civindex: % is append-only; % is not allowed', TG_TABLE_NAME, TG_OP
    USING ERRCODE = 'raise_exception';
END;
$$;
--> statement-breakpoint
CREATE TRIGGER audit_log_append_only BEFORE UPDATE OR DELETE ON audit_log
  FOR EACH ROW EXECUTE FUNCTION civindex_forbid_change();
--> statement-breakpoint
CREATE TRIGGER ledger_entries_append_only BEFORE UPDATE OR DELETE ON ledger_entries
  FOR EACH ROW EXECUTE FUNCTION civindex_forbid_change();
--> statement-breakpoint
CREATE TRIGGER publications_append_only BEFORE UPDATE OR DELETE ON publications
  FOR EACH ROW EXECUTE FUNCTION civindex_forbid_change();
