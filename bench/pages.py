"""Page weight (a page's own HTML, CSS and JavaScript) and where Chart.js is loaded."""

import re
from html.parser import HTMLParser
from urllib.parse import urljoin, urlsplit

from diary.core.cdn import CHART_SCRIPTS, script_url

# Static ES module imports, which load with the page: import x from "./a.js",
# export * from "./b.js", import "./c.js". A dynamic import("./d.js") loads on demand only (the
# outbox code, on logout or when fixing a queued entry) and is not counted as the page's weight.
JS_IMPORT = re.compile(
    r"""\b(?:import|export)\b[^"';(]*?\bfrom\s*["']([^"']+)["']|\bimport\s+["']([^"']+)["']"""
)
CSS_IMPORT = re.compile(r"""@import\s+(?:url\()?\s*["']?([^"')\s;]+)""")


class _Assets(HTMLParser):
    """Collects a page's scripts (``<script src>``, script preloads) and stylesheets."""

    def __init__(self):
        super().__init__()
        self.scripts, self.stylesheets = [], []

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        if tag == "script" and attributes.get("src"):
            self.scripts.append({**attributes, "via": "script"})
        elif tag == "link" and attributes.get("href"):
            rel = (attributes.get("rel") or "").lower().split()
            if "stylesheet" in rel:
                self.stylesheets.append(attributes["href"])
            elif "modulepreload" in rel or ("preload" in rel and attributes.get("as") == "script"):
                self.scripts.append({**attributes, "src": attributes["href"], "via": "preload"})


def assets(html):
    """``(scripts, stylesheets)`` of a page.

    Scripts are attribute dicts with ``src`` and ``via`` (``script`` for a ``<script>`` tag,
    ``preload`` for a ``<link rel=preload as=script>`` or ``modulepreload``).
    """
    parser = _Assets()
    parser.feed(html)
    return parser.scripts, parser.stylesheets


def _own_path(base, reference):
    """The same-site path of ``reference`` seen from ``base``, or None for another site."""
    absolute = urlsplit(urljoin("http://self" + base, reference))
    if absolute.netloc != "self":
        return None
    return absolute.path + (f"?{absolute.query}" if absolute.query else "")


def imports(source, kind):
    """The module specifiers a script imports, or the stylesheets a stylesheet @imports."""
    if kind == "css":
        return CSS_IMPORT.findall(source)
    return [static or dynamic for static, dynamic in JS_IMPORT.findall(source)]


def page_weight(client, path):
    """Bytes of the page's HTML and of every same-site stylesheet and script it pulls in.

    Follows static ES module imports and CSS @import; bodies are counted uncompressed.
    """
    page = client.get(path)
    files = {path: len(page.body)}
    scripts, stylesheets = assets(page.text)
    queue = [(_own_path(path, s["src"]), "js") for s in scripts]
    queue += [(_own_path(path, href), "css") for href in stylesheets]
    foreign = [s["src"] for s in scripts if _own_path(path, s["src"]) is None]
    foreign += [href for href in stylesheets if _own_path(path, href) is None]
    while queue:
        asset, kind = queue.pop(0)
        if asset is None or asset in files:
            continue
        body = client.get(asset).body
        files[asset] = len(body)
        for reference in imports(body.decode("utf-8", "replace"), kind):
            queue.append((_own_path(asset, reference), kind))
    by_kind = {"html": len(page.body), "css": 0, "js": 0}
    for asset, size in files.items():
        if asset != path:
            by_kind["css" if asset.split("?")[0].endswith(".css") else "js"] += size
    return {
        "path": path,
        "total_bytes": sum(files.values()),
        "by_kind": by_kind,
        "files": files,
        "other_sites": foreign,
    }


def chart_scripts(html):
    """How a page refers to the pinned Chart.js files, and whether Chart.js itself is deferred.

    The plugins may come as deferred scripts or as preloads that the page's module runs once
    Chart.js has loaded; either way nothing from the CDN may block parsing.
    """
    scripts, _ = assets(html)
    pinned = {script_url(script): script for script in CHART_SCRIPTS}
    found = {}
    for tag in scripts:
        script = pinned.get(tag["src"])
        if script is None or (script["package"] in found and tag["via"] == "preload"):
            continue
        found[script["package"]] = {
            "via": tag["via"],
            "defer": "defer" in tag,
            "integrity": tag.get("integrity") == script["integrity"],
            "crossorigin": tag.get("crossorigin") == "anonymous",
        }
    blocking = [
        tag["src"]
        for tag in scripts
        if tag["via"] == "script"
        and _own_path("/", tag["src"]) is None
        and not {"defer", "async"} & set(tag)
        and tag.get("type") != "module"
    ]
    chart = found.get(CHART_SCRIPTS[0]["package"])
    return {
        "loads_chart_js": bool(found) or any("cdn.jsdelivr.net" in tag["src"] for tag in scripts),
        "files": found,
        "chart_js_deferred": bool(chart and chart["via"] == "script" and chart["defer"]),
        "blocking_third_party": blocking,
    }
