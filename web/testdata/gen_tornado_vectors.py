#!/usr/bin/python3
"""Writes tornado_signed_vectors.json: signed values and XSRF tokens as
Python Tornado makes and reads them, with fixed clocks, for the Go tests of
signed.go and xsrf.go.

Run with the Python that has Tornado (6.2 here):

    /usr/bin/python3 web/testdata/gen_tornado_vectors.py > web/testdata/tornado_signed_vectors.json

Every expected result below is computed by Tornado itself; this script
only chooses the inputs (some of them built by hand, with a valid
signature, to reach one particular check).
"""

import base64
import json
import sys
from unittest import mock
from urllib.parse import urlencode

import tornado
import tornado.web as web
from tornado.httputil import HTTPHeaders, HTTPServerRequest

SECRET = "0123456789abcdef-the-test-secret"
SECRETS = {0: "key zero secret", 1: "key one secret", 7: "key seven secret"}
CLOCK = 1300000000.5


def b64(b):
    return base64.b64encode(b).decode("ascii")


def secret_json(secret):
    if isinstance(secret, dict):
        return {"secrets": {str(k): v for k, v in secret.items()}}
    return {"secret": secret}


def run(f):
    """Returns ("ok", result) or ("error", exception class name)."""
    try:
        return "ok", f()
    except Exception as e:  # noqa: BLE001 - the class is the vector
        return "error", type(e).__name__


create_cases = [
    # (name, value bytes, version, key_version, clock, secret)
    ("user", b"alice", 2, None, CLOCK, SECRET),
    ("user", b"alice", 1, None, CLOCK, SECRET),
    ("user", b"", 2, None, CLOCK, SECRET),
    ("user", b"", 1, None, CLOCK, SECRET),
    ("u", b"a|b|c", 2, None, CLOCK, SECRET),
    ("u", b"a|b|c", 1, None, CLOCK, SECRET),
    ("u", "h\u00e9llo \u4e16\u754c".encode("utf-8"), 2, None, CLOCK, SECRET),
    ("u", "h\u00e9llo \u4e16\u754c".encode("utf-8"), 1, None, CLOCK, SECRET),
    ("bin", bytes(range(256)), 2, None, CLOCK, SECRET),
    ("bin", b"\x00\xff\xfe", 1, None, CLOCK, SECRET),
    ("user", b"{\"id\": 42}", 2, None, 1.0, SECRET),
    ("user", b"alice", 2, None, 1699999999.999, SECRET),
    ("user", b"alice", 2, 3, CLOCK, SECRET),  # a key version with one secret
    ("user", b"alice", 2, 0, CLOCK, SECRETS),
    ("user", b"alice", 2, 1, CLOCK, SECRETS),
    ("user", b"alice", 2, 7, CLOCK, SECRETS),
    ("a:b", b"x", 2, None, CLOCK, SECRET),
    ("", b"x", 2, None, CLOCK, SECRET),
    ("", b"x", 1, None, CLOCK, SECRET),
    ("user", b"alice", 2, None, CLOCK, "\u00e9\u00e8 secret"),
]

creates = []
for name, value, version, key_version, clock, secret in create_cases:
    status, out = run(
        lambda: web.create_signed_value(
            secret, name, value, version=version, clock=lambda: clock, key_version=key_version
        )
    )
    case = dict(secret_json(secret), name=name, value_b64=b64(value), version=version,
                key_version=key_version or 0, clock=clock, status=status)
    case["signed"] = out.decode("ascii") if status == "ok" else None
    creates.append(case)

# Names that are not ASCII: Tornado's format 2 length prefix counts
# characters, so the value it makes does not decode, even in Tornado.
non_ascii = []
for name in ["us\u00e9r", "\u4e16"]:
    signed = web.create_signed_value(SECRET, name, b"v", clock=lambda: CLOCK)
    back = web.decode_signed_value(SECRET, name, signed, clock=lambda: CLOCK)
    non_ascii.append({"secret": SECRET, "name": name, "signed": signed.decode("utf-8"),
                      "decoded_b64": None if back is None else b64(back)})


def v1(name, value_field, timestamp, secret=SECRET):
    """A format 1 value with a valid signature over the given fields."""
    sig = web._create_signature_v1(secret, name, value_field, timestamp)
    return b"|".join([value_field, timestamp, sig])


def v2(fields, secret=SECRET):
    """A format 2 value with a valid signature over the raw fields text."""
    to_sign = b"2|" + fields
    return to_sign + web._create_signature_v2(secret, to_sign)


