"""Bucket-name candidates: organisation names and domains → stems → permutations, filtered by naming rules.

Pure functions only. Each provider has naming rules (length, characters, reserved prefixes); a
name a provider would reject is never sent to it, so no request is wasted on an impossible name.
"""

from __future__ import annotations

import ipaddress
import re
import unicodedata
from collections.abc import Callable, Iterable, Iterator
from datetime import UTC, datetime
from functools import cache
from importlib import resources
from pathlib import Path

SEPARATORS = ("-", ".", "", "_")
_ORG_SUFFIXES = frozenset(
    [
        "inc",
        "incorporated",
        "llc",
        "ltd",
        "limited",
        "corp",
        "corporation",
        "co",
        "company",
        "plc",
        "sa",
        "sas",
        "sarl",
        "gmbh",
        "ag",
        "lp",
        "llp",
        "bv",
        "nv",
        "srl",
        "spa",
        "pty",
        "the",
        "group",
    ]
)
# second-level labels under which the registrable name is one label further left (medcall.co.uk)
_SECOND_LEVEL = frozenset(
    ["co", "com", "org", "net", "ac", "gov", "gouv", "nhs", "edu", "ltd", "plc", "sch", "med"]
)
_S3_BAD_PREFIX = ("xn--", "sthree-", "amzn-s3-demo-")
_S3_BAD_SUFFIX = ("-s3alias", "--ol-s3", ".mrap", "--x-s3", "--table-s3")
_S3_CHARS = re.compile(r"^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$")
_GCS_CHARS = re.compile(r"^[a-z0-9][a-z0-9._-]{1,220}[a-z0-9]$")
_DASH_CHARS = re.compile(r"^[a-z0-9][a-z0-9-]{1,61}[a-z0-9]$")
_AZURE_ACCOUNT = re.compile(r"^[a-z0-9]{3,24}$")
_B2_CHARS = re.compile(r"^[a-z0-9][a-z0-9-]{4,48}[a-z0-9]$")


def _is_ip(name: str) -> bool:
    try:
        ipaddress.ip_address(name)
    except ValueError:
        return False
    return True


def s3_name_ok(name: str) -> bool:
    """AWS general-purpose bucket rules (also Wasabi, OVH, Scaleway, Linode and most S3 peers)."""
    if not _S3_CHARS.match(name) or ".." in name or ".-" in name or "-." in name:
        return False
    if name.startswith(_S3_BAD_PREFIX) or name.endswith(_S3_BAD_SUFFIX):
        return False
    return not _is_ip(name)


def gcs_name_ok(name: str) -> bool:
    """Cloud Storage: underscores allowed, dotted names up to 222 with 63-character components,
    no "goog" prefix and no "google" (or its zero-for-o misspellings) anywhere."""
    if not _GCS_CHARS.match(name) or ".." in name:
        return False
    if "." not in name and len(name) > 63:
        return False
    if any(len(part) > 63 or not part for part in name.split(".")):
        return False
    if name.startswith("goog") or re.search(r"g[o0][o0]gle", name):
        return False
    return not _is_ip(name)


def azure_account_ok(name: str) -> bool:
    """Azure storage account: 3-24 lowercase letters and digits (the account is the DNS label)."""
    return bool(_AZURE_ACCOUNT.match(name))


def dash_name_ok(name: str) -> bool:
    """DigitalOcean Spaces: 3-63 lowercase letters, digits and hyphens, alphanumeric at both ends."""
    return bool(_DASH_CHARS.match(name))


def b2_name_ok(name: str) -> bool:
    """Backblaze B2: 6-50 letters, digits and hyphens, not starting with "b2-" (lowercase for S3)."""
    return bool(_B2_CHARS.match(name)) and not name.startswith("b2-")


RULES: dict[str, Callable[[str], bool]] = {
    "s3": s3_name_ok,
    "gcs": gcs_name_ok,
    "azure": azure_account_ok,
    "dash": dash_name_ok,
    "b2": b2_name_ok,
}


def _ascii(text: str) -> str:
    return unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii").lower()


