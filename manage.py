#!/usr/bin/env python
import os
import sys

if __name__ == "__main__":
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django
    from django.core.management import execute_from_command_line

    django.setup()
    from baodao.accounts import keycheck

    # A FIELD_KEY that does not read the data: one line, and no command runs (baodao.accounts.keycheck).
    # With --settings the command's settings are not these: its system check (baodao.E002) says it.
    if (
        len(sys.argv) > 1
        and sys.argv[1] not in keycheck.COMMANDS_WITHOUT_DATA
        and not any(a.startswith("--settings") for a in sys.argv)
    ):
        keycheck.refuse_if_mismatched()
    execute_from_command_line(sys.argv)