good_v2 = web.create_signed_value(SECRET, "user", "alice", clock=lambda: CLOCK)
good_v1 = web.create_signed_value(SECRET, "user", "alice", version=1, clock=lambda: CLOCK)
kv1 = web.create_signed_value(SECRETS, "user", "bob", clock=lambda: CLOCK, key_version=1)
kv7 = web.create_signed_value(SECRETS, "user", "bob", clock=lambda: CLOCK, key_version=7)
day = 86400

decode_cases = [
    # (why, secret, name, signed bytes, clock, max_age_days, min_version)
    ("v2 good", SECRET, "user", good_v2, CLOCK, 31, None),
    ("v1 good", SECRET, "user", good_v1, CLOCK, 31, None),
    ("v2 wrong name", SECRET, "other", good_v2, CLOCK, 31, None),
    ("v1 wrong name", SECRET, "other", good_v1, CLOCK, 31, None),
    ("v2 wrong secret", "another secret", "user", good_v2, CLOCK, 31, None),
    ("v1 wrong secret", "another secret", "user", good_v1, CLOCK, 31, None),
    ("v2 tampered signature", SECRET, "user", good_v2[:-1] + (b"0" if good_v2[-1:] != b"0" else b"1"), CLOCK, 31, None),
    ("v1 tampered signature", SECRET, "user", good_v1[:-1] + (b"0" if good_v1[-1:] != b"0" else b"1"), CLOCK, 31, None),
    ("v2 upper-case signature", SECRET, "user", good_v2[:-64] + good_v2[-64:].upper(), CLOCK, 31, None),
    ("v2 tampered value", SECRET, "user", good_v2.replace(b"YWxpY2U=", b"Ym9iYm9i"), CLOCK, 31, None),
    ("v2 short signature", SECRET, "user", good_v2[:-2], CLOCK, 31, None),
    ("v2 no signature", SECRET, "user", good_v2[:-64], CLOCK, 31, None),
    ("v2 at the age limit", SECRET, "user", good_v2, CLOCK + 31 * day, 31, None),
    ("v2 just expired", SECRET, "user", good_v2, CLOCK + 31 * day + 1, 31, None),
    ("v1 just expired", SECRET, "user", good_v1, CLOCK + 31 * day + 1, 31, None),
    ("v2 max age 1 day, 2 days old", SECRET, "user", good_v2, CLOCK + 2 * day, 1, None),
    ("v2 max age 0.5 day, 0.25 day old", SECRET, "user", good_v2, CLOCK + day / 4, 0.5, None),
    ("v2 from the future", SECRET, "user", good_v2, CLOCK - 40 * day, 31, None),
    ("v1 from the near future", SECRET, "user", good_v1, CLOCK - 30 * day, 31, None),
    ("v1 from the far future", SECRET, "user", good_v1, CLOCK - 32 * day, 31, None),
    ("v1 below min version 2", SECRET, "user", good_v1, CLOCK, 31, 2),
    ("v2 with min version 2", SECRET, "user", good_v2, CLOCK, 31, 2),
    ("v1 leading-zero timestamp", SECRET, "user", v1("user", b"YWxpY2U=", b"01300000000"), CLOCK, 31, None),
    ("v1 timestamp with a plus", SECRET, "user", v1("user", b"YWxpY2U=", b"+1300000000"), CLOCK, 31, None),
    ("v1 bad base64", SECRET, "user", v1("user", b"YWxpY2U", b"1300000000"), CLOCK, 31, None),
    ("v1 base64 with a star", SECRET, "user", v1("user", b"YW*xpY2U=", b"1300000000"), CLOCK, 31, None),
    ("v1 four fields", SECRET, "user", good_v1 + b"|x", CLOCK, 31, None),
    ("v1 two fields", SECRET, "user", b"YWxpY2U=|1300000000", CLOCK, 31, None),
    ("v2 bad base64", SECRET, "user", v2(b"1:0|10:1300000000|4:user|7:YWxpY2U|"), CLOCK, 31, None),
    ("v2 length too long", SECRET, "user", v2(b"1:0|10:1300000000|5:user|8:YWxpY2U=|"), CLOCK, 31, None),
    ("v2 length too short", SECRET, "user", v2(b"1:0|10:1300000000|3:user|8:YWxpY2U=|"), CLOCK, 31, None),
    ("v2 length not a number", SECRET, "user", v2(b"1:0|10:1300000000|x:user|8:YWxpY2U=|"), CLOCK, 31, None),
    ("v2 negative length", SECRET, "user", v2(b"1:0|10:1300000000|-1:user|8:YWxpY2U=|"), CLOCK, 31, None),
    ("v2 length with spaces", SECRET, "user", v2(b"1:0|10:1300000000| 4 :user|8:YWxpY2U=|"), CLOCK, 31, None),
    ("v2 length with an underscore", SECRET, "user", v2(b"1:0|10:1300000000|4:user|0_8:YWxpY2U=|"), CLOCK, 31, None),
    ("v2 length with a leading zero", SECRET, "user", v2(b"1:0|10:1300000000|04:user|8:YWxpY2U=|"), CLOCK, 31, None),
    ("v2 missing field", SECRET, "user", v2(b"1:0|10:1300000000|4:user|"), CLOCK, 31, None),
    ("v2 no colon", SECRET, "user", v2(b"1:0|10:1300000000|4user|8:YWxpY2U=|"), CLOCK, 31, None),
    ("v2 non-numeric key version", SECRET, "user", v2(b"1:x|10:1300000000|4:user|8:YWxpY2U=|"), CLOCK, 31, None),
    ("v2 negative key version", SECRET, "user", v2(b"2:-1|10:1300000000|4:user|8:YWxpY2U=|"), CLOCK, 31, None),
    ("v2 empty value", SECRET, "user", v2(b"1:0|10:1300000000|4:user|0:|"), CLOCK, 31, None),
    ("v2 timestamp with spaces", SECRET, "user", v2(b"1:0|12: 1300000000 |4:user|8:YWxpY2U=|"), CLOCK, 31, None),
    ("v2 key dict, key 1", SECRETS, "user", kv1, CLOCK, 31, None),
    ("v2 key dict, key 7", SECRETS, "user", kv7, CLOCK, 31, None),
    ("v2 key dict, unknown key 3", SECRETS, "user",
     web.create_signed_value("key three", "user", "bob", clock=lambda: CLOCK, key_version=3), CLOCK, 31, None),
    ("v2 key 1 checked with one secret", "key one secret", "user", kv1, CLOCK, 31, None),
    ("v2 key dict, key 1 with key 0's signature", SECRETS, "user",
     v2(b"1:1|10:1300000000|4:user|4:Ym9i|", secret=SECRETS[0]), CLOCK, 31, None),
    ("version 3", SECRET, "user", b"3|" + good_v2[2:], CLOCK, 31, None),
    ("version 1234 read as format 1", SECRET, "user", b"1234|5678|9abc", CLOCK, 31, None),
    ("version 0 read as format 1", SECRET, "user", b"0|" + good_v2[2:], CLOCK, 31, None),
    ("v2 with a newline inside", SECRET, "user", v2(b"1:0|10:1300000000|4:user|9:YWxp\nY2U=|"), CLOCK, 31, None),
    ("v2 with a final newline", SECRET, "user", good_v2 + b"\n", CLOCK, 31, None),
    ("empty", SECRET, "user", b"", CLOCK, 31, None),
    ("garbage", SECRET, "user", b"not a signed value", CLOCK, 31, None),
    ("pipes", SECRET, "user", b"||", CLOCK, 31, None),
    ("v2 prefix only", SECRET, "user", b"2|", CLOCK, 31, None),
    ("v2 huge length", SECRET, "user", b"2|99999999999999999999999:0|", CLOCK, 31, None),
]

