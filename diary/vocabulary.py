"""The built-in vocabulary of PRODUCT.md section 4: stable keys with their labels.

Keys never change (they are stored and exported); labels are lazy messages, translated when
shown, in the locale of the request (or of ``i18n.patient_locale``).
"""

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

SIDES = ("left", "right", "both")

REGIONS = {
    "lower_back": _l("Lower back"),
    "buttock": _l("Buttock"),
    "hip": _l("Hip"),
    "thigh_back": _l("Back of thigh"),
    "thigh_front": _l("Front of thigh"),
    "thigh_outer": _l("Outer thigh"),
    "knee": _l("Knee"),
    "calf": _l("Calf"),
    "shin": _l("Shin"),
    "ankle": _l("Ankle"),
    "foot": _l("Foot"),
    "sole": _l("Sole"),
    "toes": _l("Toes"),
}

PAIN_TYPES = {
    "burning": _l("Burning"),
    "shooting": _l("Shooting"),
    "stabbing": _l("Stabbing"),
    "throbbing": _l("Throbbing"),
    "aching": _l("Aching"),
    "tingling": _l("Tingling / pins and needles"),
    "numbness": _l("Numbness"),
    "electric": _l("Electric shock"),
    "weakness": _l("Weakness"),
    "heaviness": _l("Heaviness"),
    "stiffness": _l("Stiffness"),
    "cramping": _l("Cramping"),
}

TRIGGERS = {
    "sitting": _l("Sitting"),
    "standing": _l("Standing"),
    "standing_up": _l("Standing up"),
    "bending_forward": _l("Bending forward"),
    "twisting": _l("Twisting"),
    "lifting": _l("Lifting"),
    "walking": _l("Walking"),
    "climbing_stairs": _l("Climbing stairs"),
    "lying_down": _l("Lying down"),
    "sleeping": _l("Sleeping"),
    "cough_sneeze_laugh": _l("Cough, sneeze or laugh"),
    "driving": _l("Driving"),
    "desk_work": _l("Desk work"),
    "exercise": _l("Exercise"),
    "stress": _l("Stress"),
    "cold_weather": _l("Cold weather"),
}

RELIEVERS = {
    "heat": _l("Heat"),
    "ice": _l("Ice"),
    "stretching": _l("Stretching"),
    "walking": _l("Walking"),
    "rest": _l("Rest"),
    "lying_down": _l("Lying down"),
    "medication": _l("Medication"),
    "massage": _l("Massage"),
    "tens": _l("TENS"),
}

TECHNIQUES = {
    "manual": _l("Manual acupuncture"),
    "electroacupuncture": _l("Electroacupuncture"),
    "dry_needling": _l("Dry needling"),
    "cupping": _l("Cupping"),
    "moxibustion": _l("Moxibustion"),
    "distal_points": _l("Distal points"),
    "auricular": _l("Auricular (ear)"),
}

BUILT_IN = {
    "regions": REGIONS,
    "pain_types": PAIN_TYPES,
    "triggers": TRIGGERS,
    "relievers": RELIEVERS,
    "techniques": TECHNIQUES,
}

# Categories a patient may extend with their own items (regions are fixed: the body map draws them).
CUSTOMISABLE = ("pain_types", "triggers", "relievers", "techniques")

# TRANSLATORS: a side of the body, shown in brackets after a region: "Buttock (left)".
SIDE_LABELS = {"left": _l("left"), "right": _l("right"), "both": _l("both sides")}


def location_label(region, side):
    """Say a location in words, e.g. "Buttock (left)"."""
    return _(
        "%(region)s (%(side)s)",
        region=REGIONS.get(region, region),
        side=SIDE_LABELS.get(side, side),
    )
