"""Console entry points: ``blocks-continue``, ``blocks-dump`` and
``blocks-plot``.

Each module has a ``main(argv=None)`` function returning the exit status;
``python -m blocks.scripts.continue_`` and ``python -m blocks.scripts.dump``
run them without the installed console scripts.

"""
