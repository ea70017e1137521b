"""Where the compile time of a Blocks model goes, and what cuts it.

For one model (the 784-500-500-10 MLP by default; ``--model quickstart``
for the quickstart's training and monitoring functions) this compiles the
Blocks build (``GradientDescent.initialize()``, or the quickstart's main
loop) in subprocesses, each with a fresh ``compiledir`` (the first compile)
and again on the same directory (the cached compile), under several Aesara
settings, and reports:

- the first and cached compile times under each setting, split into graph
  rewriting and g++, with the steps per second the compiled training
  function then runs at (a setting that compiles faster but runs slower is
  no gain; the figure is indicative, the main benchmarks measure it
  properly);
- for the first setting, every g++ call (which ops it compiled, how long
  it took), the time Aesara spends detecting ``-march=native`` flags, the
  compile time of every function, and a cProfile of the cached compile;
- within one process: what compiling the identical graph a second time
  costs, and what a forward-only cost function on the same graph costs,
  i.e. what reusing compiled functions would save.

Settings are extra ``AESARA_FLAGS`` (``-g0``, ``-O1``, ``mode``, ``linker``)
and, for the ``training ...``/``monitors ...`` ones, a different mode for
the training function alone (see :data:`VARIANTS`).

Usage, from the repository root::

    python -m benchmarks.compile_profile [--model mlp] [--repeats 1]
        [--variants 'default,-g0,monitors linker=py']

"""
import argparse
import cProfile
import io
import json
import os
import pstats
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

import numpy

from benchmarks import harness

#: Settings compared: extra ``AESARA_FLAGS`` for every function, and
#: optionally a linker for the training function alone (with the default
#: ``fast_run`` rewrites, through ``GradientDescent``'s
#: ``aesara_func_kwargs``), so that ``monitors ...`` compiles only the
#: monitoring functions differently. ``-O1``/``-O0`` win over Aesara's ``-O3``
#: because ``gcc__cxxflags`` comes later on the g++ command line; ``-g0``
#: likewise cancels the ``-g`` that Aesara always passes. The ``c`` linker
#: compiles a whole graph into one C module instead of one per op.
VARIANTS = {
    'default': ('', None),
    '-g0': ('gcc__cxxflags=-g0', None),
    'O2': ('gcc__cxxflags=-O2', None),
    'O2 -g0': ('gcc__cxxflags=-O2 -g0', None),
    'O1': ('gcc__cxxflags=-O1', None),
    'O1 -g0': ('gcc__cxxflags=-O1 -g0', None),
    'O0 -g0': ('gcc__cxxflags=-O0 -g0', None),
    'optimizer=fast_compile': ('optimizer=fast_compile', None),
    'mode=FAST_COMPILE': ('mode=FAST_COMPILE', None),
    'linker=c': ('linker=c', None),
    'linker=c + O1 -g0': ('linker=c,gcc__cxxflags=-O1 -g0', None),
    'training linker=c': ('', 'c'),
    'training linker=c + O1 -g0': ('gcc__cxxflags=-O1 -g0', 'c'),
    'training linker=c + -g0': ('gcc__cxxflags=-g0', 'c'),
    # Everything but the training function (the monitors) in Python:
    # without (FAST_COMPILE) or with (linker=py) the full graph rewrites.
    'monitors FAST_COMPILE': ('mode=FAST_COMPILE', 'cvm'),
    'monitors linker=py': ('linker=py', 'cvm'),
    'monitors linker=py + -g0': ('linker=py,gcc__cxxflags=-g0', 'cvm'),
    'monitors FAST_COMPILE + -g0': ('mode=FAST_COMPILE,gcc__cxxflags=-g0',
                                    'cvm'),
}

DEFAULT_VARIANTS = ('default', '-g0', 'O1 -g0', 'mode=FAST_COMPILE',
                    'monitors linker=py', 'monitors linker=py + -g0',
                    'training linker=c + -g0')


