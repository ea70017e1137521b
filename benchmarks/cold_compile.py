"""The CPU cost of a first compile, which a loaded machine hides.

Builds one registered model's Blocks trainer in a fresh, empty compiledir
and compiles it: prints the wall time, the CPU seconds of the g++ children
(what the first compile costs on an idle core) and the number of C modules
compiled. The wall time of the harness's "first compile" is this CPU time
only on a quiet machine.

Usage, from the repository root::

    python -m benchmarks.cold_compile lstm

"""
import glob
import os
import sys
import tempfile
import time


def main(name):
    compiledir = tempfile.mkdtemp(prefix='blocks_cold_compile_')
    os.environ['AESARA_FLAGS'] = ','.join(
        flag for flag in [os.environ.get('AESARA_FLAGS'),
                          'compiledir=' + compiledir, 'floatX=float32']
        if flag)
    import numpy
    import blocks  # noqa: F401 (configures Aesara before it is imported)
    from benchmarks.harness import get_model

    model = get_model(name)
    trainer = model.build_blocks(model.make_data(numpy.random.RandomState(0)))
    before, start = os.times(), time.perf_counter()
    trainer.compile()
    after, wall = os.times(), time.perf_counter() - start
    children = (after.children_user + after.children_system -
                before.children_user - before.children_system)
    modules = len(glob.glob(os.path.join(compiledir, '*', 'mod.cpp')))
    print('{}: first compile {:.1f} s wall, {:.1f} s CPU in g++, {:.1f} s '
          'CPU in Python, {} C modules (compiledir {})'.format(
              name, wall, children, after.user - before.user, modules,
              compiledir))


if __name__ == '__main__':
    main(sys.argv[1] if len(sys.argv) > 1 else 'lstm')
