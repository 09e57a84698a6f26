#!/usr/bin/env python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""Host tests of cnidd (no kernel): the daemon against virtual readers
(cnid-emu) over pseudo-terminals, configured as serial lines.

What a test expects comes from the card descriptions (tests/cards,
tests/emu/cards) through `cnid encode` + `cnid decode --json` and from the
emulator's own log and status, never from the daemon's output.  The
daemon's events are read from its log lines `event READER NAME k=v...`.

Environment: CNIDD, CNID_EMU, CNID (the tool), CNID_SCAN (scan-log),
CNID_PLUGIN (the test photo plug-in).  Usage: test_daemon.py [unittest args]
"""

import base64
import hashlib
import json
import os
import re
import shutil
import signal
import socket
import stat
import subprocess
import sys
import tempfile
import time
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
TOP = os.path.dirname(os.path.dirname(HERE))
CNIDD = os.environ.get("CNIDD", os.path.join(TOP, "build/cnidd"))
EMU = os.environ.get("CNID_EMU", os.path.join(TOP, "build/cnid-emu"))
CNID = os.environ.get("CNID", os.path.join(TOP, "build/cnid"))
SCAN = os.environ.get("CNID_SCAN", os.path.join(TOP, "build/tests/scan-log"))
PLUGIN = os.environ.get("CNID_PLUGIN", os.path.join(TOP, "build/tests/photo-plugin.so"))
CARDS = os.path.join(TOP, "tests/cards")
EMU_CARDS = os.path.join(TOP, "tests/emu/cards")

POLL_MS = 50
# keys cnidd adds to the object `cnid decode --json` prints
RECORD_EXTRA = {"reader", "sam_id", "card_seen_at", "read_at", "read_ms"}
SAM_ID = "05.01-20101129-0001228293-0296863149"

# one card of each type (and one with fingerprints)
TYPE_CARDS = {
    "resident": os.path.join(CARDS, "resident.card"),
    "hkmotw_permit": os.path.join(CARDS, "permit.card"),
    "foreign_permanent_2017": os.path.join(CARDS, "foreign-2017.card"),
    "foreign_permanent_2023": os.path.join(CARDS, "foreign-2023.card"),
    "unknown": os.path.join(CARDS, "unknown-type.card"),
}
ALL_CARDS = sorted([os.path.join(CARDS, f) for f in os.listdir(CARDS) if f.endswith(".card")] +
                   [os.path.join(EMU_CARDS, f) for f in os.listdir(EMU_CARDS)
                    if f.endswith(".card")])


def card_has_fp(path):
    with open(path, encoding="utf-8") as f:
        return re.search(r"^\s*fingerprints\s*=\s*[1-9]", f.read(), re.M) is not None


_expected = {}


def expected_json(card, with_fp):
    """What `cnid decode --json` says of the reply the card gives."""
    key = (card, with_fp)
    if key not in _expected:
        args = [CNID, "encode"] + (["--fingerprint"] if with_fp else []) + [card]
        frame = subprocess.run(args, check=True, capture_output=True).stdout
        out = subprocess.run([CNID, "decode", "--json", "-"], input=frame,
                             capture_output=True)
        assert out.returncode in (0, 1), out.stderr
        _expected[key] = json.loads(out.stdout)
    return _expected[key]


class Emu:
    """One virtual reader on a pseudo-terminal."""

    def __init__(self, d, name, args=()):
        self.name = name
        self.link = os.path.join(d, name)
        self.ctl_path = os.path.join(d, name + ".ctl")
        self.log = os.path.join(d, name + ".emu.log")
        with open(os.path.join(d, name + ".emu.err"), "w") as err:
            self.proc = subprocess.Popen(
                [EMU, "--pty", "--link", self.link, "--ctl", self.ctl_path, "--log", self.log,
                 "--cards-dir", CARDS] + list(args),
                stdout=subprocess.DEVNULL, stderr=err)
        deadline = time.monotonic() + 5
        while not (os.path.exists(self.link) and os.path.exists(self.ctl_path)):
            if time.monotonic() > deadline or self.proc.poll() is not None:
                raise RuntimeError("cnid-emu did not start")
            time.sleep(0.01)

    def ctl(self, *words):
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        s.connect(self.ctl_path)
        s.sendall((" ".join(words) + "\n").encode())
        buf = b""
        while not buf.endswith(b"\n"):
            c = s.recv(4096)
            if not c:
                break
            buf += c
        s.close()
        reply = buf.decode().strip()
        if not reply.startswith("ok"):
            raise RuntimeError("cnid-emu %s: %s -> %s" % (self.name, words, reply))
        return reply

    def status(self):
        return dict(kv.split("=", 1) for kv in self.ctl("status").split()[1:] if "=" in kv)

    def requests(self, hexreq):
        """How many times the log shows this request (e.g. '200221': select)."""
        try:
            with open(self.log) as f:
                return sum(1 for l in f if " rx " in l and l.rstrip().endswith(hexreq))
        except FileNotFoundError:
            return 0

    def stop(self):
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(5)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()


REQ_FIND = "aaaaaa96690003200122"
REQ_SELECT = "aaaaaa96690003200221"
REQ_READ = "aaaaaa96690003300132"


class Daemon:
    def __init__(self, d, conf, notify=None):
        self.dir = d
        self.conf = os.path.join(d, "cnidd.conf")
        with open(self.conf, "w") as f:
            f.write(conf)
        self.logpath = os.path.join(d, "cnidd.log")
        env = dict(os.environ)
        env.pop("JOURNAL_STREAM", None)
        if notify:
            env["NOTIFY_SOCKET"] = notify
        with open(self.logpath, "a") as log:
            self.proc = subprocess.Popen([CNIDD, "--no-udev", "--log-time", "-c", self.conf],
                                         stdout=subprocess.DEVNULL, stderr=log, env=env)
        self.pos = 0

    def text(self):
        with open(self.logpath, encoding="utf-8", errors="replace") as f:
            return f.read()

    def events(self, reader=None):
        """[(reader, name, {k: v})] of every event so far."""
        out = []
        for l in self.text().splitlines():
            m = re.match(r"^\d+ event (\S+) (\S+)(.*)$", l)
            if m and (reader is None or m.group(1) == reader):
                out.append((m.group(1), m.group(2),
                            dict(kv.split("=", 1) for kv in m.group(3).split())))
        return out

    def wait(self, regex, timeout=5.0, since=None):
        """Wait for a log line matching regex after offset `since` (default:
        the end of the previous wait).  Returns the match."""
        start = self.pos if since is None else since
        deadline = time.monotonic() + timeout
        while True:
            t = self.text()
            m = re.compile(regex, re.M).search(t, start)
            if m:
                self.pos = m.end()
                return m
            if self.proc.poll() is not None:
                raise AssertionError("cnidd exited (%s) waiting for %r:\n%s" %
                                     (self.proc.returncode, regex, t[-3000:]))
            if time.monotonic() > deadline:
                raise AssertionError("no %r within %.1f s; log since:\n%s" %
                                     (regex, timeout, t[start:][-3000:]))
            time.sleep(0.01)

    def mark(self):
        self.pos = len(self.text())
        return self.pos

    def signal(self, sig):
        self.proc.send_signal(sig)

    def stop(self):
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                return self.proc.wait(5)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
                raise AssertionError("cnidd did not exit on SIGTERM")
        return self.proc.returncode


class DaemonTest(unittest.TestCase):
    """Each test: fresh readers, a fresh daemon, then a privacy scan of its log."""

    readers = 1
    emu_args = ()
    extra_conf = ""

    def setUp(self):
        self.d = tempfile.mkdtemp(prefix="cnidd-test-")
        self.rec = os.path.join(self.d, "rec")
        self.emus = [Emu(self.d, "sam%d" % i, self.emu_args) for i in range(self.readers)]
        self.emu = self.emus[0]
        self.daemon = None

    def start(self, extra="", notify=None):
        conf = ("poll_interval_ms = %d\ntimeout_ms = 300\nread_timeout_ms = 600\n"
                "quiet_ms = 50\nreopen_ms = 100\nrecord_dir = %s\nrecord_group = \n"
                "control_node = \n" % (POLL_MS, self.rec))
        conf += "".join("serial = %s\n" % e.link for e in self.emus)
        conf += self.extra_conf + extra
        self.daemon = Daemon(self.d, conf, notify)
        for e in self.emus:
            self.daemon.wait(r"event %s sam_state state=ok" % e.name, since=0)
        self.daemon.mark()
        return self.daemon

    def tearDown(self):
        rc = None
        if self.daemon:
            rc = self.daemon.stop()
        for e in self.emus:
            e.stop()
        log = self.daemon.text() if self.daemon else ""
        try:
            if self.daemon:
                self.assertEqual(rc, 0, "cnidd's exit status on SIGTERM")
                self.assertNotIn("Sanitizer", log)
                self.assertNotIn("runtime error", log)
                # the privacy scan: no name, number or address of any card
                scan = subprocess.run([SCAN, self.daemon.logpath] + ALL_CARDS,
                                      capture_output=True, text=True)
                self.assertEqual(scan.returncode, 0,
                                 "personal data in cnidd's log:\n" + scan.stdout + scan.stderr)
        finally:
            if os.environ.get("KEEP"):
                print("kept", self.d, file=sys.stderr)
            else:
                shutil.rmtree(self.d, ignore_errors=True)

    # ---- helpers ----
    def record(self, reader="sam0"):
        with open(os.path.join(self.rec, reader + ".json"), encoding="utf-8") as f:
            return json.load(f)

    def record_exists(self, reader="sam0"):
        return os.path.exists(os.path.join(self.rec, reader + ".json"))

    def present(self, card, emu=None):
        (emu or self.emu).ctl("present", card)

    def check_record(self, card, reader="sam0", with_fp=False):
        rec = self.record(reader)
        exp = expected_json(card, with_fp)
        photo = rec.get("photo")
        if photo is not None:
            wlt = base64.b64decode(photo.pop("wlt_base64"))
            self.assertEqual(hashlib.sha256(wlt).hexdigest(), photo["sha256"])
            self.assertEqual(len(wlt), photo["bytes"])
            photo.pop("image", None)
        self.assertEqual({k: v for k, v in rec.items() if k not in RECORD_EXTRA}, exp)
        self.assertEqual(rec["reader"], reader)
        self.assertEqual(rec["sam_id"], SAM_ID)
        for k in ("card_seen_at", "read_at"):
            self.assertRegex(rec[k], r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$")
        self.assertGreaterEqual(rec["read_ms"], 0)
        st = os.stat(os.path.join(self.rec, reader + ".json"))
        self.assertEqual(stat.S_IMODE(st.st_mode), 0o640)
        self.assertEqual([f for f in os.listdir(self.rec) if f.startswith(".")], [],
                         "temporary files left in the record directory")
        return rec

    def card_reads(self, reader="sam0"):
        return [e for e in self.daemon.events(reader) if e[1] == "card_read"]


class TestCards(DaemonTest):
    def test_every_card_type(self):
        """Each card type: card_present, card_read with its type and validity, the
        record equal to `cnid decode --json` plus reader and times, 0640;
        removed: card_removed and no record."""
        d = self.start()
        for typ, card in TYPE_CARDS.items():
            self.present(card)
            d.wait(r"event sam0 card_present$")
            exp = expected_json(card, False)
            d.wait(r"event sam0 card_read type=%s valid=%d expired=%d$" %
                   (typ, exp["valid"], exp["expired"]))
            self.check_record(card)
            self.emu.ctl("remove")
            d.wait(r"event sam0 card_removed$")
            self.assertFalse(self.record_exists(), "record left after the card went")

    def test_every_sample_card(self):
        """Every card of both wallets, each replacing the previous (swap)."""
        d = self.start()
        for card in ALL_CARDS:
            self.emu.ctl("swap", card)
            exp = expected_json(card, False)
            d.wait(r"event sam0 card_read type=%s valid=%d expired=%d$" %
                   (exp["type"], exp["valid"], exp["expired"]))
            self.check_record(card)
        self.assertEqual(len(self.card_reads()), len(ALL_CARDS))

    def test_fingerprints(self):
        """fingerprints = yes: read with fingerprints (30 10); the record holds the
        templates' headers as decode prints them."""
        d = self.start("fingerprints = yes\n")
        for card in [c for c in ALL_CARDS if card_has_fp(c)] + [TYPE_CARDS["resident"]]:
            self.emu.ctl("swap", card)
            d.wait(r"event sam0 card_read ")
            rec = self.check_record(card, with_fp=card_has_fp(card))
            self.assertEqual("fingerprints" in rec, card_has_fp(card))
        self.assertGreater(self.emu.requests("aaaaaa96690003301023"), 0)
        self.assertEqual(self.emu.requests(REQ_READ), 0)

    def test_photo_plugin(self):
        """A plug-in's image is stored next to the raw WLT; without one, no image."""
        d = self.start("plugin = %s\n" % PLUGIN)
        card = TYPE_CARDS["resident"]
        self.present(card)
        d.wait(r"event sam0 card_read ")
        with open(os.path.join(self.rec, "sam0.json")) as f:
            photo = json.load(f)["photo"]
        wlt = base64.b64decode(photo["wlt_base64"])
        self.assertEqual(photo["image"]["mime"], "image/x-cnid-test")
        self.assertEqual(base64.b64decode(photo["image"]["base64"]),
                         bytes(255 - b for b in wlt))
        self.check_record(card)


