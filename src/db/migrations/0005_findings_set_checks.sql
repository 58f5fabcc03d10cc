-- Findings check their references once per statement, as a join over the rows the statement
-- wrote, instead of four row-by-row foreign-key lookups per finding. Any inconsistent row
-- aborts the whole statement, exactly as a foreign key would.
CREATE OR REPLACE FUNCTION civindex_findings_check() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  bad record;
BEGIN
  SELECT n.id,
         CASE
           WHEN v.id IS NULL THEN 'its visit ' || n.visit_id || ' does not exist'
           WHEN v.round_id <> n.round_id OR v.unit_id <> n.unit_id THEN 'its visit belongs to another round or unit'
           WHEN s.id IS NULL THEN 'its standard ' || n.standard_id || ' does not exist'
           WHEN n.created_by IS NOT NULL AND cu.id IS NULL THEN 'its creator ' || n.created_by || ' does not exist'
           ELSE 'its reviewer ' || n.reviewed_by || ' does not exist'
         END AS problem
  INTO bad
  FROM new_rows n
  LEFT JOIN visits v ON v.id = n.visit_id
  LEFT JOIN indicator_nodes s ON s.id = n.standard_id AND s.kind = 'standard'
  LEFT JOIN users cu ON cu.id = n.created_by
  LEFT JOIN users ru ON ru.id = n.reviewed_by
  WHERE v.id IS NULL OR v.round_id <> n.round_id OR v.unit_id <> n.unit_id OR s.id IS NULL
     OR (n.created_by IS NOT NULL AND cu.id IS NULL) OR (n.reviewed_by IS NOT NULL AND ru.id IS NULL)
  LIMIT 1;
  IF FOUND THEN
    RAISE EXCEPTION 'civindex: finding % is inconsistent: %', bad.id, bad.problem USING ERRCODE = 'foreign_key_violation';
  END IF;
  RETURN NULL;
END;
$$;
--> statement-breakpoint
CREATE TRIGGER findings_check_insert AFTER INSERT ON findings REFERENCING NEW TABLE AS new_rows
  FOR EACH STATEMENT EXECUTE FUNCTION civindex_findings_check();
--> statement-breakpoint
CREATE TRIGGER findings_check_update AFTER UPDATE ON findings REFERENCING NEW TABLE AS new_rows
  FOR EACH STATEMENT EXECUTE FUNCTION civindex_findings_check();
--> statement-breakpoint
-- A visit with findings cannot be deleted (what the foreign key from findings used to ensure).
CREATE OR REPLACE FUNCTION civindex_visits_keep_referenced() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  bad uuid;
BEGIN
  SELECT f.visit_id INTO bad FROM findings f JOIN old_rows o ON o.id = f.visit_id LIMIT 1;
  IF FOUND THEN
    RAISE EXCEPTION 'civindex: visit % still has findings', bad USING ERRCODE = 'foreign_key_violation';
  END IF;
  RETURN NULL;
END;
$$;
--> statement-breakpoint
CREATE TRIGGER visits_keep_referenced AFTER DELETE ON visits REFERENCING OLD TABLE AS old_rows
  FOR EACH STATEMENT EXECUTE FUNCTION civindex_visits_keep_referenced();
