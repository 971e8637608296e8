"""cnrmap: the CNR santé consultations and territorial access-to-care indicators on one map."""

__version__ = "0.1.0"
