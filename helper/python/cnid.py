# SPDX-License-Identifier: LGPL-2.1-or-later
"""cnid: read Chinese ID-card data from Python through libcnid.so.0 (ctypes).

Only the public ABI of <cnid/cnid.h> is used: opaque objects from
cnid_*_new(), accessors, and the library's const tables.  No layout is
re-implemented here.

    import cnid
    card = cnid.decode(open("card.frame", "rb").read(), today=(2026, 11, 30))
    card["name"], card["valid"], card["errors"]

decode() returns the same dictionary `cnid decode --json` prints.  The
library is found as $CNID_LIBRARY if set, else by the dynamic loader as
libcnid.so.0.
"""

import ctypes
import datetime
import hashlib
import os

__all__ = ["CnidError", "decode", "version", "LIBRARY"]

LIBRARY = os.environ.get("CNID_LIBRARY") or "libcnid.so.0"
_lib = ctypes.CDLL(LIBRARY, use_errno=True)

_u8p = ctypes.POINTER(ctypes.c_uint8)
_size = ctypes.c_size_t

TEXT_LEN = 256
PREAMBLE = bytes.fromhex("AAAAAA9669")
LONG_TERM = "长期"

# enum values of <cnid/cnid.h>
CARD_UNKNOWN, CARD_FOREIGN_2017 = 0, 3
PART_TEXT, PART_PHOTO, PART_FP = 0, 1, 2
F_SEX, F_NATION, F_BIRTH, F_ISSUER = 2, 3, 4, 7
F_VALID_FROM, F_VALID_UNTIL, F_NATIONALITY, F_LINK = 8, 9, 10, 13
ISSUE_UNKNOWN_CARD_TYPE = 11
FP_TEMPLATE_LEN = 512


class _Date(ctypes.Structure):
    _fields_ = [("year", ctypes.c_int), ("month", ctypes.c_int), ("day", ctypes.c_int)]


class _FpHeader(ctypes.Structure):
    _fields_ = [(n, ctypes.c_uint8) for n in ("magic", "algorithm_version", "device_code",
                                              "developer_code", "enrolment", "finger",
                                              "quality")]


class _Sex(ctypes.Structure):
    _fields_ = [("code", ctypes.c_char_p), ("name", ctypes.c_char_p),
                ("name_zh", ctypes.c_char_p)]


class _Nation(ctypes.Structure):
    _fields_ = [("code", ctypes.c_char_p), ("name_zh", ctypes.c_char_p)]


class _Country(ctypes.Structure):
    _fields_ = [("alpha3", ctypes.c_char_p), ("numeric", ctypes.c_uint16),
                ("name_en", ctypes.c_char_p), ("name_zh", ctypes.c_char_p)]


def _fn(name, restype, *argtypes):
    f = getattr(_lib, name)
    f.restype = restype
    f.argtypes = list(argtypes)
    return f


_vp = ctypes.c_void_p
_version = _fn("cnid_version", ctypes.c_char_p)
_card_new = _fn("cnid_card_new", _vp, ctypes.c_int)
_card_free = _fn("cnid_card_free", None, _vp)
_card_decode = _fn("cnid_card_decode", ctypes.c_int, ctypes.c_char_p, _size, _vp)
_card_get_type = _fn("cnid_card_get_type", ctypes.c_int, _vp)
_card_get_field = _fn("cnid_card_get_field", ctypes.c_char_p, _vp, ctypes.c_int)
_card_get_raw = _fn("cnid_card_get_raw", _u8p, _vp)
_card_type_name = _fn("cnid_card_type_name", ctypes.c_char_p, ctypes.c_int)
_field_name = _fn("cnid_field_name", ctypes.c_char_p, ctypes.c_int)
_issue_name = _fn("cnid_issue_name", ctypes.c_char_p, ctypes.c_int)
_val_new = _fn("cnid_validation_new", _vp)
_val_free = _fn("cnid_validation_free", None, _vp)
_validate = _fn("cnid_card_validate", ctypes.c_int, _vp, ctypes.POINTER(_Date), _vp)
_val_valid = _fn("cnid_validation_is_valid", ctypes.c_bool, _vp)
_val_expired = _fn("cnid_validation_is_expired", ctypes.c_bool, _vp)
_val_count = _fn("cnid_validation_count", _size, _vp, ctypes.c_bool)
_val_get = _fn("cnid_validation_get", ctypes.c_int, _vp, ctypes.c_bool, _size,
               ctypes.POINTER(ctypes.c_int), ctypes.POINTER(ctypes.c_int))
_val_prev = _fn("cnid_validation_previous_number", ctypes.c_char_p, _vp)
_reply_part = _fn("cnid_read_reply_part", ctypes.c_int, ctypes.c_char_p, _size, ctypes.c_int,
                  ctypes.POINTER(_size), ctypes.POINTER(_size))
_fp_header = _fn("cnid_fp_header_decode", ctypes.c_int, ctypes.c_char_p, _size,
                 ctypes.POINTER(_FpHeader))
_finger_name = _fn("cnid_fp_finger_name", ctypes.c_char_p, ctypes.c_uint8)
_enrolment_name = _fn("cnid_fp_enrolment_name", ctypes.c_char_p, ctypes.c_uint8)
_sex_lookup = _fn("cnid_sex_lookup", ctypes.POINTER(_Sex), ctypes.c_char_p)
_nation_lookup = _fn("cnid_nation_lookup", ctypes.POINTER(_Nation), ctypes.c_char_p)
_country = _fn("cnid_country_by_alpha3", ctypes.POINTER(_Country), ctypes.c_char_p)