class LinkerRecorder:
    """Record which ops each compiled C module holds, and -march detection.

    Wraps ``CLinker.compile_cmodule`` (one call per g++ run of a graph's
    node) and ``GCC_compiler.compile_args`` (whose first call per process
    runs g++ to detect the ``-march=native`` flags).

    """
    def __init__(self):
        self.modules = []
        self.compile_args_s = 0.0
        self._patches = []

    def __enter__(self):
        from aesara.link.c import basic, cmodule

        recorder = self
        compile_cmodule = basic.CLinker.compile_cmodule

        def timed_compile_cmodule(linker, *args, **kwargs):
            start = time.perf_counter()
            try:
                return compile_cmodule(linker, *args, **kwargs)
            finally:
                recorder.modules.append({
                    'ops': sorted({str(node.op)[:70]
                                   for node in linker.fgraph.toposort()}),
                    'seconds': time.perf_counter() - start})

        compile_args = cmodule.GCC_compiler.__dict__['compile_args'].__func__

        def timed_compile_args(*args, **kwargs):
            start = time.perf_counter()
            try:
                return compile_args(*args, **kwargs)
            finally:
                recorder.compile_args_s += time.perf_counter() - start

        self._patches = [
            (basic.CLinker, 'compile_cmodule', compile_cmodule),
            (cmodule.GCC_compiler, 'compile_args',
             cmodule.GCC_compiler.__dict__['compile_args'])]
        basic.CLinker.compile_cmodule = timed_compile_cmodule
        cmodule.GCC_compiler.compile_args = staticmethod(timed_compile_args)
        return self

    def __exit__(self, *exc_info):
        for owner, attribute, original in self._patches:
            setattr(owner, attribute, original)
        return False


def run_worker(model_name, data_path, out_path, steps, profile,
               training_linker=None, layout_seed=0):
    """Compile the Blocks trainer of `model_name`; report on it as JSON."""
    started = time.perf_counter()
    for module in harness.FRAMEWORK_IMPORTS['blocks']:
        __import__(module)
    import_s = time.perf_counter() - started
    import aesara

    model = harness.get_model(model_name)
    data, heap_padding = harness.load_data(data_path, layout_seed)
    with harness.CompileRecorder() as recorder, LinkerRecorder() as linker:
        trainer = model.build_blocks(data)
        if training_linker:
            from aesara.compile.mode import Mode
            trainer.algorithm.aesara_func_kwargs = dict(
                trainer.algorithm.aesara_func_kwargs,
                mode=Mode(linker=training_linker,
                          optimizer=aesara.config.optimizer))
        profiler = cProfile.Profile() if profile else None
        start = time.perf_counter()
        if profiler is not None:
            profiler.enable()
        trainer.compile()
        if profiler is not None:
            profiler.disable()
        compile_wall_s = time.perf_counter() - start
    report = {
        'blas__ldflags': aesara.config.blas__ldflags,
        'mode': str(aesara.config.mode),
        'optimizer': str(aesara.config.optimizer),
        'cxxflags': aesara.config.gcc__cxxflags,
        'import_s': import_s, 'compile_s': recorder.total,
        'compile_wall_s': compile_wall_s,
        'rewrite_s': recorder.rewrite, 'link_s': recorder.link,
        'gxx_calls': recorder.gxx_calls, 'modules': linker.modules,
        'march_detection_s': linker.compile_args_s,
        'functions': recorder.functions}
    if profiler is not None:
        text = io.StringIO()
        stats = pstats.Stats(profiler, stream=text)
        stats.sort_stats('cumulative').print_stats(45)
        report['cprofile'] = text.getvalue()

    num_batches = len(data['features'])
    for index in range(model.warmup_steps):
        trainer.step(index % num_batches)
    rates = []
    for repeat in range(3):
        start = time.perf_counter()
        for index in range(steps):
            trainer.step(index % num_batches)
        rates.append(steps / (time.perf_counter() - start))
    report['steps_per_s'] = max(rates)
    report['peak_rss_mib'] = harness.peak_rss_mib()

    if hasattr(trainer, 'algorithm') and hasattr(trainer, 'probabilities'):
        report['reuse'] = _measure_reuse(trainer)
    with open(out_path, 'w') as out:
        json.dump(report, out, indent=1)
    del heap_padding


def _measure_reuse(trainer):
    """Time recompiling the same graphs in a process that compiled them."""
    import aesara

    algorithm = trainer.algorithm
    reuse = {}
    with harness.CompileRecorder() as recorder:
        start = time.perf_counter()
        algorithm.initialize()
        reuse['training_again_s'] = time.perf_counter() - start
        start = time.perf_counter()
        aesara.function([trainer.features, trainer.targets], trainer.cost)
        reuse['forward_cost_s'] = time.perf_counter() - start
    reuse['training_again_rewrite_s'] = recorder.functions[0]['rewrite_s']
    reuse['forward_cost_rewrite_s'] = recorder.functions[1]['rewrite_s']
    reuse['gxx_calls'] = len(recorder.gxx_calls)
    return reuse


