"""The translation catalogues of locale/: what ships in the compiled .mo files and what the .po
sources say."""

import ast
import gettext
from pathlib import Path

from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _

LOCALE = Path(__file__).resolve().parents[2] / "locale"


def po_entries(path: Path) -> list[dict[str, str]]:
    """The entries of a .po file as {keyword: text} (msgctxt, msgid, msgid_plural, msgstr, msgstr[n]),
    continuation lines joined; comments skipped."""
    entries, entry, keyword = [], None, None
    for line in path.read_text(encoding="utf-8").splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        if line.startswith('"'):
            entry[keyword] += ast.literal_eval(line)
            continue
        keyword, text = line.split(" ", 1)
        if keyword == "msgctxt" or (keyword == "msgid" and (entry is None or "msgid" in entry)):
            entry = {}
            entries.append(entry)
        entry[keyword] = ast.literal_eval(text)
    return entries


def doubled(text: str) -> bool:
    half, rest = divmod(len(text), 2)
    return bool(text) and not rest and text[:half] == text[half:]


def test_no_english_translation_repeats_its_text_twice():
    """QA: 18 msgstr read "…mark it read.Reminders and escalations sent to you … mark it read."."""
    po = LOCALE / "en" / "LC_MESSAGES" / "django.po"
    entries = po_entries(po)
    assert len(entries) > 100
    bad = [e["msgid"] for e in entries for k, v in e.items() if k.startswith("msgstr") and doubled(v)]
    assert bad == []
    with (LOCALE / "en" / "LC_MESSAGES" / "django.mo").open("rb") as mo:
        compiled = gettext.GNUTranslations(mo)._catalog
    assert [k for k, v in compiled.items() if k and doubled(v)] == []


def test_the_parser_sees_a_doubled_msgstr_split_over_lines(tmp_path):
    po = tmp_path / "django.po"
    po.write_text('msgid "甲"\nmsgstr "Ab."\n"Ab."\n\nmsgid "乙"\nmsgstr "Ab"\n', encoding="utf-8")
    assert [e for e in po_entries(po) if doubled(e["msgstr"])] == [{"msgid": "甲", "msgstr": "Ab.Ab."}]


def test_djangos_empty_choice_label_reads_chinese_on_the_chinese_ui(client, researcher):
    """Django 6.1's "- Select an option -" has no zh_Hans translation of its own."""
    with translation.override("zh-hans"):
        assert _("- Select an option -") == "- 请选择 -"
    with translation.override("en"):
        assert _("- Select an option -") == "- Select an option -"
    client.force_login(researcher)
    html = client.get(reverse("prospects:customer_add")).content.decode()
    assert "- 请选择 -" in html and "Select an option" not in html
