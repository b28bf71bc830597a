"""HubSpot accounts: which account each access token belongs to, and the
account information endpoint that tells a client its account,
GET /account-info/v3/details (doc/hubspot-api.md, "Search": search's own
rate limit is counted per account, whichever token sends the search).

Every token the emulator was started with (--token, --read-only-token) and
every OAuth access token it issues belongs to DEFAULT_ACCOUNT_ID. A test
adds tokens of other accounts with POST /_emulator/accounts; two tokens
may share an account. Nothing here takes a lock: the caller holds the
emulator's lock (server.State.lock).
"""

from .answers import ApiError, SCOPES_HELP

DETAILS_PATH = "/account-info/v3/details"
DEFAULT_ACCOUNT_ID = 7000001


class Accounts:
    """The tokens added by tests (token -> account id, read-only, whether
    the account information endpoint answers it) and the account of every
    other valid token."""

    def __init__(self):
        self.reset()

    def reset(self):
        """Forget the tokens tests added."""
        self.tokens = {}

    def control(self, cfg):
        """POST /_emulator/accounts: {"tokens": {TOKEN: {"account": N,
        "read_only": false, "account_info": true}}} adds valid tokens of
        account N (a positive integer); "account_info": false makes the
        account information endpoint refuse the token with 403
        MISSING_SCOPES, as HubSpot refuses a key without the scope."""
        if not isinstance(cfg, dict) or set(cfg) - {"tokens"} or \
                not isinstance(cfg.get("tokens", {}), dict):
            raise ValueError('the body takes {"tokens": {TOKEN: {"account": N}}}')
        for tok, spec in cfg.get("tokens", {}).items():
            if not isinstance(spec, dict) or set(spec) - {"account", "read_only", "account_info"}:
                raise ValueError("tokens.%s takes account, read_only and account_info" % tok)
            acct = spec.get("account", DEFAULT_ACCOUNT_ID)
            if isinstance(acct, bool) or not isinstance(acct, int) or acct < 1:
                raise ValueError("tokens.%s.account must be a positive integer" % tok)
            self.tokens[tok] = {"account": acct,
                                "read_only": bool(spec.get("read_only", False)),
                                "account_info": bool(spec.get("account_info", True))}

    def listing(self):
        """GET /_emulator/accounts: the accounts tests added and how many
        tokens each has (never the tokens)."""
        out = {}
        for spec in self.tokens.values():
            key = str(spec["account"])
            out[key] = out.get(key, 0) + 1
        return {"default_account": DEFAULT_ACCOUNT_ID, "accounts": out}

    def classify(self, token):
        """"valid" or "read-only" for a token a test added, else None."""
        spec = self.tokens.get(token)
        if spec is None:
            return None
        return "read-only" if spec["read_only"] else "valid"

    def account_of(self, token):
        """The account of a valid token."""
        spec = self.tokens.get(token)
        return spec["account"] if spec else DEFAULT_ACCOUNT_ID

    def details(self, token):
        """GET /account-info/v3/details for a valid token: the answer's
        shape is that of HubSpot's account information API."""
        spec = self.tokens.get(token)
        if spec is not None and not spec["account_info"]:
            raise ApiError(
                403, "MISSING_SCOPES",
                "This app has not been granted all the scopes this call needs. See %s"
                % SCOPES_HELP,
                errors=[{"message": "One or more of the following scopes are required.",
                         "context": {"requiredScopes": ["oauth"]}}],
                links={"scopes": SCOPES_HELP})
        return 200, {"portalId": self.account_of(token), "accountType": "STANDARD",
                     "timeZone": "US/Eastern", "companyCurrency": "USD",
                     "additionalCurrencies": [], "utcOffset": "-05:00",
                     "utcOffsetMilliseconds": -18000000, "uiDomain": "app.hubspot.com",
                     "dataHostingLocation": "na1"}
