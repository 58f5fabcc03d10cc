-- An audit entry appended in one statement: the chain's lock, the read of its head and the
-- insert, so a writer holds the lock for one round trip to the database instead of three (the
-- lock is held until the writer's commit, and every other writer waits for it). The caller
-- sends the entry's canonical JSON text; the hash is SHA-256 over the previous hash, a newline
-- and that text, exactly as the application computes it when it verifies the chain. Each
-- statement of a volatile function takes a new snapshot, so the head is read after the lock.
CREATE OR REPLACE FUNCTION civindex_append_audit(
  p_at timestamptz, p_actor_id integer, p_actor text, p_action text, p_entity text, p_entity_key text, p_details jsonb, p_body text
) RETURNS void LANGUAGE plpgsql VOLATILE AS $$
DECLARE
  prev text;
BEGIN
  PERFORM pg_advisory_xact_lock(726355);
  SELECT hash INTO prev FROM audit_log ORDER BY id DESC LIMIT 1;
  INSERT INTO audit_log (at, actor_id, actor, action, entity, entity_key, details, prev_hash, hash)
  VALUES (p_at, p_actor_id, p_actor, p_action, p_entity, p_entity_key, p_details, prev,
          encode(sha256(convert_to(coalesce(prev, '') || E'\n' || p_body, 'UTF8')), 'hex'));
END;
$$;
