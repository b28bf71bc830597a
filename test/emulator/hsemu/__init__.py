"""Local emulator of the HubSpot CRM v3 API, for the hubspot_fdw tests.

Standard library only.  Run it through test/emulator/hubspot_emulator.py;
README.md beside that script says what each module owns.
"""

# The modules, lowest first: each imports only modules before it
# (selftest.py checks this).
LAYERS = ("limits", "spec", "values", "answers", "schema", "store", "faults", "oauth", "accounts", "requestlog",
          "context", "objects", "search", "associations", "api", "server")
