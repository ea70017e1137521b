"""The first and the cached compile of a model's Blocks training function.

Builds one registered model's Blocks trainer in a fresh, empty compiledir
and compiles it: prints the wall time, the CPU seconds of the g++ children
(what the first compile costs on an idle core; a loaded machine stretches
the wall time, not this) and the number of C modules compiled. With
``--cached``, a second process then compiles the same model on the now warm
compiledir: the cached compile. Nothing of Aesara's is patched; compile
time is the wall time of the trainer's ``compile()``.

Usage, from the repository root::

    python -m benchmarks.cold_compile lstm
    python -m benchmarks.cold_compile bidirectional_lstm --cached
    python -m benchmarks.cold_compile mlp --flags 'gcc__cxxflags=-O1 -g0'

``--flags`` adds Aesara flags (``AESARA_FLAGS`` syntax) to compare
settings; ``--compiledir`` reuses a directory instead of a fresh one.

"""
import argparse
import glob
import os
import subprocess
import sys
import tempfile
import time


def measure(name, compiledir, flags=''):
    """Compile `name`'s Blocks trainer on `compiledir` in this process,
    which must not have imported Aesara yet; print and return the times."""
    os.environ['AESARA_FLAGS'] = ','.join(
        flag for flag in [os.environ.get('AESARA_FLAGS'), flags,
                          'compiledir=' + compiledir, 'floatX=float32']
        if flag)
    import numpy
    import blocks  # noqa: F401 (configures Aesara before it is imported)
    from benchmarks.harness import get_model

    model = get_model(name)
    trainer = model.build_blocks(model.make_data(numpy.random.RandomState(0)))
    pattern = os.path.join(compiledir, '*', 'mod.cpp')
    modules = len(glob.glob(pattern))
    before, start = os.times(), time.perf_counter()
    trainer.compile()
    after, wall = os.times(), time.perf_counter() - start
    children = (after.children_user + after.children_system -
                before.children_user - before.children_system)
    modules = len(glob.glob(pattern)) - modules
    print('{}: compile {:.2f} s wall, {:.1f} s CPU in g++, {:.1f} s CPU in '
          'Python, {} C modules compiled (compiledir {}{})'.format(
              name, wall, children, after.user - before.user, modules,
              compiledir, ', flags ' + flags if flags else ''), flush=True)
    return wall


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('model', nargs='?', default='lstm')
    parser.add_argument('--flags', default='',
                        help='extra Aesara flags, AESARA_FLAGS syntax')
    parser.add_argument('--compiledir',
                        help='compile here (default: a fresh directory)')
    parser.add_argument('--cached', action='store_true',
                        help='then compile again in a new process')
    args = parser.parse_args(argv)
    compiledir = args.compiledir or tempfile.mkdtemp(
        prefix='blocks_cold_compile_')
    if args.cached:
        # Both in child processes, so that each starts without Aesara.
        for _ in range(2):
            subprocess.run([sys.executable, '-m', 'benchmarks.cold_compile',
                            args.model, '--flags', args.flags,
                            '--compiledir', compiledir], check=True)
        return 0
    measure(args.model, compiledir, args.flags)
    return 0


if __name__ == '__main__':
    raise SystemExit(main())
