"""The command line: :mod:`.commands` (``btstats fit``, ``btstats simulate``) and
:mod:`.agreement` (``btstats agreement``)."""
from .commands import main

__all__ = ["main"]
