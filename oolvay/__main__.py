"""``python -m oolvay``: the same as the ``oolvay`` command."""

from oolvay.adapters.cli.app import main

main()
