"""Only the optional C accelerator lives here; everything else is in pyproject.toml.

`phiscope.detect._hmac_batch` (batch HMAC-SHA256 fingerprints, OpenSSL's libcrypto) is built when a C
compiler, Python's headers and libssl-dev are present (scripts/dev.sh installs them); without them the
install goes on and detect/fingerprint.py uses its pure-Python loop (same output, ~3x slower).
`phiscope.detect._shapes` (whole-column value shapes, plain C) likewise: without it detect/vector.py's
regex passes give the same lists, slower.
"""

from setuptools import Extension, setup

setup(
    ext_modules=[
        Extension(
            "phiscope.detect._hmac_batch",
            ["src/phiscope/detect/_hmac_batch.c"],
            libraries=["crypto"],
            optional=True,
        ),
        Extension("phiscope.detect._shapes", ["src/phiscope/detect/_shapes.c"], optional=True),
    ]
)
