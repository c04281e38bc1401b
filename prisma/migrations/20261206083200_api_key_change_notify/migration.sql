-- Engines cache API key rows (apps/engine/src/server/auth.ts) and LISTEN on cascade_api_key_changed:
-- every change to a key (revocation by the CLI, the console or plain SQL; scope edits; deletion)
-- notifies them in its transaction, with the key's prefix as payload, so a revoked key is refused
-- at once rather than when the cache entry expires.
CREATE FUNCTION "cascade_notify_api_key_changed"() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  PERFORM pg_notify('cascade_api_key_changed', COALESCE(OLD."prefix", NEW."prefix"));
  IF TG_OP = 'UPDATE' AND NEW."prefix" IS DISTINCT FROM OLD."prefix" THEN
    PERFORM pg_notify('cascade_api_key_changed', NEW."prefix");
  END IF;
  RETURN NULL;
END;
$$;

-- last_used_at is written by the engines themselves (at most once a minute per key): not a change.
CREATE TRIGGER "api_keys_notify_change"
AFTER UPDATE OF "prefix", "hashed_key", "scopes", "revoked_at" OR DELETE ON "api_keys"
FOR EACH ROW EXECUTE FUNCTION "cascade_notify_api_key_changed"();
