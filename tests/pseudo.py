"""Finding text a page shows that was never marked for translation (PRODUCT.md section 15).

Under the pseudo-locale (``Accept-Language: en-XA``) every translated message comes out as
``[Šàvé éñtrý ·]``: a word of plain English letters outside brackets was not translated. Text in
an element marked ``lang="en"`` (questionnaire wording with no published translation) and the
patient's own words are left out.
"""

import re
from html.parser import HTMLParser

# Shown as they are in every language: questionnaire abbreviations, units and the English
# month and weekday names the pseudo-locale's dates use (it formats as English).
ALLOWED = {
    "PEG", "RMDQ", "PGIC", "PDF", "CSV", "FHIR", "JSON", "QR", "TOTP", "A5", "A4", "ID", "UTC",
    "Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun",
    "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday",
    "January", "February", "March", "April", "June", "July", "August", "September", "October",
    "November", "December",
}
VISIBLE_ATTRIBUTES = ("placeholder", "title", "aria-label", "alt")
SKIPPED = {"script", "style", "template", "svg", "noscript"}
VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source",
        "track", "wbr"}
# A translated sentence may hold a link or a bold word: its text runs on through these tags, so
# "[Ñöthîñg löggéd. <a>Lög pàîñ ñöw</a>. ·]" is read as one bracketed piece.
INLINE = {"a", "strong", "em", "b", "i", "span", "time", "abbr", "code", "small", "mark"}
BRACKETED = re.compile(r"\[[^\[\]]*\]")
WORD = re.compile(r"[A-Za-z][A-Za-z'’]+")
EMAIL = re.compile(r"\S+@\S+")
URL = re.compile(r"https?://\S+|/[\w./-]+")


class _Texts(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.stack = []  # (tag, skipped)
        self.found = []
        self.run = []  # the text since the last tag that is not inline

    def _end_run(self):
        text = "".join(self.run)
        if text.strip():
            self.found.append(text)
        self.run = []

    def _skipped(self):
        return bool(self.stack) and self.stack[-1][1]

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag not in INLINE:
            self._end_run()
        skipped = (
            self._skipped()
            or tag in SKIPPED
            or (attrs.get("lang") == "en" and tag != "html")
            or "data-own-words" in attrs
            or attrs.get("translate") == "no"
        )
        if not skipped:
            for name in VISIBLE_ATTRIBUTES:
                if attrs.get(name):
                    self.found.append(attrs[name])
            if tag == "input" and attrs.get("type") in ("submit", "button") and attrs.get("value"):
                self.found.append(attrs["value"])
        if tag not in VOID:
            self.stack.append((tag, skipped))

    def handle_endtag(self, tag):
        if tag not in INLINE:
            self._end_run()
        for index in range(len(self.stack) - 1, -1, -1):
            if self.stack[index][0] == tag:
                del self.stack[index:]
                break

    def handle_data(self, data):
        if not self._skipped():
            self.run.append(data)


def untranslated(html, own_words=()):
    """The pieces of ``html``'s visible text holding an English word outside the brackets."""
    parser = _Texts()
    parser.feed(html)
    parser._end_run()
    problems = []
    for text in parser.found:
        rest, before = text, None
        while rest != before:  # inside out: a translated value inside a translated message
            rest, before = BRACKETED.sub(" ", rest), rest
        for words in own_words:
            rest = rest.replace(words, " ")
        rest = URL.sub(" ", EMAIL.sub(" ", rest))
        english = [w for w in WORD.findall(rest) if w not in ALLOWED]
        if english:
            problems.append(" ".join(text.split())[:120])
    return problems
