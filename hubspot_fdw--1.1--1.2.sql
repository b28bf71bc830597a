/* hubspot_fdw--1.1--1.2.sql */

-- complain if script is sourced in psql, rather than via ALTER EXTENSION
\echo Use "ALTER EXTENSION hubspot_fdw UPDATE TO '1.2'" to load this file. \quit

-- hubspot_association_types gains the columns of the labels endpoint of the
-- date-versioned APIs (server option api_version): category, type_id and
-- label. id and name keep their meaning.
DROP FUNCTION hubspot_association_types(text, text, text);
-- The association types from one object type to another: under api_version
-- v3 GET /crm/v3/associations/{from}/{to}/types (id, name); under a date
-- version the labels endpoint (category, type_id, label; name is what
-- hubspot_associate takes: the label, or the type id of an unlabelled type).
CREATE FUNCTION hubspot_association_types(server text, from_type text, to_type text)
RETURNS TABLE (id text, name text, category text, type_id integer, label text)
AS 'MODULE_PATHNAME'
LANGUAGE C VOLATILE PARALLEL UNSAFE ROWS 10;
