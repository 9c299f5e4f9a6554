"""Who is acting and from where, for the audit entries of the current request."""

from contextvars import ContextVar

current_ip: ContextVar[str] = ContextVar("current_ip", default="")
