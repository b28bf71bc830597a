#!/usr/bin/python3
"""Local emulator of the HubSpot CRM v3 API, for the hubspot_fdw tests.

Standard library only.  Serves, for any object type string, the objects
(list/read/PATCH/batch read/batch update/search; create, batch create,
batch upsert, batch archive and DELETE except for partner objects), properties, per-record
association and v3 association endpoints, with HubSpot's error envelopes,
207 multi-status batch answers, rate-limit headers and a set of fault modes
driven through the /_emulator/ control endpoints.  See README.md.

This script only starts it: the code is the package hsemu/ beside it.
"""

import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from hsemu.server import main  # noqa: E402  (after the path is set)

if __name__ == "__main__":
    main()
