"""Contact details that are not a person's on their own: role mailboxes (info@, support@…), addresses
at reserved domains (example.com, .test, .invalid: RFC 2606/6761), toll-free numbers and the 555-01xx
range set aside for fiction. Next to a person's data they are kept as found; when they are all an
object holds, the object does not "contain personal data": they are shown at low severity as an
organisation's contact or as test data (see DetectionEngine.scan).
"""

from __future__ import annotations

ROLE_MAILBOXES = frozenset(
    {
        "info",
        "contact",
        "contacts",
        "support",
        "help",
        "helpdesk",
        "sales",
        "admin",
        "administrator",
        "office",
        "hello",
        "billing",
        "accounts",
        "privacy",
        "dpo",
        "gdpr",
        "noreply",
        "no-reply",
        "donotreply",
        "do-not-reply",
        "webmaster",
        "postmaster",
        "hostmaster",
        "abuse",
        "security",
        "marketing",
        "press",
        "media",
        "careers",
        "jobs",
        "hr",
        "team",
        "enquiries",
        "inquiries",
        "service",
        "customerservice",
        "customer.service",
        "feedback",
        "appointments",
        "reception",
        "frontdesk",
        "scheduling",
        "newsletter",
        "compliance",
        "legal",
        "it",
        "ops",
        "devnull",
    }
)
RESERVED_DOMAINS = frozenset({"example.com", "example.org", "example.net", "example.edu"})
RESERVED_TLDS = (".test", ".invalid", ".example", ".localhost")
TOLL_FREE_AREAS = frozenset({"800", "833", "844", "855", "866", "877", "888"})

ORGANISATION = "organisation"  # category of a role mailbox or a toll-free number alone
TEST = "test"  # category of reserved/fictional values and test identifiers alone


def email_category(raw: str) -> str | None:
    """ORGANISATION, TEST, or None (an address that may be a person's)."""
    local, _, domain = raw.strip().lower().rpartition("@")
    if domain in RESERVED_DOMAINS or domain.endswith(RESERVED_TLDS):
        return TEST
    if local.split("+", 1)[0] in ROLE_MAILBOXES:
        return ORGANISATION
    return None


def phone_category(raw: str) -> str | None:
    """ORGANISATION (North American toll-free), TEST (555-0100..0199), or None."""
    d = "".join(c for c in raw if c.isdigit())
    if len(d) == 11 and d[0] == "1":
        d = d[1:]
    if len(d) != 10:
        return None
    if d[:3] in TOLL_FREE_AREAS:
        return ORGANISATION
    if d[3:6] == "555" and d[6:8] == "01":
        return TEST
    return None


CHECKS = {"EMAIL": email_category, "PHONE": phone_category}
# What an organisation's contact block holds: with no name or identifier beside them, and every email
# or phone an organisation's, these are the organisation's, not a person's.
CONTACT_BLOCK = frozenset({"EMAIL", "PHONE", "POSTAL_ADDRESS", "ZIP_CODE"})
