--
-- Wide tables: HubSpot answers 414 to a URL past about 8 KB, and a list GET
-- naming all 400 properties of wide_records would be longer. Such a scan
-- pages ids only and reads the properties with batch/read (in its body).
--
CALL emu_reset();
CREATE SCHEMA w;
IMPORT FOREIGN SCHEMA crm LIMIT TO (wide_records) FROM SERVER hubspot INTO w;
SELECT count(*) AS columns FROM information_schema.columns
 WHERE table_schema = 'w' AND table_name = 'wide_records';

-- the emulator refuses the long URL as HubSpot does
SELECT length(string_agg(attname, ',')) > 8192 AS too_long_for_a_url
  FROM pg_attribute WHERE attrelid = 'w.wide_records'::regclass AND attnum > 0;

-- SELECT * works: a list page of ids, then one batch/read of its records
CALL emu_clear();
SELECT id, wide_record_field_001, wide_record_field_002, wide_record_field_200,
       wide_record_field_397, hs_object_id,
       (SELECT count(*) FROM jsonb_object_keys(jsonb_strip_nulls(to_jsonb(t)))) AS non_null
  FROM (SELECT * FROM w.wide_records OFFSET 0) t ORDER BY id;
SELECT seq, method, path, status, query->'properties' AS properties,
       query->'limit' AS "limit",
       jsonb_array_length(body->'inputs') AS inputs,
       jsonb_array_length(body->'properties') AS body_properties
  FROM emu_requests ORDER BY seq;
SELECT explain_analyze('SELECT * FROM w.wide_records');

-- one id: a batch/read of that id rather than a GET
CALL emu_clear();
SELECT t.id, t.wide_record_field_001, t.wide_record_field_003, length(t::text) > 0 AS whole_row
  FROM (SELECT * FROM w.wide_records WHERE id = '4002' OFFSET 0) t;
SELECT seq, method, path, status, body->'inputs' AS inputs,
       jsonb_array_length(body->'properties') AS body_properties
  FROM emu_requests ORDER BY seq;
EXPLAIN (COSTS OFF) SELECT * FROM w.wide_records WHERE id = '4002';
SELECT count(t) FROM (SELECT * FROM w.wide_records WHERE id = '9999' OFFSET 0) t;
-- several ids: batch/read, as for any table
SELECT t.id, t.wide_record_field_002, length(t::text) > 0 AS whole_row
  FROM (SELECT * FROM w.wide_records WHERE id IN ('4001', '4003', '9999') OFFSET 0) t ORDER BY id;

-- a few columns still fit in a GET: the list is read as usual
CALL emu_clear();
SELECT id, wide_record_field_001 FROM w.wide_records ORDER BY id;
SELECT method, path, status FROM emu_requests ORDER BY seq;

-- a record archived between the list page and its batch/read is no row
CALL emu_clear();
CALL emu_faults('{"fail_next": [{"match": {"method": "POST", "path_contains": "/batch/read"}, "status": 207, "body": {"status": "COMPLETE", "results": [{"id": "4001", "properties": {"hs_object_id": "4001", "wide_record_field_001": "only"}}], "errors": [{"status": "error", "category": "OBJECT_NOT_FOUND", "message": "gone"}]}}]}');
SELECT t.id, t.wide_record_field_001, length(t::text) > 0 AS whole_row
  FROM (SELECT * FROM w.wide_records OFFSET 0) t ORDER BY id;
CALL emu_faults('{}');

-- ANALYZE reads its sample the same way: a page of ids, then one
-- batch/read with the properties in its body, never a GET past 8 KB
CALL emu_clear();
ANALYZE w.wide_records;
SELECT seq, method, path, status, query->'properties' AS properties,
       jsonb_array_length(body->'inputs') AS inputs,
       jsonb_array_length(body->'properties') AS body_properties
  FROM emu_requests ORDER BY seq;
SELECT reltuples FROM pg_class WHERE oid = 'w.wide_records'::regclass;
SELECT attname, null_frac FROM pg_stats
 WHERE schemaname = 'w' AND tablename = 'wide_records'
   AND attname IN ('id', 'wide_record_field_001', 'wide_record_field_003')
 ORDER BY attname;

DROP SCHEMA w CASCADE;
