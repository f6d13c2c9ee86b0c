"""The public website bucket: nobody's data, but plenty that looks like it.

Price lists with product codes, server logs whose trace ids are shaped like SSNs but can never be one
(area 000/666/9xx, group 00, serial 0000, advertised numbers), order numbers shaped like NPIs that fail
the check digit. A scanner that flags these has a false positive.
"""

from __future__ import annotations

import json
import random

from phiscope.synth import identifiers as ids
from phiscope.synth.truth import Recorder

SERVICES = (
    ("TH-VIS-015", "Video visit, 15 minutes", 49),
    ("TH-VIS-030", "Video visit, 30 minutes", 89),
    ("TH-RX-REF", "Prescription refill review", 25),
    ("TH-LAB-BAS", "Basic lab panel (partner lab)", 120),
    ("TH-DERM-PH", "Dermatology photo review", 59),
    ("TH-MH-045", "Counselling session, 45 minutes", 110),
    ("TH-NUT-030", "Nutrition coaching, 30 minutes", 65),
    ("TH-SLEEP-1", "Sleep assessment", 140),
)

INDEX_HTML = """<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><title>MedCall Telehealth - See a doctor today</title></head>
<body>
<h1>See a licensed doctor by video, today</h1>
<p>MedCall connects you with board-certified physicians in minutes. Diabetes follow-ups, blood
pressure checks, prescription refills, mental-health counselling and more, from your phone.</p>
<ul>
<li>No waiting room: average wait under 10 minutes</li>
<li>Transparent prices: see our <a href="/pricing/price-list-2024.csv">price list</a></li>
<li>Most insurance plans and Medicare accepted</li>
</ul>
<p>Book online at <a href="/book">/book</a>. Your privacy matters: we never sell your data.</p>
<footer>MedCall Telehealth. Marketing site. Build {build}.</footer>
</body>
</html>
"""

ROBOTS = "User-agent: *\nAllow: /\nSitemap: /sitemap.xml\n"

PAGES = ("/", "/pricing", "/book", "/faq", "/about", "/pricing/price-list-2024.csv", "/assets/site.css")
AGENTS = (
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 Chrome/122.0 Safari/537.36",
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_3 like Mac OS X) AppleWebKit/605.1.15 Mobile/15E148",
    "curl/8.5.0",
)


def _doc_ip(rng: random.Random) -> str:
    """Addresses from the documentation ranges (RFC 5737): nobody's."""
    return f"{rng.choice(('192.0.2', '198.51.100', '203.0.113'))}.{rng.randint(1, 254)}"


def _bad_npi(rng: random.Random) -> str:
    """A 10-digit number starting with 1 that fails the NPI check digit."""
    npi = ids.npi(rng)
    return npi[:-1] + str((int(npi[-1]) + rng.randint(1, 9)) % 10)


def write_index(rec: Recorder, bucket: str, key: str) -> None:
    note = rec.note(bucket, key, "decoy-html")
    note.health = True  # marketing copy names conditions (diabetes, blood pressure): context, no person
    rec.path(bucket, key).write_text(INDEX_HTML.format(build="2024.03.15-1"), "utf-8")


def write_robots(rec: Recorder, bucket: str, key: str) -> None:
    rec.note(bucket, key, "decoy-text")
    rec.path(bucket, key).write_text(ROBOTS, "utf-8")


def write_price_list(rec: Recorder, bucket: str, key: str, rng: random.Random) -> None:
    """Product codes and catalogue numbers shaped like SSNs (always invalid ones)."""
    note = rec.note(bucket, key, "decoy-csv")
    lines = ["product_code,catalog_no,description,price_usd"]
    for code, desc, price in SERVICES:
        cat = ids.invalid_ssn_shaped(rng, rng.choice(("area9xx", "area000", "area666")))
        lines.append(f'{code},{cat},"{desc}",{price}.00')
        note.decoys["INVALID_SSN_SHAPED"] += 1
    rec.path(bucket, key).write_text("\n".join(lines) + "\n", "utf-8")


def write_products_json(rec: Recorder, bucket: str, key: str, rng: random.Random) -> None:
    note = rec.note(bucket, key, "decoy-json")
    items = []
    for code, desc, price in SERVICES:
        items.append({"sku": code, "name": desc, "price": price, "order_ref_example": _bad_npi(rng)})
        note.decoys["NPI_SHAPED_INVALID"] += 1
    rec.path(bucket, key).write_text(json.dumps({"services": items}, indent=2) + "\n", "utf-8")


def write_access_log(rec: Recorder, bucket: str, key: str, rng: random.Random, lines: int) -> None:
    """nginx-style access log; every line has an SSN-shaped trace id that is not a valid SSN."""
    note = rec.note(bucket, key, "decoy-log")
    out = []
    for i in range(lines):
        trace = ids.invalid_ssn_shaped(rng)
        page = rng.choice(PAGES)
        out.append(
            f"{_doc_ip(rng)} - - [15/Mar/2024:{8 + i * 10 // max(lines, 1):02d}:{rng.randint(0, 59):02d}:"
            f'{rng.randint(0, 59):02d} +0000] "GET {page} HTTP/1.1" 200 {rng.randint(200, 90000)} "-" '
            f'"{rng.choice(AGENTS)}" trace_id={trace} rt=0.{rng.randint(1, 999):03d}'
        )
        note.decoys["INVALID_SSN_SHAPED"] += 1
        note.identifiers["IP_ADDRESS"] += 1
    rec.path(bucket, key).write_text("\n".join(out) + "\n", "utf-8")


def app_log_lines(rng: random.Random, lines: int) -> list[str]:
    """App log lines, each with an SSN-shaped trace id and an NPI-shaped order number (both invalid)."""
    events = ("booking.created", "booking.cancelled", "payment.authorised", "cache.miss", "session.start")
    out = []
    for i in range(lines):
        ev = rng.choice(events)
        trace = ids.invalid_ssn_shaped(rng)
        order = _bad_npi(rng)
        hour = 8 + i * 10 // max(lines, 1)
        out.append(
            f"2024-03-15T{hour:02d}:{rng.randint(0, 59):02d}:{rng.randint(0, 59):02d}Z "
            f"INFO web-{rng.randint(1, 4)} {ev} trace={trace} order={order} sku={rng.choice(SERVICES)[0]}"
        )
    return out


def write_app_log(rec: Recorder, bucket: str, key: str, rng: random.Random, lines: int) -> None:
    note = rec.note(bucket, key, "decoy-log")
    out = app_log_lines(rng, lines)
    note.decoys["INVALID_SSN_SHAPED"] += len(out)
    note.decoys["NPI_SHAPED_INVALID"] += len(out)
    rec.path(bucket, key).write_text("\n".join(out) + "\n", "utf-8")


def write_website(rec: Recorder, bucket: str, rng: random.Random, *, log_lines: int = 400) -> None:
    write_index(rec, bucket, "index.html")
    write_robots(rec, bucket, "robots.txt")
    write_price_list(rec, bucket, "pricing/price-list-2024.csv", rng)
    write_products_json(rec, bucket, "assets/products.json", rng)
    write_access_log(rec, bucket, "logs/access-2024-03-15.log", rng, log_lines)
    write_app_log(rec, bucket, "logs/app-2024-03-15.log", rng, log_lines // 2)
