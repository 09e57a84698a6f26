#!/usr/bin/env python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""CLI tests for `cnid decode` and `cnid encode`.

Every input is generated at run time by `cnid encode` from the readable
descriptions in tests/cards/ (no binary fixtures).  The expected values come
from those descriptions and from independent re-computations here (check
digits, the previous 2023 number, SHA-256 of the photo, frame checksums),
not from the decoder's own output.

Usage: test_cli.py --cnid build/cnid --cards tests/cards
"""

import argparse
import hashlib
import json
import os
import pty
import subprocess
import sys
import tempfile
import unittest

CNID = "build/cnid"
CARDS = "tests/cards"

PREAMBLE = bytes.fromhex("AAAAAA9669")
SEX_NAMES = {"0": "unknown", "1": "male", "2": "female", "9": "unspecified"}
SEX_WORDS = {v: k for k, v in SEX_NAMES.items()}
COMMON_TAIL = {"photo", "valid", "expired", "errors", "warnings"}

# Keys `--json` must print for each card type (issue 2), for the sample cards.
KEYS = {
    "resident": {"type", "name", "sex", "sex_code", "nation_code", "nation", "birth_date",
                 "address", "number", "issuer", "valid_from", "valid_until"},
    # nation_code is blank on permits: "" with nation null, but present (review item 3)
    "hkmotw_permit": {"type", "name", "sex", "sex_code", "nation_code", "nation", "birth_date",
                      "address", "number",
                      "issuer", "valid_from", "valid_until", "permit_number", "issue_count"},
    # 2017 cards hold the issuing authority's code, not its name (review item 10)
    "foreign_permanent_2017": {"type", "name", "name_en", "sex", "sex_code", "birth_date",
                               "number", "issuer_code", "valid_from", "valid_until", "nationality",
                               "nationality_name_en", "nationality_name_zh", "card_version"},
    "foreign_permanent_2023": {"type", "name", "name_en", "sex", "sex_code", "birth_date",
                               "number", "valid_from", "valid_until", "nationality",
                               "nationality_name_en", "nationality_name_zh", "renewal_count",
                               "link"},
    "unknown": {"type", "raw"},
}

# Which sample card shows which card type.
TYPE_SAMPLES = {
    "resident": "resident",
    "hkmotw_permit": "permit",
    "foreign_permanent_2017": "foreign-2017",
    "foreign_permanent_2023": "foreign-2023",
}


def read_desc(name):
    """The description's key = value pairs, dates and sex normalised."""
    desc = {}
    with open(os.path.join(CARDS, name + ".card"), encoding="utf-8") as f:
        for line in f:
            line = line.strip()
            if not line or line.startswith("#"):
                continue
            key, value = (s.strip() for s in line.split("=", 1))
            desc[key] = value
    if desc.get("sex") in SEX_WORDS:
        desc["sex"] = SEX_WORDS[desc["sex"]]
    return desc


def card_bytes(name):
    with open(os.path.join(CARDS, name + ".card"), "rb") as f:
        return f.read()


def mod11_2(digits17):
    weights = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
    return "10X98765432"[sum(int(d) * w for d, w in zip(digits17, weights)) % 11]


def icao_731(s):
    def val(c):
        return int(c) if c.isdigit() else ord(c) - ord("A") + 10
    return str(sum(val(c) * (7, 3, 1)[i % 3] for i, c in enumerate(s)) % 10)


def xor(data):
    x = 0
    for b in data:
        x ^= b
    return x


def run(args, stdin=None):
    p = subprocess.run([CNID] + args, input=stdin, capture_output=True, timeout=30)
    return p.returncode, p.stdout, p.stderr.decode("utf-8")


class CliTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.TemporaryDirectory(prefix="cnid-cli-")

    @classmethod
    def tearDownClass(cls):
        cls.tmp.cleanup()

    def path(self, name):
        return os.path.join(self.tmp.name, name)

    def encode(self, card, *flags):
        rc, out, err = run(["encode", *flags, os.path.join(CARDS, card + ".card")])
        self.assertEqual((rc, err), (0, ""), f"encode {card} {flags}")
        return out

    def write(self, name, data):
        with open(self.path(name), "wb") as f:
            f.write(data)
        return self.path(name)

    def decode_json(self, path, *flags, expect_rc=0, stdin=None):
        rc, out, err = run(["decode", "--json", *flags] + ([path] if path else []), stdin=stdin)
        self.assertEqual(rc, expect_rc, f"exit status; stderr: {err}")
        self.assertEqual(err, "")
        return json.loads(out.decode("utf-8"))   # exactly one JSON document

    def assert_fails(self, args, message=None, stdin=None, prefix="cnid decode: "):
        """Exit 2, nothing on stdout, one line on stderr."""
        rc, out, err = run(args, stdin=stdin)
        self.assertEqual(rc, 2, err)
        self.assertEqual(out, b"")
        self.assertTrue(err.startswith(prefix), err)
        self.assertEqual(err.count("\n"), 1, err)
        self.assertTrue(err.endswith("\n"))
        if message is not None:
            self.assertEqual(err, prefix + message + "\n")
        return err

    def assert_card_matches(self, j, desc):
        """The fields of the decoded card equal the description's."""
        for key in ("name", "name_en", "address", "issuer", "nationality", "card_version",
                    "renewal_count", "permit_number", "issue_count", "nation_code"):
            if key in desc:
                got = j["issuer_code"] if key == "issuer" and j["type"] == "foreign_permanent_2017" \
                    else j[key]
                self.assertEqual(got, desc[key], key)
        self.assertEqual(j["sex_code"], desc["sex"])
        self.assertEqual(j["sex"], SEX_NAMES[desc["sex"]])
        for key in ("birth_date", "valid_from"):
            self.assertEqual(j[key], desc[key])
        until = desc["valid_until"]
        self.assertEqual(j["valid_until"], until)
        if "number" in desc and desc["number"] != "auto":
            self.assertEqual(j["number"], desc["number"])

    # ---- every card type -------------------------------------------------

    def test_each_type_json(self):
        for ctype, card in TYPE_SAMPLES.items():
            with self.subTest(type=ctype):
                frame = self.encode(card)
                self.assertEqual(len(frame), 1295)     # reply to 30 01
                desc = read_desc(card)
                j = self.decode_json(self.write(card + ".frame", frame), "--today", "2027-01-01")
                self.assertEqual(set(j), KEYS[ctype] | COMMON_TAIL)
                self.assertEqual(j["type"], ctype)
                self.assert_card_matches(j, desc)
                self.assertIs(j["valid"], True)
                self.assertIs(j["expired"], False)
                self.assertEqual(j["errors"], [])
                # the photo is the 1024 bytes after the text block
                self.assertEqual(j["photo"], {"format": "wlt", "bytes": 1024,
                                              "sha256": hashlib.sha256(frame[270:1294]).hexdigest()})

    def test_numbers_are_consistent(self):
        """number = auto yields numbers an independent check accepts."""
        for card in ("resident", "permit", "foreign-2023"):
            j = self.decode_json(self.write(card + ".frame", self.encode(card)))
            n = j["number"]
            self.assertEqual(n[-1], mod11_2(n[:17]), card)
            self.assertEqual(n[6:14], j["birth_date"].replace("-", ""), card)
        j = self.decode_json(self.write("f17.frame", self.encode("foreign-2017")))
        self.assertEqual(j["number"][:3], "CAN")
        self.assertEqual(j["number"][14], icao_731(j["number"][:14]))
        self.assertEqual(j["nationality_name_en"], "Canada")

    def test_resident_nation_and_long_term(self):
        j = self.decode_json(self.write("lt.frame", self.encode("resident-long-term")),
                             "--today", "2999-12-31")
        self.assertEqual((j["nation_code"], j["nation"]), ("03", "回"))
        self.assertEqual(j["valid_until"], "long-term")
        self.assertIs(j["expired"], False)   # long-term never expires

    def test_2023_nationality_and_long_name(self):
        j = self.decode_json(self.write("f23.frame", self.encode("foreign-2023")))
        desc = read_desc("foreign-2023")
        self.assertGreater(len(desc["name_en"]), 35)   # spans both halves of the name
        self.assertEqual(j["name_en"], desc["name_en"])
        self.assertEqual(j["number"][3:6], "586")
        self.assertEqual((j["nationality_name_en"], j["nationality_name_zh"]),
                         ("Pakistan", "巴基斯坦"))
        self.assertNotIn("previous_number", j)

    def test_2023_link_previous_number(self):
        j = self.decode_json(self.write("link.frame", self.encode("foreign-2023-link")))
        desc = read_desc("foreign-2023-link")
        n, link = j["number"], desc["link"]
        prev = desc["nationality"] + n[1:3] + link[0:2] + n[8:14] + link[2]
        self.assertEqual(j["previous_number"], prev + icao_731(prev))
        self.assertEqual(set(j), KEYS["foreign_permanent_2023"] | COMMON_TAIL | {"previous_number"})

    def test_link_and_blank_nation_are_printed(self):
        """The keys an error names are in the JSON (review item 3)."""
        desc = card_bytes("foreign-2023-link").decode().replace("link = 013", "link = 0A1")
        rc, frame, err = run(["encode", "-"], stdin=desc.encode())
        self.assertEqual((rc, err), (0, ""))
        j = self.decode_json("-", stdin=frame, expect_rc=1)
        self.assertEqual(j["link"], "0A1")
        self.assertIn({"code": "number_format", "field": "link"}, j["errors"])
        j = self.decode_json(self.write("link.frame", self.encode("foreign-2023-link")))
        self.assertEqual(j["link"], "013")
        j = self.decode_json(self.write("f23.frame", self.encode("foreign-2023")))
        self.assertEqual(j["link"], "")
        j = self.decode_json(self.write("p.frame", self.encode("permit")))
        self.assertEqual((j["nation_code"], j["nation"]), ("", None))

    def test_fingerprint_part_length(self):
        """A fingerprint part of other than 0, 512 or 1024 bytes is refused (item 9)."""
        frame = self.encode("resident", "--fingerprint")       # 30 10, no templates
        data = frame[10:-1]
        for n in (100, 511, 513):
            body = data[:4] + n.to_bytes(2, "big") + data[6:] + bytes(n)
            length = 3 + len(body) + 1
            f = PREAMBLE + length.to_bytes(2, "big") + frame[7:10] + body
            f += bytes([xor(f[5:])])
            self.assert_fails(["decode", self.write("fp.frame", f)])
        for n in (512, 1024):
            body = data[:4] + n.to_bytes(2, "big") + data[6:] + b"C" + bytes(n - 1)
            length = 3 + len(body) + 1
            f = PREAMBLE + length.to_bytes(2, "big") + frame[7:10] + body
            f += bytes([xor(f[5:])])
            j = self.decode_json(self.write("fp.frame", f))
            self.assertEqual(len(j["fingerprints"]), n // 512)

    def test_reserved_nationality_is_a_warning(self):
        """ICAO 9303 codes (stateless XXA, refugee XXB, UN UNO): no country,
        but no error either (review item 11); a made-up code is an error."""
        base = card_bytes("foreign-2017").decode()
        nat = read_desc("foreign-2017")["nationality"]
        for code, rc in (("XXA", 0), ("XXB", 0), ("UNO", 0), ("QQQ", 1)):
            with self.subTest(code=code):
                rc_enc, frame, err = run(["encode", "-"],
                                         stdin=base.replace(f"nationality = {nat}",
                                                            f"nationality = {code}").encode())
                self.assertEqual((rc_enc, err), (0, ""))
                j = self.decode_json("-", stdin=frame, expect_rc=rc)
                issue = {"code": "unknown_nationality", "field": "nationality"}
                self.assertIn(issue, j["warnings"] if rc == 0 else j["errors"])
                self.assertIsNone(j["nationality_name_en"])

    def test_fingerprints(self):
        frame = self.encode("fingerprints", "--fingerprint")
        self.assertEqual(len(frame), 2321)     # 30 10 reply with two templates
        j = self.decode_json(self.write("fp.frame", frame))
        fps = j["fingerprints"]
        self.assertEqual([(f["finger"], f["finger_code"], f["quality"], f["enrolment"])
                          for f in fps],
                         [("right_thumb", 0x0B, 91, "ok"), ("left_thumb", 0x10, 76, "ok")])
        # without --fingerprint: the 30 01 reply has no fingerprint part
        j = self.decode_json(self.write("fp01.frame", self.encode("fingerprints")))
        self.assertNotIn("fingerprints", j)

    def test_30_10_without_templates(self):
        frame = self.encode("resident", "--fingerprint")
        self.assertEqual(len(frame), 1297)
        self.assertEqual(int.from_bytes(frame[5:7], "big"), 1290)
        j = self.decode_json(self.write("r10.frame", frame))
        self.assertNotIn("fingerprints", j)
        self.assertEqual(j["photo"]["bytes"], 1024)

    def test_unknown_type(self):
        frame = self.encode("unknown-type")
        j = self.decode_json(self.write("unk.frame", frame), expect_rc=1)
        self.assertEqual(set(j), KEYS["unknown"] | COMMON_TAIL)
        self.assertEqual(j["type"], "unknown")
        self.assertEqual(bytes.fromhex(j["raw"]), frame[14:270])   # shown, not guessed
        self.assertIn(b"Z\x00", frame[14:270])
        self.assertIs(j["valid"], False)
        self.assertEqual([e["code"] for e in j["errors"]], ["unknown_card_type"])
        rc, out, err = run(["decode", self.path("unk.frame")])
        self.assertEqual((rc, err), (1, ""))
        self.assertIn("unknown", out.decode())
        self.assertIn("20 00 20 00", out.decode())   # the raw block, in hex

    # ---- inputs: block, frame, stdin --------------------------------------

    def test_block_and_frame_agree(self):
        block = self.encode("resident", "--block")
        self.assertEqual(len(block), 256)
        frame = self.encode("resident")
        self.assertEqual(frame[14:270], block)
        jb = self.decode_json(self.write("r.block", block))
        jf = self.decode_json(self.write("r.frame", frame))
        self.assertNotIn("photo", jb)        # a bare block holds no photo
        del jf["photo"]
        self.assertEqual(jb, jf)

    def test_stdin(self):
        frame = self.encode("permit")
        j1 = self.decode_json("-", stdin=frame)
        j2 = self.decode_json(None, stdin=frame)     # no FILE: stdin too
        j3 = self.decode_json(self.write("p.frame", frame))
        self.assertEqual(j1, j3)
        self.assertEqual(j2, j3)
        block = self.encode("permit", "--block")
        self.assertEqual(self.decode_json("-", stdin=block)["number"], j3["number"])
        self.assert_fails(["decode", "-"], stdin=frame[:-1],
                          message="stdin: truncated frame: input ended inside a frame of LEN 1288")

    def test_encode_reads_stdin(self):
        with open(os.path.join(CARDS, "resident.card"), "rb") as f:
            desc = f.read()
        rc, out, err = run(["encode", "-"], stdin=desc)
        self.assertEqual((rc, err), (0, ""))
        self.assertEqual(out, self.encode("resident"))

    # ---- exit statuses 0 / 1 and expiry -----------------------------------

    def test_validation_errors_exit_1(self):
        j = self.decode_json(self.write("bad.frame", self.encode("invalid")), expect_rc=1)
        self.assertIs(j["valid"], False)
        codes = sorted(e["code"] for e in j["errors"])
        self.assertEqual(codes, sorted(["number_check_digit", "number_sex_mismatch",
                                        "date_order", "unknown_nation"]))
        self.assertIsNone(j["nation"])           # code 60 is not a nation
        self.assertEqual(j["nation_code"], "60")
        fields = {e["code"]: e.get("field") for e in j["errors"]}
        self.assertEqual(fields["number_check_digit"], "number")
        rc, out, err = run(["decode", self.path("bad.frame")])
        self.assertEqual((rc, err), (1, ""))
        self.assertIn("number_check_digit", out.decode())

    def test_expired_is_not_invalid(self):
        j = self.decode_json(self.write("exp.frame", self.encode("expired")))   # real date
        self.assertIs(j["expired"], True)
        self.assertIs(j["valid"], True)
        self.assertEqual(j["errors"], [])

    def test_today_option(self):
        path = self.write("r.frame", self.encode("resident"))   # valid until 2040-01-01
        self.assertIs(self.decode_json(path, "--today", "2039-12-31")["expired"], False)
        self.assertIs(self.decode_json(path, "--today", "2040-01-01")["expired"], False)
        j = self.decode_json(path, "--today", "2040-01-02")
        self.assertIs(j["expired"], True)
        self.assertIs(j["valid"], True)          # expiry does not invalidate
        rc, out, _ = run(["decode", "--today", "2040-01-02", path])
        self.assertEqual(rc, 0)
        self.assertRegex(out.decode(), r"Expired\s+是 yes")

    def test_sex_codes(self):
        """0 and 9 are codes of their own, not 'female'; anything else is bad_sex."""
        with open(os.path.join(CARDS, "foreign-2023.card"), encoding="utf-8") as f:
            base = [l for l in f.read().splitlines() if not l.startswith("sex")]
        for code, name, rc in (("0", "unknown", 0), ("9", "unspecified", 0), ("3", None, 1)):
            desc = "\n".join(base + ["sex = " + code]) + "\n"
            erc, frame, err = run(["encode", "-"], stdin=desc.encode())
            self.assertEqual((erc, err), (0, ""))
            j = self.decode_json("-", stdin=frame, expect_rc=rc)
            self.assertEqual((j["sex_code"], j["sex"]), (code, name))
            self.assertEqual("bad_sex" in [e["code"] for e in j["errors"]], name is None)

    def test_bad_text(self):
        """An unpaired surrogate in the name is a bad_text error, not garbage."""
        block = bytearray(self.encode("resident", "--block"))
        block[0:2] = b"\x00\xd8"          # name (offset 0): U+D800 alone
        j = self.decode_json(self.write("surrogate.block", bytes(block)), expect_rc=1)
        self.assertIn({"code": "bad_text", "field": "name"}, j["errors"])
        self.assertIs(j["valid"], False)
        rc, out, err = run(["decode", self.path("surrogate.block")])
        self.assertEqual((rc, err), (1, ""))
        self.assertIn("bad_text (name)", out.decode("utf-8"))

    def test_random_corruption(self):
        """Any corrupted input exits 0, 1 or 2 with the output contract kept."""
        import random
        rng = random.Random(2)
        inputs = [self.encode("foreign-2023"), self.encode("fingerprints", "--fingerprint"),
                  self.encode("permit", "--block")]
        for i in range(60):
            data = bytearray(rng.choice(inputs))
            for _ in range(rng.randint(1, 4)):
                pos = rng.randrange(len(data))
                data[pos] = rng.randrange(256)
            if rng.random() < 0.3:
                data = data[:rng.randrange(len(data) + 1)]
            path = self.write("random%d" % i, bytes(data))
            rc, out, err = run(["decode", "--json", path])
            self.assertIn(rc, (0, 1, 2), err)
            if rc == 2:
                self.assertEqual(out, b"")
                self.assertEqual(err.count("\n"), 1, err)
            else:
                self.assertEqual(err, "")
                self.assertIs(json.loads(out)["valid"], rc == 0)

    # ---- exit status 2: not a block, not a frame ---------------------------

    def test_corrupted_checksum(self):
        frame = bytearray(self.encode("resident"))
        computed = xor(frame[5:-1])
        frame[-1] ^= 0x5A
        path = self.write("badchk.frame", bytes(frame))
        self.assert_fails(["decode", path], message="%s: checksum mismatch: got 0x%02X, "
                          "computed 0x%02X" % (path, frame[-1], computed))
        # a flipped data byte: the received CHK is now the wrong one
        frame = bytearray(self.encode("resident"))
        frame[100] ^= 0x01
        path = self.write("baddata.frame", bytes(frame))
        self.assert_fails(["decode", "--json", path], message="%s: checksum mismatch: got "
                          "0x%02X, computed 0x%02X" % (path, frame[-1], xor(frame[5:-1])))

    def test_truncated(self):
        frame = self.encode("resident")
        path = self.write("trunc.frame", frame[:1000])
        self.assert_fails(["decode", path], message=path +
                          ": truncated frame: input ended inside a frame of LEN 1288")
        block = self.encode("resident", "--block")
        path = self.write("trunc.block", block[:200])
        self.assert_fails(["decode", "--json", path], message=path +
                          ": not a 256-byte text block or a reply frame (200 bytes, no preamble)")
        path = self.write("empty", b"")
        self.assert_fails(["decode", path], message=path + ": empty input")

    def test_not_a_frame(self):
        frame = self.encode("resident")
        path = self.write("trailing.frame", frame + b"\x00\x01")
        self.assert_fails(["decode", path], message=path + ": 2 bytes of trailing data after the frame")
        path = self.write("huge", frame * 2)
        self.assert_fails(["decode", path])
        # a well-formed frame whose status says the read failed (SW3 0x41)
        body = bytes([0x00, 0x04, 0x00, 0x00, 0x41])
        path = self.write("status.frame", PREAMBLE + body + bytes([xor(body)]))
        err = self.assert_fails(["decode", path])
        self.assertIn("status 0x41", err)
        # a well-formed success frame that is not a read reply
        body = bytes([0x00, 0x04, 0x00, 0x00, 0x90])
        path = self.write("sam-status.frame", PREAMBLE + body + bytes([xor(body)]))
        self.assert_fails(["decode", path])
        self.assert_fails(["decode", self.path("does-not-exist")],
                          message=self.path("does-not-exist") + ": No such file or directory")

    def test_directory_and_huge_input(self):
        """A directory, and a 10 MB file or pipe: exit 2 with one line (review)."""
        self.assert_fails(["decode", self.tmp.name], message=self.tmp.name + ": Is a directory")
        big = self.write("big.bin", PREAMBLE + bytes(10 * 1024 * 1024))
        msg = "input is larger than any reply frame (2321 bytes)"
        self.assert_fails(["decode", big], message=big + ": " + msg)
        with open(big, "rb") as f:
            p = subprocess.run([CNID, "decode", "-"], stdin=f, capture_output=True, timeout=30)
        self.assertEqual((p.returncode, p.stdout, p.stderr.decode()),
                         (2, b"", "cnid decode: stdin: " + msg + "\n"))

    def test_options_in_any_order(self):
        """GNU argument order: options may follow the file (review item 8)."""
        path = self.write("r.frame", self.encode("resident"))
        j1 = self.decode_json(path, "--today", "2030-01-01")
        rc, out, err = run(["decode", path, "--json", "--today", "2030-01-01"])
        self.assertEqual((rc, err), (0, ""))
        self.assertEqual(json.loads(out), j1)
        rc, out, err = run(["encode", os.path.join(CARDS, "resident.card"), "--block"])
        self.assertEqual((rc, err, out), (0, "", self.encode("resident", "--block")))
        self.assert_fails(["decode", "-t", path], message="unknown option '-t' (see cnid decode --help)")
        self.assert_fails(["decode", path, "--today"],
                          message="--today needs a value (see cnid decode --help)")

    def test_version(self):
        rc, out, err = run(["--version"])
        self.assertEqual((rc, err), (0, ""))
        here = os.path.dirname(os.path.abspath(__file__))
        with open(os.path.join(here, "..", "..", "helper", "lib", "cnid", "cnid.h"),
                  encoding="utf-8") as f:
            v = [l.split('"')[1] for l in f if l.startswith("#define CNID_VERSION ")][0]
        self.assertEqual(out.decode(), f"cnid {v} (libcnid {v})\n")

    def test_require_current(self):
        """--require-current: exit 0 only for a valid card that has not expired."""
        exp = self.write("exp.frame", self.encode("expired"))     # ended 2020-06-01
        ok = self.write("r.frame", self.encode("resident"))       # until 2040-01-01
        bad = self.write("inv.frame", self.encode("invalid"))
        for path, today, plain, strict in ((exp, "2020-06-01", 0, 0), (exp, "2020-06-02", 0, 1),
                                           (ok, "2030-01-01", 0, 0), (ok, "2040-01-02", 0, 1),
                                           (bad, "2030-01-01", 1, 1)):
            with self.subTest(path=os.path.basename(path), today=today):
                rc, _, err = run(["decode", path, "--today", today])
                self.assertEqual((rc, err), (plain, ""))
                rc, out, err = run(["decode", "--require-current", path, "--json", "--today", today])
                self.assertEqual((rc, err), (strict, ""))
                if plain == 0:      # valid: expiry alone decides
                    self.assertEqual(json.loads(out)["expired"], strict == 1)

    def test_bad_usage(self):
        path = self.write("r.frame", self.encode("resident"))
        self.assert_fails(["decode", "--bogus", path])
        self.assert_fails(["decode", "--today", "2023-02-30", path],
                          message="--today: '2023-02-30' is not a date (YYYY-MM-DD)")
        self.assert_fails(["decode", "--today", "yesterday", path])
        self.assert_fails(["decode", path, path])
        self.assert_fails(["frobnicate"], prefix="cnid: ")
        self.assert_fails([], prefix="cnid: ")
        self.assert_fails(["encode"], prefix="cnid encode: ")
        self.assert_fails(["encode", "--block", "--fingerprint", path], prefix="cnid encode: ")
        rc, out, err = run(["decode", "--help"])
        self.assertEqual((rc, err), (0, ""))
        self.assertIn(b"Usage: cnid decode", out)

    def test_encode_bad_description(self):
        """Errors name the line, the key and the reason (review item 7)."""
        path = self.path("bad.card")
        with open(path, "w", encoding="utf-8") as f:
            f.write("type = resident\nname = 测试\nshoe_size = 42\n")
        self.assert_fails(["encode", path], prefix="cnid encode: ",
                          message=path + ":3: shoe_size: unknown key")
        base = "type = resident\nname = 测试\n"
        cases = [(base + "name = 测试\n", "stdin:3: name: key given twice"),
                 (base + "just words\n", "stdin:3: not a 'key = value' line"),
                 (base + "permit_number = H1\n", "stdin:3: permit_number: no such field on this card type"),
                 (base + "birth_date = 19800101\nsex = 1\nnumber = auto\ncity = 01\n",
                  "stdin:6: city: only for 2017 foreign card numbers"),
                 (base + "issuer = " + "长" * 16 + "\n", "stdin:3: issuer: value does not fit the field"),
                 (base + "fingerprints = 3\n", "stdin:3: fingerprints: not 0, 1 or 2"),
                 (base + "photo_seed = 0x10\n", "stdin:3: photo_seed: not a decimal number or none"),
                 (base + "fp_quality_1 = 50\n", "stdin:3: fp_quality_1: no such fingerprint (see fingerprints)"),
                 ("name = 测试\n", "stdin: no type (type = resident, ...)"),
                 ("type = passport\n", "stdin:1: type: not a card type")]
        for desc, message in cases:
            with self.subTest(message=message):
                self.assert_fails(["encode", "-"], stdin=desc.encode(), prefix="cnid encode: ",
                                  message=message)
        # a UTF-8 byte order mark is not part of the first key
        rc, out, err = run(["encode", "--block", "-"],
                           stdin=b"\xef\xbb\xbf" + card_bytes("resident"))
        self.assertEqual((rc, err), (0, ""))
        self.assertEqual(out, self.encode("resident", "--block"))

    def test_encode_numbers_are_decimal(self):
        """010 is ten, never octal eight; 090 is ninety (review item 5)."""
        base = card_bytes("fingerprints").decode("utf-8")
        base = "\n".join(l for l in base.splitlines()
                         if not l.startswith(("fp_quality_1", "photo_seed")))
        for text, quality in (("010", 10), ("090", 90), ("10", 10)):
            rc, out, err = run(["encode", "--fingerprint", "-"],
                               stdin=(base + f"\nfp_quality_1 = {text}\nphoto_seed = 010\n").encode())
            self.assertEqual((rc, err), (0, ""), text)
            j = self.decode_json("-", stdin=out)
            self.assertEqual(j["fingerprints"][0]["quality"], quality, text)
            rc, ten, _ = run(["encode", "--fingerprint", "-"],
                             stdin=(base + f"\nfp_quality_1 = {text}\nphoto_seed = 10\n").encode())
            self.assertEqual(out, ten, "photo_seed = 010 must equal photo_seed = 10")

    def test_encode_unknown_type_descriptions(self):
        cases = [("type = unknown\nphoto_seed = 1\n",
                  "stdin:1: type: unknown needs type_char = C (one character)"),
                 ("type = resident\ntype_char = Z\n",
                  "stdin:2: type_char: only for type = unknown"),
                 ("type = unknown\ntype_char = ZZ\n", "stdin:2: type_char: not one character"),
                 ("type = unknown\ntype_char = J\n",
                  "stdin:2: type_char: the character of a known card type"),
                 # the review: a repeated type pointed past the end; fields were dropped
                 ("type = unknown\ntype_char = Z\ntype = unknown\n", "stdin:3: type: key given twice"),
                 ("type = unknown\ntype_char = Z\nname = 测试\n",
                  "stdin:3: name: type = unknown has no fields")]
        for desc, message in cases:
            with self.subTest(message=message):
                self.assert_fails(["encode", "-"], stdin=desc.encode(), prefix="cnid encode: ",
                                  message=message)
        rc, out, err = run(["encode", "--block", "-"], stdin="type = unknown\ntype_char = 中\n".encode())
        self.assertEqual((rc, err), (0, ""))
        self.assertEqual(self.decode_json("-", stdin=out, expect_rc=1)["type"], "unknown")
        self.assertIn("中".encode("utf-16-le"), out)

    def test_encode_refuses_terminal(self):
        master, slave = pty.openpty()
        try:
            p = subprocess.run([CNID, "encode", os.path.join(CARDS, "resident.card")],
                               stdout=slave, stderr=subprocess.PIPE, timeout=30)
        finally:
            os.close(slave)
            os.close(master)
        self.assertEqual(p.returncode, 2)
        self.assertIn(b"terminal", p.stderr)

    # ---- people's output ---------------------------------------------------

    def test_human_output(self):
        frame = self.encode("foreign-2017")
        rc, out, err = run(["decode", self.write("h.frame", frame)])
        self.assertEqual((rc, err), (0, ""))
        text = out.decode("utf-8")
        desc = read_desc("foreign-2017")
        self.assertRegex(text, r"英文姓名 English name\s+" + desc["name_en"])
        self.assertRegex(text, r"性别 Sex\s+女 female")
        self.assertRegex(text, r"国籍 Nationality\s+CAN Canada 加拿大")
        self.assertIn("WLT, 1024 bytes, sha256 " + hashlib.sha256(frame[270:1294]).hexdigest(),
                      text)
        # labels are aligned: the values start in the same terminal column
        def width(s):
            return sum(2 if ord(c) >= 0x2E80 else 1 for c in s)
        cols = set()
        for value in (desc["name_en"], "女 female", "CAN Canada", "WLT, 1024", "1500",
                      "foreign_permanent_2017", "1975-11-02"):
            line = next(l for l in text.splitlines() if value in l)
            cols.add(width(line[:line.index(value)]))
        self.assertEqual(len(cols), 1, cols)

    def test_samples_all_decode(self):
        """Every bundled sample card encodes and decodes (exit 0 or 1)."""
        cards = sorted(f[:-5] for f in os.listdir(CARDS) if f.endswith(".card"))
        self.assertGreaterEqual(len(cards), 9)
        for card in cards:
            flags = ["--fingerprint"] if "fingerprints" in read_desc(card) else []
            j = self.decode_json(self.write(card, self.encode(card, *flags)),
                                 expect_rc=0 if card not in ("invalid", "unknown-type") else 1)
            self.assertEqual(j["valid"], card not in ("invalid", "unknown-type"))


def main():
    global CNID, CARDS
    ap = argparse.ArgumentParser()
    ap.add_argument("--cnid", default=CNID)
    ap.add_argument("--cards", default=CARDS)
    args, rest = ap.parse_known_args()
    CNID, CARDS = os.path.abspath(args.cnid), args.cards
    unittest.main(argv=[sys.argv[0]] + rest, verbosity=1)


if __name__ == "__main__":
    main()
