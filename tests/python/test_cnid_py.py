#!/usr/bin/env python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""The Python module (helper/python/cnid.py, ctypes on libcnid.so.0) against
the CLI: every sample card (tests/cards/*.card, encoded by `cnid encode`,
as a reply frame and as a bare text block) decodes to exactly the
dictionary `cnid decode --json` prints, on two dates (one before, one after
the expired sample's end), and malformed input raises CnidError.

Usage: test_cnid_py.py --cnid build/cnid --lib build/libcnid.so.0 --cards tests/cards
       [--module-dir helper/python]
"""

import argparse
import glob
import json
import os
import re
import subprocess
import sys
import unittest

ARGS = None
DATES = ("2026-11-30", "2040-01-01")


def cli(*args, data=None):
    p = subprocess.run([ARGS.cnid, *args], input=data, capture_output=True, timeout=30)
    return p.returncode, p.stdout, p.stderr.decode()


class PythonModuleTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        os.environ["CNID_LIBRARY"] = os.path.abspath(ARGS.lib)
        sys.path.insert(0, ARGS.module_dir)
        import cnid  # noqa: E402  (after the path and the library are set)
        cls.cnid = cnid
        cls.cards = sorted(glob.glob(os.path.join(ARGS.cards, "*.card")))
        assert cls.cards, "no sample cards"

    def encode(self, path, *flags):
        rc, out, err = cli("encode", *flags, path)
        self.assertEqual((rc, err), (0, ""), path)
        return out

    def test_version(self):
        with open(os.path.join(os.path.dirname(ARGS.module_dir), "lib", "cnid", "cnid.h"),
                  encoding="utf-8") as f:
            want = re.search(r'#define CNID_VERSION "([^"]+)"', f.read()).group(1)
        self.assertEqual(self.cnid.version(), want)

    def test_every_sample_card(self):
        n = 0
        for path in self.cards:
            with open(path, encoding="utf-8") as f:
                fp = re.search(r"^\s*fingerprints\s*=\s*[1-9]", f.read(), re.M)
            inputs = {"frame": self.encode(path, *(["--fingerprint"] if fp else [])),
                      "block": self.encode(path, "--block")}
            for form, data in inputs.items():
                for today in DATES:
                    with self.subTest(card=os.path.basename(path), form=form, today=today):
                        rc, out, err = cli("decode", "--json", "--today", today, "-", data=data)
                        self.assertIn(rc, (0, 1), err)
                        want = json.loads(out)
                        got = self.cnid.decode(data, today=tuple(map(int, today.split("-"))))
                        self.assertEqual(got, want)
                        n += 1
        print(f"python module: {n} decodes of {len(self.cards)} sample cards equal the CLI's",
              file=sys.stderr)

    def test_malformed(self):
        frame = bytearray(self.encode(self.cards[0]))
        frame[-1] ^= 1                      # checksum
        with self.assertRaises(self.cnid.CnidError):
            self.cnid.decode(bytes(frame))
        with self.assertRaises(self.cnid.CnidError):
            self.cnid.decode(b"\x00" * 100)  # neither a block nor a frame


def main():
    global ARGS
    ap = argparse.ArgumentParser()
    ap.add_argument("--cnid", required=True)
    ap.add_argument("--lib", required=True)
    ap.add_argument("--cards", required=True)
    ap.add_argument("--module-dir", default="helper/python")
    ARGS, rest = ap.parse_known_args()
    unittest.main(argv=[sys.argv[0]] + rest, verbosity=1)


if __name__ == "__main__":
    main()
