"""/api/v1/shares: links that let a practitioner read the patient's report."""

from flask import jsonify
from flask_babel import gettext as _
from flask_login import current_user

from ..core.errors import api_error
from ..http import fresh_login_required, json_body, share_url
from ..services import sharing
from . import bp


@bp.post("/shares")
@fresh_login_required
def create_share():
    """Create a link; the answer is the only place the token ever appears."""
    cleaned = sharing.clean_share(json_body())
    link, token = sharing.create_share(current_user.id, **cleaned)
    return jsonify(sharing.created_to_dict(link, token, share_url(token))), 201


@bp.get("/shares")
def list_shares():
    """The patient's links with their views (no tokens)."""
    return {"shares": [sharing.share_to_dict(link) for link in sharing.shares_of(current_user.id)]}


@bp.delete("/shares/<share_id>")
def revoke_share(share_id):
    """Revoke a link at once."""
    link = sharing.get_share(current_user.id, share_id)
    if link is None:
        return api_error(404, _("There is no such share link."))
    sharing.revoke(link)
    return "", 204
