"""The built-in vocabulary of PRODUCT.md section 4: stable keys with their labels."""

SIDES = ("left", "right", "both")

REGIONS = {
    "lower_back": "Lower back",
    "buttock": "Buttock",
    "hip": "Hip",
    "thigh_back": "Back of thigh",
    "thigh_front": "Front of thigh",
    "thigh_outer": "Outer thigh",
    "knee": "Knee",
    "calf": "Calf",
    "shin": "Shin",
    "ankle": "Ankle",
    "foot": "Foot",
    "sole": "Sole",
    "toes": "Toes",
}

PAIN_TYPES = {
    "burning": "Burning",
    "shooting": "Shooting",
    "stabbing": "Stabbing",
    "throbbing": "Throbbing",
    "aching": "Aching",
    "tingling": "Tingling / pins and needles",
    "numbness": "Numbness",
    "electric": "Electric shock",
    "weakness": "Weakness",
    "heaviness": "Heaviness",
    "stiffness": "Stiffness",
    "cramping": "Cramping",
}

TRIGGERS = {
    "sitting": "Sitting",
    "standing": "Standing",
    "standing_up": "Standing up",
    "bending_forward": "Bending forward",
    "twisting": "Twisting",
    "lifting": "Lifting",
    "walking": "Walking",
    "climbing_stairs": "Climbing stairs",
    "lying_down": "Lying down",
    "sleeping": "Sleeping",
    "cough_sneeze_laugh": "Cough, sneeze or laugh",
    "driving": "Driving",
    "desk_work": "Desk work",
    "exercise": "Exercise",
    "stress": "Stress",
    "cold_weather": "Cold weather",
}

RELIEVERS = {
    "heat": "Heat",
    "ice": "Ice",
    "stretching": "Stretching",
    "walking": "Walking",
    "rest": "Rest",
    "lying_down": "Lying down",
    "medication": "Medication",
    "massage": "Massage",
    "tens": "TENS",
}

TECHNIQUES = {
    "manual": "Manual acupuncture",
    "electroacupuncture": "Electroacupuncture",
    "dry_needling": "Dry needling",
    "cupping": "Cupping",
    "moxibustion": "Moxibustion",
    "distal_points": "Distal points",
    "auricular": "Auricular (ear)",
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

SIDE_LABELS = {"left": "left", "right": "right", "both": "both sides"}


def location_label(region, side):
    """Say a location in words, e.g. "Buttock (left)"."""
    return f"{REGIONS.get(region, region)} ({SIDE_LABELS.get(side, side)})"
