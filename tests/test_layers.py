"""The layers stay visible: blueprints never import each other or the API, the API never imports
an HTML blueprint, services import neither, and ``core`` imports nothing above it."""

import ast
import importlib
import pkgutil
from pathlib import Path

import pytest
from flask import Blueprint

import diary

PACKAGE = Path(diary.__file__).parent


def every_module():
    """Every module of the package, imported, by name."""
    found = {"diary": diary}
    for info in pkgutil.walk_packages([str(PACKAGE)], prefix="diary."):
        found[info.name] = importlib.import_module(info.name)
    return found


MODULES = every_module()
HTML_BLUEPRINTS = {
    name
    for name, module in MODULES.items()
    if isinstance(getattr(module, "bp", None), Blueprint) and not name.startswith("diary.api")
}


def imports_of(name):
    """The ``diary`` modules that module ``name`` imports, anywhere in its source."""
    module = MODULES[name]
    path = Path(module.__file__)
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[: len(base) - node.level + 1]
                target = ".".join(base + ([node.module] if node.module else []))
            else:
                target = node.module or ""
            found.add(target)
            # ``from . import records`` names modules too.
            found.update(f"{target}.{alias.name}" for alias in node.names)
    return {target for target in found if target in MODULES and target != name}


def is_api(name):
    """Whether ``name`` is part of the JSON API."""
    return name == "diary.api" or name.startswith("diary.api.")


def test_the_blueprints_are_the_ones_the_layout_names():
    names = (
        "account",
        "acupuncture",
        "auth",
        "care_team",
        "checkin",
        "entries",
        "health",
        "practice",
        "pwa",
        "recovery",
        "reminders",
        "share",
        "trends",
    )
    assert HTML_BLUEPRINTS == {f"diary.{name}" for name in names}


@pytest.mark.parametrize("name", sorted(HTML_BLUEPRINTS))
def test_a_blueprint_imports_no_other_blueprint_and_not_the_api(name):
    bad = {t for t in imports_of(name) if t in HTML_BLUEPRINTS or is_api(t)}
    assert not bad, f"{name} imports {sorted(bad)}"


@pytest.mark.parametrize("name", sorted(n for n in MODULES if is_api(n)))
def test_the_api_imports_no_html_blueprint(name):
    bad = imports_of(name) & HTML_BLUEPRINTS
    assert not bad, f"{name} imports {sorted(bad)}"


HELPERS = ("diary.http", "diary.charts")


@pytest.mark.parametrize(
    "name", sorted(n for n in MODULES if n.startswith(("diary.services", "diary.records")))
)
def test_services_import_no_face(name):
    bad = {
        t for t in imports_of(name) if t in HTML_BLUEPRINTS or is_api(t) or t in HELPERS
    }
    assert not bad, f"{name} imports {sorted(bad)}"


@pytest.mark.parametrize("name", HELPERS)
def test_the_shared_request_helpers_import_no_face(name):
    bad = {t for t in imports_of(name) if t in HTML_BLUEPRINTS or is_api(t)}
    assert not bad, f"{name} imports {sorted(bad)}"


@pytest.mark.parametrize("name", sorted(n for n in MODULES if n.startswith("diary.core")))
def test_core_imports_only_core(name):
    bad = {t for t in imports_of(name) if not t.startswith("diary.core")}
    assert not bad, f"{name} imports {sorted(bad)}"


def test_models_import_only_core():
    bad = {t for t in imports_of("diary.models") if not t.startswith("diary.core")}
    assert not bad, f"diary.models imports {sorted(bad)}"
