-- The sender's simple leads are read by id. 0008 wrote `id = ANY (...) AND client_id IS NULL`,
-- which a plan made while leads was new (and looked empty) answers through leads_client_open:
-- every simple lead there is, filtered down to the sender's few (0.2-0.5 ms a message at 1,200
-- leads, and growing with the table). `OFFSET 0` keeps the look-up by id a query of its own, so
-- it can only go through the primary key. The function is otherwise 0008's.
CREATE OR REPLACE FUNCTION leadwire_ingest_state(
  p_channel bigint,
  p_external text,
  p_keys text[],
  p_refs text[],
  p_token bigint,
  p_inbox bigint,
  p_call text,
  p_held text[]
) RETURNS json
LANGUAGE plpgsql VOLATILE
-- Its queries are index look-ups whatever the values. Planning them anew for each message (the
-- custom plans an array parameter would otherwise get) cost more than running them, so each is
-- planned once per connection; and a plan made while a table was new and looked empty would
-- scan it whole for as long as the connection lives, so the plans never scan a table.
SET plan_cache_mode = force_generic_plan
SET enable_seqscan = off
AS $$
DECLARE
  v_held text[] := p_held;
  v_touched text[];
  v_missing text[];
  -- The owners of the sender's identities (a client once per identity it matched), and the
  -- leads the thread points at with their clients.
  v_key_clients bigint[];
  v_key_leads bigint[];
  v_thread_ids bigint[] := '{}';
  v_thread_clients bigint[] := '{}';
  v_inbox json;
  v_existing bigint;
  v_threads json := '[]';
  v_clients json := '[]';
  v_simple json := '[]';
  v_operators bigint[];
  v_full bigint[];
  v_last bigint;
  v_call json;
BEGIN
  FOR round IN 1..10 LOOP
    SELECT coalesce(array_agg(client_id) FILTER (WHERE client_id IS NOT NULL), '{}'),
           coalesce(array_agg(lead_id) FILTER (WHERE lead_id IS NOT NULL), '{}')
      INTO v_key_clients, v_key_leads
    FROM identities WHERE key = ANY (p_keys);
    IF cardinality(p_refs) > 0 OR p_token IS NOT NULL THEN
      SELECT coalesce(array_agg(l.id), '{}'),
             coalesce(array_agg(l.client_id) FILTER (WHERE l.client_id IS NOT NULL), '{}')
        INTO v_thread_ids, v_thread_clients
      FROM leads l
      WHERE l.id IN (SELECT lead_id FROM messages WHERE external_id = ANY (p_refs)
                     UNION SELECT p_token WHERE p_token IS NOT NULL);
    END IF;
    -- The identity keys of every record the message may write to.
    v_touched := ARRAY(
      SELECT key FROM identities WHERE client_id = ANY (v_key_clients || v_thread_clients)
      UNION SELECT key FROM identities WHERE lead_id = ANY (v_key_leads || v_thread_ids));
    v_missing := ARRAY(SELECT unnest(v_touched) EXCEPT SELECT unnest(v_held) ORDER BY 1);
    EXIT WHEN cardinality(v_missing) = 0;
    IF round = 10 OR NOT (SELECT bool_and(pg_try_advisory_xact_lock(1, hashtext(k)))
                          FROM unnest(v_missing) AS k) THEN
      RETURN json_build_object('needs', v_missing);
    END IF;
    -- Locked now; the records may have changed before the lock: look again.
    v_held := v_held || v_missing;
  END LOOP;
  -- Every record read from here on has its keys locked: it stays as read until the commit.
  SELECT json_build_object('status', status, 'outcome', outcome, 'reason', reason, 'error', error,
      'leadId', lead_id, 'attempts', attempts, 'processedAt', processed_at)
    INTO v_inbox FROM inbox WHERE id = p_inbox;
  SELECT lead_id INTO v_existing FROM messages WHERE external_id = p_external AND channel_id = p_channel;
  IF cardinality(v_thread_ids) > 0 THEN
    SELECT coalesce(json_agg(leadwire_lead_ref(l)), '[]') INTO v_threads
    FROM leads l WHERE l.id = ANY (v_thread_ids);
  END IF;
  IF cardinality(v_key_clients) > 0 THEN
    SELECT coalesce(json_agg(json_build_object(
        'id', m.client_id,
        'matched', m.matched,
        'identityKeys', (SELECT coalesce(array_agg(key), '{}') FROM identities WHERE client_id = m.client_id),
        'responsible', (SELECT json_build_object('id', u.id, 'active', u.active)
                        FROM clients c JOIN users u ON u.id = c.responsible_id WHERE c.id = m.client_id),
        'openLeads', (SELECT coalesce(json_agg(leadwire_lead_ref(l)), '[]') FROM leads l
                      WHERE l.client_id = m.client_id AND l.open))), '[]')
      INTO v_clients
    FROM (SELECT c AS client_id, count(*) AS matched FROM unnest(v_key_clients) AS c GROUP BY c) m;
  END IF;
  IF cardinality(v_key_leads) > 0 THEN
    -- Every open lead plus the newest closed ones (row 6 needs only one): at most 20.
    SELECT coalesce(json_agg(leadwire_lead_ref(l) ORDER BY l.open DESC, l.updated_at DESC), '[]')
      INTO v_simple
    FROM (SELECT id FROM (SELECT id, client_id, open, updated_at FROM leads
                          WHERE id = ANY (v_key_leads) OFFSET 0) k
          WHERE client_id IS NULL ORDER BY open DESC, updated_at DESC LIMIT 20) s
    JOIN leads l ON l.id = s.id;
  END IF;
  SELECT coalesce(array_agg(u.id ORDER BY co.position, u.id), '{}') INTO v_operators
  FROM channel_operators co JOIN users u ON u.id = co.user_id
  WHERE co.channel_id = p_channel AND u.active;
  -- Operators whose open leads already reach their capacity (only people who have one).
  SELECT coalesce(array_agg(u.id), '{}') INTO v_full
  FROM channel_operators co JOIN users u ON u.id = co.user_id
  WHERE co.channel_id = p_channel AND u.active AND u.capacity IS NOT NULL
    AND (SELECT count(*) FROM leads l WHERE l.responsible_id = u.id AND l.open) >= u.capacity;
  SELECT last_assigned_user_id INTO v_last FROM channels WHERE id = p_channel;
  IF p_call IS NOT NULL THEN
    SELECT json_build_object('id', id, 'dueAt', due_at) INTO v_call FROM activities
    WHERE identity_key = p_call AND status = 'open' AND kind = 'call' LIMIT 1;
  END IF;
  RETURN json_build_object('inbox', v_inbox, 'existing', v_existing, 'threads', v_threads,
    'clients', v_clients, 'simple', v_simple, 'operators', v_operators, 'full', v_full,
    'last_assigned', v_last, 'open_call', v_call, 'touched', v_touched,
    'locked', ARRAY(SELECT unnest(v_held) EXCEPT SELECT unnest(p_held)));
END
$$;
