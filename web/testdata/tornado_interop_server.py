#!/usr/bin/python3
"""A Python Tornado server for web/interop_test.go: it signs and verifies
values, sets and reads signed cookies, and makes and checks XSRF tokens
with Tornado's own code, so that the Go test can exchange them with
GoTornado.

    /usr/bin/python3 tornado_interop_server.py '{"secret": "...", "secrets": {"1": "..."}, "key_version": 1}'

It serves two applications on 127.0.0.1, prints "READY <port> <port>"
(the one with the single secret, then the one with the secrets by key
version, whose XSRF tokens are of version 1), and runs until killed.
"""

import base64
import json
import sys

import tornado.ioloop
import tornado.web as web
from tornado.httpserver import HTTPServer
from tornado.netutil import bind_sockets


def b64(b):
    return None if b is None else base64.b64encode(b).decode("ascii")


class Util(web.RequestHandler):
    """The endpoints that are not forms skip the XSRF check."""

    def check_xsrf_cookie(self):
        pass


class Sign(Util):
    def post(self):
        value = base64.b64decode(self.get_argument("value_b64"))
        version = int(self.get_argument("version"))
        self.write(self.create_signed_value(self.get_argument("name"), value, version=version))


class Verify(Util):
    def post(self):
        name, signed = self.get_argument("name"), self.get_argument("signed")
        min_version = int(self.get_argument("min_version", "1"))
        value = self.get_secure_cookie(name, value=signed, min_version=min_version)
        key_version = self.get_secure_cookie_key_version(name, value=signed)
        self.write({"value_b64": b64(value), "key_version": key_version})


class SetCookie(Util):
    def get(self):
        value = base64.b64decode(self.get_argument("value_b64"))
        self.set_secure_cookie(self.get_argument("name"), value)
        self.write("set")


class GetCookie(Util):
    def get(self):
        name = self.get_argument("name")
        self.write({"value_b64": b64(self.get_secure_cookie(name)),
                    "key_version": self.get_secure_cookie_key_version(name)})


class Token(web.RequestHandler):
    def get(self):
        self.write(self.xsrf_token)


class Form(web.RequestHandler):
    def post(self):  # Tornado checks the XSRF token before this runs
        self.write("ok")


def make_app(**settings):
    return web.Application([
        (r"/sign", Sign), (r"/verify", Verify),
        (r"/setcookie", SetCookie), (r"/getcookie", GetCookie),
        (r"/token", Token), (r"/form", Form),
    ], xsrf_cookies=True, **settings)


def main():
    conf = json.loads(sys.argv[1])
    single = make_app(cookie_secret=conf["secret"])
    keyed = make_app(cookie_secret={int(k): v for k, v in conf["secrets"].items()},
                     key_version=conf["key_version"], xsrf_cookie_version=1)
    ports = []
    for app in (single, keyed):
        sockets = bind_sockets(0, "127.0.0.1")
        HTTPServer(app).add_sockets(sockets)
        ports.append(sockets[0].getsockname()[1])
    print("READY %d %d" % tuple(ports), flush=True)
    tornado.ioloop.IOLoop.current().start()


if __name__ == "__main__":
    main()
