-- The findings reference check of 0009 in two passes over the rows a statement wrote instead
-- of four: one for the visits (with the round and unit the findings give them), one for the
-- standards and users together. A batch names one submitter and no reviewer, so the pairs of
-- standard and users are about as few as the standards alone.
CREATE OR REPLACE FUNCTION civindex_findings_check() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  bad record;
  finding uuid;
BEGIN
  SELECT d.visit_id, d.round_id, d.unit_id, v.id IS NULL AS missing
  INTO bad
  FROM (SELECT DISTINCT visit_id, round_id, unit_id FROM new_rows) d
  LEFT JOIN visits v ON v.id = d.visit_id
  WHERE v.id IS NULL OR v.round_id <> d.round_id OR v.unit_id <> d.unit_id
  LIMIT 1;
  IF FOUND THEN
    SELECT n.id INTO finding FROM new_rows n
    WHERE n.visit_id = bad.visit_id AND n.round_id = bad.round_id AND n.unit_id = bad.unit_id LIMIT 1;
    RAISE EXCEPTION 'civindex: finding % is inconsistent: %', finding,
      CASE WHEN bad.missing THEN 'its visit ' || bad.visit_id || ' does not exist' ELSE 'its visit belongs to another round or unit' END
      USING ERRCODE = 'foreign_key_violation';
  END IF;

  SELECT d.standard_id, d.created_by, d.reviewed_by,
         NOT EXISTS (SELECT 1 FROM indicator_nodes s WHERE s.id = d.standard_id AND s.kind = 'standard') AS no_standard,
         d.created_by IS NOT NULL AND NOT EXISTS (SELECT 1 FROM users u WHERE u.id = d.created_by) AS no_creator
  INTO bad
  FROM (SELECT DISTINCT standard_id, created_by, reviewed_by FROM new_rows) d
  WHERE NOT EXISTS (SELECT 1 FROM indicator_nodes s WHERE s.id = d.standard_id AND s.kind = 'standard')
     OR (d.created_by IS NOT NULL AND NOT EXISTS (SELECT 1 FROM users u WHERE u.id = d.created_by))
     OR (d.reviewed_by IS NOT NULL AND NOT EXISTS (SELECT 1 FROM users u WHERE u.id = d.reviewed_by))
  LIMIT 1;
  IF FOUND THEN
    SELECT n.id INTO finding FROM new_rows n
    WHERE n.standard_id = bad.standard_id AND n.created_by IS NOT DISTINCT FROM bad.created_by AND n.reviewed_by IS NOT DISTINCT FROM bad.reviewed_by LIMIT 1;
    IF bad.no_standard THEN
      RAISE EXCEPTION 'civindex: finding % is inconsistent: its standard % does not exist', finding, bad.standard_id USING ERRCODE = 'foreign_key_violation';
    ELSIF bad.no_creator THEN
      RAISE EXCEPTION 'civindex: finding % is inconsistent: its creator % does not exist', finding, bad.created_by USING ERRCODE = 'foreign_key_violation';
    ELSE
      RAISE EXCEPTION 'civindex: finding % is inconsistent: its reviewer % does not exist', finding, bad.reviewed_by USING ERRCODE = 'foreign_key_violation';
    END IF;
  END IF;
  RETURN NULL;
END;
$$;