class TestQuirk(DaemonTest):
    def one_card(self, quirk):
        d = self.start()
        self.emu.ctl("quirk", quirk)
        card = TYPE_CARDS["foreign_permanent_2023"]
        self.present(card)
        d.wait(r"event sam0 card_read ")
        selects = self.emu.requests(REQ_SELECT)
        time.sleep(8 * POLL_MS / 1000)
        # still there, already read: polled (select) but never read again
        self.assertGreater(self.emu.requests(REQ_SELECT), selects + 3)
        self.assertEqual(len(self.card_reads()), 1)
        self.assertEqual(self.emu.requests(REQ_READ), 1)
        self.assertTrue(self.record_exists())
        if quirk == "on":
            self.assertEqual(self.emu.status()["latched"], "yes")
        self.emu.ctl("remove")
        d.wait(r"event sam0 card_removed$")
        self.assertFalse(self.record_exists())
        # and it comes back: a fresh arrival is read again
        self.present(card)
        d.wait(r"event sam0 card_read ")
        self.assertEqual(len(self.card_reads()), 2)

    def test_quirk_on(self):
        self.one_card("on")

    def test_quirk_off(self):
        self.one_card("off")

    def test_swap(self):
        """A card swapped for another (quirk on and off): removed, then the new one read."""
        d = self.start()
        a, b = TYPE_CARDS["resident"], TYPE_CARDS["hkmotw_permit"]
        for quirk in ("on", "off"):
            self.emu.ctl("quirk", quirk)
            self.emu.ctl("swap", a)
            d.wait(r"event sam0 card_read type=resident ")
            self.emu.ctl("swap", b)
            d.wait(r"event sam0 card_removed$")
            d.wait(r"event sam0 card_read type=hkmotw_permit ")
            self.check_record(b)
        self.emu.ctl("remove")
        d.wait(r"event sam0 card_removed$")

    def test_card_read_before_the_daemon(self):
        """A card already read (find says 0x80) when the daemon attaches is found by
        the select after attaching."""
        card = TYPE_CARDS["resident"]
        self.present(card)
        out = subprocess.run([CNID, "read", self.emu.link], capture_output=True)
        self.assertEqual(self.emu.status()["latched"], "yes", out.stderr)
        d = self.start()
        d.wait(r"event sam0 card_read type=resident ", since=0)
        self.check_record(card)


