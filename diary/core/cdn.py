"""The only third-party code: Chart.js and two plugins from jsDelivr, pinned, with SRI hashes.

tests/browser recomputes each hash from the files of ``npm pack <package>@<version>``.
"""

CDN = "https://cdn.jsdelivr.net/npm"

CHART_SCRIPTS = (
    {
        "package": "chart.js",
        "version": "4.6.1",
        "path": "dist/chart.umd.min.js",
        "integrity": "sha384-Emf5ZVIUiarAdhkgtqK+5/Z5qIvM6QoVrS+qAVtfyZVuD5lIHrac0me485+Antp0",
    },
    {
        "package": "chartjs-plugin-annotation",
        "version": "3.1.0",
        "path": "dist/chartjs-plugin-annotation.min.js",
        "integrity": "sha384-3N9GHhCtN3CQef6tNfqgZlv7sQLYIkcChN+uaTZ7xVdzKYp/SjBNPxa92+hM7EAY",
    },
    {
        "package": "chartjs-adapter-date-fns",
        "version": "3.0.0",
        "path": "dist/chartjs-adapter-date-fns.bundle.min.js",
        "integrity": "sha384-cVMg8E3QFwTvGCDuK+ET4PD341jF3W8nO1auiXfuZNQkzbUUiBGLsIQUE+b1mxws",
    },
)


def script_url(script):
    """The exact jsDelivr URL of a pinned script."""
    return f"{CDN}/{script['package']}@{script['version']}/{script['path']}"


def plugin_source(script):
    """What charts.js needs to load a plugin: its URL and integrity."""
    return {"src": script_url(script), "integrity": script["integrity"]}
