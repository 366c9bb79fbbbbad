-- Notifications for the other instances on this database (server/store/pg/listen.ts): sent in the
-- transaction of the write, so delivered only once it commits and never for a rolled-back one.

-- A tenant's data changed (every sync, failed attempt, purge); not a lease claim or renewal alone.
CREATE OR REPLACE FUNCTION o365_notify_tenant() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'UPDATE' AND (to_jsonb(NEW) - ARRAY['lease_owner', 'lease_until']) = (to_jsonb(OLD) - ARRAY['lease_owner', 'lease_until']) THEN
    RETURN NULL;
  END IF;
  PERFORM pg_notify('o365_changes', 'tenant:' || (CASE WHEN TG_OP = 'DELETE' THEN OLD.tenant_id ELSE NEW.tenant_id END));
  RETURN NULL;
END $$;
--> statement-breakpoint
CREATE TRIGGER tenants_notify AFTER INSERT OR UPDATE OR DELETE ON tenants FOR EACH ROW EXECUTE FUNCTION o365_notify_tenant();
--> statement-breakpoint
-- Keys created, revoked or deleted (not the batched last-used times).
CREATE OR REPLACE FUNCTION o365_notify_keys() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM pg_notify('o365_changes', 'keys');
  RETURN NULL;
END $$;
--> statement-breakpoint
CREATE TRIGGER api_keys_notify AFTER INSERT OR DELETE OR UPDATE OF revoked_at, role, org_id, key_hash ON api_keys FOR EACH STATEMENT EXECUTE FUNCTION o365_notify_keys();
--> statement-breakpoint
-- An authorization created, deleted, or changed in what the read model keeps (org, tenant, label, status).
CREATE OR REPLACE FUNCTION o365_notify_authorizations() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM pg_notify('o365_changes', 'authorizations');
  RETURN NULL;
END $$;
--> statement-breakpoint
CREATE TRIGGER authorizations_notify AFTER INSERT OR DELETE OR UPDATE OF org_id, tenant_id, label, status ON authorizations FOR EACH STATEMENT EXECUTE FUNCTION o365_notify_authorizations();
--> statement-breakpoint
-- Each change event recorded: its id (ids only; a payload is limited to 8000 bytes).
CREATE OR REPLACE FUNCTION o365_notify_event() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM pg_notify('o365_events', NEW.id);
  RETURN NULL;
END $$;
--> statement-breakpoint
CREATE TRIGGER events_notify AFTER INSERT ON events FOR EACH ROW EXECUTE FUNCTION o365_notify_event();