decodes = []
for why, secret, name, signed, clock, max_age, min_version in decode_cases:
    status, out = run(
        lambda: web.decode_signed_value(
            secret, name, signed, max_age_days=max_age, clock=lambda: clock, min_version=min_version
        )
    )
    case = dict(secret_json(secret), why=why, name=name, signed=signed.decode("ascii"),
                clock=clock, max_age_days=max_age, min_version=min_version or 0, status=status)
    case["decoded_b64"] = b64(out) if status == "ok" and out is not None else None
    case["error"] = out if status == "error" else None
    decodes.append(case)

# A format 1 value checked against a dict of secrets: Tornado asserts.
status, out = run(lambda: web.decode_signed_value(SECRETS, "user", good_v1, clock=lambda: CLOCK))
decodes.append(dict(secret_json(SECRETS), why="v1 with a key dict", name="user",
                    signed=good_v1.decode("ascii"), clock=CLOCK, max_age_days=31, min_version=0,
                    status=status, decoded_b64=None, error=out if status == "error" else None))

key_versions = []
for signed in [good_v2, good_v1, kv1, kv7, b"2|garbage", b"2|2:-1|10:1300000000|4:user|8:YWxpY2U=|sig",
               b"2|1: 5|1:x|", b"", b"3|1:1|"]:
    status, out = run(lambda: web.get_signature_key_version(signed))
    key_versions.append({"signed": signed.decode("ascii"), "status": status,
                         "key_version": out if status == "ok" else None})

