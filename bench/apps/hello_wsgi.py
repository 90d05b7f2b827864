"""The benchmark's hello app as a WSGI app, for gunicorn (sync and gthread workers).

Same routes and work as bench/apps/work.mjs; the same bookkeeping: each worker touches
$BENCH_COUNTS/<pid>.up when it imports the app and writes its request count to
$BENCH_COUNTS/<pid> when it exits.
"""
import atexit
import itertools
import os
import time

HELLO = b"Hello, World!"
BODY_64K = b"x" * (64 * 1024)
STREAM_CHUNK = b"s" * 1024
STREAM_CHUNKS = 100
WAIT_S = 0.001
BURN_S = 0.002
TEXT = [("Content-Type", "text/plain")]
BINARY = [("Content-Type", "application/octet-stream")]

# next() on an itertools.count is atomic under the GIL, so gthread workers count right; the
# count written at exit is the next value, i.e. the number of requests served.
_served = itertools.count()
_counts_dir = os.environ.get("BENCH_COUNTS")


def _write_count():
    with open(os.path.join(_counts_dir, str(os.getpid())), "w") as f:
        f.write(str(next(_served)))


if _counts_dir:
    open(os.path.join(_counts_dir, f"{os.getpid()}.up"), "w").close()
    atexit.register(_write_count)


def _burn():
    end = time.perf_counter() + BURN_S
    while time.perf_counter() < end:
        pass


def _stream():
    for _ in range(STREAM_CHUNKS):
        yield STREAM_CHUNK


def app(environ, start_response):
    next(_served)
    path = environ["PATH_INFO"]
    if path == "/64k":
        start_response("200 OK", BINARY)
        return [BODY_64K]
    if path == "/echo":
        body = environ["wsgi.input"].read(int(environ.get("CONTENT_LENGTH") or 0))
        start_response("200 OK", BINARY + [("Content-Length", str(len(body)))])
        return [body]
    if path == "/stream":
        start_response("200 OK", BINARY)
        return _stream()
    if path == "/wait":
        time.sleep(WAIT_S)
    elif path == "/cpu":
        _burn()
    start_response("200 OK", TEXT)
    return [HELLO]
