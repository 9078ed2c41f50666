"""A local stand-in for jsDelivr over HTTPS, so Lighthouse can load /trends without the internet.

``make npm-assets`` unpacks each pinned package into ``.cache/npm/<name>@<version>/package/``;
``/npm/<name>@<version>/<path>`` is served from there, gzip-compressed and cacheable as jsDelivr
serves it. Chromium reaches it through ``--host-resolver-rules="MAP cdn.jsdelivr.net
127.0.0.1:<port>"`` and accepts its self-signed certificate with ``--ignore-certificate-errors``.
"""

import gzip
import re
import ssl
import subprocess
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from diary.core.cdn import CHART_SCRIPTS

ROOT = Path(__file__).resolve().parents[1]
NPM_CACHE = ROOT / ".cache" / "npm"
HOST = "cdn.jsdelivr.net"
# "/npm/<name>@<version>/<path>", the name possibly scoped ("@scope/name").
CDN_PATH = re.compile(r"^/npm/(?P<package>(?:@[^/@]+/)?[^/@]+@[^/@]+)/(?P<path>[^?#]+)")


def missing_files(cache=NPM_CACHE):
    """The pinned Chart.js files that ``make npm-assets`` has not unpacked yet."""
    return [
        f"{script['package']}@{script['version']}/{script['path']}"
        for script in CHART_SCRIPTS
        if not (cache / f"{script['package']}@{script['version']}" / "package" / script["path"])
        .resolve()
        .is_file()
    ]


def cached_file(url_path, cache=NPM_CACHE):
    """The cache file behind a jsDelivr path, or None for anything outside the cache."""
    match = CDN_PATH.match(url_path)
    if match is None:
        return None
    base = (cache / match["package"] / "package").resolve()
    path = (base / match["path"]).resolve()
    if not path.is_relative_to(base) or not path.is_file():
        return None
    return path


def self_signed_certificate(folder):
    """Make a throwaway certificate for cdn.jsdelivr.net with openssl; returns (cert, key)."""
    cert, key = Path(folder) / "cdn-cert.pem", Path(folder) / "cdn-key.pem"
    subprocess.run(  # noqa: S603 - fixed arguments
        [  # noqa: S607 - openssl from PATH
            "openssl",
            "req",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-days",
            "2",
            "-subj",
            f"/CN={HOST}",
            "-addext",
            f"subjectAltName=DNS:{HOST}",
            "-keyout",
            str(key),
            "-out",
            str(cert),
        ],
        check=True,
        capture_output=True,
        timeout=60,
    )
    return cert, key


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    cache = NPM_CACHE

    def log_message(self, format, *args):
        """Stay quiet: Lighthouse output is what matters."""

    def _cors(self):
        self.send_header("Access-Control-Allow-Origin", "*")
        self.send_header("Access-Control-Allow-Headers", "*")
        self.send_header("Timing-Allow-Origin", "*")

    def do_OPTIONS(self):
        """CORS preflight (Lighthouse's extra headers can make Chromium send one)."""
        self.send_response(204)
        self._cors()
        self.send_header("Access-Control-Allow-Methods", "GET, HEAD, OPTIONS")
        self.send_header("Content-Length", "0")
        self.end_headers()

    def do_GET(self):
        """Serve a cached package file, gzip when the client accepts it."""
        path = cached_file(self.path, self.cache)
        if path is None:
            self.send_response(404)
            self._cors()
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        body = path.read_bytes()
        gzipped = "gzip" in self.headers.get("Accept-Encoding", "")
        if gzipped:
            body = gzip.compress(body, mtime=0)
        self.send_response(200)
        self._cors()
        self.send_header("Content-Type", "application/javascript; charset=utf-8")
        self.send_header("Cache-Control", "public, max-age=31536000, s-maxage=31536000, immutable")
        self.send_header("Cross-Origin-Resource-Policy", "cross-origin")
        self.send_header("X-Content-Type-Options", "nosniff")
        if gzipped:
            self.send_header("Content-Encoding", "gzip")
        self.send_header("Vary", "Accept-Encoding")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


class CdnServer:
    """The HTTPS stand-in, in a thread: ``with CdnServer(folder) as cdn: cdn.port``."""

    def __init__(self, folder, cache=NPM_CACHE):
        self.folder, self.cache = folder, cache
        self.server, self.thread = None, None

    @property
    def port(self):
        """The port it listens on (127.0.0.1)."""
        return self.server.server_address[1]

    def start(self):
        """Make a certificate and start serving."""
        cert, key = self_signed_certificate(self.folder)
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(cert, key)
        handler = type("CdnHandler", (_Handler,), {"cache": self.cache})
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self.server.daemon_threads = True
        self.server.socket = context.wrap_socket(self.server.socket, server_side=True)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()
        return self

    def stop(self):
        """Stop serving."""
        if self.server is not None:
            self.server.shutdown()
            self.server.server_close()
            self.thread.join(timeout=5)
            self.server = None

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc_info):
        self.stop()
