"""What the emulated account defines: its object types and their properties
(doc/hubspot-api.md, "Objects" and "Properties"), and the association types
between them (doc/hubspot-api.md, "Associations").  Definitions only: the
records themselves live in store.py.
"""

import collections

from .answers import validation_error


def opt(value, label, order):
    return {"label": label, "value": value, "description": "", "displayOrder": order,
            "hidden": False}


BOOL_OPTIONS = [opt("true", "Yes", 0), opt("false", "No", 1)]
FIELD_FOR_TYPE = {"string": "text", "number": "number", "date": "date",
                  "datetime": "date", "bool": "booleancheckbox", "enumeration": "select"}


def prop(name, label, ptype, field=None, group="information", options=None, unique=False,
         read_only=False, calculated=False, hidden=False, description=""):
    if ptype == "bool" and options is None:
        options = BOOL_OPTIONS
    return {"name": name, "label": label, "type": ptype,
            "fieldType": field or FIELD_FOR_TYPE[ptype], "description": description,
            "groupName": group, "options": options or [], "hasUniqueValue": unique,
            "readOnly": read_only, "calculated": calculated, "hidden": hidden}


def system_props(group, created="hs_createdate", modified="hs_lastmodifieddate"):
    return [
        prop("hs_object_id", "Record ID", "number", group=group, read_only=True,
             description="The unique ID for this record. This value is set automatically by HubSpot."),
        prop(created, "Create Date", "datetime", group=group, read_only=True,
             description="The date the record was created."),
        prop(modified, "Last Modified Date", "datetime", group=group, read_only=True,
             description="Most recent timestamp of any property update for this record."),
    ]


class TypeDef:
    def __init__(self, name, singular, scope, aliases, props, defaults, always, partner):
        self.name = name
        self.singular = singular
        self.scope = scope          # e.g. "partner-clients" -> crm.objects.partner-clients.write
        self.aliases = aliases
        self.props = collections.OrderedDict((p["name"], p) for p in props)
        for i, p in enumerate(self.props.values()):
            p["displayOrder"] = i
        self.defaults = defaults    # default property set (besides "always")
        self.always = always        # [id prop, created prop, modified prop]
        self.partner = partner

    def write_scope(self):
        return "crm.objects.%s.write" % self.scope


# wide_records: WIDE_PROPS properties in all, the system ones included
WIDE_PROPS = 400
WIDE_PROP = "wide_record_field_%03d"
PC_GROUP = "partner_client_information"
PS_GROUP = "partner_service_information"

TYPES = [
    TypeDef("partner_clients", "partner_client", "partner-clients", [],
            system_props(PC_GROUP) + [
                prop("hs_name", "Name", "string", group=PC_GROUP),
                prop("hs_tier", "Tier", "enumeration", "select", PC_GROUP,
                     [opt("gold", "Gold", 0), opt("silver", "Silver", 1),
                      opt("bronze", "Bronze", 2)]),
                prop("hs_country", "Country", "string", group=PC_GROUP),
                prop("hs_score", "Score", "number", group=PC_GROUP),
                prop("hs_active", "Active", "bool", group=PC_GROUP),
                prop("hs_signup_date", "Signup date", "date", group=PC_GROUP),
                prop("hs_external_key", "External key", "string", group=PC_GROUP, unique=True),
                prop("hs_regions", "Regions", "enumeration", "checkbox", PC_GROUP,
                     [opt("emea", "EMEA", 0), opt("apac", "APAC", 1),
                      opt("amer", "Americas", 2), opt("latam", "LATAM", 3)]),
                prop("hs_last_review", "Last review", "datetime", group=PC_GROUP),
            ],
            ["hs_name"], ["hs_object_id", "hs_createdate", "hs_lastmodifieddate"], True),
    TypeDef("partner_services", "partner_service", "partner-services", [],
            system_props(PS_GROUP) + [
                prop("hs_name", "Name", "string", group=PS_GROUP),
                prop("hs_status", "Status", "enumeration", "select", PS_GROUP,
                     [opt("active", "Active", 0), opt("paused", "Paused", 1),
                      opt("retired", "Retired", 2)]),
                prop("hs_price", "Price", "number", group=PS_GROUP),
                prop("hs_external_key", "External key", "string", group=PS_GROUP, unique=True),
                prop("hs_num_clients", "Number of clients", "number", group=PS_GROUP,
                     calculated=True),
                prop("hs_phone", "Support phone", "phone_number", "phonenumber", PS_GROUP),
                prop("hs_preferred", "Preferred", "enumeration", "booleancheckbox", PS_GROUP,
                     BOOL_OPTIONS),
            ],
            ["hs_name"], ["hs_object_id", "hs_createdate", "hs_lastmodifieddate"], True),
    TypeDef("contacts", "contact", "contacts", ["contact", "0-1"],
            system_props("contactinformation", "createdate", "lastmodifieddate") + [
                prop("email", "Email", "string", group="contactinformation", unique=True),
                prop("firstname", "First Name", "string", group="contactinformation"),
                prop("lastname", "Last Name", "string", group="contactinformation"),
            ],
            ["email", "firstname", "lastname"],
            ["hs_object_id", "createdate", "lastmodifieddate"], False),
    TypeDef("companies", "company", "companies", ["company", "0-2"],
            system_props("companyinformation", "createdate", "hs_lastmodifieddate") + [
                prop("name", "Name", "string", group="companyinformation"),
                prop("domain", "Company Domain Name", "string", group="companyinformation",
                     unique=True),
            ],
            ["name", "domain"], ["hs_object_id", "createdate", "hs_lastmodifieddate"], False),
    # A type as wide as a real account's contacts: its properties all named
    # in a list GET's query string make a URL past 8 KB, which HubSpot
    # answers with 414 (doc/hubspot-api.md, "URL length").
    TypeDef("wide_records", "wide_record", "wide-records", [],
            system_props("wide_record_information") + [
                prop(WIDE_PROP % i, "Wide field %d" % i, "string",
                     group="wide_record_information")
                for i in range(1, WIDE_PROPS - 2)],
            [WIDE_PROP % 1], ["hs_object_id", "hs_createdate", "hs_lastmodifieddate"], False),
]
TYPE_BY_NAME = {}
for _t in TYPES:
    TYPE_BY_NAME[_t.name] = _t
    for _a in _t.aliases:
        TYPE_BY_NAME[_a] = _t