# (fault, reason when it hits every read try, does a retry fix it)
READ_FAULTS = [
    ("checksum", "protocol"),
    ("truncate", "timeout"),
    ("toolong", "protocol"),
    ("stall", "timeout"),
    ("sw3 0x41", "card"),
    ("sw3 0x60", "sam"),
    ("endless", None),
    ("garbage", None),   # the frame is found after the garbage: no failure at all
    ("split 700", None),
    ("trail", None),
]


class TestFaults(DaemonTest):
    def arm_on_read(self, fault):
        """Arm a one-shot fault on the read reply: the select reply is delayed so
        that the fault is armed after the select was answered... and before the
        read request came (the emulator applies a fault when it schedules the
        next reply)."""
        sel = self.emu.requests(REQ_SELECT)
        self.present(TYPE_CARDS["resident"])
        deadline = time.monotonic() + 5
        while self.emu.requests(REQ_SELECT) == sel:
            self.assertLess(time.monotonic(), deadline, "no select after present")
            time.sleep(0.002)
        self.emu.ctl("fault", *fault.split())

    def test_read_fault_retried(self):
        """Every fault on the read reply, once: the retry reads the card; exactly one
        card_read, no read_failed, and the record is right."""
        d = self.start()
        self.emu.ctl("delay", "select", "60")
        for fault, reason in READ_FAULTS:
            mark = d.mark()
            self.arm_on_read(fault)
            if fault == "endless":
                time.sleep(0.2)
                self.emu.ctl("stop")
            d.wait(r"event sam0 card_read type=resident ", timeout=3)
            if reason is not None or fault == "endless":
                # the fault did hit the read (and nothing else)
                d.wait(r"sam0: read attempt 1 of 3 failed", since=mark)
            self.check_record(TYPE_CARDS["resident"])
            self.emu.ctl("remove")
            d.wait(r"event sam0 card_removed$")
        self.assertEqual([e for e in d.events() if e[1] == "read_failed"], [])

    def test_read_fault_without_retry(self):
        """read_attempts = 1: a fault on the read gives read_failed with its reason,
        no record; the card stays failed (not re-read) until it leaves."""
        d = self.start("read_attempts = 1\n")
        self.emu.ctl("delay", "select", "60")
        for fault, reason in READ_FAULTS:
            if reason is None:
                continue
            d.mark()
            self.arm_on_read(fault)
            m = d.wait(r"event sam0 read_failed reason=(\S+)(?: sw3=(\S+))?$", timeout=3)
            self.assertEqual(m.group(1), reason, fault)
            if fault.startswith("sw3"):
                self.assertEqual(m.group(2), fault.split()[1])
            self.assertFalse(self.record_exists())
            time.sleep(4 * POLL_MS / 1000)
            self.assertNotIn("card_read", d.text()[d.pos:])
            self.emu.ctl("remove")
            d.wait(r"event sam0 card_removed$")
        self.assertEqual(self.card_reads(), [])

    def test_faults_while_polling(self):
        """Faults on find/select replies (no card, and a card sitting read) never
        make an event, and the next card is read."""
        d = self.start()
        for fault in ("checksum", "truncate", "toolong", "stall", "garbage", "sw3 0x60",
                      "trail"):
            self.emu.ctl("fault", *fault.split())
            time.sleep(0.4)
        self.present(TYPE_CARDS["resident"])
        d.wait(r"event sam0 card_read type=resident ")
        for fault in ("checksum", "truncate", "stall", "sw3 0x81"):
            self.emu.ctl("fault", *fault.split())
            time.sleep(0.4)
        names = [e[1] for e in d.events()]
        # a single bad select reply (0x81) may pass for "removed"; nothing else may
        self.assertNotIn("read_failed", names)
        self.assertLessEqual(names.count("card_read"), 2)
        self.emu.ctl("remove")
        d.wait(r"event sam0 card_removed$")
        self.assertFalse(self.record_exists())

    def test_removed_mid_read(self):
        """The card leaves while its read is under way: read_failed (reason card),
        card_removed, and never a record or a card_read."""
        d = self.start()
        self.emu.ctl("delay", "read", "250")
        for card in (TYPE_CARDS["resident"], TYPE_CARDS["foreign_permanent_2017"]):
            reads = self.emu.requests(REQ_READ)
            self.present(card)
            deadline = time.monotonic() + 5
            while self.emu.requests(REQ_READ) == reads:
                self.assertLess(time.monotonic(), deadline)
                time.sleep(0.002)
            self.emu.ctl("remove")
            d.wait(r"event sam0 read_failed reason=card$")
            d.wait(r"event sam0 card_removed$")
            self.assertFalse(self.record_exists())
        self.assertEqual(self.card_reads(), [])

    def test_sam_fault(self):
        """A SAM that answers its status with an error: sam_state fault; once it
        answers again, ok, and cards are read."""
        d = self.start()
        self.emu.ctl("unplug")
        d.wait(r"sam0: detached")
        self.emu.ctl("replug")
        self.emu.ctl("fault", "sw3", "0x60")
        d.wait(r"event sam0 sam_state state=fault$")
        d.wait(r"event sam0 sam_state state=ok$")
        self.present(TYPE_CARDS["resident"])
        d.wait(r"event sam0 card_read ")


