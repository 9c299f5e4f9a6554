from tests.rectification.conftest import _fast_passwords, rect  # noqa: F401  (shared fixtures)