class CnidError(Exception):
    """Input that is neither a text block nor a well-formed read reply."""

    def __init__(self, errno_value, message):
        super().__init__(message)
        self.errno = errno_value


def version():
    """The version of the loaded libcnid.so.0, e.g. "0.1.0"."""
    return _version().decode()


def _s(b):
    return None if b is None else b.decode("utf-8")


def _date(s):
    if s == LONG_TERM:
        return "long-term"
    if len(s) == 8 and s.isascii() and s.isdigit():
        return f"{s[:4]}-{s[4:6]}-{s[6:]}"
    return s


def _row(ptr, attr):
    return _s(getattr(ptr.contents, attr)) if ptr else None


def _field(out, ctype, f, s):
    key = _s(_field_name(f))
    b = s.encode()
    if f == F_SEX:
        out["sex"] = _row(_sex_lookup(b), "name")
        out[key] = s
    elif f == F_NATION:
        out[key] = s
        out["nation"] = _row(_nation_lookup(b), "name_zh")
    elif f == F_NATIONALITY:
        c = _country(b)
        out["nationality"] = s
        out["nationality_name_en"] = _row(c, "name_en")
        out["nationality_name_zh"] = _row(c, "name_zh")
    elif f == F_ISSUER and ctype == CARD_FOREIGN_2017:
        out["issuer_code"] = s     # the authority's 4-digit code on these cards
    elif f in (F_BIRTH, F_VALID_FROM, F_VALID_UNTIL):
        out[key] = _date(s)
    else:
        out[key] = s


def _issues(v, warning):
    out = []
    for i in range(_val_count(v, warning)):
        code, field = ctypes.c_int(), ctypes.c_int()
        if _val_get(v, warning, i, ctypes.byref(code), ctypes.byref(field)) < 0:
            raise CnidError(0, "validation issue vanished")
        e = {"code": _s(_issue_name(code.value))}
        if code.value != ISSUE_UNKNOWN_CARD_TYPE and _s(_field_name(field.value)) != "unknown":
            e["field"] = _s(_field_name(field.value))
        out.append(e)
    return out


def _part(data, part):
    off, n = _size(), _size()
    r = _reply_part(data, len(data), part, ctypes.byref(off), ctypes.byref(n))
    if r < 0:
        raise CnidError(-r, f"not a well-formed read reply: {os.strerror(-r)}")
    return data[off.value:off.value + n.value]


def _fingerprints(fp):
    out = []
    for off in range(0, len(fp), FP_TEMPLATE_LEN):
        t = fp[off:off + FP_TEMPLATE_LEN]
        h = _FpHeader()
        if _fp_header(t, len(t), ctypes.byref(h)) < 0:
            out.append({"error": "bad_header"})
            continue
        out.append({"finger": _s(_finger_name(h.finger)), "finger_code": h.finger,
                    "enrolment": _s(_enrolment_name(h.enrolment)),
                    "enrolment_code": h.enrolment, "quality": h.quality,
                    "algorithm_version": h.algorithm_version, "device_code": h.device_code,
                    "developer_code": h.developer_code})
    return out


def decode(data, today=None):
    """Decode a 256-byte text block or a read reply frame (30 01 / 30 10).

    today: (year, month, day) to judge expiry against; default: today.
    Returns the dictionary `cnid decode --json` prints; raises CnidError
    for input that is neither.
    """
    data = bytes(data)
    photo = fp = b""
    if data[:len(PREAMBLE)] == PREAMBLE:
        text = _part(data, PART_TEXT)
        photo = _part(data, PART_PHOTO)
        fp = _part(data, PART_FP)
        if len(text) != TEXT_LEN:
            raise CnidError(74, f"text part is {len(text)} bytes, expected {TEXT_LEN}")
    elif len(data) == TEXT_LEN:
        text = data
    else:
        raise CnidError(22, f"not a {TEXT_LEN}-byte text block or a reply frame")
    if today is None:
        d = datetime.date.today()
        today = (d.year, d.month, d.day)

    card = _card_new(CARD_UNKNOWN)
    v = _val_new()
    try:
        if not card or not v:
            raise MemoryError()
        r = _card_decode(text, len(text), card)
        if r < 0:
            raise CnidError(-r, os.strerror(-r))
        r = _validate(card, ctypes.byref(_Date(*today)), v)
        if r < 0:
            raise CnidError(-r, f"validation failed: {os.strerror(-r)}")
        ctype = _card_get_type(card)
        out = {"type": _s(_card_type_name(ctype))}
        for f in range(64):
            if _s(_field_name(f)) == "unknown":
                break       # past the last field this library knows
            s = _card_get_field(card, f)
            if s is not None:
                _field(out, ctype, f, s.decode("utf-8"))
        if _s(_val_prev(v)):
            out["previous_number"] = _s(_val_prev(v))
        if ctype == CARD_UNKNOWN:
            out["raw"] = bytes(_card_get_raw(card)[:TEXT_LEN]).hex()
        if photo:
            out["photo"] = {"format": "wlt", "bytes": len(photo),
                            "sha256": hashlib.sha256(photo).hexdigest()}
        if fp:
            out["fingerprints"] = _fingerprints(fp)
        out["valid"] = bool(_val_valid(v))
        out["expired"] = bool(_val_expired(v))
        out["errors"] = _issues(v, False)
        out["warnings"] = _issues(v, True)
        return out
    finally:
        _val_free(v)
        _card_free(card)