# Association types: (id, name, from, to, inverse id).  Ids 1/2 are HubSpot's
# contact<->company ids; the partner ones are the emulator's own stable picks.
ASSOC_TYPES = []
PRIMARY_ASSOC_IDS = set()


def _assoc_pair(fid, fname, rid, rname, ftype, ttype):
    ASSOC_TYPES.append({"id": fid, "name": fname, "from": ftype, "to": ttype, "inverse": rid})
    ASSOC_TYPES.append({"id": rid, "name": rname, "from": ttype, "to": ftype, "inverse": fid})
    PRIMARY_ASSOC_IDS.add(fid)


_assoc_pair(1, "contact_to_company", 2, "company_to_contact", "contacts", "companies")
_assoc_pair(901, "partner_client_to_contact", 902, "contact_to_partner_client",
            "partner_clients", "contacts")
_assoc_pair(903, "partner_client_to_company", 904, "company_to_partner_client",
            "partner_clients", "companies")
_assoc_pair(905, "partner_service_to_contact", 906, "contact_to_partner_service",
            "partner_services", "contacts")
_assoc_pair(907, "partner_service_to_company", 908, "company_to_partner_service",
            "partner_services", "companies")
_assoc_pair(909, "partner_service_to_partner_client", 910,
            "partner_client_to_partner_service", "partner_services", "partner_clients")
# Labelled (USER_DEFINED) types, which only the date versions' labels
# endpoint lists and their association specs name; v3's types endpoint
# lists the unlabelled ones above, which the labels endpoint gives as
# HUBSPOT_DEFINED without a label (the 2026-03 associationsSchema.json,
# AssociationSpecWithLabel).
ASSOC_LABELS = []


def _assoc_label(fid, flabel, rid, rlabel, ftype, ttype):
    ASSOC_LABELS.append({"id": fid, "name": flabel, "label": flabel, "from": ftype, "to": ttype,
                         "inverse": rid, "category": "USER_DEFINED"})
    ASSOC_LABELS.append({"id": rid, "name": rlabel, "label": rlabel, "from": ttype, "to": ftype,
                         "inverse": fid, "category": "USER_DEFINED"})
    PRIMARY_ASSOC_IDS.add(fid)


_assoc_label(1001, "Billing contact", 1002, "Billed partner client", "partner_clients", "contacts")
ASSOC_BY_ID = {a["id"]: a for a in ASSOC_TYPES + ASSOC_LABELS}


def assoc_types_between(ftype, ttype):
    return [a for a in ASSOC_TYPES if a["from"] == ftype and a["to"] == ttype]


def assoc_labels_between(ftype, ttype):
    """The labels endpoint's entries from ftype to ttype: (type dict, category, label)."""
    out = [(a, "HUBSPOT_DEFINED", None) for a in assoc_types_between(ftype, ttype)]
    out += [(a, a["category"], a["label"]) for a in ASSOC_LABELS
            if a["from"] == ftype and a["to"] == ttype]
    return out


def find_assoc_spec(ftype, ttype, spec):
    """The type an association spec ({associationCategory, associationTypeId})
    names from ftype to ttype; None if it names none."""
    if not isinstance(spec, dict):
        return None
    for a, category, _ in assoc_labels_between(ftype, ttype):
        if spec.get("associationCategory") == category and spec.get("associationTypeId") == a["id"]:
            return a
    return None


def find_assoc_type(ftype, ttype, spec):
    """spec: a type name or numeric id string; None if not valid for the pair."""
    for a in assoc_types_between(ftype, ttype):
        if spec == a["name"] or spec == str(a["id"]):
            return a
    return None


def resolve_type(name):
    t = TYPE_BY_NAME.get(name)
    if t is None:
        raise validation_error("Unable to infer object type from: %s" % name)
    return t


def select_props(tdef, requested):
    """Names to output for a read: requested ones that exist (or the default set) + always."""
    names = [n for n in requested if n in tdef.props] if requested else list(tdef.defaults)
    wanted = set(names) | set(tdef.always)
    return [n for n in tdef.props if n in wanted]


def property_json(p):
    ts = "2023-01-01T00:00:00.000Z"
    return {
        "name": p["name"], "label": p["label"], "type": p["type"], "fieldType": p["fieldType"],
        "description": p["description"], "groupName": p["groupName"],
        "options": [dict(o) for o in p["options"]], "displayOrder": p["displayOrder"],
        "calculated": p["calculated"], "externalOptions": False,
        "hasUniqueValue": p["hasUniqueValue"], "hidden": p["hidden"], "hubspotDefined": True,
        "formField": not p["readOnly"], "dataSensitivity": "non_sensitive",
        "modificationMetadata": {"archivable": False, "readOnlyDefinition": True,
                                 "readOnlyOptions": p["type"] != "enumeration",
                                 "readOnlyValue": p["readOnly"]},
        "createdAt": ts, "updatedAt": ts, "archived": False,
    }
