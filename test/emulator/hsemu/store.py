"""The records of the emulated account: seeding, ids, unique values, writes,
archives, the stored associations, and a record as the API shows it
(doc/hubspot-api.md, "Objects" and "Associations").

The store takes no lock of its own: its caller holds the emulator's lock
(server.State.lock) around every use.
"""

import time

from .schema import ASSOC_BY_ID, PRIMARY_ASSOC_IDS, TYPES, WIDE_PROP, WIDE_PROPS
from .values import DAY_MS, iso_from_ms, ms_from_date, ms_from_iso


def rec_iso(rec, key):
    """A record's "created" or "updated" time in ISO form, formatted once per
    value and kept in the record: formatting dominated the cost of a page."""
    ms = rec[key]
    cached = rec.get("iso_" + key)
    if cached is None or cached[0] != ms:
        cached = (ms, iso_from_ms(ms))
        rec["iso_" + key] = cached
    return cached[1]


class Store:
    """Every record, by type and id, with the indexes reads and writes use."""

    def __init__(self, seed_count):
        self.seed_count = seed_count
        self.reset()

    # -- seeding ---------------------------------------------------------
    def reset(self):
        """Drop every record and association and seed them again."""
        self.records = {t.name: {} for t in TYPES}
        self.sorted_ids = {}
        self.sorted_keys = {}
        self.unique = {t.name: {p: {} for p, d in t.props.items() if d["hasUniqueValue"]}
                       for t in TYPES}
        self.assocs = {}
        self.last_write_ms = 0
        self.search_snapshot = None
        self._seed()

    def _add(self, tname, oid, created_ms, updated_ms, values):
        rec = {"id": str(oid), "created": created_ms, "updated": updated_ms,
               "values": {k: v for k, v in values.items() if v is not None}}
        self.records[tname][rec["id"]] = rec
        for p, idx in self.unique[tname].items():
            if p in rec["values"]:
                idx[rec["values"][p]] = rec["id"]

    def _seed(self):
        n = self.seed_count
        base_created = ms_from_date(2023, 1, 1)
        signup_base = ms_from_date(2024, 1, 1)
        review_base = ms_from_iso("2024-03-01T12:34:56.789+00:00")
        regions = ["emea", "emea;apac", "amer", None]
        for i in range(n):
            oid = 501 + i
            created = base_created + i * 3600 * 1000
            self._add("partner_clients", oid, created, created + 30 * DAY_MS, {
                "hs_name": "Client %d" % oid,
                "hs_tier": "gold" if i < 250 else "silver",
                "hs_country": ["US", "DE", "FR"][i % 3],
                "hs_score": str(oid % 100),
                "hs_active": "true" if i % 2 == 0 else "false",
                "hs_signup_date": str(signup_base + (oid % 365) * DAY_MS),
                "hs_external_key": "PC-%d" % oid,
                "hs_regions": regions[i % 4],
                "hs_last_review": iso_from_ms(review_base + i * 60000) if i % 2 == 0 else None,
            })
        for i in range(n):
            oid = 3001 + i
            created = base_created + 7 * DAY_MS + i * 3600 * 1000
            cents = 1000 + (oid % 40) * 250
            self._add("partner_services", oid, created, created + 30 * DAY_MS, {
                "hs_name": "Service %d" % oid,
                "hs_status": "active" if i < 250 else "paused",
                "hs_price": "%d.%02d" % (cents // 100, cents % 100),
                "hs_external_key": "PS-%d" % oid,
                "hs_num_clients": str(i % 4),
                "hs_phone": "+1 555 %04d" % (oid % 10000) if i % 2 == 0 else None,
                "hs_preferred": "true" if i % 3 == 0 else "false",
            })
        for i in range(5):
            oid = 1001 + i
            created = base_created + i * DAY_MS
            self._add("contacts", oid, created, created, {
                "email": "contact%d@example.com" % oid, "firstname": "Contact",
                "lastname": str(oid)})
        for i in range(5):
            oid = 2001 + i
            created = base_created + i * DAY_MS
            self._add("companies", oid, created, created, {
                "name": "Company %d" % oid, "domain": "company%d.example.com" % oid})
        for i in range(3):
            oid = 4001 + i
            created = base_created + i * DAY_MS
            self._add("wide_records", oid, created, created,
                      {WIDE_PROP % j: "r%d f%d" % (oid, j) for j in range(1, WIDE_PROPS - 2)
                       if (j + i) % 3 != 0})
        for t in TYPES:
            self.sorted_ids[t.name] = sorted(self.records[t.name], key=int)
            # the same ids as integers, so that a list page is found by bisection
            self.sorted_keys[t.name] = [int(i) for i in self.sorted_ids[t.name]]
        # new records get ids above every seeded one, in creation order
        self.next_id = {t.name: max([int(i) for i in self.records[t.name]] + [0]) + 1
                        for t in TYPES}
        # A few seeded associations (stored in their primary direction).
        seeded = [("partner_clients", "501", "contacts", "1001", 901),
                  ("partner_clients", "501", "companies", "2001", 903),
                  ("partner_services", "3001", "partner_clients", "501", 909),
                  ("contacts", "1001", "companies", "2001", 1)]
        for f, fid, t, tid, aid in seeded:
            if fid in self.records[f] and tid in self.records[t]:
                self.assocs[(f, fid, t, tid, aid)] = True

    # -- records ---------------------------------------------------------
    def lookup(self, tdef, key, id_property=None):
        if id_property is None:
            return self.records[tdef.name].get(key)
        rid = self.unique[tdef.name][id_property].get(key)
        return self.records[tdef.name].get(rid) if rid is not None else None

    def value(self, tdef, rec, name):
        if name == tdef.always[0]:
            return rec["id"]
        if name == tdef.always[1]:
            return rec_iso(rec, "created")
        if name == tdef.always[2]:
            return rec_iso(rec, "updated")
        return rec["values"].get(name)

    def next_write_ms(self):
        now = int(time.time() * 1000)
        self.last_write_ms = max(now, self.last_write_ms + 1)
        return self.last_write_ms

    def apply(self, tdef, rec, values):
        """values: {name: normalized string or None (clear)}."""
        uniq = self.unique[tdef.name]
        for name, v in values.items():
            old = rec["values"].get(name)
            if name in uniq and old is not None and uniq[name].get(old) == rec["id"]:
                del uniq[name][old]
            if v is None:
                rec["values"].pop(name, None)
            else:
                rec["values"][name] = v
                if name in uniq:
                    uniq[name][v] = rec["id"]
        rec["updated"] = self.next_write_ms()

    def create(self, tdef, values):
        """Store a new record with values {name: normalized string}; returns it."""
        oid = self.next_id[tdef.name]
        self.next_id[tdef.name] = oid + 1
        now = self.next_write_ms()
        self._add(tdef.name, oid, now, now, values)
        self.sorted_ids[tdef.name].append(str(oid))
        self.sorted_keys[tdef.name].append(oid)
        return self.records[tdef.name][str(oid)]

    def archive(self, tdef, rec):
        """Remove a record, its unique values and its associations."""
        rid = rec["id"]
        del self.records[tdef.name][rid]
        self.sorted_ids[tdef.name].remove(rid)
        self.sorted_keys[tdef.name].remove(int(rid))
        for name, idx in self.unique[tdef.name].items():
            v = rec["values"].get(name)
            if v is not None and idx.get(v) == rid:
                del idx[v]
        for key in [k for k in self.assocs
                    if (k[0] == tdef.name and k[1] == rid) or (k[2] == tdef.name and k[3] == rid)]:
            del self.assocs[key]

    def snapshot_search_index(self):
        """Freeze what search sees (config search_stale): a copy of every record."""
        self.search_snapshot = {
            t: ({rid: {"id": r["id"], "created": r["created"], "updated": r["updated"],
                       "values": dict(r["values"])} for rid, r in recs.items()},
                list(self.sorted_ids[t]))
            for t, recs in self.records.items()}

    def search_view(self, tname):
        """(records, sorted ids) as search sees them: live, or the frozen copy."""
        if self.search_snapshot is not None:
            return self.search_snapshot[tname]
        return self.records[tname], self.sorted_ids[tname]

    # -- associations ----------------------------------------------------
    def assoc_key(self, ftype, fid, ttype, tid, atype):
        if atype["id"] in PRIMARY_ASSOC_IDS:
            return (ftype, fid, ttype, tid, atype["id"])
        return (ttype, tid, ftype, fid, atype["inverse"])

    def assocs_of(self, tname, oid, ttype):
        """[(to_id, association type dict in the tname->ttype direction)] sorted."""
        out = []
        for (f, fid, t, tid, aid) in self.assocs:
            if f == tname and fid == oid and t == ttype:
                out.append((tid, ASSOC_BY_ID[aid]))
            elif t == tname and tid == oid and f == ttype:
                out.append((fid, ASSOC_BY_ID[ASSOC_BY_ID[aid]["inverse"]]))
        out.sort(key=lambda x: (int(x[0]) if x[0].isdigit() else 0, x[0], x[1]["id"]))
        return out

    def assoc_list(self):
        out = []
        for (f, fid, t, tid, aid) in self.assocs:
            out.append({"fromObjectType": f, "fromObjectId": fid, "toObjectType": t,
                        "toObjectId": tid, "associationType": ASSOC_BY_ID[aid]["name"],
                        "associationTypeId": str(aid)})
        out.sort(key=lambda a: (a["fromObjectType"], int(a["fromObjectId"]), a["toObjectType"],
                                int(a["toObjectId"]), int(a["associationTypeId"])))
        return out


def obj_json(store, tdef, rec, names=None, with_values_only=False, assoc_types=None,
             history=None, trace_id=None):
    """Record rec as the API returns it: the properties names (every one by
    default), with their history and associations when asked for."""
    if names is None:
        names = list(tdef.props)
    props = {}
    for n in names:
        v = store.value(tdef, rec, n)
        if v is None and with_values_only:
            continue
        props[n] = v
    o = {"id": rec["id"], "properties": props}
    if history:
        h = {}
        for n in history:
            if n in tdef.props:
                v = store.value(tdef, rec, n)
                h[n] = [] if v is None else [{"value": v, "timestamp": rec_iso(rec, "updated"),
                                              "sourceType": "API", "sourceId": "emulator"}]
        o["propertiesWithHistory"] = h
    o["createdAt"] = rec_iso(rec, "created")
    o["updatedAt"] = rec_iso(rec, "updated")
    o["archived"] = False
    if assoc_types:
        assocs = {}
        for at in assoc_types:
            lst = store.assocs_of(tdef.name, rec["id"], at)
            if lst:
                assocs[at] = {"results": [{"id": i, "type": a["name"]} for i, a in lst]}
        if assocs:
            o["associations"] = assocs
    if trace_id is not None:
        o["objectWriteTraceId"] = trace_id
    return o
