"""Derived analytics records (spam flags, duplicate groups, topics, search index)."""
