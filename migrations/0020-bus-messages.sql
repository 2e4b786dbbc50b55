-- The request/reply bus between processes (src/core/bus): an API process that must reach the
-- worker holding a resource (a live job's stream) writes a message for it here and waits for
-- the reply. The row is the message, so nothing is lost when a notification is: NOTIFY only
-- wakes the other side early, and both sides poll as a fallback.
--
-- state: pending (written, nobody took it) → claimed (a process that holds `target` took it)
-- → replied (`reply` holds the answer). A request nobody claims in time is marked expired by
-- its sender; one claimed but not answered in time, abandoned (both lose their payload, which
-- may hold stream keys). A replied row is deleted when its sender reads the reply; the rest
-- are swept after 10 minutes.
CREATE TABLE bus_messages (
  id          bigserial PRIMARY KEY,
  project_id  text NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
  -- What the message is for, e.g. a live job id: only a process serving it claims it.
  target      text NOT NULL,
  payload     jsonb NOT NULL,
  state       text NOT NULL DEFAULT 'pending'
              CHECK (state IN ('pending', 'claimed', 'replied', 'expired', 'abandoned')),
  reply       jsonb,
  claimed_by  text,
  created_at  timestamptz NOT NULL DEFAULT now(),
  claimed_at  timestamptz,
  replied_at  timestamptz
);
CREATE INDEX bus_messages_pending_idx ON bus_messages (target) WHERE state = 'pending';
CREATE INDEX bus_messages_time_idx ON bus_messages (created_at);

-- Channel doppel_bus, payload '<state>:<id>': 'pending:<id>' wakes the processes that serve
-- targets, 'replied:<id>' wakes the sender.
CREATE FUNCTION bus_messages_notify() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF NEW.state IN ('pending', 'replied')
     AND (TG_OP = 'INSERT' OR OLD.state IS DISTINCT FROM NEW.state) THEN
    PERFORM pg_notify('doppel_bus', NEW.state || ':' || NEW.id);
  END IF;
  RETURN NULL;
END
$$;

CREATE TRIGGER bus_messages_notify_insert AFTER INSERT ON bus_messages
  FOR EACH ROW EXECUTE FUNCTION bus_messages_notify();
CREATE TRIGGER bus_messages_notify_update AFTER UPDATE OF state ON bus_messages
  FOR EACH ROW EXECUTE FUNCTION bus_messages_notify();
