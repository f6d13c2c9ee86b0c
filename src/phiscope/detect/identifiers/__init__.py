"""Identifiers: one declaration per identifier under `<country or family>/`, shared validators
and kinds in the family modules beside them (base, us_ssn, france, contact...).

`phiscope.detect.registry` discovers the declarations and composes everything the engine needs.
"""
