#!/usr/bin/env python
"""Django's manage.py for developers; readers and operators use the `khabar` command."""

from khabar.cli import main

if __name__ == "__main__":
    main()