class TestLifecycle(DaemonTest):
    def test_unplug_replug(self):
        """Unplugged with a card on it: card_removed, record gone, the daemon lives
        on; replugged: attached again and the card read again."""
        d = self.start()
        self.present(TYPE_CARDS["resident"])
        d.wait(r"event sam0 card_read ")
        self.emu.ctl("unplug")
        d.wait(r"sam0: detached")
        d.wait(r"event sam0 card_removed$", since=0)
        self.assertFalse(self.record_exists())
        self.emu.ctl("replug")
        d.wait(r"sam0: attached")
        d.wait(r"event sam0 card_read type=resident ")
        self.check_record(TYPE_CARDS["resident"])

    def test_unplug_mid_read(self):
        """Unplugged in the middle of the read reply: no record, no card_read; the
        daemon re-attaches."""
        d = self.start()
        self.emu.ctl("delay", "select", "60")
        sel = self.emu.requests(REQ_SELECT)
        self.present(TYPE_CARDS["resident"])
        while self.emu.requests(REQ_SELECT) == sel:
            time.sleep(0.002)
        self.emu.ctl("fault", "unplug-mid", "600")
        d.wait(r"sam0: detached", timeout=8)
        self.assertFalse(self.record_exists())
        self.assertEqual(self.card_reads(), [])
        self.emu.ctl("replug")
        d.wait(r"sam0: attached")
        d.wait(r"event sam0 card_read ")

    def test_sighup_reload(self):
        """SIGHUP: a serial line added to the configuration is attached, one
        removed is detached; a bad configuration is refused and the old one kept."""
        d = self.start()
        extra = Emu(self.d, "sam9")
        self.emus.append(extra)
        with open(d.conf, "a") as f:
            f.write("serial = %s\n" % extra.link)
        d.signal(signal.SIGHUP)
        d.wait(r"configuration reloaded")
        d.wait(r"event sam9 sam_state state=ok")
        self.present(TYPE_CARDS["resident"], extra)
        d.wait(r"event sam9 card_read ")
        self.assertTrue(self.record_exists("sam9"))
        with open(d.conf) as f:
            lines = f.read().replace("serial = %s\n" % extra.link, "")
        with open(d.conf, "w") as f:
            f.write(lines)
        d.signal(signal.SIGHUP)
        d.wait(r"sam9: removed \(no longer configured\)")
        self.assertFalse(self.record_exists("sam9"))
        with open(d.conf, "a") as f:
            f.write("shoe_size = 42\n")
        d.signal(signal.SIGHUP)
        d.wait(r"cnidd.conf:\d+: unknown key")
        d.wait(r"configuration not reloaded")
        self.present(TYPE_CARDS["permit"] if "permit" in TYPE_CARDS else
                     TYPE_CARDS["hkmotw_permit"])
        d.wait(r"event sam0 card_read type=hkmotw_permit")

    def test_sigterm_and_notify(self):
        """sd_notify: READY=1 once readers are set up; RELOADING=1 then READY=1 on
        SIGHUP; STOPPING=1 and exit status 0 on SIGTERM, records removed."""
        sock_path = os.path.join(self.d, "notify")
        s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        s.bind(sock_path)
        s.settimeout(5)
        d = self.start(notify=sock_path)
        self.assertIn("READY=1", s.recv(4096).decode())
        self.present(TYPE_CARDS["resident"])
        d.wait(r"event sam0 card_read ")
        d.signal(signal.SIGHUP)
        self.assertEqual(s.recv(4096).decode(), "RELOADING=1")
        self.assertEqual(s.recv(4096).decode(), "READY=1")
        self.assertTrue(self.record_exists())
        self.assertEqual(d.stop(), 0)
        self.assertEqual(s.recv(4096).decode(), "STOPPING=1")
        self.assertFalse(self.record_exists())
        s.close()

    def test_bad_config(self):
        """A bad configuration: exit 1, the file, the line and the reason."""
        conf = os.path.join(self.d, "bad.conf")
        for text, why in (("poll_interval_ms = fast\n", "bad value"),
                          ("\n# c\nserial = relative/path\n", "absolute"),
                          ("just words\n", "not key = value")):
            with open(conf, "w") as f:
                f.write(text)
            p = subprocess.run([CNIDD, "--no-udev", "--check-config", "-c", conf],
                               capture_output=True, text=True)
            self.assertEqual(p.returncode, 1)
            self.assertIn(conf + ":%d: " % text.count("\n"), p.stderr)
            self.assertIn(why, p.stderr)


