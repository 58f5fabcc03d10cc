-- The findings reference check of 0005, grouped: each distinct visit (with the round and unit
-- the findings give it), standard and user of a statement is looked up once, not once per row.
-- A batch of findings names a few hundred standards and one creator, and in practice several
-- findings per visit, so this costs a fraction of the row-by-row join. The finding named in the
-- error is looked up only when something is wrong.
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

  SELECT d.standard_id INTO bad
  FROM (SELECT DISTINCT standard_id FROM new_rows) d
  WHERE NOT EXISTS (SELECT 1 FROM indicator_nodes s WHERE s.id = d.standard_id AND s.kind = 'standard')
  LIMIT 1;
  IF FOUND THEN
    SELECT n.id INTO finding FROM new_rows n WHERE n.standard_id = bad.standard_id LIMIT 1;
    RAISE EXCEPTION 'civindex: finding % is inconsistent: its standard % does not exist', finding, bad.standard_id
      USING ERRCODE = 'foreign_key_violation';
  END IF;

  SELECT d.user_id, d.role INTO bad
  FROM (
    SELECT DISTINCT created_by AS user_id, 'creator' AS role FROM new_rows WHERE created_by IS NOT NULL
    UNION
    SELECT DISTINCT reviewed_by, 'reviewer' FROM new_rows WHERE reviewed_by IS NOT NULL
  ) d
  WHERE NOT EXISTS (SELECT 1 FROM users u WHERE u.id = d.user_id)
  LIMIT 1;
  IF FOUND THEN
    SELECT n.id INTO finding FROM new_rows n
    WHERE (bad.role = 'creator' AND n.created_by = bad.user_id) OR (bad.role = 'reviewer' AND n.reviewed_by = bad.user_id) LIMIT 1;
    RAISE EXCEPTION 'civindex: finding % is inconsistent: its % % does not exist', finding, bad.role, bad.user_id
      USING ERRCODE = 'foreign_key_violation';
  END IF;
  RETURN NULL;
END;
$$;
