--
-- Search's own limit (5 a second) is HubSpot's per account, whichever of
-- the account's tokens sends the search. hubspot_fdw learns the account of
-- each token once, from GET /account-info/v3/details, and paces the
-- searches of every token and session of one account under one budget
-- (hubspot_fdw is preloaded here). A token whose account HubSpot will not
-- tell is paced on its own. Searches stay out of the ten-second budget.
--
CALL emu_reset();
SELECT hubspot_fdw_stats_reset();
SET statement_timeout = '20s';

-- Tokens of the emulator: two of account 111, one of account 222, and one
-- of account 111 that may not read the account information (403).
SELECT doc->'accounts' AS accounts
  FROM emu('accounts', '{"tokens": {"acct-111-a": {"account": 111}, "acct-111-b": {"account": 111},
                                    "acct-222": {"account": 222},
                                    "acct-noinfo": {"account": 111, "account_info": false}}}') doc;

-- A server per token (paced unless "per_10s" says '0'), each with a table
-- of partner clients whose hs_name searches can filter.
CREATE FUNCTION acct_server(name text, token text, per_10s text DEFAULT '100') RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
  EXECUTE format('CREATE SERVER %I FOREIGN DATA WRAPPER hubspot_fdw
                    OPTIONS (api_url %L, rate_limit_per_10s %L, max_retries %L)',
                 name, (SELECT url FROM emu_settings), per_10s, '0');
  EXECUTE format('CREATE USER MAPPING FOR CURRENT_USER SERVER %I OPTIONS (access_token %L)',
                 name, token);
  EXECUTE format('CREATE FOREIGN TABLE %I (id text, hs_name text OPTIONS (hubspot_type %L)) SERVER %I
                    OPTIONS (object_type %L)', name || '_pc', 'string', name, 'partner_clients');
END $$;
SELECT acct_server('hs_a', 'acct-111-a'), acct_server('hs_b', 'acct-111-b'),
       acct_server('hs_c', 'acct-222'), acct_server('hs_n', 'acct-noinfo'),
       acct_server('hs_u', 'acct-111-a', '0');

-- What the emulator received, with the account it counted each request for.
CREATE VIEW acct_requests AS
  SELECT (r->>'seq')::int AS seq, r->>'method' AS method, r->>'path' AS path,
         (r->>'status')::int AS status, (r->>'account')::int AS account
    FROM emu('requests') r;

-- 1. An unpaced server (rate_limit_per_10s 0, as the other suites' own)
-- has no search budget to key: no account lookup.
CALL emu_clear();
SELECT id FROM hs_u_pc WHERE hs_name = 'Client 505';
SELECT method, path, status FROM acct_requests ORDER BY seq;

-- 2. Each token's account is asked once, before its first search; the
-- second search of token A asks nothing.
CALL emu_clear();
EXPLAIN (COSTS OFF) SELECT id FROM hs_a_pc WHERE hs_name = 'Client 505';
SELECT id FROM hs_a_pc WHERE hs_name = 'Client 505';
SELECT id FROM hs_a_pc WHERE hs_name = 'Client 506';
SELECT id FROM hs_b_pc WHERE hs_name = 'Client 507';
SELECT method, path, status, account FROM acct_requests ORDER BY seq;

-- 3. Every session shares what was learned: a new session asks nothing.
\c
SET statement_timeout = '20s';
CALL emu_clear();
SELECT id FROM hs_b_pc WHERE hs_name = 'Client 508';
SELECT method, path, status, account FROM acct_requests ORDER BY seq;

-- 4. The budget is the account's: a 429 asking token A's search to wait
-- an hour holds the searches of token B, another server of account 111,
-- unsent; not those of account 222, nor B's other requests, which spend
-- the ten-second budget of B's token.
CALL emu_clear();
CALL emu_faults('{"fail_next": [{"status": 429, "policy": "SECONDLY", "retry_after": 3600,
                                 "match": {"path_contains": "/search"}}]}');