class TestSeveralReaders(DaemonTest):
    readers = 4

    def test_one_stalled(self):
        """Four readers, one stalled (every reply delayed beyond the deadline): the
        three others read their cards as fast as alone."""
        stalled = self.emus[3]
        # the stalled reader's every transaction waits 1 s for its deadline
        d = self.start("timeout_ms = 1000\n")
        stalled.ctl("delay", "all", "2000")
        stalled.ctl("present", TYPE_CARDS["resident"])
        time.sleep(0.1)
        cards = [TYPE_CARDS["hkmotw_permit"], TYPE_CARDS["foreign_permanent_2017"],
                 TYPE_CARDS["foreign_permanent_2023"]]
        for rnd in range(3):
            mark = d.mark()
            t0 = time.monotonic()
            for e, c in zip(self.emus[:3], cards):
                e.ctl("swap", c)
            for e, c in zip(self.emus[:3], cards):
                d.wait(r"event %s card_read type=%s " % (e.name, expected_json(c, False)["type"]),
                       since=mark, timeout=3)
            took = time.monotonic() - t0
            print("round %d: %.3f s" % (rnd, took), file=sys.stderr)
            # one poll interval, three transactions, a confirming select; not the
            # stalled reader's 2 s
            self.assertLess(took, 0.6, "round %d took %.3f s" % (rnd, took))
            for e, c in zip(self.emus[:3], cards):
                self.check_record(c, e.name)
            cards = cards[1:] + cards[:1]
        self.assertEqual(self.card_reads("sam3"), [])
        self.assertFalse(self.record_exists("sam3"))


