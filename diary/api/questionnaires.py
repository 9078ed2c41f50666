"""/api/v1/instruments and /api/v1/questionnaires/due (PRODUCT.md section 11).

The responses themselves are a record kind: /api/v1/responses comes from ``records``.
"""

from flask_login import current_user

from ..services import questionnaires
from . import bp


@bp.get("/instruments")
def list_instruments():
    """Every questionnaire: what a client needs to render it and validate its answers."""
    return {"instruments": questionnaires.instrument_list()}


@bp.get("/questionnaires/due")
def due_questionnaires():
    """The keys of the questionnaires due today, in the order to ask them."""
    return {"due": questionnaires.due_for(current_user)}
