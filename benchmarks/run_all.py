"""Run every registered benchmark and print their tables.

Usage, from the repository root::

    python -m benchmarks.run_all [--repeats 3] [--json results.json]

Models can be named to run only some (``python -m benchmarks.run_all mlp``);
see ``python -m benchmarks.run_all --help`` for the other options.

"""
from benchmarks.harness import main

if __name__ == '__main__':
    raise SystemExit(main())
