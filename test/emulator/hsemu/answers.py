"""The shapes of HubSpot's answers: the error envelope and its common
errors (doc/hubspot-api.md, "Errors"), the batch answer with and without
errors (doc/hubspot-api.md, "Batch answers"), and the JSON encoding of
every body.
"""

import json
import time

from .values import iso_from_ms

AUTH_HELP = "https://developers.hubspot.com/docs/methods/auth/oauth-overview"
SCOPES_HELP = "https://developers.hubspot.com/scopes"


class ApiError(Exception):
    """An answer in HubSpot's error envelope."""

    def __init__(self, status, category, message, context=None, errors=None,
                 sub_category=None, links=None, headers=None):
        super().__init__(message)
        self.status = status
        self.category = category
        self.message = message
        self.context = context
        self.errors = errors
        self.sub_category = sub_category
        self.links = links
        self.headers = headers or {}

    def body(self, cid):
        b = {"status": "error", "message": self.message, "correlationId": cid,
             "category": self.category}
        if self.sub_category is not None:
            b["subCategory"] = self.sub_category
        if self.context is not None:
            b["context"] = self.context
        if self.errors is not None:
            b["errors"] = self.errors
        if self.links is not None:
            b["links"] = self.links
        return b


def validation_error(message, context=None, errors=None):
    """A 400 VALIDATION_ERROR."""
    return ApiError(400, "VALIDATION_ERROR", message, context, errors)


def not_found(obj_id):
    """The 404 of a record id that does not exist."""
    return ApiError(404, "OBJECT_NOT_FOUND",
                    "Object not found.  objectId are usually numeric.",
                    context={"id": [obj_id]})


def property_issues_error(issues):
    """issues: list of (name, code, message) -> 400 'Property values were not valid'."""
    listed = [{"isValid": False, "message": m, "error": c, "name": n} for n, c, m in issues]
    return validation_error(
        "Property values were not valid: " + json.dumps(listed, separators=(",", ":")),
        errors=[{"message": m, "code": c, "context": {"propertyName": [n]}}
                for n, c, m in issues])


def default_error_body(status, cid):
    """Body used for injected failures that carry no explicit body."""
    names = {400: ("VALIDATION_ERROR", "Bad request."),
             401: ("INVALID_AUTHENTICATION", "Authentication credentials not found."),
             403: ("MISSING_SCOPES", "This app is not allowed to make this call."),
             404: ("OBJECT_NOT_FOUND", "Resource not found."),
             409: ("CONFLICT", "The request conflicts with the current state."),
             423: ("LOCKED", "The resource is locked; wait at least 2 seconds and retry."),
             477: ("MIGRATION_IN_PROGRESS", "The account is being migrated; retry later."),
             500: ("INTERNAL_ERROR", "An internal error occurred."),
             502: ("BAD_GATEWAY", "Bad gateway: the upstream service did not answer."),
             503: ("SERVICE_UNAVAILABLE", "The service is temporarily unavailable."),
             504: ("GATEWAY_TIMEOUT", "The upstream service timed out.")}
    cat, msg = names.get(status, ("ERROR", "Injected error %d." % status))
    return {"status": "error", "message": msg, "correlationId": cid, "category": cat}


def batch_times():
    """Now, as a batch answer's startedAt or completedAt."""
    now = iso_from_ms(int(time.time() * 1000))
    return now


def batch_response(results, errors, started):
    """A batch answer: with errors (and numErrors) when there are any."""
    body = {"status": "COMPLETE", "results": results}
    if errors:
        body["numErrors"] = len(errors)
        body["errors"] = errors
    body["startedAt"] = started
    body["completedAt"] = batch_times()
    return body


def std_error(category, message, context):
    """One entry of a batch answer's errors."""
    return {"status": "error", "category": category, "message": message, "context": context,
            "errors": [], "links": {}}


def dumps(obj):
    """obj as compact UTF-8 JSON, the way HubSpot sends it."""
    return json.dumps(obj, separators=(",", ":"), ensure_ascii=False).encode("utf-8")
