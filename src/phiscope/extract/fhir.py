"""FHIR JSON resources and bundles: values labelled with FHIR element paths.

A FHIR value means little without its element: "1980-02-03" is a birth date under
`Patient.birthDate`, and an identifier's `system` (http://hl7.org/fhir/sid/us-ssn) or type code (SS,
MR, DL) says what the number is. We put that in the label. Names and addresses are split over several
elements, so we also emit them joined ("Jane Q Doe"), the way a person would read them.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from phiscope.extract.base import ExtractContext
from phiscope.extract.jsonpath import path_key, scalar_text
from phiscope.extract.locs import at
from phiscope.model import Location, Segment


def _identifier_kind(node: dict[str, Any]) -> str | None:
    """What an Identifier/ContactPoint is: its type code, system URI or contact system."""
    parts: list[str] = []
    t = node.get("type")
    if isinstance(t, dict):
        codings = t.get("coding")
        if isinstance(codings, list):
            parts.extend(str(c["code"]) for c in codings if isinstance(c, dict) and c.get("code"))
        if isinstance(t.get("text"), str):
            parts.append(t["text"])
    system = node.get("system")
    if isinstance(system, str):
        parts.append(system)
    return ", ".join(parts) or None


def human_name(node: dict[str, Any]) -> str | None:
    if isinstance(node.get("text"), str) and node["text"].strip():
        return str(node["text"])
    given = node.get("given")
    words = [str(g) for g in given if isinstance(g, str)] if isinstance(given, list) else []
    family = node.get("family")
    if isinstance(family, str):
        words.append(family)
    elif isinstance(family, list):  # DSTU2: family is a list of strings
        words.extend(str(f) for f in family if isinstance(f, str))
    return " ".join(words) if words else None


def address_text(node: dict[str, Any]) -> str | None:
    if isinstance(node.get("text"), str) and node["text"].strip():
        return str(node["text"])
    lines = node.get("line")
    words = [str(x) for x in lines if isinstance(x, str)] if isinstance(lines, list) else []
    for k in ("city", "state", "postalCode", "country"):
        if isinstance(node.get(k), str):
            words.append(node[k])
    return ", ".join(words) if len(words) >= 2 else None


def reference_type(node: dict[str, Any]) -> str | None:
    """The resource type a Reference points to ("Patient/123", ".../fhir/Practitioner/7"), if it says."""
    ref = node.get("reference")
    if isinstance(ref, str) and "/" in ref:
        parts = ref.split("/")
        for i in range(len(parts) - 2, -1, -1):
            if parts[i][:1].isupper() and parts[i].isalpha():
                return parts[i]
    t = node.get("type")
    return t if isinstance(t, str) and t.isalpha() else None


def walk_resource(doc: dict[str, Any], ctx: ExtractContext, base: Location, root: str) -> Iterator[Segment]:
    """Every scalar in a resource (and the resources nested in it), labelled by element path."""
    cap = ctx.limits.max_line_bytes
    # (node, json path, FHIR element path, qualifier for the label)
    stack: list[tuple[Any, str, str, str | None]] = [(doc, root, str(doc.get("resourceType")), None)]
    n = 0
    while stack:
        node, path, elem, qual = stack.pop()
        n += 1
        if n & 0xFFF == 0 and ctx.out_of_time():
            ctx.mark_partial("timeout: time budget exceeded")
            return
        if isinstance(node, dict):
            rt = node.get("resourceType")
            if isinstance(rt, str) and path != root:
                elem = rt
            leaf = elem.rsplit(".", 1)[-1]
            if leaf == "name" and ("family" in node or "given" in node or "text" in node):
                full = human_name(node)
                if full:
                    yield Segment(full, at(base, json_path=path), f"{elem} (full name)")
            elif leaf == "address" and ("line" in node or "city" in node):
                full = address_text(node)
                if full:
                    yield Segment(full, at(base, json_path=path), f"{elem} (full address)")
            child_qual = (
                _identifier_kind(node) if "value" in node and ("system" in node or "type" in node) else None
            )
            target = reference_type(node) if "display" in node else None
            for k, v in reversed(list(node.items())):
                key = str(k)
                if key == "resourceType":
                    continue
                q = child_qual if key == "value" else None
                child = f"{elem}.{key}"
                if target is not None and key == "display":
                    child = f"{child} -> {target}"  # the display names what the reference points to
                stack.append((v, path_key(path, key), child, q))
        elif isinstance(node, list):
            for i in range(len(node) - 1, -1, -1):
                stack.append((node[i], f"{path}[{i}]", elem, qual))
        else:
            text = scalar_text(node)
            if text is None:
                continue
            if len(text) > cap:
                text = text[:cap]
                ctx.mark_partial(f"truncated: JSON values longer than {cap} characters")
            label = f"{elem} [{qual}]" if qual else elem
            yield Segment(text, at(base, json_path=path), label)
