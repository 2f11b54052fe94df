"""Export safety: values beginning with = + - @, a tab or a carriage return never become a formula in
any xlsx export — checked in the sheet XML (no <f>, the cell typed "s" or "inlineStr") — and a
customer export → import → export of 10,000 customers gives identical workbooks."""

import io
import re
import time
import zipfile

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from inquiries.services.inquiries import inquiry_log
from prospects.models import Customer, ListEntry, normalize_name
from prospects.services.exports import customers_export
from prospects.services.imports import customers_import
from reviews.services import reviews as review_services
from tests.inquiries.conftest import FULL, T0
from tests.reviews.conftest import YEAR, seeded  # noqa: F401  (the fixture)

TRIGGERS = ["=1+1", '=HYPERLINK("http://evil","x")', "+86 21 5555", "-2+3", "@SUM(A1)", "\t=1+1", "\r=1+1"]
CELL = re.compile(r"<c\b([^>]*)>(.*?)</c>", re.S)


def sheet_cells(data: bytes):
    """(sheet, attributes, inner XML, text) of every cell of every worksheet, texts resolved."""
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        names = archive.namelist()
        shared = []
        if "xl/sharedStrings.xml" in names:
            for si in re.findall(r"<si>(.*?)</si>", archive.read("xl/sharedStrings.xml").decode(), re.S):
                shared.append("".join(re.findall(r"<t[^>]*>(.*?)</t>", si, re.S)))
        for name in names:
            if not name.startswith("xl/worksheets/") or not name.endswith(".xml"):
                continue
            xml = archive.read(name).decode()
            for attrs, inner in CELL.findall(xml):
                kind = re.search(r'\bt="([^"]+)"', attrs)
                kind = kind.group(1) if kind else "n"
                if kind == "s":
                    text = shared[int(re.search(r"<v>(\d+)</v>", inner).group(1))]
                else:
                    text = "".join(re.findall(r"<(?:t|v)[^>]*>(.*?)</(?:t|v)>", inner, re.S))
                yield name, attrs, kind, inner, text


def unescape(text: str) -> str:
    text = re.sub(r"_x000([0-9A-Fa-f])_", lambda m: chr(int(m.group(1), 16)), text)
    text = re.sub(r"&#(\d+);", lambda m: chr(int(m.group(1))), text)
    text = re.sub(r"&#x([0-9A-Fa-f]+);", lambda m: chr(int(m.group(1), 16)), text)
    return text.replace("&lt;", "<").replace("&gt;", ">").replace("&quot;", '"').replace("&amp;", "&")


def assert_no_formula(data: bytes, what: str, seeded_values) -> int:
    """No <f> anywhere; every cell holding a trigger-led text is a text cell. Returns how many of
    the seeded values were found (the export must carry at least one)."""
    found = 0
    for sheet, _attrs, kind, inner, text in sheet_cells(data):
        assert "<f" not in inner, (what, sheet, inner[:200])
        value = unescape(text)
        if value[:1] in ("=", "+", "-", "@", "\t", "\r") and not re.fullmatch(r"-?[0-9.]+(E-?\d+)?", value):
            assert kind in ("s", "inlineStr"), (what, sheet, kind, value)
        if any(value == v or (value.endswith(v.lstrip("\t\r")) and v[:1] in "\t\r") for v in seeded_values):
            found += 1
    return found


@pytest.fixture
def hostile(seeded):  # noqa: F811
    """The seeded review year, every free text a formula trigger."""
    customers = [seeded.c1, seeded.c2, seeded.c3, seeded.c4, seeded.c5, seeded.c6]
    for customer, text in zip(customers, TRIGGERS, strict=False):
        Customer.objects.filter(pk=customer.pk).update(
            name=text + customer.name, location=text, competitors=text, disclosures=text, source=text
        )
    criterion = seeded.criteria["地理位置"]
    criterion.guidance = TRIGGERS[1]
    criterion.save()
    return seeded


def test_no_export_ever_writes_a_formula_cell(hostile, as_user, org, tmp_path):
    place = hostile
    values = [
        t + c.name
        for t, c in zip(TRIGGERS, [place.c1, place.c2, place.c3, place.c4, place.c5, place.c6], strict=False)
    ]
    values += TRIGGERS
    client = as_user(place.buvp)
    exports = {
        "customers": client.get(reverse("prospects:export_download"), {"unit": org.unit.code, "year": YEAR}),
        "tier list": client.get(reverse("prioritization:tiers_export"), {"bu": "MFG", "year": YEAR}),
        "score sheet": client.get(reverse("prioritization:scoresheet_export"), {"bu": "MFG", "segment": "AUTO", "year": YEAR}),
        "criteria version": client.get(reverse("criteria:version_export", args=[place.version.pk])),
    }  # fmt: skip
    review = review_services.review_start(actor=place.buvp, unit=org.unit, year=YEAR)
    review_services.summary_save(actor=place.buvp, review=review, kind="overall", text=TRIGGERS[4])
    exports["review"] = client.get(reverse("reviews:review_export", args=[review.pk]))
    for text in TRIGGERS:
        inquiry_log(actor=place.pr, unit=org.unit, segment=org.auto, call_at=T0, now=T0, company_name=text,
                    phone="021-5555 0101", **{**FULL, "description": text, "contact_name": text})  # fmt: skip
    exports["inquiry report"] = client.get(
        reverse("inquiries:monthly_report"), {"unit": org.unit.pk, "month": "2025-03", "download": 1}
    )
    for what, response in exports.items():
        assert response.status_code == 200, what
        data = b"".join(response.streaming_content) if response.streaming else response.content
        found = assert_no_formula(data, what, values)
        print(f"{what}: {found} seeded trigger values exported as text")
        assert found, what


def _cells(path):
    book = load_workbook(path, read_only=True)
    return {ws.title: [tuple(r) for r in ws.iter_rows(values_only=True)] for ws in book.worksheets}


def test_export_import_export_of_10000_customers_is_identical(org, researcher, tmp_path):
    rows = []
    for i in range(10_000):
        # = + - @ survive the round trip; a leading tab/CR does not (the import strips the white space
        # around every text cell, as typed by people), so those are checked by the test above only.
        trigger = TRIGGERS[i % 5] if i % 10 == 0 else ""
        name = f"{trigger}公司{i:05d}"
        rows.append(Customer(
            unit=org.unit, segment=org.auto if i % 2 else org.elec, number=f"MFG-{i + 1:05d}", name=name,
            name_key=normalize_name(name), location=f"{trigger}城市{i % 97}", competitors=trigger or "IBM/HP",
            employees=i, brand_rank=i % 50 + 1, source="公司网站",
        ))  # fmt: skip
    Customer.objects.bulk_create(rows, batch_size=2000)
    ListEntry.objects.bulk_create([ListEntry(customer=c, year=2002) for c in Customer.objects.all()])
    started = time.monotonic()
    first, second = tmp_path / "first.xlsx", tmp_path / "second.xlsx"
    customers_export(actor=researcher, target=first, unit=org.unit, year=2002)
    result = customers_import(actor=researcher, path=first, unit=org.unit, year=2002)
    assert result.summary == "created=0 updated=0 unchanged=10000 errors=0"
    customers_export(actor=researcher, target=second, unit=org.unit, year=2002)
    elapsed = time.monotonic() - started
    assert _cells(first) == _cells(second)
    print(f"export → import → export of 10,000 customers: {elapsed:.1f} s")
