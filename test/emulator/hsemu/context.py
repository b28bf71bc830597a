"""One API request as the handlers see it (Ctx): its query parameters, its
JSON body, the token's scopes, and the store to answer from; and the checks
every batch endpoint makes of its inputs (doc/hubspot-api.md, "Batches").
"""

import json

from .answers import ApiError, SCOPES_HELP, validation_error
from .limits import ASSOC_READ_PAGE


class Ctx:
    """The request being answered; drop_results is set from the fault plan."""

    def __init__(self, store, method, raw_path, segs, query, body_bytes, auth, cid, base_url):
        self.store = store
        self.method = method
        self.raw_path = raw_path
        self.segs = segs
        self.query = query
        self.body_bytes = body_bytes
        self.auth = auth
        self.cid = cid
        self.base_url = base_url
        self.drop_results = False
        self.api_version = None     # a date version ("2026-03"), None for v3
        self.assoc_read_page = ASSOC_READ_PAGE   # links per record per batch/read page

    def q(self, name):
        v = self.query.get(name)
        if isinstance(v, list):
            return v[-1]
        return v

    def q_list(self, name):
        v = self.query.get(name)
        if v is None:
            return []
        vals = v if isinstance(v, list) else [v]
        out = []
        for x in vals:
            out.extend(s.strip() for s in x.split(",") if s.strip())
        return out

    def q_bool(self, name, default=False):
        v = self.q(name)
        if v is None:
            return default
        if v.lower() in ("true", "false"):
            return v.lower() == "true"
        raise validation_error('Invalid value "%s" for query parameter %s: expected true or false'
                               % (v, name))

    def q_int(self, name, default):
        v = self.q(name)
        if v is None or v == "":
            return default
        try:
            return int(v)
        except ValueError:
            raise validation_error('Invalid value "%s" for query parameter %s: expected an integer'
                                   % (v, name))

    def json_body(self):
        if not self.body_bytes:
            raise validation_error("Invalid input JSON: the request body is empty")
        try:
            return json.loads(self.body_bytes.decode("utf-8"))
        except (UnicodeDecodeError, ValueError) as e:
            raise validation_error("Invalid input JSON on line 1: %s" % e)

    def json_object_body(self):
        b = self.json_body()
        if not isinstance(b, dict):
            raise validation_error("Invalid input JSON: expected a JSON object")
        return b

    def require_write(self, tdef):
        if self.auth == "read-only":
            raise ApiError(
                403, "MISSING_SCOPES",
                "This app has not been granted all the scopes this call needs. See %s"
                % SCOPES_HELP,
                errors=[{"message": "One or more of the following scopes are required.",
                         "context": {"requiredScopes": [tdef.write_scope()]}}],
                links={"scopes": SCOPES_HELP})


def batch_inputs(body, limit):
    """The "inputs" array of a batch request body, checked: a list of at
    most limit objects."""
    inputs = body.get("inputs")
    if not isinstance(inputs, list):
        raise validation_error("Invalid input JSON: \"inputs\" must be an array")
    if len(inputs) > limit:
        raise validation_error("Too many inputs: %d. A batch may contain at most %d inputs."
                               % (len(inputs), limit),
                               context={"numInputs": [str(len(inputs))],
                                        "maxInputs": [str(limit)]})
    for i, inp in enumerate(inputs):
        if not isinstance(inp, dict):
            raise validation_error("Invalid input JSON: inputs[%d] must be an object" % i)
    return inputs


def input_id(inp, i, key="id"):
    """The id inputs[i] names under key, as a string; raises if it has none."""
    v = inp.get(key)
    if isinstance(v, bool) or not isinstance(v, (str, int)):
        raise validation_error("Invalid input JSON: inputs[%d].%s must be a string" % (i, key))
    return str(v)
