"""pytest collects this folder for the doctests of its Markdown pages (``--doctest-glob=*.md``
in pyproject.toml). Under ``--doctest-modules`` it would also import every ``.py`` file here:
the Sphinx configuration, the gallery scripts (each a whole analysis, run by sphinx-gallery
during the docs build) and whatever a local build left behind (``_build``, the generated
``auto_examples`` and ``api/generated``). None of them is a test, so none is collected.
"""
collect_ignore = ["conf.py"]
collect_ignore_glob = ["gallery/*", "auto_examples/*", "_build/*", "api/generated/*"]
