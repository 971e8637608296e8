"""What people record beside the curated documents: status updates and other regions' CNR data.

Kept in a database through SQLAlchemy (:mod:`cnrmap.records.db`): a SQLite file in the cache by default,
any SQLAlchemy URL for a shared deployment. The curated CSVs of ``data/`` are never written.
"""
