"""The message catalogues (PRODUCT.md section 15): complete, current and faithful.

Every message of the .pot is translated in each shipped locale (none missing, none fuzzy), a
fresh ``pybabel extract`` gives the same messages as the committed .pot (nobody forgot
``make translations``), and each translation keeps its message's placeholders.
"""

import re
import subprocess
import sys
from pathlib import Path

import pytest
from babel.messages.pofile import read_po

from diary.core.i18n import DEFAULT, LOCALES

ROOT = Path(__file__).resolve().parent.parent
CATALOGUES = ROOT / "diary" / "translations"
TRANSLATED = [code for code in LOCALES if code != DEFAULT]
PLACEHOLDER = re.compile(r"%\((\w+)\)[sdif]|%[sd]")


def read(path):
    with path.open("rb") as handle:
        return read_po(handle)


def messages(catalogue):
    """The messages by (id, context); the header (empty id) left out."""
    return {
        (m.id if isinstance(m.id, str) else tuple(m.id), m.context): m for m in catalogue if m.id
    }


@pytest.fixture(scope="module")
def template():
    return messages(read(CATALOGUES / "messages.pot"))


def test_the_pot_holds_what_the_code_says(tmp_path, template):
    fresh = tmp_path / "messages.pot"
    # The Makefile's extraction (make translations), into a scratch file.
    pybabel = Path(sys.executable).with_name("pybabel")
    subprocess.run(  # noqa: S603 - our own pybabel, our own arguments
        [str(pybabel), "extract", "-F", "babel.cfg", "-k", "_l", "-k", "lazy_gettext",
         "-k", "lazy_ngettext:1,2", "--no-wrap", "-o", str(fresh), "."],
        cwd=ROOT, check=True, capture_output=True,
    )
    extracted = messages(read(fresh))
    missing = sorted(str(key) for key in set(extracted) - set(template))
    stale = sorted(str(key) for key in set(template) - set(extracted))
    assert not missing, f"run `make translations`: new messages {missing[:10]}"
    assert not stale, f"run `make translations`: messages no longer used {stale[:10]}"


@pytest.mark.parametrize("code", TRANSLATED)
def test_every_message_is_translated(code, template):
    catalogue = read(CATALOGUES / code / "LC_MESSAGES" / "messages.po")
    found = messages(catalogue)
    missing = [key for key in template if key not in found]
    empty = [key for key, m in found.items() if key in template and not all(
        m.string if isinstance(m.string, tuple) else [m.string])]
    fuzzy = [key for key, m in found.items() if key in template and m.fuzzy]
    assert not missing, f"{code}: {len(missing)} messages missing, e.g. {missing[:5]}"
    assert not empty, f"{code}: {len(empty)} messages untranslated, e.g. {empty[:5]}"
    assert not fuzzy, f"{code}: {len(fuzzy)} fuzzy messages, e.g. {fuzzy[:5]}"


@pytest.mark.parametrize("code", TRANSLATED)
def test_each_translation_keeps_its_placeholders(code, template):
    catalogue = read(CATALOGUES / code / "LC_MESSAGES" / "messages.po")
    wrong = []
    for key, message in messages(catalogue).items():
        if key not in template:
            continue
        ids = message.id if isinstance(message.id, tuple) else (message.id,)
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        wanted = set(PLACEHOLDER.findall(ids[-1])) | set(PLACEHOLDER.findall(ids[0]))
        for string in strings:
            got = set(PLACEHOLDER.findall(string))
            # A plural's singular may leave the count out ("one entry"); never add a name.
            if got - wanted or (len(ids) == 1 and got != wanted):
                wrong.append((ids[0], string))
    assert not wrong, f"{code}: placeholders changed in {wrong[:5]}"


@pytest.mark.parametrize("code", TRANSLATED)
def test_each_catalogue_is_in_its_language(code):
    catalogue = read(CATALOGUES / code / "LC_MESSAGES" / "messages.po")
    assert str(catalogue.locale) == code
    # Chinese has one plural form; German, French and Spanish two.
    assert catalogue.num_plurals == (1 if code.startswith("zh") else 2)