SELECT sqlstate, message FROM try($$SELECT id FROM hs_a_pc WHERE hs_name = 'Client 509'$$);
CALL emu_faults('{}');
SELECT sqlstate, regexp_replace(message, 'wait [0-9]+ more', 'wait N more') AS message, detail
  FROM try($$SELECT id FROM hs_b_pc WHERE hs_name = 'Client 510'$$);
SELECT id FROM hs_c_pc WHERE hs_name = 'Client 511';
SELECT id FROM hs_b_pc WHERE id = '512';
SELECT method, path, status, account FROM acct_requests ORDER BY seq;

-- 5. A token whose account HubSpot will not tell (403) is paced on its
-- own: account 111's wait does not hold it. The refusal is remembered:
-- the lookup is not sent again.
CALL emu_clear();
SELECT id FROM hs_n_pc WHERE hs_name = 'Client 513';
SELECT id FROM hs_n_pc WHERE hs_name = 'Client 514';
SELECT method, path, status FROM acct_requests ORDER BY seq;
-- the lookups this session sent, in hubspot_fdw_stats()
SELECT endpoint, requests, failures FROM hubspot_fdw_stats()
 WHERE endpoint LIKE '%account-info%';

-- 6. hubspot_fdw_stats_reset() forgets the account's wait: B searches again.
SELECT hubspot_fdw_stats_reset();
CALL emu_clear();
SELECT id FROM hs_b_pc WHERE hs_name = 'Client 515';
SELECT method, path, status, account FROM acct_requests ORDER BY seq;

-- 7. An OAuth mapping: the account is asked with its access token and kept
-- for its refresh token, so a new access token asks nothing. (Token
-- requests and 401s for an expired token are left out: whether this
-- cluster holds a token from another suite does not matter here.)
\getenv emu_url HUBSPOT_EMULATOR_URL
\getenv client_id HUBSPOT_TEST_CLIENT_ID
\getenv client_secret HUBSPOT_TEST_CLIENT_SECRET
\getenv refresh_token HUBSPOT_TEST_REFRESH_TOKEN
\set token_url :emu_url '/oauth/v1/token'
CREATE SERVER hs_o FOREIGN DATA WRAPPER hubspot_fdw
  OPTIONS (api_url :'emu_url', oauth_token_url :'token_url', rate_limit_per_10s '100');
CREATE USER MAPPING FOR CURRENT_USER SERVER hs_o
  OPTIONS (client_id :'client_id', client_secret :'client_secret', refresh_token :'refresh_token');
CREATE FOREIGN TABLE hs_o_pc (id text, hs_name text OPTIONS (hubspot_type 'string'))
  SERVER hs_o OPTIONS (object_type 'partner_clients');
CALL emu_clear();
SELECT id FROM hs_o_pc WHERE hs_name = 'Client 516';
SELECT method, path, status, account = (SELECT (doc->>'default_account')::int FROM emu('accounts') doc)
       AS default_account
  FROM acct_requests WHERE status = 200 AND path NOT LIKE '/oauth/%' ORDER BY seq;
SELECT (doc->>'live_tokens')::int AS live_tokens FROM emu('oauth', '{"expire": true}') doc;
CALL emu_clear();
SELECT id FROM hs_o_pc WHERE hs_name = 'Client 517';
SELECT method, path, status FROM acct_requests
 WHERE status = 200 AND path NOT LIKE '/oauth/%' ORDER BY seq;
SELECT count(*) > 0 AS refreshed FROM acct_requests WHERE path = '/oauth/v1/token' AND status = 200;

RESET statement_timeout;
SET client_min_messages = warning;
DROP SERVER hs_a, hs_b, hs_c, hs_n, hs_u, hs_o CASCADE;
RESET client_min_messages;
DROP VIEW acct_requests;
DROP FUNCTION acct_server(text, text, text);
CALL emu_reset();