def spawn(model_name, data_path, out_path, steps, compiledir, variant,
          profile=False, layout_seed=0):
    """Run a worker; return its report, or None (and say why) if it failed."""
    flags, training_linker = VARIANTS[variant]
    environment = harness.worker_environment(compiledir, flags)
    command = [sys.executable, '-m', 'benchmarks.compile_profile', 'worker',
               model_name, data_path, out_path, str(steps),
               '1' if profile else '0', training_linker or '-',
               str(layout_seed)]
    completed = subprocess.run(command, cwd=harness.REPO_ROOT,
                               env=environment, capture_output=True,
                               text=True, timeout=600)
    if completed.returncode != 0:
        lines = [line for line in completed.stderr.splitlines()
                 if 'Error' in line or 'error:' in line]
        print('  {}: the worker failed: {}'.format(
            variant, ' | '.join(lines[-3:])[:300]))
        return None
    with open(out_path) as report:
        return json.load(report)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--model', default='mlp')
    parser.add_argument('--variants', default=','.join(DEFAULT_VARIANTS),
                        help='comma-separated, from: ' + ', '.join(VARIANTS))
    parser.add_argument('--repeats', type=int, default=1,
                        help='cold/cached pairs per variant (median)')
    parser.add_argument('--steps', type=int, default=100,
                        help='steps per timing of the compiled function')
    args = parser.parse_args(argv)
    variants = args.variants.split(',')
    model = harness.get_model(args.model)
    print(harness.machine_description())
    print(time.strftime('%Y-%m-%d %H:%M %Z'))
    print('Blocks training function of: ' + model.description)
    workdir = tempfile.mkdtemp(prefix='blocks-compile-profile-')
    try:
        data_path = os.path.join(workdir, 'data.npz')
        numpy.savez(data_path, **model.make_data(numpy.random.RandomState(1)))
        rows, details, profiled = [], {}, None
        for variant in variants:
            colds, warms = [], []
            for repeat in range(args.repeats):
                compiledir = os.path.join(workdir, 'compiledir-{}-{}'.format(
                    variants.index(variant), repeat))
                cold = spawn(args.model, data_path,
                             os.path.join(workdir, 'cold.json'), args.steps,
                             compiledir, variant, layout_seed=2 * repeat)
                warm = cold and spawn(args.model, data_path,
                                      os.path.join(workdir, 'warm.json'),
                                      args.steps, compiledir, variant,
                                      layout_seed=2 * repeat + 1)
                if warm and profiled is None:
                    # Profiling slows the compile down: a run of its own.
                    profiled = spawn(
                        args.model, data_path,
                        os.path.join(workdir, 'profiled.json'), args.steps,
                        compiledir, variant, profile=True)
                    profiled['variant'] = variant
                shutil.rmtree(compiledir, ignore_errors=True)
                if warm:
                    colds.append(cold)
                    warms.append(warm)
            if not warms:
                rows.append([variant, 'failed'] + [''] * 8)
                continue
            details[variant] = (colds[0], warms[0])

            def median(key, runs):
                return statistics.median(run[key] for run in runs)
            rows.append([
                variant,
                '{:.2f}'.format(median('compile_s', colds)),
                '{:.2f}'.format(median('rewrite_s', colds)),
                '{:.2f}'.format(statistics.median(
                    sum(run['gxx_calls']) for run in colds)),
                '{:d}'.format(len(colds[0]['gxx_calls'])),
                '{:.2f}'.format(median('compile_s', warms)),
                '{:.2f}'.format(median('rewrite_s', warms)),
                '{:.2f}'.format(median('march_detection_s', warms)),
                '{:.0f}'.format(median('steps_per_s', colds + warms)),
                '{:.0f}'.format(median('peak_rss_mib', warms))])
            print('  {:24} first {:>6} s, cached {:>5} s, {:>7} steps/s'
                  .format(variant, rows[-1][1], rows[-1][5], rows[-1][8]))
        header = ['setting', 'first (s)', 'rewrite', 'g++ (s)', 'g++ calls',
                  'cached (s)', 'rewrite', '-march', 'steps/s',
                  'peak RSS (MiB)']
        print()
        print(_table(header, rows))
        print("\n'first' = compile on an empty compiledir, 'cached' = a new "
              "process on the same compiledir;\n'rewrite' = graph rewriting "
              "inside it; '-march' = time detecting -march=native flags;\n"
              'steps/s = the best of 3x{} steps of the compiled training '
              'function, median over the runs:\nindicative only (the main '
              'benchmarks time it side by side with PyTorch).'.format(
                  args.steps))
        if not details:
            return 1
        first = 'default' if 'default' in details else next(iter(details))
        cold, warm = details[first]
        print('\nBLAS: blas__ldflags = {!r}'.format(cold['blas__ldflags']))
        print('\ng++ calls of the first compile ({}), slowest first:'.format(
            first))
        for module in sorted(cold['modules'], key=lambda m: -m['seconds']):
            print('  {:6.2f} s  {}'.format(module['seconds'],
                                           '; '.join(module['ops'])[:110]))
        other = sum(cold['gxx_calls']) - sum(module['seconds'] for module
                                             in cold['modules'])
        print('  {:6.2f} s  other g++ calls (Aesara\'s lazylinker, '
              'cutils)'.format(max(other, 0.0)))
        print('  -march=native detection: {:.2f} s in the first compile, '
              '{:.2f} s in the cached one'.format(cold['march_detection_s'],
                                                  warm['march_detection_s']))
        print('\nFunctions compiled, in order (first compile | cached):')
        for first, cached in zip(cold['functions'], warm['functions']):
            print('  {:>4} nodes: rewrite {:5.2f} s, link {:5.2f} s | '
                  'rewrite {:.3f} s, link {:.3f} s  (graph {})'.format(
                      first['nodes'], first['rewrite_s'], first['link_s'],
                      cached['rewrite_s'], cached['link_s'],
                      cached['fingerprint']))
        if 'reuse' in warm:
            reuse = warm['reuse']
            print('\nWithin one process, after the training function was '
                  'compiled:\n  compiling it again: {:.3f} s (rewrite {:.3f} '
                  's), g++ calls {}\n  a forward-only cost function on the '
                  'same graph: {:.3f} s (rewrite {:.3f} s)'.format(
                      reuse['training_again_s'],
                      reuse['training_again_rewrite_s'], reuse['gxx_calls'],
                      reuse['forward_cost_s'],
                      reuse['forward_cost_rewrite_s']))
        if profiled is not None:
            print('\ncProfile of the cached compile ({} settings; profiling '
                  'slows it down to {:.2f} s):'.format(
                      profiled['variant'], profiled['compile_s']))
            print(_trim_cprofile(profiled['cprofile']))
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    return 0


