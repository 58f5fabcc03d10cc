ALTER TABLE "rounds" ADD COLUMN "totals_ready" boolean DEFAULT false NOT NULL;
--> statement-breakpoint
-- Rounds whose totals were maintained until now keep them.
UPDATE "rounds" SET "totals_ready" = true;
--> statement-breakpoint
-- The totals triggers act only on rounds whose totals are built (rounds.totals_ready): during
-- fieldwork a batch of findings is written without the grouped upsert, and the totals are
-- built in one statement when fieldwork closes.
CREATE OR REPLACE FUNCTION civindex_finding_totals_insert() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF NOT EXISTS (SELECT 1 FROM rounds r WHERE r.totals_ready AND r.id IN (SELECT round_id FROM new_rows)) THEN
    RETURN NULL;
  END IF;
  INSERT INTO visit_standard_totals AS t (round_id, unit_id, standard_id, visit_id, findings, deduction, points, excess)
  SELECT d.round_id, d.unit_id, d.standard_id, d.visit_id, d.n, d.ded, s.points, nullif(greatest(0, d.ded - s.points), 0)
  FROM (
    SELECT x.round_id, x.unit_id, x.standard_id, x.visit_id, sum(x.sign * x.count) AS n,
           sum(x.sign * coalesce(x.deduction, coalesce((s.rule->>'per')::numeric, 0) * x.count)) AS ded
    FROM (
      SELECT 1 AS sign, n.round_id, n.unit_id, n.standard_id, n.visit_id, n.count, n.deduction FROM new_rows n WHERE n.status <> 'rejected'
    ) x JOIN indicator_nodes s ON s.id = x.standard_id
    JOIN rounds r ON r.id = x.round_id AND r.totals_ready
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
  IF NOT EXISTS (SELECT 1 FROM rounds r WHERE r.totals_ready AND r.id IN (SELECT round_id FROM old_rows UNION SELECT round_id FROM new_rows)) THEN
    RETURN NULL;
  END IF;
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
    JOIN rounds r ON r.id = x.round_id AND r.totals_ready
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
  IF NOT EXISTS (SELECT 1 FROM rounds r WHERE r.totals_ready AND r.id IN (SELECT round_id FROM old_rows)) THEN
    RETURN NULL;
  END IF;
  INSERT INTO visit_standard_totals AS t (round_id, unit_id, standard_id, visit_id, findings, deduction, points, excess)
  SELECT d.round_id, d.unit_id, d.standard_id, d.visit_id, d.n, d.ded, s.points, nullif(greatest(0, d.ded - s.points), 0)
  FROM (
    SELECT x.round_id, x.unit_id, x.standard_id, x.visit_id, sum(x.sign * x.count) AS n,
           sum(x.sign * coalesce(x.deduction, coalesce((s.rule->>'per')::numeric, 0) * x.count)) AS ded
    FROM (
      SELECT -1 AS sign, o.round_id, o.unit_id, o.standard_id, o.visit_id, o.count, o.deduction FROM old_rows o WHERE o.status <> 'rejected'
    ) x JOIN indicator_nodes s ON s.id = x.standard_id
    JOIN rounds r ON r.id = x.round_id AND r.totals_ready
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
