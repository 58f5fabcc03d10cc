-- Counters that data entry reads with the round in a batch's first statement, so that what a
-- server keeps in memory between batches is never used after another server (or anyone with
-- SQL) changed what it was read from:
-- - registry: points, units and round members, what a round's batches are checked against;
-- - sets: stored indicator sets updated, deleted or truncated (civindex only adds sets);
-- - visits: visits updated, deleted or truncated (civindex itself never does either).
-- They replace the sequence of 0010. A sequence moves before the change that moved it commits,
-- so a batch in between read the new number with the old rows and kept them under it; only a
-- second move after the commit (by storeRound) made it read them again, and a change made any
-- other way (by hand, or a process that died between the two) stayed unseen. A row updated in
-- the changing transaction becomes visible with the change, never before. Updating it takes the
-- row's lock until commit: two round loads wait for each other. Inserting visits and findings,
-- the hot path, moves nothing here.
CREATE TABLE "civindex_entry_versions" (
	"one" boolean PRIMARY KEY DEFAULT true NOT NULL,
	"registry" bigint NOT NULL,
	"sets" bigint NOT NULL,
	"visits" bigint NOT NULL,
	CONSTRAINT "civindex_entry_versions_one_check" CHECK ("civindex_entry_versions"."one")
);
--> statement-breakpoint
INSERT INTO civindex_entry_versions (registry, sets, visits) VALUES (1, 1, 1);
--> statement-breakpoint
DROP TRIGGER points_changed ON points;
--> statement-breakpoint
DROP FUNCTION civindex_points_changed();
--> statement-breakpoint
DROP SEQUENCE civindex_points_version;
--> statement-breakpoint
CREATE FUNCTION civindex_registry_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  UPDATE civindex_entry_versions SET registry = registry + 1;
  RETURN NULL;
END;
$$;
--> statement-breakpoint
CREATE FUNCTION civindex_sets_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  UPDATE civindex_entry_versions SET sets = sets + 1;
  RETURN NULL;
END;
$$;
--> statement-breakpoint
CREATE FUNCTION civindex_visits_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  UPDATE civindex_entry_versions SET visits = visits + 1;
  RETURN NULL;
END;
$$;
--> statement-breakpoint
CREATE TRIGGER points_changed AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON points
  FOR EACH STATEMENT EXECUTE FUNCTION civindex_registry_changed();
--> statement-breakpoint
CREATE TRIGGER units_changed AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON units
  FOR EACH STATEMENT EXECUTE FUNCTION civindex_registry_changed();
--> statement-breakpoint
CREATE TRIGGER round_members_changed AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON round_members
  FOR EACH STATEMENT EXECUTE FUNCTION civindex_registry_changed();
--> statement-breakpoint
CREATE TRIGGER indicator_sets_changed AFTER UPDATE OR DELETE OR TRUNCATE ON indicator_sets
  FOR EACH STATEMENT EXECUTE FUNCTION civindex_sets_changed();
--> statement-breakpoint
CREATE TRIGGER indicator_nodes_changed AFTER UPDATE OR DELETE OR TRUNCATE ON indicator_nodes
  FOR EACH STATEMENT EXECUTE FUNCTION civindex_sets_changed();
--> statement-breakpoint
CREATE TRIGGER indicator_components_changed AFTER UPDATE OR DELETE OR TRUNCATE ON indicator_components
  FOR EACH STATEMENT EXECUTE FUNCTION civindex_sets_changed();
--> statement-breakpoint
CREATE TRIGGER indicator_point_types_changed AFTER UPDATE OR DELETE OR TRUNCATE ON indicator_point_types
  FOR EACH STATEMENT EXECUTE FUNCTION civindex_sets_changed();
--> statement-breakpoint
CREATE TRIGGER visits_changed AFTER UPDATE OR DELETE OR TRUNCATE ON visits
  FOR EACH STATEMENT EXECUTE FUNCTION civindex_visits_changed();
