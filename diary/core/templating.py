"""Jinja settings and globals every template may use."""

from .cdn import CHART_SCRIPTS, plugin_source, script_url


def register(app):
    """Trim block whitespace and expose the pinned chart scripts to templates."""
    # Block tags leave no blank lines behind: the log page must stay light (PRODUCT.md section 9).
    app.jinja_env.trim_blocks = True
    app.jinja_env.lstrip_blocks = True
    app.jinja_env.globals.update(chart_scripts=CHART_SCRIPTS, script_url=script_url)
    app.jinja_env.filters["plugin_source"] = plugin_source