def _trim_cprofile(text):
    """The profile's lines below the outermost calls (which take it all)."""
    lines = [line for line in text.splitlines() if line.strip()]
    start = next((number for number, line in enumerate(lines)
                  if line.strip().startswith('ncalls')), 0)
    kept, total = [lines[start]], None
    for line in lines[start + 1:]:
        fields = line.split()
        try:
            cumulative = float(fields[3])
        except (IndexError, ValueError):
            continue
        total = cumulative if total is None else total
        if cumulative < 0.9 * total:
            kept.append(line)
    return '\n'.join(line.replace(sys.prefix, '<venv>')
                     .replace(harness.REPO_ROOT, '<repo>') for line in kept)


def _table(header, rows):
    widths = [max(len(str(row[column])) for row in rows + [header])
              for column in range(len(header))]
    lines = []
    for number, row in enumerate([header] + rows):
        lines.append('  '.join(
            str(cell).ljust(widths[column]) if column == 0
            else str(cell).rjust(widths[column])
            for column, cell in enumerate(row)))
        if number == 0:
            lines.append('  '.join('-' * width for width in widths))
    return '\n'.join(lines)


if __name__ == '__main__':
    if len(sys.argv) > 1 and sys.argv[1] == 'worker':
        from benchmarks import compile_profile
        (model_name, data_path, out_path, steps, profile, linker,
         layout_seed) = sys.argv[2:9]
        compile_profile.run_worker(
            model_name, data_path, out_path, int(steps), profile == '1',
            None if linker == '-' else linker, int(layout_seed))
    else:
        sys.exit(main())
