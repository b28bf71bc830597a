/* hubspot_fdw--1.0--1.1.sql */

-- complain if script is sourced in psql, rather than via ALTER EXTENSION
\echo Use "ALTER EXTENSION hubspot_fdw UPDATE TO '1.1'" to load this file. \quit

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
