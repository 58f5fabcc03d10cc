-- Keeps visit_standard_totals equal to an aggregate of the findings that count (status other
-- than rejected), per (round, unit, standard, visit). Statement-level triggers with transition
-- tables see all rows a statement inserted, updated or deleted (COPY included), so a batch of
-- 5,000 findings costs one grouped upsert, not 5,000. A row whose findings reach 0 is removed.
CREATE OR REPLACE FUNCTION civindex_finding_totals_insert() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO visit_standard_totals AS t (round_id, unit_id, standard_id, visit_id, findings, deduction, points, excess)
  SELECT d.round_id, d.unit_id, d.standard_id, d.visit_id, d.n, d.ded, s.points, nullif(greatest(0, d.ded - s.points), 0)
  FROM (
    SELECT x.round_id, x.unit_id, x.standard_id, x.visit_id, sum(x.sign * x.count) AS n,
           sum(x.sign * coalesce(x.deduction, coalesce((s.rule->>'per')::numeric, 0) * x.count)) AS ded
    FROM (
      SELECT 1 AS sign, n.round_id, n.unit_id, n.standard_id, n.visit_id, n.count, n.deduction FROM new_rows n WHERE n.status <> 'rejected'
    ) x JOIN indicator_nodes s ON s.id = x.standard_id
    GROUP BY x.round_id, x.unit_id, x.standard_id, x.visit_id
  ) d JOIN indicator_nodes s ON s.id = d.standard_id
  WHERE d.n <> 0 OR d.ded <> 0
  ON CONFLICT (round_id, unit_id, standard_id, visit_id) DO UPDATE
    SET findings = t.findings + excluded.findings,
        deduction = t.deduction + excluded.deduction,
        excess = nullif(greatest(0, t.deduction + excluded.deduction - t.points), 0);
  RETURN NULL;
END;
$$;
--> statement-breakpoint
CREATE OR REPLACE FUNCTION civindex_finding_totals_update() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO visit_standard_totals AS t (round_id, unit_id, standard_id, visit_id, findings, deduction, points, excess)
  SELECT d.round_id, d.unit_id, d.standard_id, d.visit_id, d.n, d.ded, s.points, nullif(greatest(0, d.ded - s.points), 0)
  FROM (
    SELECT x.round_id, x.unit_id, x.standard_id, x.visit_id, sum(x.sign * x.count) AS n,
           sum(x.sign * coalesce(x.deduction, coalesce((s.rule->>'per')::numeric, 0) * x.count)) AS ded
    FROM (
      SELECT -1 AS sign, o.round_id, o.unit_id, o.standard_id, o.visit_id, o.count, o.deduction FROM old_rows o WHERE o.status <> 'rejected'
      UNION ALL
      SELECT 1 AS sign, n.round_id, n.unit_id, n.standard_id, n.visit_id, n.count, n.deduction FROM new_rows n WHERE n.status <> 'rejected'
    ) x JOIN indicator_nodes s ON s.id = x.standard_id
    GROUP BY x.round_id, x.unit_id, x.standard_id, x.visit_id
  ) d JOIN indicator_nodes s ON s.id = d.standard_id
  WHERE d.n <> 0 OR d.ded <> 0
  ON CONFLICT (round_id, unit_id, standard_id, visit_id) DO UPDATE
    SET findings = t.findings + excluded.findings,
        deduction = t.deduction + excluded.deduction,
        excess = nullif(greatest(0, t.deduction + excluded.deduction - t.points), 0);
  DELETE FROM visit_standard_totals t
  USING (SELECT DISTINCT round_id, unit_id, standard_id, visit_id FROM old_rows) o
  WHERE t.round_id = o.round_id AND t.unit_id = o.unit_id AND t.standard_id = o.standard_id AND t.visit_id = o.visit_id
    AND t.findings = 0;
  RETURN NULL;
END;
$$;
--> statement-breakpoint
CREATE OR REPLACE FUNCTION civindex_finding_totals_delete() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO visit_standard_totals AS t (round_id, unit_id, standard_id, visit_id, findings, deduction, points, excess)
  SELECT d.round_id, d.unit_id, d.standard_id, d.visit_id, d.n, d.ded, s.points, nullif(greatest(0, d.ded - s.points), 0)
  FROM (
    SELECT x.round_id, x.unit_id, x.standard_id, x.visit_id, sum(x.sign * x.count) AS n,
           sum(x.sign * coalesce(x.deduction, coalesce((s.rule->>'per')::numeric, 0) * x.count)) AS ded
    FROM (
      SELECT -1 AS sign, o.round_id, o.unit_id, o.standard_id, o.visit_id, o.count, o.deduction FROM old_rows o WHERE o.status <> 'rejected'
    ) x JOIN indicator_nodes s ON s.id = x.standard_id
    GROUP BY x.round_id, x.unit_id, x.standard_id, x.visit_id
  ) d JOIN indicator_nodes s ON s.id = d.standard_id
  WHERE d.n <> 0 OR d.ded <> 0
  ON CONFLICT (round_id, unit_id, standard_id, visit_id) DO UPDATE
    SET findings = t.findings + excluded.findings,
        deduction = t.deduction + excluded.deduction,
        excess = nullif(greatest(0, t.deduction + excluded.deduction - t.points), 0);
  DELETE FROM visit_standard_totals t
  USING (SELECT DISTINCT round_id, unit_id, standard_id, visit_id FROM old_rows) o
  WHERE t.round_id = o.round_id AND t.unit_id = o.unit_id AND t.standard_id = o.standard_id AND t.visit_id = o.visit_id
    AND t.findings = 0;
  RETURN NULL;
END;
$$;
--> statement-breakpoint
CREATE TRIGGER findings_totals_insert AFTER INSERT ON findings REFERENCING NEW TABLE AS new_rows
  FOR EACH STATEMENT EXECUTE FUNCTION civindex_finding_totals_insert();
--> statement-breakpoint
CREATE TRIGGER findings_totals_update AFTER UPDATE ON findings REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
  FOR EACH STATEMENT EXECUTE FUNCTION civindex_finding_totals_update();
--> statement-breakpoint
CREATE TRIGGER findings_totals_delete AFTER DELETE ON findings REFERENCING OLD TABLE AS old_rows
  FOR EACH STATEMENT EXECUTE FUNCTION civindex_finding_totals_delete();
