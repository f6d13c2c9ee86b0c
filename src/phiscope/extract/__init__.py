"""Bytes -> text segments with exact locations. Entry point: `dispatch.extract_object`."""
