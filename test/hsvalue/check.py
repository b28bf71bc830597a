#!/usr/bin/python3
"""Check src/hsvalue.c against Python's datetime and decimal.

Builds driver.c with the address and undefined-behaviour sanitizers, feeds
it random and edge-case inputs, and compares every answer. Prints
"N cases, N wrong" and exits non-zero on any difference.
"""
import datetime as dt
import os
import random
import subprocess
import sys
import tempfile
from decimal import Decimal

HERE = os.path.dirname(os.path.abspath(__file__))
SRC = os.path.join(HERE, "..", "..", "src")
UTC = dt.timezone.utc
EPOCH = dt.datetime(1970, 1, 1, tzinfo=UTC)
US = 10 ** 6


def iso(d, digits):
    frac = "%06d" % d.microsecond
    return "%04d-%02d-%02dT%02d:%02d:%02d.%s" % (d.year, d.month, d.day, d.hour, d.minute,
                                                 d.second, frac[:digits])


def cases(n):
    rnd = random.Random(20240301)
    lo = int((dt.datetime(1, 1, 2, tzinfo=UTC) - EPOCH).total_seconds()) * US
    hi = int((dt.datetime(9999, 12, 30, tzinfo=UTC) - EPOCH).total_seconds()) * US
    for _ in range(n):
        us = rnd.randint(lo, hi)
        d = EPOCH + dt.timedelta(microseconds=us)
        yield "F %d" % us, iso(d, 3) + "Z"
        off = rnd.choice([0, 60, -480, 330, -59, 23 * 60 + 59, 345])
        local = d.astimezone(dt.timezone(dt.timedelta(minutes=off)))
        zone = "Z" if off == 0 else "%s%02d:%02d" % ("+" if off > 0 else "-", abs(off) // 60,
                                                    abs(off) % 60)
        yield "T " + iso(local, 6) + zone, str(us)
        yield "T " + iso(local, 3) + zone, str(us - us % 1000)
        ms = us // 1000
        yield "T %d" % ms, str(ms * 1000)
        yield "D %d" % ms, str(ms // 86400000)
        yield "D %04d-%02d-%02d" % (d.year, d.month, d.day), str((d.date() - dt.date(1970, 1, 1)).days)
        f = rnd.choice([rnd.uniform(-1e6, 1e6), rnd.random() * 10 ** rnd.randint(-320, 308),
                        float(rnd.randint(-10 ** 18, 10 ** 18))])
        yield "P " + repr(f), format(Decimal(repr(f)).normalize(), "f") if f != 0 else "0"
    for s in ["2024-02-30", "2023-02-29", "2024-13-01", "2024-03-01T24:00", "2024-03-01T12",
              "2024-03-01T12:00:00.", "2024-03-01T12:00:00+25:00", "x", "", "-", "1e5",
              "1234567890123456789", "2024-03-01T12:00:00Zjunk", "24-03-01", "2024-3-1"]:
        yield "T " + s, "ERR"
    for s, e in [("2024-02-29", "19782"), ("2024-03-01T23:59:59.999Z", "19783"),
                 ("-1", "-1"), ("1709251200000", "19783")]:
        yield "D " + s, e
    for s, e in [("1e+20", "100000000000000000000"), ("-1.5e-07", "-0.00000015"),
                 ("42.50", "42.5"), ("-0", "0"), ("0.000", "0"), (".5", "0.5"), ("5.", "5"),
                 (".", "ERR"), ("1e", "ERR"), ("1.2.3", "ERR"), ("1e999999", "ERR"), ("abc", "ERR")]:
        yield "P " + s, e


def main():
    with tempfile.TemporaryDirectory() as tmp:
        exe = os.path.join(tmp, "driver")
        subprocess.run(["gcc", "-Wall", "-Wextra", "-Werror", "-O1", "-g",
                        "-fsanitize=address,undefined", "-fno-sanitize-recover=all",
                        "-I", SRC, os.path.join(HERE, "driver.c"),
                        os.path.join(SRC, "hsvalue.c"), "-o", exe], check=True)
        todo = list(cases(int(sys.argv[1]) if len(sys.argv) > 1 else 3000))
        out = subprocess.run([exe], input="\n".join(c for c, _ in todo) + "\n",
                             capture_output=True, text=True)
    got = out.stdout.split("\n")
    wrong = 0
    for (cmd, want), have in zip(todo, got):
        if want != have:
            wrong += 1
            if wrong <= 10:
                print("%r: expected %r, got %r" % (cmd, want, have))
    if out.returncode != 0 or len(got) < len(todo):
        print(out.stderr[-2000:])
        wrong += 1
    print("%d cases, %d wrong" % (len(todo), wrong))
    return 1 if wrong else 0


if __name__ == "__main__":
    sys.exit(main())
