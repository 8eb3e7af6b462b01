"""Python Tornado peer of the benchmark: TechEmpower's plaintext and JSON
tests on Tornado's own HTTPServer and asyncio loop (one process).

JSON is encoded per request with the standard json module. The access log
is turned off (log_function does nothing), as the other peers do not log.
Run it with Debian's interpreter: /usr/bin/python3 app.py -addr 127.0.0.1:8888
"""

import argparse
import asyncio
import json

import tornado.httpserver
import tornado.web


class PlainHandler(tornado.web.RequestHandler):
    def get(self):
        self.set_header("Content-Type", "text/plain")
        self.write(b"Hello, World!")


class JSONHandler(tornado.web.RequestHandler):
    def get(self):
        self.set_header("Content-Type", "application/json")
        self.write(json.dumps({"message": "Hello, World!"}))


def no_log(handler):
    pass


async def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("-addr", default="127.0.0.1:8888", help="listen address host:port")
    args = parser.parse_args()
    host, _, port = args.addr.rpartition(":")
    app = tornado.web.Application(
        [(r"/plaintext", PlainHandler), (r"/json", JSONHandler)],
        log_function=no_log,
    )
    server = tornado.httpserver.HTTPServer(app)
    server.listen(int(port), address=host, backlog=4096)
    await asyncio.Event().wait()


if __name__ == "__main__":
    asyncio.run(main())