class TestTool(DaemonTest):
    """`cnid read` and `cnid sam-id` against the virtual reader, directly."""

    def cnid(self, *args):
        return subprocess.run([CNID] + list(args), capture_output=True)

    def test_read_every_type(self):
        for typ, card in TYPE_CARDS.items():
            self.emu.ctl("swap", card)
            out = self.cnid("read", self.emu.link, "--json")
            exp = expected_json(card, False)
            self.assertEqual(out.returncode, 0 if exp["valid"] and typ != "unknown" else 1,
                             out.stderr)
            self.assertEqual(json.loads(out.stdout), exp)
            # twice: the second find answers 0x80 (quirk), select finds the card
            out = self.cnid("read", self.emu.link, "--json")
            self.assertEqual(json.loads(out.stdout), exp)

    def test_read_photo_and_fingerprints(self):
        card = os.path.join(EMU_CARDS, "resident-fp2.card")
        self.emu.ctl("present", card)
        photo = os.path.join(self.d, "photo.wlt")
        out = self.cnid("read", self.emu.link, "--json", "--fingerprints", "--photo", photo)
        self.assertEqual(out.returncode, 0, out.stderr)
        rec = json.loads(out.stdout)
        self.assertEqual(rec, expected_json(card, True))
        with open(photo, "rb") as f:
            self.assertEqual(hashlib.sha256(f.read()).hexdigest(), rec["photo"]["sha256"])
        self.assertEqual(stat.S_IMODE(os.stat(photo).st_mode), 0o600)

    def test_errors_name_reader_cause_and_remedy(self):
        out = self.cnid("read", self.emu.link)
        self.assertEqual(out.returncode, 2)
        self.assertEqual(out.stderr.decode(),
                         "cnid read: no card on sam0: put a card on the reader\n")
        self.assertEqual(out.stdout, b"")
        out = self.cnid("read", "cnid97")
        self.assertEqual(out.returncode, 2)
        self.assertIn("no reader cnid97", out.stderr.decode())
        self.assertIn("plugged in", out.stderr.decode())
        self.emu.ctl("delay", "find", "1000")
        out = self.cnid("read", self.emu.link, "--timeout", "200")
        self.assertEqual(out.returncode, 2)
        self.assertRegex(out.stderr.decode(),
                         r"^cnid read: sam0 did not answer find a card in the field within 200 ms: .*--timeout")
        self.emu.ctl("delay", "find", "0")
        # the late find reply (a bare 0x80, which no check can tell from a
        # reply to the next request) must have gone by
        time.sleep(0.9)
        out = self.cnid("sam-id", self.emu.link)
        self.assertEqual((out.returncode, out.stdout.decode()), (0, SAM_ID + "\n"), out.stderr)
        self.emu.ctl("fault", "sw3", "0x60")
        out = self.cnid("sam-id", self.emu.link)
        self.assertEqual(out.returncode, 2)
        self.assertIn("sam0: the SAM reports 0x60", out.stderr.decode())

    def test_stale_reply_dropped(self):
        """A reply that comes after its requester gave up (a select answered late)
        is not taken for the reply to the next program's request."""
        self.present(TYPE_CARDS["resident"])
        self.emu.ctl("delay", "select", "400")
        out = self.cnid("read", self.emu.link, "--timeout", "150")
        self.assertIn("did not answer select", out.stderr.decode())
        self.emu.ctl("delay", "select", "0")
        out = self.cnid("sam-id", self.emu.link)
        self.assertEqual((out.returncode, out.stdout.decode()), (0, SAM_ID + "\n"), out.stderr)

    def test_read_beside_the_daemon(self):
        """`cnid read` while cnidd serves the line: both get the card, the daemon
        announces it once and sees no removal."""
        d = self.start()
        card = TYPE_CARDS["foreign_permanent_2017"]
        self.present(card)
        d.wait(r"event sam0 card_read ")
        for _ in range(5):
            out = self.cnid("read", self.emu.link, "--json")
            self.assertEqual(json.loads(out.stdout), expected_json(card, False), out.stderr)
        time.sleep(4 * POLL_MS / 1000)
        self.assertEqual([e[1] for e in d.events("sam0")],
                         ["sam_state", "card_present", "card_read"])


