-- What one message's decision needs (db/postgres/ingest-state.ts), read in one call. A function
-- of small queries rather than one large statement: PL/pgSQL plans each of them once per
-- connection, where the large statement was planned again for every message (planning it cost
-- several times what running it does). It only reads; the decision itself is made in core/.
CREATE OR REPLACE FUNCTION leadwire_lead_ref(l leads) RETURNS json
LANGUAGE sql STABLE AS $$
  SELECT json_build_object(
    'id', l.id, 'type', l.type, 'clientId', l.client_id, 'channelId', l.channel_id,
    'open', l.open, 'updatedAt', l.updated_at, 'responsibleId', l.responsible_id,
    'senderKeys', CASE WHEN l.client_id IS NULL
      THEN (SELECT coalesce(array_agg(key), '{}') FROM identities WHERE lead_id = l.id)
      ELSE (SELECT coalesce(array_agg(key), '{}') FROM identities WHERE client_id = l.client_id)
    END)
$$;
--> statement-breakpoint
CREATE OR REPLACE FUNCTION leadwire_ingest_state(
  p_channel bigint,
  p_external text,
  p_keys text[],
  p_refs text[],
  p_token bigint,
  p_inbox bigint,
  p_call text
) RETURNS json
LANGUAGE plpgsql STABLE
-- Its queries are index look-ups whatever the values; planning them anew for each message (the
-- custom plans an array parameter would otherwise get) cost more than running them.
SET plan_cache_mode = force_generic_plan
AS $$
DECLARE
  v_inbox json;
  v_existing bigint;
  v_threads json := '[]';
  v_clients json := '[]';
  v_simple json := '[]';
  v_operators bigint[];
  v_last bigint;
  v_call json;
BEGIN
  SELECT json_build_object('status', status, 'outcome', outcome, 'reason', reason, 'error', error,
      'leadId', lead_id, 'attempts', attempts, 'processedAt', processed_at)
    INTO v_inbox FROM inbox WHERE id = p_inbox;
  SELECT lead_id INTO v_existing FROM messages WHERE external_id = p_external AND channel_id = p_channel;
  IF cardinality(p_refs) > 0 OR p_token IS NOT NULL THEN
    SELECT coalesce(json_agg(leadwire_lead_ref(l)), '[]') INTO v_threads
    FROM leads l
    WHERE l.id IN (SELECT lead_id FROM messages WHERE external_id = ANY (p_refs)
                   UNION SELECT p_token WHERE p_token IS NOT NULL);
  END IF;
  IF cardinality(p_keys) > 0 THEN
    SELECT coalesce(json_agg(json_build_object(
        'id', m.client_id,
        'matched', m.matched,
        'identityKeys', (SELECT coalesce(array_agg(key), '{}') FROM identities WHERE client_id = m.client_id),
        'responsible', (SELECT json_build_object('id', u.id, 'active', u.active)
                        FROM clients c JOIN users u ON u.id = c.responsible_id WHERE c.id = m.client_id),
        'openLeads', (SELECT coalesce(json_agg(leadwire_lead_ref(l)), '[]') FROM leads l
                      WHERE l.client_id = m.client_id AND l.open))), '[]')
      INTO v_clients
    FROM (SELECT client_id, count(*) AS matched FROM identities
          WHERE key = ANY (p_keys) AND client_id IS NOT NULL GROUP BY client_id) m;
    -- Every open lead plus the newest closed ones (row 6 needs only one): at most 20. The leads
    -- owning the keys are found through the key index first, whatever the planner estimates.
    WITH owned AS MATERIALIZED (
      SELECT DISTINCT lead_id FROM identities WHERE key = ANY (p_keys) AND lead_id IS NOT NULL
    )
    SELECT coalesce(json_agg(leadwire_lead_ref(l) ORDER BY l.open DESC, l.updated_at DESC), '[]')
      INTO v_simple
    FROM (SELECT l.id FROM owned o JOIN leads l ON l.id = o.lead_id
          WHERE l.client_id IS NULL ORDER BY l.open DESC, l.updated_at DESC LIMIT 20) s
    JOIN leads l ON l.id = s.id;
  END IF;
  SELECT coalesce(array_agg(u.id ORDER BY co.position, u.id), '{}') INTO v_operators
  FROM channel_operators co JOIN users u ON u.id = co.user_id
  WHERE co.channel_id = p_channel AND u.active;
  SELECT last_assigned_user_id INTO v_last FROM channels WHERE id = p_channel;
  IF p_call IS NOT NULL THEN
    SELECT json_build_object('id', id, 'dueAt', due_at) INTO v_call FROM activities
    WHERE identity_key = p_call AND status = 'open' AND kind = 'call' LIMIT 1;
  END IF;
  RETURN json_build_object('inbox', v_inbox, 'existing', v_existing, 'threads', v_threads,
    'clients', v_clients, 'simple', v_simple, 'operators', v_operators,
    'last_assigned', v_last, 'open_call', v_call);
END
$$;
