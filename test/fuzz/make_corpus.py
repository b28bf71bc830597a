#!/usr/bin/python3
"""Write every example object of the official HubSpot specs into a corpus
directory, one JSON document per file: seeds for the json.c fuzzer.

usage: make_corpus.py SPEC_DIR OUT_DIR
"""
import hashlib
import json
import os
import sys


def examples(node):
    """Yield every non-null "example" value that is a JSON object or array."""
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "example" and isinstance(value, (dict, list)):
                yield value
            else:
                yield from examples(value)
    elif isinstance(node, list):
        for item in node:
            yield from examples(item)


def main(spec_dir, out_dir):
    os.makedirs(out_dir, exist_ok=True)
    count = 0
    for dirpath, _, files in os.walk(spec_dir):
        for name in sorted(files):
            if not name.endswith(".json"):
                continue
            with open(os.path.join(dirpath, name), encoding="utf-8") as f:
                spec = json.load(f)
            for ex in examples(spec):
                data = json.dumps(ex).encode("utf-8")
                digest = hashlib.sha1(data).hexdigest()[:16]
                with open(os.path.join(out_dir, "spec-" + digest), "wb") as out:
                    out.write(data)
                count += 1
    print("%d spec examples" % count)


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
