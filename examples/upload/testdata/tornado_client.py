"""Uploads a file to the upload example with Python Tornado's HTTP client,
streaming it from a body_producer: as a raw PUT to /stream/<name>, then as
a multipart/form-data POST to /post. Prints both answers, one per line.

Usage: python3 tornado_client.py BASE_URL FILE
"""

import asyncio
import os
import sys
from functools import partial
from urllib.parse import quote

from tornado import httpclient

PIECE = 32 * 1024


async def send_file(path, write):
    with open(path, "rb") as f:
        while True:
            piece = f.read(PIECE)
            if not piece:
                return
            await write(piece)


async def send_form(path, boundary, write):
    name = os.path.basename(path).encode()
    await write(
        b"--" + boundary + b"\r\n"
        b'Content-Disposition: form-data; name="' + name + b'"; filename="' + name + b'"\r\n'
        b"Content-Type: application/octet-stream\r\n\r\n"
    )
    await send_file(path, write)
    await write(b"\r\n--" + boundary + b"--\r\n")


async def main(base, path):
    client = httpclient.AsyncHTTPClient()
    put = await client.fetch(
        base + "/stream/" + quote(os.path.basename(path)),
        method="PUT",
        headers={"Content-Type": "application/octet-stream"},
        body_producer=partial(send_file, path),
        request_timeout=120,
    )
    print(put.body.decode())
    boundary = b"tornado-upload-boundary"
    post = await client.fetch(
        base + "/post",
        method="POST",
        headers={"Content-Type": "multipart/form-data; boundary=" + boundary.decode()},
        body_producer=partial(send_form, path, boundary),
        request_timeout=120,
    )
    print(post.body.decode())


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1], sys.argv[2]))
