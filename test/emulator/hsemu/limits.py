"""Every HubSpot limit the emulator enforces, each one named constant.

Each constant names the section of doc/hubspot-api.md that gives its value.
A value marked "unconfirmed" has no authoritative source: HubSpot publishes
none, so the emulator takes the value its callers are most likely to meet.
"""

# doc/hubspot-api.md, "Rate limits"
RATE_LIMIT_INTERVAL_MS = 10000      # burst window (private app, Free/Starter)
RATE_LIMIT_MAX = 100                # requests per window (Free/Starter)
RATE_LIMIT_DAILY = 250000           # requests per day (Free/Starter)

# doc/hubspot-api.md, "OAuth"
OAUTH_ACCESS_TOKEN_LIFETIME_S = 1800    # expires_in of an access token: 30 minutes

# doc/hubspot-api.md, "Objects"
LIST_LIMIT_DEFAULT = 10
LIST_LIMIT_MAX = 100                # the spec gives no maximum; HubSpot's clients page at 100

# doc/hubspot-api.md, "Batches"
BATCH_INPUT_MAX = 100               # object batch read/update (HubSpot's own clients)
BATCH_HISTORY_INPUT_MAX = 50        # batch/read with propertiesWithHistory

# doc/hubspot-api.md, "Associations"
ASSOC_BATCH_INPUT_MAX = 100         # batch/create and archive: unconfirmed
ASSOC_BATCH_READ_INPUT_MAX = 1000   # batch/read: HubSpot's changelog, February 2025
ASSOC_LIST_LIMIT_DEFAULT = 500
ASSOC_LIST_LIMIT_MAX = 500          # unconfirmed
ASSOC_READ_PAGE = 500               # links per record per batch/read answer: unconfirmed
ASSOC_V4_READ_INPUT_MAX = 1000      # v4 (and date versions') batch/read inputs

# doc/hubspot-api.md, "Search": HubSpot's search guide gives each of these
SEARCH_LIMIT_DEFAULT = 10
SEARCH_LIMIT_MAX = 200
SEARCH_MAX_FILTER_GROUPS = 5        # the guide's 5 (the spec says 6)
SEARCH_MAX_FILTERS_PER_GROUP = 6
SEARCH_MAX_FILTERS_TOTAL = 18
SEARCH_MAX_SORTS = 1                # one sorting rule a search
SEARCH_RESULT_CAP = 10000
SEARCH_RATE_PER_S = 5               # search requests a second, per account

# doc/hubspot-api.md, "URL length": HubSpot answers 414 past about 8 KB
URL_MAX_BYTES = 8192                # request target (path and query), in bytes

# doc/hubspot-api.md, "Values"
STRING_VALUE_MAX = 65536
