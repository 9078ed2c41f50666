"""Versioned static URLs: ``url_for('static', ...)`` adds ``?v=`` and the digest of the file.

A request that names the current digest is answered with a one-year, immutable cache lifetime:
the browser never asks again, and a changed file gets a new URL. Anything else (no ``v``, an
old one, a module imported by its plain path) keeps Flask's default: it is revalidated.
The service worker's cache name carries the digest of every static file, so a deployment that
changes any of them replaces the worker's cached copies too.
"""

import hashlib
import json
from pathlib import Path

from flask import request

IMMUTABLE = "public, max-age=31536000, immutable"
SW_VERSION_LINE = 'const VERSION = "v1";'
SW_FORMS_LINE = "const RECORD_FORMS = {};"


class StaticVersions:
    """Digests of the files in the static folder, read once (again when a file changes)."""

    def __init__(self, folder):
        self.folder = Path(folder)
        self._digests = {}

    def digest(self, filename):
        """The first 12 hex digits of the file's SHA-256, or None when there is no such file."""
        path = (self.folder / filename).resolve()
        if not path.is_relative_to(self.folder.resolve()) or not path.is_file():
            return None
        stamp = path.stat().st_mtime_ns
        known = self._digests.get(path)
        if known is None or known[0] != stamp:
            known = (stamp, hashlib.sha256(path.read_bytes()).hexdigest()[:12])
            self._digests[path] = known
        return known[1]

    def all_files(self):
        """One digest over every static file: changes when any of them does."""
        combined = hashlib.sha256()
        for path in sorted(p for p in self.folder.rglob("*") if p.is_file()):
            relative = path.relative_to(self.folder).as_posix()
            combined.update(f"{relative}:{self.digest(relative)}\n".encode())
        return combined.hexdigest()[:12]


def register(app):
    """Version the static URLs of ``app`` and give the current versions a long lifetime."""
    versions = StaticVersions(app.static_folder)
    app.extensions["diary.static_versions"] = versions

    @app.url_defaults
    def add_version(endpoint, values):
        """``?v=<digest>`` on every static URL the app builds."""
        if endpoint == "static" and "v" not in values:
            digest = versions.digest(values.get("filename", ""))
            if digest:
                values["v"] = digest

    @app.after_request
    def cache_versioned(response):
        """A year-long lifetime when the request names the file's current digest."""
        if request.endpoint == "static" and response.status_code == 200:
            wanted = request.args.get("v")
            if wanted and wanted == versions.digest(request.view_args.get("filename", "")):
                response.headers["Cache-Control"] = IMMUTABLE
        return response


def service_worker_source(app, record_forms):
    """sw.js with the digest of every static file as its cache version, and the log forms it
    keeps offline (``{page path: how to queue its form}``)."""
    versions = app.extensions["diary.static_versions"]
    source = (Path(app.static_folder) / "js" / "sw.js").read_text()
    source = source.replace(SW_VERSION_LINE, f'const VERSION = "{versions.all_files()}";', 1)
    forms = json.dumps(record_forms, separators=(",", ":"), sort_keys=True)
    return source.replace(SW_FORMS_LINE, f"const RECORD_FORMS = {forms};", 1)