def domain_stems(domain: str) -> tuple[list[str], list[str]]:
    """ "https://www.medcall.co.uk/x" → (stems ["medcall"], literal names ["medcall.co.uk", ...]).

    Static-website buckets are named exactly as the host, so the host itself (and www.host) is tried
    as a literal name, not permuted.
    """
    d = _ascii(domain.strip())
    d = re.sub(r"^[a-z][a-z0-9+.-]*://", "", d).split("/", 1)[0].split(":", 1)[0].strip(".")
    labels = [x for x in d.split(".") if x]
    if labels and labels[0] == "www":
        labels = labels[1:]
    if not labels:
        return [], []
    host = ".".join(labels)
    literal = [host, f"www.{host}", host.replace(".", "-")]
    core = labels[:-1] if len(labels) > 1 else labels
    if len(core) > 1 and core[-1] in _SECOND_LEVEL:
        core = core[:-1]
    stems = [core[-1]] if core else []
    if len(core) > 1:  # app.medcall.com: also "app-medcall"
        stems.append("-".join(core))
    return stems, literal


def name_stems(name: str) -> list[str]:
    """ "Medcall Health, Inc." → ["medcallhealth", "medcall-health", "medcall"]."""
    words = [w for w in re.split(r"[^a-z0-9]+", _ascii(name)) if w]
    while len(words) > 1 and words[-1] in _ORG_SUFFIXES:
        words.pop()
    words = [w for w in words if w != "the"] or words
    if not words:
        return []
    out = ["".join(words)]
    if len(words) > 1:
        out += ["-".join(words), words[0]]
        acronym = "".join(w[0] for w in words)
        if len(acronym) >= 3:
            out.append(acronym)
    return list(dict.fromkeys(out))


@cache
def bundled_words() -> tuple[str, ...]:
    text = resources.files("phiscope.discover").joinpath("data/words.txt").read_text("utf-8")
    return tuple(parse_words(text))


def parse_words(text: str) -> list[str]:
    out = []
    for line in text.splitlines():
        w = _ascii(line.split("#", 1)[0].strip())
        w = re.sub(r"[^a-z0-9._-]", "", w)
        if w:
            out.append(w)
    return list(dict.fromkeys(out))


def load_wordlist(path: Path) -> list[str]:
    return parse_words(path.read_text("utf-8", errors="replace"))


def recent_years(n: int, now: datetime | None = None) -> list[str]:
    year = (now or datetime.now(UTC)).year
    return [str(year - i) for i in range(max(n, 0))]


def permutations(
    stems: Iterable[str],
    words: Iterable[str],
    years: Iterable[str] = (),
    separators: Iterable[str] = SEPARATORS,
) -> Iterator[str]:
    """stem, stem+sep+word, word+sep+stem, stem+sep+year, stem+sep+word+sep+year (one separator per name)."""
    words = list(words)
    years = list(years)
    seps = list(separators)
    for stem in stems:
        yield stem
        for sep in seps:
            for w in words:
                yield f"{stem}{sep}{w}"
                yield f"{w}{sep}{stem}"
            for y in years:
                yield f"{stem}{sep}{y}"
                for w in words:
                    yield f"{stem}{sep}{w}{sep}{y}"


def generate(
    names: Iterable[str],
    domain: str | None = None,
    words: Iterable[str] | None = None,
    years: int = 2,
    literal: Iterable[str] = (),
) -> list[str]:
    """De-duplicated candidates in a stable order: literal names first, then the permutations.

    Not filtered by any provider yet: `for_provider` does that, so one list serves every provider.
    """
    stems: list[str] = []
    lits: list[str] = [_ascii(x.strip()) for x in literal if x.strip()]
    for n in names:
        stems += name_stems(n)
    if domain:
        s, lit = domain_stems(domain)
        stems += s
        lits += lit
    stems = list(dict.fromkeys(s for s in stems if s))
    out = dict.fromkeys(lits)
    out.update(
        dict.fromkeys(permutations(stems, bundled_words() if words is None else words, recent_years(years)))
    )
    return list(out)


def for_provider(candidates: Iterable[str], rule: str) -> list[str]:
    ok = RULES[rule]
    return [c for c in candidates if ok(c)]
