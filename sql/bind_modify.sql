--
-- UPDATE ... FROM over a bind join, when the new values use no column of
-- the HubSpot table: one batch/update per 100 rows of the other side, no
-- batch/read, no list page.
--
CALL emu_reset();

CREATE VIEW bm_requests AS
  SELECT method, path, jsonb_array_length(body->'inputs') AS inputs, status
    FROM emu_requests ORDER BY seq;

-- 100 staging rows: 95 records HubSpot has, 5 it lacks (9001-9005)
CREATE TABLE staging (id text, tier text, n bigint);
INSERT INTO staging SELECT (500 + g)::text, 'silver', 500 + g FROM generate_series(1, 95) g;
INSERT INTO staging SELECT (9000 + g)::text, 'silver', 9000 + g FROM generate_series(1, 5) g;
ANALYZE staging;

EXPLAIN (COSTS OFF)
UPDATE partner_clients pc SET tier = s.tier FROM staging s WHERE pc.id = s.id;
EXPLAIN (VERBOSE, COSTS OFF)
UPDATE partner_clients pc SET tier = s.tier FROM staging s WHERE pc.id = s.id;
CALL emu_clear();
SELECT affected('UPDATE partner_clients pc SET tier = s.tier FROM staging s WHERE pc.id = s.id');
SELECT * FROM bm_requests;