# XSRF tokens: what Tornado's _decode_xsrf_token reads from a cookie or an
# argument (the handler is not used by the method).
mask, raw = bytes.fromhex("0a1b2c3d"), bytes.fromhex("00112233445566778899aabbccddeeff")
masked = bytes(b ^ mask[i % 4] for i, b in enumerate(raw))
good_xsrf = "2|%s|%s|1300000000" % (mask.hex(), masked.hex())
xsrf_inputs = [
    good_xsrf,
    "2|%s|%s|1300000000" % (mask.hex().upper(), masked.hex().upper()),
    raw.hex(),
    raw.hex().upper(),
    "not hex at all",
    "abc",  # odd length: not hex, so the text itself
    "2|0a1b2c3d|%s" % masked.hex(),  # three fields
    "2|0a1b2c3d|%s|1300000000|x" % masked.hex(),
    "2|0a1b2c|%s|1300000000" % masked.hex(),  # a three-byte mask
    "2|0a1b2c3d4e5f|%s|1300000000" % masked.hex(),  # a six-byte mask
    "2|zz|%s|1300000000" % masked.hex(),
    "2|0a1b2c3d|%s|notanumber" % masked.hex(),
    "2|0a1b2c3d|%s| 13_00 " % masked.hex(),
    "2|0a1b2c3d|%s|-5" % masked.hex(),
    "2|0a1b2c3d||1300000000",
    "2||||",
    "3|0a1b2c3d|%s|1300000000" % masked.hex(),
    "1|" + raw.hex(),
    "12|x",
    "2|0a1b2c3d|%s|1300000000\nx" % masked.hex(),
]
xsrf_decodes = []
for s in xsrf_inputs:
    version, token, timestamp = web.RequestHandler._decode_xsrf_token(None, s)
    xsrf_decodes.append({"input": s, "version": version,
                         "token_hex": None if token is None else token.hex(),
                         "timestamp": timestamp if version == 2 else None})

# The XSRF check of a POST, as a real RequestHandler makes it.
app = web.Application(xsrf_cookies=True)


def xsrf_check(cookie, argument, headers):
    hdrs = HTTPHeaders()
    if cookie is not None:
        hdrs.add("Cookie", "_xsrf=" + cookie)
    for k, v in headers:
        hdrs.add(k, v)
    body = b""
    if argument is not None:
        body = urlencode({"_xsrf": argument}).encode("ascii")
        hdrs["Content-Type"] = "application/x-www-form-urlencoded"
    req = HTTPServerRequest(method="POST", uri="/", headers=hdrs, body=body, connection=mock.Mock())
    req._parse_body()
    h = web.RequestHandler(app, req)
    try:
        h.check_xsrf_cookie()
        return 200, ""
    except web.HTTPError as e:
        return e.status_code, e.log_message


other_mask = bytes.fromhex("ffeeddcc")
remasked = "2|%s|%s|1400000000" % (other_mask.hex(), bytes(b ^ other_mask[i % 4] for i, b in enumerate(raw)).hex())
xsrf_check_cases = [
    (good_xsrf, good_xsrf, []),
    (good_xsrf, remasked, []),
    (good_xsrf, raw.hex(), []),
    (raw.hex(), good_xsrf, []),
    (raw.hex(), raw.hex(), []),
    (good_xsrf, None, [("X-Xsrftoken", remasked)]),
    (good_xsrf, None, [("X-Csrftoken", remasked)]),
    (good_xsrf, "", [("X-Xsrftoken", remasked)]),
    (good_xsrf, "  " + remasked + "  ", []),
    (good_xsrf, None, []),
    (good_xsrf, "", []),
    (None, good_xsrf, []),
    (good_xsrf, "2|zz|zz|1", []),
    (good_xsrf, "3|x", []),
    (good_xsrf, "2|||", []),
    (good_xsrf, "00112233445566778899aabbccddeefe", []),
    ("garbage", "garbage", []),
    ("3|x", "3|x", []),
]
xsrf_checks = []
for cookie, argument, headers in xsrf_check_cases:
    status, message = xsrf_check(cookie, argument, headers)
    xsrf_checks.append({"cookie": cookie, "argument": argument,
                        "headers": [list(h) for h in headers],
                        "status": status, "log_message": message})

json.dump({
    "tornado_version": tornado.version,
    "create": creates,
    "create_non_ascii_name": non_ascii,
    "decode": decodes,
    "key_version": key_versions,
    "xsrf_decode": xsrf_decodes,
    "xsrf_check": xsrf_checks,
}, sys.stdout, indent=1, ensure_ascii=True)
sys.stdout.write("\n")
