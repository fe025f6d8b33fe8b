"""The learner's workbench: exercises cut from the library, checked by its own tests.

- :mod:`~groundup.learn.regions` finds ``# BEGIN SOLUTION`` / ``# END SOLUTION`` regions
  and writes stubs;
- :mod:`~groundup.learn.catalog` reads the exercises and tracks (``course/*.toml``);
- :mod:`~groundup.learn.workspace` keeps a learner's workspace and its progress file;
- :mod:`~groundup.learn.overlay` makes ``import groundup.x`` load the learner's file;
- :mod:`~groundup.learn.checker` runs an exercise's tests in a subprocess and explains
  the first failure.

Nothing here imports the numerical library at import time, so the overlay can be
installed before ``groundup`` itself is imported.
"""
