"""Spanish número de la Seguridad Social (NUSS / NAF): province (2) + number (8) + control (2), the
control being (province·10^8 + number) mod 97, or (province·10^7 + number) mod 97 when the number
is under 10^7 (TGSS rule). Written 28/12345678/40 or as 12 digits; only with context. The regional
CIP-SNS health-card codes have no published checksum and are not detected on their own."""

from __future__ import annotations

from phiscope.detect.identifiers.base import Kind, digits
from phiscope.detect.identifiers.unit import NUMBER, Fragment, Identifier, Shape, in_context, simple_check
from phiscope.detect.mask import mask_keep_last


def nuss_control(first10: str) -> int:
    prov, num = int(first10[:2]), int(first10[2:])
    base = prov * 10**7 + num if num < 10**7 else int(first10)
    return base % 97


def is_valid_nuss(raw: str) -> bool:
    d = digits(raw)
    return len(d) == 12 and nuss_control(d[:10]) == int(d[10:])


NUSS = Kind(
    "ES_NUSS",
    "identity",
    digits,
    lambda r: mask_keep_last(r, 2),
    True,
    (
        "nuss",
        "naf",
        "seguridad social",
        "número de afiliación",
        "numero de afiliacion",
        "afiliación",
        "afiliado",
    ),
)
IDENTIFIER = Identifier(
    NUSS,
    jurisdiction="ES",
    fragments=(Fragment("es_nuss", r"\d/\d{8}/\d\d", order=106),),
    shapes=(
        Shape("es_nuss", in_context("ES_NUSS", is_valid_nuss)),
        Shape(NUMBER, in_context("ES_NUSS", is_valid_nuss), 10, (12,)),
    ),
    value_check=simple_check(NUSS, is_valid_nuss),
    headers=r"nuss|naf|numero de (?:la )?seguridad social|numero de afiliacion|n ?afiliacion|"
    r"seguridad social",
    header_priority=320,
)
