"""PHIscope: find exposed cloud object storage and the health and personal data inside it."""

__version__ = "0.1.0"
