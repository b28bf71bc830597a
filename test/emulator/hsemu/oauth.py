"""OAuth: the token endpoint (POST /oauth/v1/token, and its date-versioned
successor /oauth/2026-03/token, which takes the same form), the access
tokens it issues and when they expire, the refresh tokens it accepts and
their revocation (doc/hubspot-api.md, "OAuth").  Nothing here takes a lock:
the caller holds the emulator's lock (server.State.lock).

A refresh answers HubSpot's shape: access_token, refresh_token (the same
one: HubSpot's refresh tokens do not rotate), expires_in and token_type.
Its errors carry both the OAuth 2.0 fields (error, error_description) and
HubSpot's own (status, message), as HubSpot's token endpoint answers them.
"""

import time
import uuid
from urllib.parse import parse_qs

from .limits import OAUTH_ACCESS_TOKEN_LIFETIME_S

TOKEN_PATHS = ("/oauth/v1/token", "/oauth/2026-03/token")
# How the request log shows a secret of a token request: never the value.
HIDDEN = "(hidden)"
SECRET_FIELDS = ("client_secret", "refresh_token", "code", "code_verifier")


class OAuthError(Exception):
    """An answer of the token endpoint that is not a token."""

    def __init__(self, status, error, code, message):
        super().__init__(message)
        self.status = status
        self.error = error          # OAuth 2.0's error code
        self.code = code            # HubSpot's "status" field
        self.message = message
        self.counted = False        # OAuth.token() counted it already

    def body(self, cid):
        return {"error": self.error, "error_description": self.message,
                "status": self.code, "message": self.message, "correlationId": cid}


def parse_form(body):
    """The fields of a form-encoded body, one value each (the last one)."""
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        raise OAuthError(400, "invalid_request", "BAD_REQUEST",
                         "the request body is not UTF-8")
    return {k: v[-1] for k, v in parse_qs(text, keep_blank_values=True).items()}


def logged_form(fields):
    """A token request's fields as the request log records them: the
    secrets hidden."""
    return {k: (HIDDEN if k in SECRET_FIELDS else v) for k, v in fields.items()}


class OAuth:
    """The OAuth apps (client id -> secret), the refresh tokens they accept,
    the access tokens issued, and the counters GET /_emulator/oauth shows."""

    def __init__(self, clients, refresh_tokens, prefix):
        self.clients = dict(clients)
        self.all_refresh_tokens = set(refresh_tokens)
        self.prefix = prefix
        self.issued = {}            # access token -> monotonic expiry
        self.reset()

    def reset(self):
        """Every refresh token valid again, the lifetime back to HubSpot's,
        the counters from zero. The access tokens issued stay valid until
        they expire, as HubSpot's do: a client that keeps one across a
        reset is not refused."""
        self.refresh_tokens = set(self.all_refresh_tokens)
        self.expires_in = OAUTH_ACCESS_TOKEN_LIFETIME_S
        self.token_requests = 0
        self.tokens_issued = 0
        self.refused = 0

    def control(self, cfg):
        """POST /_emulator/oauth: {"expires_in": seconds} sets the lifetime
        of the tokens issued from now on, {"revoke": true} revokes every
        refresh token, {"expire": true} ends every access token issued."""
        if not isinstance(cfg, dict) or set(cfg) - {"expires_in", "revoke", "expire"}:
            raise ValueError("the body takes expires_in, revoke and expire")
        if "expires_in" in cfg:
            v = cfg["expires_in"]
            if isinstance(v, bool) or not isinstance(v, int) or v < 1:
                raise ValueError("expires_in must be an integer >= 1")
            self.expires_in = v
        if cfg.get("revoke"):
            self.refresh_tokens.clear()
        if cfg.get("expire"):
            now = time.monotonic()
            self.issued = {t: min(e, now) for t, e in self.issued.items()}

    def stats(self):
        """The answer of GET /_emulator/oauth."""
        now = time.monotonic()
        return {"token_requests": self.token_requests, "tokens_issued": self.tokens_issued,
                "refused": self.refused, "expires_in": self.expires_in,
                "live_tokens": sum(1 for e in self.issued.values() if e > now)}

    def count_refusal(self):
        """Count a token request refused before its fields were read (a
        wrong method, content type or encoding)."""
        self.token_requests += 1
        self.refused += 1

    def classify(self, token):
        """What an issued access token is: "valid", "expired" (with how many
        seconds ago), or None when this emulator never issued it."""
        exp = self.issued.get(token)
        if exp is None:
            return None, 0
        now = time.monotonic()
        if now < exp:
            return "valid", 0
        return "expired", now - exp

    def token(self, fields):
        """Answer one token request (its form fields): (status, body)."""
        self.token_requests += 1
        try:
            grant = fields.get("grant_type")
            if grant != "refresh_token":
                raise OAuthError(400, "unsupported_grant_type", "BAD_GRANT_TYPE",
                                 "grant_type must be refresh_token: the emulator issues "
                                 "no tokens for authorization codes")
            cid = fields.get("client_id")
            if not cid or cid not in self.clients:
                raise OAuthError(400, "invalid_client", "BAD_CLIENT_ID",
                                 "missing or unknown client_id")
            if fields.get("client_secret") != self.clients[cid]:
                raise OAuthError(400, "invalid_client", "BAD_CLIENT_SECRET",
                                 "client_secret does not match client_id")
            rt = fields.get("refresh_token")
            if not rt or rt not in self.refresh_tokens:
                raise OAuthError(400, "invalid_grant", "BAD_REFRESH_TOKEN",
                                 "refresh token is invalid, expired or revoked")
        except OAuthError as e:
            self.refused += 1
            e.counted = True
            raise
        access = self.prefix + uuid.uuid4().hex
        self.issued[access] = time.monotonic() + self.expires_in
        self.tokens_issued += 1
        return 200, {"token_type": "bearer", "refresh_token": rt, "access_token": access,
                     "expires_in": self.expires_in}