class TestNotify(unittest.TestCase):
    """The desktop example (helper/daemon/examples/cnid-notify) on canned
    `cnid watch` lines: a notification only for a card read with details
    (a reader of this seat), saying type and validity, nothing else."""

    def test_notify(self):
        d = tempfile.mkdtemp(prefix="cnid-notify-")
        try:
            watch = os.path.join(d, "cnid")
            sent = os.path.join(d, "sent")
            with open(watch, "w") as f:
                f.write("#!/bin/sh\ncat <<'X'\n"
                        "reader=0 devname=cnid0 event=card_present seq=1 details=true \n"
                        "reader=0 devname=cnid0 event=card_read seq=2 details=true "
                        "card_type=resident valid=true expired=false expiry=20360501 \n"
                        "reader=1 devname=cnid1 event=card_read seq=7 details=false \n"
                        "reader=0 devname=cnid0 event=card_read seq=4 details=true "
                        "card_type=hkmotw_permit valid=false expired=false \n"
                        "X\n")
            notify = os.path.join(d, "notify-send")
            with open(notify, "w") as f:
                f.write("#!/bin/sh\nprintf '%%s|' \"$@\" >> %s\necho >> %s\n" % (sent, sent))
            os.chmod(watch, 0o755)
            os.chmod(notify, 0o755)
            subprocess.run([os.path.join(TOP, "helper/daemon/examples/cnid-notify")], check=True,
                           env=dict(os.environ, CNID=watch, NOTIFY=notify), timeout=10)
            with open(sent) as f:
                self.assertEqual(f.read().splitlines(), [
                    "--app-name=cnid|ID card read on cnid0|resident card: valid|",
                    "--app-name=cnid|ID card read on cnid0|hkmotw_permit card: NOT valid|"])
        finally:
            shutil.rmtree(d)


if __name__ == "__main__":
    for p in (CNIDD, EMU, CNID, SCAN, PLUGIN):
        if not os.path.exists(p):
            sys.exit("test_daemon.py: %s is missing (make check-daemon builds it)" % p)
    unittest.main(verbosity=2)
