-- A counter that moves whenever the point registry changes (a round file adds or moves points),
-- so that what data entry keeps of a round's points can tell in one cheap read that it is still
-- current. A sequence: bumping it takes no row lock, and a bump by a change rolled back only
-- makes the next batch read the points anew. A bump is seen before the change commits, so the
-- application bumps again once its change has committed (storeRound).
CREATE SEQUENCE civindex_points_version;
--> statement-breakpoint
SELECT nextval('civindex_points_version');
--> statement-breakpoint
CREATE OR REPLACE FUNCTION civindex_points_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM nextval('civindex_points_version');
  RETURN NULL;
END;
$$;
--> statement-breakpoint
CREATE TRIGGER points_changed AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON points
  FOR EACH STATEMENT EXECUTE FUNCTION civindex_points_changed();
