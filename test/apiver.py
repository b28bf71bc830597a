#!/usr/bin/env python3
"""Runs the suites again under a date api_version (README, "API versions"),
comparing against the v3 expected outputs through the documented path
mapping, applied mechanically:

  /crm/v3/objects/X     <->  /crm/objects/VER/X
  /crm/v3/properties/X  <->  /crm/properties/VER/X
  /crm/v3/associations/X/Y/batch/  <->  /crm/associations/VER/X/Y/batch/
  CREATE SERVER ... OPTIONS (  <->  CREATE SERVER ... OPTIONS (api_version 'VER',
      (statements at the start of a line; the srvoptions shown then start
      with api_version=VER,)
  (2026-09 only) the EXPLAIN line "HubSpot Batch Read: generic objects
  endpoint ..." of partner_clients, which v3 has no need of, is dropped
  (and the "(N rows)" of its plan counts one less);
  a URL length an error states ("The URL would be N bytes long") is N
  minus the longer prefix's extra bytes.

Usage:
  apiver.py prepare VER SRC DST   sql/ of SRC mapped to VER into DST/sql,
                                  expected/ copied as is
  apiver.py compare VER WORK SUITE...
                                  WORK/results/SUITE.out mapped back to v3
                                  and compared with WORK/expected/SUITE.out,
                                  white space ignored as pg_regress does
                                  (and psql's table rules, whose width
                                  follows the paths'); prints a diff and
                                  "test SUITE ... ok|FAILED" per suite
"""
import difflib
import os
import re
import shutil
import sys

SERVER_RX = re.compile(r"(^CREATE SERVER\b[^;]*?OPTIONS \()", re.S | re.M)
URL_LEN_RX = re.compile(r"The URL would be (\d+) bytes long")


def forward(text, ver):
    text = text.replace("/crm/v3/objects/", "/crm/objects/%s/" % ver)
    text = text.replace("/crm/v3/properties/", "/crm/properties/%s/" % ver)
    text = re.sub(r"/crm/v3/associations/([^/\s]+)/([^/\s]+)/batch/",
                  r"/crm/associations/%s/\1/\2/batch/" % ver, text)
    return SERVER_RX.sub(lambda m: m.group(1) + "api_version '%s', " % ver, text)


def backward(text, ver):
    # a URL length that an error states grows with the path's prefix
    delta = len("/crm/objects/%s/" % ver) - len("/crm/v3/objects/")
    text = "\n".join(
        URL_LEN_RX.sub(lambda m: "The URL would be %d bytes long" % (int(m.group(1)) - delta), ln)
        if ("/crm/objects/%s/" % ver) in ln or ("/crm/properties/%s/" % ver) in ln else ln
        for ln in text.split("\n"))
    text = text.replace("/crm/objects/%s/" % ver, "/crm/v3/objects/")
    text = text.replace("/crm/properties/%s/" % ver, "/crm/v3/properties/")
    text = re.sub(r"/crm/associations/%s/([^/\s]+)/([^/\s]+)/batch/" % re.escape(ver),
                  r"/crm/v3/associations/\1/\2/batch/", text)
    text = text.replace("api_version '%s', " % ver, "")
    text = text.replace("api_version=%s," % ver, "")     # a server's srvoptions
    lines = []
    dropped = 0
    for ln in text.split("\n"):
        if re.match(r"^\s*HubSpot Batch Read: generic objects endpoint", ln):
            dropped += 1
            continue
        m = re.match(r"^\((\d+) rows?\)$", ln)
        if m and dropped:
            n = int(m.group(1)) - dropped
            ln = "(%d row%s)" % (n, "" if n == 1 else "s")
            dropped = 0
        lines.append(ln)
    return "\n".join(lines)


def normalize(text):
    out = []
    for ln in text.split("\n"):
        ln = re.sub(r"\s+", "", ln)
        if ln and set(ln) <= set("-+"):
            ln = "---"
        ln = re.sub(r"^(-\[RECORD\d+\])-*$", r"\1", ln)
        out.append(ln)
    return out


def print_diff(want, got, a_name, b_name):
    """The lines that differ once white space is ignored, as -/+ lines."""
    w, g = want.split("\n"), got.split("\n")
    sm = difflib.SequenceMatcher(None, normalize(want), normalize(got), autojunk=False)
    print("--- %s\n+++ %s" % (a_name, b_name))
    for tag, i1, i2, j1, j2 in sm.get_opcodes():
        if tag == "equal":
            continue
        print("@@ line %d @@" % (i1 + 1))
        for ln in w[i1:i2]:
            print("-" + ln)
        for ln in g[j1:j2]:
            print("+" + ln)


def prepare(ver, src, dst):
    os.makedirs(os.path.join(dst, "sql"), exist_ok=True)
    for name in os.listdir(os.path.join(src, "sql")):
        with open(os.path.join(src, "sql", name), encoding="utf-8") as f:
            text = f.read()
        with open(os.path.join(dst, "sql", name), "w", encoding="utf-8") as f:
            f.write(forward(text, ver))
    if os.path.exists(os.path.join(dst, "expected")):
        shutil.rmtree(os.path.join(dst, "expected"))
    shutil.copytree(os.path.join(src, "expected"), os.path.join(dst, "expected"))
    return 0


def compare(ver, work, suites):
    failed = 0
    for s in suites:
        try:
            with open(os.path.join(work, "results", s + ".out"), encoding="utf-8") as f:
                got = backward(f.read(), ver)
        except FileNotFoundError:
            got = None
        with open(os.path.join(work, "expected", s + ".out"), encoding="utf-8") as f:
            want = f.read()
        if got is not None and normalize(got) == normalize(want):
            print("test %-30s ... ok" % ("%s (%s)" % (s, ver)))
            continue
        failed += 1
        if got is not None:
            print_diff(want, got, "expected/%s.out" % s,
                       "results/%s.out (%s, mapped back)" % (s, ver))
        print("test %-30s ... FAILED" % ("%s (%s)" % (s, ver)))
    return 1 if failed else 0


def main(argv):
    if len(argv) >= 4 and argv[0] == "prepare":
        return prepare(argv[1], argv[2], argv[3])
    if len(argv) >= 3 and argv[0] == "compare":
        return compare(argv[1], argv[2], argv[3:])
    sys.stderr.write(__doc__)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
