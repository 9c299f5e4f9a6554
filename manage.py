#!/usr/bin/env python
import os
import sys

if __name__ == "__main__":
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "xuncha.settings")
    from xuncha.cli import run_django

    run_django(sys.argv)
