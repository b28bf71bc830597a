"""Property values: the formats HubSpot takes and returns, and the check of
one value against its property's type (doc/hubspot-api.md, "Values").

Every value travels as a string.  Dates are epoch milliseconds at midnight
UTC; date-times are taken as epoch milliseconds or ISO 8601 and given back
as ISO 8601 with milliseconds and "Z".
"""

import datetime
import re
import time

from .limits import STRING_VALUE_MAX

DAY_MS = 86400000
UTC = datetime.timezone.utc
EPOCH = datetime.datetime(1970, 1, 1, tzinfo=UTC)
ISO_FAST_MAX_MS = 253402300800000     # 10000-01-01: beyond it, datetime's own errors


def iso_from_ms(ms):
    if 0 <= ms < ISO_FAST_MAX_MS:
        # the common case, without building a datetime (a list page formats 200)
        sec, milli = divmod(ms, 1000)
        t = time.gmtime(sec)
        return "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ" % (
            t.tm_year, t.tm_mon, t.tm_mday, t.tm_hour, t.tm_min, t.tm_sec, milli)
    dt = EPOCH + datetime.timedelta(milliseconds=ms)
    return dt.strftime("%Y-%m-%dT%H:%M:%S.") + "%03dZ" % (dt.microsecond // 1000)


def ms_from_iso(text):
    """Parse an ISO 8601 timestamp (or date) into epoch ms; None if invalid."""
    try:
        dt = datetime.datetime.fromisoformat(text)
    except ValueError:
        return None
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=UTC)
    delta = dt - EPOCH
    return delta.days * DAY_MS + delta.seconds * 1000 + delta.microseconds // 1000


def ms_from_date(y, m, d):
    return (datetime.date(y, m, d) - datetime.date(1970, 1, 1)).days * DAY_MS


INT_RE = re.compile(r"^-?\d+$")
NUMBER_RE = re.compile(r"^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$")


def check_value(p, value):
    """Validate a (non-empty) string value for property p.

    Returns (normalized_value, None) or (None, (code, message))."""
    t = p["type"]
    name = p["name"]
    if t == "string":
        if len(value) > STRING_VALUE_MAX:
            return None, ("INVALID_STRING_LENGTH",
                          "%s is longer than the maximum of %d characters for property %s"
                          % (len(value), STRING_VALUE_MAX, name))
        return value, None
    if t == "number":
        if not NUMBER_RE.match(value):
            return None, ("INVALID_INTEGER", "%s was not a valid number." % value)
        return value, None
    if t == "bool":
        if value not in ("true", "false"):
            return None, ("INVALID_OPTION",
                          '%s was not one of the allowed options: [true, false]' % value)
        return value, None
    if t == "date":
        if not INT_RE.match(value):
            return None, ("INVALID_DATE",
                          "%s is not a valid date; send epoch milliseconds at midnight UTC"
                          % value)
        ms = int(value)
        if ms % DAY_MS != 0:
            return None, ("INVALID_DATE", "%s is at %s UTC, not midnight!"
                          % (value, iso_from_ms(ms)[11:23]))
        return str(ms), None
    if t == "datetime":
        if INT_RE.match(value):
            ms = int(value)
        else:
            ms = ms_from_iso(value)
            if ms is None:
                return None, ("INVALID_DATETIME",
                              "%s is not a valid datetime; send epoch milliseconds or ISO 8601"
                              % value)
        return iso_from_ms(ms), None
    if t == "enumeration":
        allowed = [o["value"] for o in p["options"]]
        if p["fieldType"] == "checkbox":
            parts = [x for x in value.split(";") if x != ""]
        else:
            parts = [value]
        for part in parts:
            if part not in allowed:
                return None, ("INVALID_OPTION", "%s was not one of the allowed options: [%s]"
                              % (part, ", ".join(allowed)))
        return value, None
    return value, None
