"""Absolute links for mails, share URLs and QR codes: ``PUBLIC_URL``, never the request's Host.

Works inside a request and outside one (the reminder sender, a mail sent from a thread): the
path comes from the app's URL map bound to no particular host.
"""

from flask import current_app


def public_url(endpoint, **values):
    """``PUBLIC_URL`` followed by the path of ``endpoint`` with ``values``."""
    adapter = current_app.url_map.bind("localhost", url_scheme="https")
    return current_app.config["PUBLIC_URL"] + adapter.build(endpoint, values)
