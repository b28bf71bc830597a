/* hubspot_fdw--1.2.sql */

-- complain if script is sourced in psql, rather than via CREATE EXTENSION
\echo Use "CREATE EXTENSION hubspot_fdw" to load this file. \quit

CREATE FUNCTION hubspot_fdw_handler()
RETURNS fdw_handler
AS 'MODULE_PATHNAME'
LANGUAGE C STRICT;

CREATE FUNCTION hubspot_fdw_validator(text[], oid)
RETURNS void
AS 'MODULE_PATHNAME'
LANGUAGE C STRICT;

CREATE FOREIGN DATA WRAPPER hubspot_fdw
  HANDLER hubspot_fdw_handler
  VALIDATOR hubspot_fdw_validator;

-- Per-backend counters of the requests sent to HubSpot, by endpoint.
CREATE FUNCTION hubspot_fdw_stats(
  OUT endpoint text,
  OUT requests bigint,
  OUT failures bigint,
  OUT retries bigint,
  OUT rate_limited bigint,
  OUT wait_ms double precision,
  OUT http_ms double precision,
  OUT rows_written bigint,
  OUT last_correlation_id text)
RETURNS SETOF record
AS 'MODULE_PATHNAME'
LANGUAGE C STRICT VOLATILE PARALLEL RESTRICTED;

CREATE FUNCTION hubspot_fdw_stats_reset()
RETURNS void
AS 'MODULE_PATHNAME'
LANGUAGE C STRICT VOLATILE PARALLEL RESTRICTED;

-- The rate budget of the current user's mapping for a hubspot_fdw server, as
-- the rate limiter knows it: what it paces now, and what HubSpot's answers
-- stated of the burst and daily limits. Sends nothing.
CREATE FUNCTION hubspot_fdw_rate_limit(
  server text,
  OUT rate_limit_per_10s text,
  OUT limit_per_window integer,
  OUT window_ms integer,
  OUT sent_in_window integer,
  OUT stated_max integer,
  OUT stated_window_ms integer,
  OUT stated_at timestamptz,
  OUT daily_limit bigint,
  OUT daily_remaining bigint,
  OUT daily_stated_at timestamptz)
RETURNS record
AS 'MODULE_PATHNAME'
LANGUAGE C STRICT VOLATILE PARALLEL RESTRICTED;

-- Associations (README, "Associations"). The first argument names a
-- hubspot_fdw server; the current user's mapping for it supplies the token.
-- Not STRICT: a NULL argument is an error that names it. Every call is a
-- HubSpot request, so all are VOLATILE and PARALLEL UNSAFE.

-- One association: PUT /crm/v3/objects/{from_type}/{from_id}/associations/{to_type}/{to_id}/{association_type}.
CREATE FUNCTION hubspot_associate(server text, from_type text, from_id text,
                                  to_type text, to_id text, association_type text)
RETURNS jsonb
AS 'MODULE_PATHNAME'
LANGUAGE C VOLATILE PARALLEL UNSAFE;

CREATE FUNCTION hubspot_associate_batch_sfunc(internal, text, text, text, text, text, text)
RETURNS internal
AS 'MODULE_PATHNAME'
LANGUAGE C VOLATILE PARALLEL UNSAFE;

CREATE FUNCTION hubspot_associate_batch_final(internal)
RETURNS bigint
AS 'MODULE_PATHNAME'
LANGUAGE C VOLATILE PARALLEL UNSAFE;

-- Many associations: POST /crm/v3/associations/{from_type}/{to_type}/batch/create,
-- at most 100 inputs per request, sent as rows arrive. Returns how many were created.
CREATE AGGREGATE hubspot_associate_batch(server text, from_type text, from_id text,
                                         to_type text, to_id text, association_type text) (
  SFUNC = hubspot_associate_batch_sfunc,
  STYPE = internal,
  FINALFUNC = hubspot_associate_batch_final,
  FINALFUNC_MODIFY = READ_WRITE,
  PARALLEL = UNSAFE
);

-- The association types from one object type to another: under api_version
-- v3 GET /crm/v3/associations/{from}/{to}/types (id, name); under a date
-- version the labels endpoint (category, type_id, label; name is what
-- hubspot_associate takes: the label, or the type id of an unlabelled type).
CREATE FUNCTION hubspot_association_types(server text, from_type text, to_type text)
RETURNS TABLE (id text, name text, category text, type_id integer, label text)
AS 'MODULE_PATHNAME'
LANGUAGE C VOLATILE PARALLEL UNSAFE ROWS 10;
