--
-- Fixtures shared by every suite: the extension, a server pointed at the
-- bundled HubSpot emulator, the foreign tables, and helpers to control the
-- emulator and read back every request it received.
--
\getenv emu_url HUBSPOT_EMULATOR_URL
\getenv emu_ctl HUBSPOT_EMULATOR_CTL
\getenv token HUBSPOT_TEST_TOKEN

CREATE EXTENSION hubspot_fdw;

CREATE TABLE emu_settings (ctl text NOT NULL, url text NOT NULL, token text NOT NULL);
INSERT INTO emu_settings VALUES (:'emu_ctl', :'emu_url', :'token');

-- Run an emulator control command; each output line is one JSON document.
CREATE FUNCTION emu(cmd text, arg text DEFAULT NULL) RETURNS SETOF jsonb
LANGUAGE plpgsql AS $$
DECLARE
  s emu_settings;
  prog text;
BEGIN
  SELECT * INTO s FROM emu_settings;
  prog := format('/usr/bin/python3 %s %s %s', s.ctl, s.url, cmd);
  IF arg IS NOT NULL THEN
    prog := prog || ' ''' || replace(arg, '''', '''"''"''') || '''';
  END IF;
  IF to_regclass('pg_temp.emu_out') IS NULL THEN
    CREATE TEMP TABLE emu_out (doc jsonb);
  END IF;
  TRUNCATE emu_out;
  EXECUTE format('COPY emu_out FROM PROGRAM %L WITH (FORMAT csv, QUOTE %L, DELIMITER %L)',
                 prog, E'\x01', E'\x02');
  RETURN QUERY SELECT doc FROM emu_out;
END $$;

-- Reseed the emulator's data and forget its request log and fault config.
CREATE PROCEDURE emu_reset() LANGUAGE plpgsql AS $$
BEGIN PERFORM emu('reset'); END $$;

-- Forget the request log only.
CREATE PROCEDURE emu_clear() LANGUAGE plpgsql AS $$
BEGIN PERFORM emu('clear'); END $$;

-- Set the emulator's fault config (see test/emulator/README.md).
CREATE PROCEDURE emu_faults(config jsonb) LANGUAGE plpgsql AS $$
BEGIN PERFORM emu('config', config::text); END $$;

-- A record as the emulator stores it, read without going through the FDW.
CREATE FUNCTION emu_object(type_and_id text) RETURNS jsonb
LANGUAGE sql AS $$ SELECT doc FROM emu('object', type_and_id) doc $$;

-- Every API request the emulator received since the last reset or clear.
CREATE VIEW emu_requests AS
  SELECT (r->>'seq')::int AS seq, r->>'method' AS method, r->>'path' AS path,
         r->'query' AS query, r->'body' AS body, (r->>'status')::int AS status,
         r->>'auth' AS auth, r->>'user_agent' AS user_agent,
         r->>'content_type' AS content_type
  FROM emu('requests') r;

-- Run "sql" and show the error it raises: SQLSTATE, message, detail and
-- the hubspot_fdw context lines, with random correlation ids masked.
CREATE FUNCTION try(sql text)
RETURNS TABLE (sqlstate text, message text, detail text, context text)
LANGUAGE plpgsql AS $$
DECLARE
  st text; msg text; det text; ctx text;
BEGIN
  EXECUTE sql;
  RETURN QUERY SELECT 'ok'::text, NULL::text, NULL::text, NULL::text;
EXCEPTION WHEN OTHERS OR query_canceled THEN
  GET STACKED DIAGNOSTICS st = RETURNED_SQLSTATE, msg = MESSAGE_TEXT,
                          det = PG_EXCEPTION_DETAIL, ctx = PG_EXCEPTION_CONTEXT;
  RETURN QUERY SELECT st, msg,
    regexp_replace(det, '[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}', '<uuid>', 'g'),
    (SELECT string_agg(regexp_replace(l, '[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}', '<uuid>', 'g'), E'\n')
       FROM regexp_split_to_table(ctx, E'\n') l
      WHERE l !~ '^(PL/pgSQL function|SQL statement)');
END $$;

-- EXPLAIN ANALYZE of "sql", which runs it, printed the same on every
-- PostgreSQL: no timings, no buffers, and whole row counts (18 prints
-- "rows=3.00" where 15 prints "rows=3").
CREATE FUNCTION explain_analyze(sql text, verbose_plan boolean DEFAULT false)
RETURNS SETOF text LANGUAGE plpgsql AS $$
DECLARE line text;
BEGIN
  FOR line IN EXECUTE format('EXPLAIN (ANALYZE, VERBOSE %s, COSTS OFF, TIMING OFF, BUFFERS OFF, SUMMARY OFF) %s',
                             CASE WHEN verbose_plan THEN 'on' ELSE 'off' END, sql) LOOP
    RETURN NEXT regexp_replace(line, '(rows=[0-9]+)\.[0-9]+', '\1', 'g');
  END LOOP;
END $$;

-- Does the plan of "sql" use a bind join?
CREATE FUNCTION uses_bind_join(sql text) RETURNS boolean LANGUAGE plpgsql AS $$
DECLARE line text;
BEGIN
  FOR line IN EXECUTE 'EXPLAIN (COSTS OFF) ' || sql LOOP
    IF line LIKE '%HubSpot Bind Join%' THEN RETURN true; END IF;
  END LOOP;
  RETURN false;
END $$;

-- The number of rows a statement reports (UPDATE n, INSERT n, DELETE n).
CREATE FUNCTION affected(sql text) RETURNS bigint LANGUAGE plpgsql AS $$
DECLARE n bigint;
BEGIN
  EXECUTE sql;
  GET DIAGNOSTICS n = ROW_COUNT;
  RETURN n;
END $$;

-- Pacing is tested on its own (reliability suite); here it would only slow
-- the suites down, since the server is shared by every backend.
CREATE SERVER hubspot FOREIGN DATA WRAPPER hubspot_fdw
  OPTIONS (api_url :'emu_url', rate_limit_per_10s '0');
CREATE USER MAPPING FOR CURRENT_USER SERVER hubspot
  OPTIONS (access_token :'token');

CREATE FOREIGN TABLE partner_clients (
  id text,
  hs_name text,
  tier text OPTIONS (property 'hs_tier'),
  hs_country text
) SERVER hubspot OPTIONS (object_type 'partner_clients');

CREATE FOREIGN TABLE partner_services (
  id text,
  hs_name text,
  hs_status text
) SERVER hubspot OPTIONS (object_type 'partner_services');

CALL emu_reset();
SELECT count(*) FROM partner_clients;
SELECT count(*) FROM partner_services;
SELECT method, path, query->>'limit' AS lim, query->>'properties' AS props, status
  FROM emu_requests ORDER BY seq;
