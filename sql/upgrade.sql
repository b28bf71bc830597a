--
-- Upgrades: ALTER EXTENSION hubspot_fdw UPDATE from the first version (1.0)
-- leaves exactly the SQL objects a fresh install of the default version
-- creates: the same objects, functions with the same signatures, results,
-- attributes and C symbols, the same wrapper, aggregate and comments.
-- It runs in a database of its own, so that the suites' objects stay.
--
CREATE DATABASE hs_upgrade;
\c hs_upgrade

-- Every SQL object of the extension, described so that two installs compare.
CREATE FUNCTION ext_objects() RETURNS TABLE (object text, definition text)
LANGUAGE sql AS $$
  SELECT pg_describe_object(d.classid, d.objid, d.objsubid),
         CASE d.classid
           WHEN 'pg_proc'::regclass THEN
             (SELECT format('%s RETURNS %s, kind %s, volatility %s, strict %s, parallel %s, security definer %s, rows %s, %s %s, comment %s%s',
                            p.oid::regprocedure, pg_get_function_result(p.oid),
                            p.prokind, p.provolatile, p.proisstrict, p.proparallel,
                            p.prosecdef, p.prorows, p.prosrc,
                            regexp_replace(coalesce(p.probin, ''), '.*/', ''),
                            coalesce(obj_description(p.oid, 'pg_proc'), '-'),
                            (SELECT format(', state %s, sfunc %s, finalfunc %s', a.aggtranstype::regtype,
                                           a.aggtransfn, a.aggfinalfn)
                               FROM pg_aggregate a WHERE a.aggfnoid = p.oid))
                FROM pg_proc p WHERE p.oid = d.objid)
           WHEN 'pg_foreign_data_wrapper'::regclass THEN
             (SELECT format('handler %s, validator %s, options %s', w.fdwhandler::regproc,
                            w.fdwvalidator::regproc, w.fdwoptions)
                FROM pg_foreign_data_wrapper w WHERE w.oid = d.objid)
           ELSE '-'
         END
    FROM pg_depend d
    JOIN pg_extension e ON e.oid = d.refobjid
   WHERE d.refclassid = 'pg_extension'::regclass AND e.extname = 'hubspot_fdw'
     AND d.deptype = 'e'
$$;
CREATE TABLE updated AS SELECT * FROM ext_objects() WHERE false;

-- The versions there are, and the default one.
SELECT version, version = (SELECT default_version FROM pg_available_extensions
                            WHERE name = 'hubspot_fdw') AS is_default
  FROM pg_available_extension_versions WHERE name = 'hubspot_fdw' ORDER BY version;

-- 1.0, then every update script up to the default version
SET client_min_messages = warning;
CREATE EXTENSION hubspot_fdw VERSION '1.0';
ALTER EXTENSION hubspot_fdw UPDATE;
RESET client_min_messages;
SELECT extversion = (SELECT default_version FROM pg_available_extensions
                      WHERE name = 'hubspot_fdw') AS at_default_version
  FROM pg_extension WHERE extname = 'hubspot_fdw';
INSERT INTO updated SELECT * FROM ext_objects();
SELECT count(*) > 0 AS has_objects FROM updated;
DROP EXTENSION hubspot_fdw;

-- a fresh install of the default version: no difference either way
CREATE EXTENSION hubspot_fdw;
(SELECT 'only after the update' AS side, * FROM updated
 EXCEPT SELECT 'only after the update', * FROM ext_objects())
UNION ALL
(SELECT 'only in a fresh install', * FROM ext_objects()
 EXCEPT SELECT 'only in a fresh install', * FROM updated)
ORDER BY 1, 2;
-- and what a fresh install holds
SELECT object FROM ext_objects() ORDER BY 1;

\c contrib_regression
DROP DATABASE hs_upgrade;
