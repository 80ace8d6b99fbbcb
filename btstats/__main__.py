"""``python -m btstats`` runs the command line; ``python -m btstats compile`` compiles the
kernels ahead (:func:`btstats.compile`) without loading the command line's parsers."""
import sys

if sys.argv[1:2] == ["compile"]:
    from ._compile import main as _compile_main

    sys.exit(_compile_main(sys.argv[2:]))

from .cli import main  # noqa: E402

sys.exit(main())
