"""The common harness of the side-by-side benchmarks.

A benchmark is a :class:`BenchmarkModel`: it makes the data and the initial
parameters once (numpy, seeded) and builds the same model three times, with
Blocks bricks and ``GradientDescent``, with raw Aesara (``aesara.function``
with updates) and with PyTorch. Each build is a :class:`Trainer` that does
one SGD step per batch.

Every measurement runs in a subprocess of its own (a *worker*), so that the
frameworks do not pollute each other's peak resident memory and so that
Aesara's cache is cold or warm on purpose. In each repeat:

- Blocks and raw Aesara each get a fresh, empty ``compiledir`` and a worker
  that only compiles on it: the *first compile* (cold cache);
- then one worker per framework (Blocks and raw Aesara on their now warm
  ``compiledir``: the *cached compile*; PyTorch, which runs eagerly and
  compiles nothing) builds, compiles and warms up, one after the other;
- then they train taking turns, a chunk of steps each, rotating the order
  every round, so that all of them meet the same background load on a
  shared machine. The steps-per-second ratio of two frameworks is the
  median of the ratios of their chunks in the same round.

All train for the same number of steps on the same batches from the same
initial parameters, and report their steps per second, compile times, peak
resident memory and the loss, computed in numpy from the parameters they
ended with. Repeats give medians.

To add a model (a recurrent or a convolutional network), write a module with
a subclass of :class:`BenchmarkModel` decorated with :func:`register`, add
the module to :data:`MODEL_MODULES`, and give it a ``__main__`` block that
calls :func:`main` with its name.

"""
import argparse
import contextlib
import importlib
import json
import os
import platform
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass

import numpy

REPO_ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

#: The modules that define the registered models, imported on demand.
MODEL_MODULES = ('benchmarks.mlp', 'benchmarks.quickstart', 'benchmarks.lenet',
                 'benchmarks.recurrent', 'benchmarks.recurrent_bricks')

#: The frameworks every model is built with, in the order of the table.
FRAMEWORKS = ('blocks', 'aesara', 'torch')

#: Frameworks that compile through Aesara and so have a compile cache.
#: ``aesara_plain`` is raw Aesara without importing Blocks first, i.e. with
#: the BLAS flags Aesara picks by itself (run it with ``--frameworks``).
AESARA_FRAMEWORKS = ('blocks', 'aesara', 'aesara_plain')

#: What each worker imports before building, timed as its import time.
#: ``blocks`` comes first: importing it points Aesara at an optimised BLAS
#: (``blocks/_blas.py``), which only works before Aesara is imported. Raw
#: Aesara imports it too, so that it runs with the same flags as Blocks.
FRAMEWORK_IMPORTS = {
    'blocks': ('blocks', 'aesara', 'blocks.bricks', 'blocks.graph',
               'blocks.algorithms'),
    'aesara': ('blocks', 'aesara'),
    'aesara_plain': ('aesara',),
    'torch': ('torch',),
    # Blocks on Aesara's JAX backend (mode='JAX'); opt-in: --frameworks
    # blocks,blocks_jax,... (needs jax, 'pip install -e .[jax]').
    'blocks_jax': ('blocks', 'aesara', 'blocks.bricks', 'blocks.graph',
                   'blocks.algorithms', 'jax'),
}

#: The model method that builds each framework's trainer.
BUILDERS = {'blocks': 'build_blocks', 'aesara': 'build_aesara',
            'aesara_plain': 'build_aesara', 'torch': 'build_torch',
            'blocks_jax': 'build_blocks_jax'}

#: The timed steps are run and timed in this many chunks.
NUM_CHUNKS = 10

#: The pause between two workers' turns: the BLAS and OpenMP threads of the
#: worker that just ran spin for a while before they sleep (OpenBLAS about
#: 0.1 s, Intel OpenMP, under MKL, 0.2 s by default) and would otherwise
#: slow down the next worker's chunk.
TURN_PAUSE_S = 0.3

PAGE_SIZE = 4096

_REGISTRY = {}


def register(model_class):
    """Register a :class:`BenchmarkModel` subclass under its ``name``."""
    if model_class.__module__ == '__main__':
        # A model module run as a script: its importable copy, imported by
        # the registry, registers the model.
        return model_class
    if model_class.name in _REGISTRY:
        raise ValueError("benchmark model {!r} is registered twice"
                         .format(model_class.name))
    _REGISTRY[model_class.name] = model_class
    return model_class


def _load_models():
    for module in MODEL_MODULES:
        importlib.import_module(module)


def model_names() -> list[str]:
    """The names of all registered models, in registration order."""
    _load_models()
    return list(_REGISTRY)


def get_model(name: str) -> 'BenchmarkModel':
    """Return an instance of the registered model called `name`."""
    _load_models()
    if name not in _REGISTRY:
        raise ValueError("unknown benchmark model {!r}; registered: {}"
                         .format(name, ', '.join(_REGISTRY)))
    return _REGISTRY[name]()


@dataclass(frozen=True)
class Target:
    """A speed target from the issue, checked after every run.

    Parameters
    ----------
    description : str
        What the target says, for the report.
    metric : str
        A key of the dictionary :func:`summarise` returns under
        ``'metrics'``.
    bound : str
        ``'min'`` if the metric must be at least `threshold`, ``'max'`` if
        at most.
    threshold : float

    """
    description: str
    metric: str
    bound: str
    threshold: float

    def met(self, value: float) -> bool:
        if self.bound == 'min':
            return value >= self.threshold
        return value <= self.threshold


class Trainer:
    """One framework's build of a model: compiles, then steps on batches.

    Subclasses build the graph or module in ``__init__`` (timed as *build*),
    compile in :meth:`compile` (timed as *compile*) and do one SGD step on
    the batch of a given index in :meth:`step`.

    """
    def compile(self) -> None:
        """Compile whatever the steps need (nothing for eager frameworks)."""

    def step(self, index: int) -> None:
        """Do one training step on batch `index`."""
        raise NotImplementedError

    def parameters(self) -> list:
        """The current parameters as numpy arrays, in the model's order."""
        raise NotImplementedError


class BenchmarkModel:
    """A model built identically by every framework.

    Subclasses set the class attributes and implement the methods below;
    the builders import their framework themselves, so that a worker only
    imports the framework it measures.

    """
    #: Registry key and command-line name.
    name = None
    #: One line for the table's title.
    description = None
    #: Timed training steps per worker, and untimed steps before them.
    steps = 200
    warmup_steps = 5
    #: Targets checked after a run.
    targets = ()

    def make_data(self, rng: numpy.random.RandomState) -> dict:
        """Return every array the builders need: batches and parameters.

        The dictionary is saved once to a ``.npz`` file that every worker
        loads, so all frameworks see bit-identical data. It must contain
        ``features`` and ``targets`` with the batch index first.

        """
        raise NotImplementedError

    def parameter_names(self) -> list[str]:
        """The keys of the initial parameters in the data, in order."""
        raise NotImplementedError

    def loss(self, parameters: list, data: dict) -> float:
        """The loss of `parameters` on the evaluation data, in numpy."""
        raise NotImplementedError

    def build_blocks(self, data: dict) -> Trainer:
        raise NotImplementedError

    def build_aesara(self, data: dict) -> Trainer:
        raise NotImplementedError

    def build_blocks_jax(self, data: dict) -> Trainer:
        raise NotImplementedError(
            "{}: no Blocks-on-JAX build of this model".format(self.name))

    def build_torch(self, data: dict) -> Trainer:
        raise NotImplementedError

    def builder(self, framework: str):
        return getattr(self, BUILDERS[framework])


def peak_rss_mib() -> float:
    # ru_maxrss is in KiB on Linux.
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def num_cores() -> int:
    """The cores this process may run on."""
    return len(os.sched_getaffinity(0))


class CompileRecorder:
    """Time every Aesara compilation made while it is active.

    It wraps Aesara's choke points: ``pfunc`` and ``orig_function`` (the
    whole of ``aesara.function``), ``FunctionMaker.__init__`` (graph
    rewriting) and ``FunctionMaker.create`` (linking: generating C code,
    looking it up in the cache, calling g++), and the g++ call itself.
    Nested calls are counted once, at the outermost level.

    Attributes
    ----------
    functions : list of dict
        One entry per compiled function: its name, the number of nodes
        after rewriting, the rewrite and link times and a fingerprint of the
        rewritten graph (equal fingerprints mean an identical graph was
        compiled twice).
    gxx_calls : list of float
        The duration of each g++ call.

    """
    def __init__(self):
        self.functions = []
        self.gxx_calls = []
        self.total = 0.0
        self._depth = 0
        self._patches = []

    @property
    def rewrite(self) -> float:
        return sum(entry['rewrite_s'] for entry in self.functions)

    @property
    def link(self) -> float:
        return sum(entry['link_s'] for entry in self.functions)

    def _patch(self, owner, attribute, replacement):
        original = owner.__dict__[attribute]
        self._patches.append((owner, attribute, original))
        setattr(owner, attribute, replacement)
        return original

    def __enter__(self):
        from aesara.compile.function import types
        from aesara.link.c import cmodule
        pfunc_module = sys.modules['aesara.compile.function.pfunc']
        function_package = sys.modules['aesara.compile.function']
        recorder = self

        def outermost(original):
            def wrapper(*args, **kwargs):
                recorder._depth += 1
                start = time.perf_counter()
                try:
                    return original(*args, **kwargs)
                finally:
                    recorder._depth -= 1
                    if recorder._depth == 0:
                        recorder.total += time.perf_counter() - start
            return wrapper

        self._patch(function_package, 'pfunc',
                    outermost(function_package.__dict__['pfunc']))
        self._patch(function_package, 'orig_function',
                    outermost(function_package.__dict__['orig_function']))
        self._patch(pfunc_module, 'orig_function',
                    outermost(pfunc_module.__dict__['orig_function']))

        maker_init = types.FunctionMaker.__init__
        maker_create = types.FunctionMaker.create

        def init(maker, *args, **kwargs):
            start = time.perf_counter()
            maker_init(maker, *args, **kwargs)
            maker._bench_entry = {
                'name': getattr(maker, 'name', None),
                'nodes': len(maker.fgraph.apply_nodes),
                'rewrite_s': time.perf_counter() - start, 'link_s': 0.0,
                'fingerprint': _fingerprint(maker.fgraph)}
            recorder.functions.append(maker._bench_entry)

        def create(maker, *args, **kwargs):
            start = time.perf_counter()
            try:
                return maker_create(maker, *args, **kwargs)
            finally:
                entry = getattr(maker, '_bench_entry', None)
                if entry is not None:
                    entry['link_s'] += time.perf_counter() - start

        self._patch(types.FunctionMaker, '__init__', init)
        self._patch(types.FunctionMaker, 'create', create)

        compile_str = cmodule.GCC_compiler.__dict__['compile_str'].__func__

        def timed_compile_str(*args, **kwargs):
            start = time.perf_counter()
            try:
                return compile_str(*args, **kwargs)
            finally:
                recorder.gxx_calls.append(time.perf_counter() - start)

        self._patch(cmodule.GCC_compiler, 'compile_str',
                    staticmethod(timed_compile_str))
        return self

    def __exit__(self, *exc_info):
        for owner, attribute, original in reversed(self._patches):
            setattr(owner, attribute, original)
        self._patches = []
        return False

    def duplicates(self) -> int:
        """How many compiled functions repeat an earlier identical graph."""
        seen = [entry['fingerprint'] for entry in self.functions]
        return len(seen) - len(set(seen))


def _fingerprint(fgraph) -> str:
    """A hash of a rewritten graph's structure (ops, types, inputs)."""
    import hashlib
    from aesara.graph.basic import io_toposort

    index = {variable: position
             for position, variable in enumerate(fgraph.inputs)}
    parts = [str(variable.type) for variable in fgraph.inputs]
    for node in io_toposort(fgraph.inputs, fgraph.outputs):
        operands = []
        for variable in node.inputs:
            if variable not in index:
                index[variable] = len(index)
            operands.append(str(index[variable]))
        for variable in node.outputs:
            index[variable] = len(index)
        parts.append('{}({})'.format(node.op, ','.join(operands)))
    parts.append('->' + ','.join(str(index.get(variable, '?'))
                                 for variable in fgraph.outputs))
    return hashlib.sha1('\n'.join(parts).encode()).hexdigest()[:12]


class _Channel:
    """The worker's side of the interleaving protocol with the parent.

    The worker keeps its original standard output for the protocol and
    sends everything else that is printed there to standard error, so that
    no library output gets in the way.

    """
    def __init__(self):
        self._out = os.fdopen(os.dup(sys.stdout.fileno()), 'w')
        sys.stdout.flush()
        os.dup2(sys.stderr.fileno(), sys.stdout.fileno())

    def say(self, *words):
        self._out.write(' '.join(str(word) for word in words) + '\n')
        self._out.flush()

    def wait(self, expected):
        line = sys.stdin.readline().strip()
        if line != expected:
            raise RuntimeError("worker: expected {!r} from the parent, got "
                               "{!r}".format(expected, line))


def place_in_memory(array: numpy.ndarray, offset: int) -> numpy.ndarray:
    """A copy of `array` that starts `offset` bytes into a memory page.

    Where arrays lie relative to each other changes the speed of the same
    computation by up to 20% on this machine (a 784-500-500-10 step went
    from 220 to 265 per second when the first weight matrix stopped
    starting at the same offset within a 4 KiB page as the input batch,
    which looks like "4K aliasing"). Which arrays collide depends on the
    history of each process's allocations, so one framework can be lucky
    in every run. The workers therefore place the data at offsets, and pad
    the heap by an amount, drawn anew for every repeat, so that the luck
    varies between repeats and the median evens it out.

    """
    buffer = numpy.empty(array.nbytes + 2 * PAGE_SIZE, dtype=numpy.uint8)
    start = (-buffer.ctypes.data) % PAGE_SIZE + offset
    placed = buffer[start:start + array.nbytes].view(array.dtype)
    placed = placed.reshape(array.shape)
    placed[...] = array
    return placed


def load_data(data_path: str, layout_seed: int) -> tuple[dict, bytearray]:
    """Load a model's data, placed in memory as `layout_seed` draws.

    Returns the data and a padding of the heap, which shifts where the
    framework's own arrays (parameters, intermediate results) land; keep it
    alive while training. See :func:`place_in_memory`.

    """
    layout = numpy.random.RandomState(layout_seed)
    with numpy.load(data_path) as archive:
        data = {key: place_in_memory(
            archive[key], 64 * int(layout.randint(PAGE_SIZE // 64)))
            for key in archive.files}
    heap_padding = bytearray(64 * int(layout.randint(1, PAGE_SIZE // 4)))
    return data, heap_padding


def run_worker(model_name: str, framework: str, data_path: str, steps: int,
               out_path: str, interleaved: bool = False,
               threads: int | None = None, layout_seed: int = 0) -> None:
    """Build, compile and train one framework's model; write a JSON report.

    Runs in its own process (``python -m benchmarks.harness worker ...``).
    With `steps` 0 it only compiles (a cold-cache run). With `interleaved`,
    it announces ``READY`` once compiled and warmed up, then runs each of
    its :data:`NUM_CHUNKS` chunks of steps when the parent says ``GO``,
    answering ``CHUNK <steps per second>``, so that the parent can take
    turns between the frameworks and all of them meet the same load.

    """
    started = time.perf_counter()
    load_at_start = os.getloadavg()[0]
    channel = _Channel() if interleaved else None
    for module in FRAMEWORK_IMPORTS[framework]:
        importlib.import_module(module)
    import_s = time.perf_counter() - started
    rss_after_import = peak_rss_mib()
    info = {'model': model_name, 'framework': framework,
            'python': platform.python_version(), 'cores': num_cores()}
    if framework == 'torch':
        import torch
        torch.set_num_threads(threads or num_cores())
        info['torch'] = torch.__version__
        info['torch_threads'] = torch.get_num_threads()
    else:
        import aesara
        info['aesara'] = aesara.__version__
        info['blas__ldflags'] = aesara.config.blas__ldflags
        info['floatX'] = aesara.config.floatX
        info['compiledir'] = aesara.config.compiledir
        info['cxxflags'] = aesara.config.gcc__cxxflags
        info['mode'] = str(aesara.config.mode)

    model = get_model(model_name)
    data, heap_padding = load_data(data_path, layout_seed)
    num_batches = len(data['features'])

    recorder = CompileRecorder() if framework != 'torch' else None
    with recorder if recorder is not None else contextlib.nullcontext():
        start = time.perf_counter()
        trainer = model.builder(framework)(data)
        build_s = time.perf_counter() - start
        start = time.perf_counter()
        trainer.compile()
        compile_wall_s = time.perf_counter() - start
    result = dict(info, load_at_start=load_at_start, import_s=import_s,
                  build_s=build_s, compile_wall_s=compile_wall_s,
                  steps=steps, rss_after_import_mib=rss_after_import)
    if recorder is not None:
        result.update(
            compile_s=recorder.total, rewrite_s=recorder.rewrite,
            link_s=recorder.link, gxx_calls=len(recorder.gxx_calls),
            gxx_s=sum(recorder.gxx_calls), functions=recorder.functions,
            duplicate_functions=recorder.duplicates())
    else:
        result.update(compile_s=0.0, gxx_calls=0, functions=[])

    start = time.perf_counter()
    trainer.step(0)
    result['first_step_s'] = time.perf_counter() - start
    result['time_to_first_batch_s'] = time.perf_counter() - started
    if steps:
        for index in range(1, model.warmup_steps):
            trainer.step(index % num_batches)
        if channel is not None:
            channel.say('READY')
        result.update(_timed_steps(trainer, model, steps, num_batches,
                                   channel))
    parameters = [numpy.asarray(value) for value in trainer.parameters()]
    result.update(loss_final=model.loss(parameters, data),
                  peak_rss_mib=peak_rss_mib())
    numpy.savez(out_path + '.params.npz', *parameters)
    with open(out_path, 'w') as out:
        json.dump(result, out, indent=1)
    del heap_padding


def _timed_steps(trainer, model, steps, num_batches, channel):
    """Time `steps` steps in :data:`NUM_CHUNKS` chunks."""
    chunk_rates = []
    train_s = cpu_s = 0.0
    preemptions = 0
    next_index = model.warmup_steps
    for chunk in range(NUM_CHUNKS):
        chunk_steps = steps // NUM_CHUNKS + (chunk < steps % NUM_CHUNKS)
        if channel is not None:
            channel.wait('GO')
        usage = resource.getrusage(resource.RUSAGE_SELF)
        start = time.perf_counter()
        for index in range(next_index, next_index + chunk_steps):
            trainer.step(index % num_batches)
        elapsed = time.perf_counter() - start
        usage_after = resource.getrusage(resource.RUSAGE_SELF)
        next_index += chunk_steps
        train_s += elapsed
        # Involuntary context switches and the CPU time per wall second
        # tell whether other processes took the cores away meanwhile.
        preemptions += usage_after.ru_nivcsw - usage.ru_nivcsw
        cpu_s += (usage_after.ru_utime + usage_after.ru_stime -
                  usage.ru_utime - usage.ru_stime)
        chunk_rates.append(chunk_steps / elapsed)
        if channel is not None:
            channel.say('CHUNK', chunk_rates[-1])
    return {
        'steps_per_s': steps / train_s,
        'steps_per_s_best': max(chunk_rates),
        'chunk_rates': chunk_rates,
        'preemptions_per_step': preemptions / steps,
        'cpu_per_wall': cpu_s / train_s}


def worker_environment(compiledir: str | None = None,
                       extra_aesara_flags: str = '',
                       threads: int | None = None) -> dict:
    """The environment of a worker: threads, floatX, its compiledir."""
    environment = dict(os.environ)
    threads = str(threads or num_cores())
    for variable in ('OMP_NUM_THREADS', 'OPENBLAS_NUM_THREADS',
                     'MKL_NUM_THREADS'):
        environment[variable] = threads
    # torch>=2.x pulls in a setuptools whose distutils lacks the
    # msvccompiler that numpy.distutils imports, which Aesara imports when
    # it looks for a BLAS by itself; the standard library's distutils has it.
    environment.setdefault('SETUPTOOLS_USE_DISTUTILS', 'stdlib')
    flags = [flag for flag in
             (environment.get('AESARA_FLAGS', ''), 'floatX=float32',
              extra_aesara_flags) if flag]
    if compiledir is not None:
        flags.append('compiledir=' + compiledir)
    environment['AESARA_FLAGS'] = ','.join(flags)
    environment['PYTHONPATH'] = os.pathsep.join(
        [REPO_ROOT] + [path for path in
                       environment.get('PYTHONPATH', '').split(os.pathsep)
                       if path])
    return environment


def _worker_command(model_name, framework, data_path, steps, out_path,
                    interleaved=False, threads=None, layout_seed=0):
    return [sys.executable, '-m', 'benchmarks.harness', 'worker', model_name,
            framework, data_path, str(steps), out_path,
            'interleaved' if interleaved else 'alone', str(threads or 0),
            str(layout_seed)]


def _failure(framework, model_name, log_path, returncode=None):
    with open(log_path) as log:
        tail = log.read()[-4000:]
    return RuntimeError("the {} worker for {!r} failed{}:\n{}".format(
        framework, model_name,
        '' if returncode is None else ' (exit {})'.format(returncode), tail))


def spawn_worker(model_name: str, framework: str, data_path: str, steps: int,
                 out_path: str, environment: dict, timeout: float = 600,
                 threads: int | None = None, layout_seed: int = 0) -> dict:
    """Run :func:`run_worker` in a subprocess and return its report."""
    with open(out_path + '.log', 'w') as log:
        completed = subprocess.run(
            _worker_command(model_name, framework, data_path, steps,
                            out_path, threads=threads,
                            layout_seed=layout_seed),
            cwd=REPO_ROOT, env=environment, stdout=log, stderr=log,
            timeout=timeout)
    if completed.returncode != 0:
        raise _failure(framework, model_name, out_path + '.log',
                       completed.returncode)
    with open(out_path) as report:
        return json.load(report)


class InterleavedWorkers:
    """Workers that compile one after the other, then train taking turns.

    Each is started and waited for until it is compiled and warmed up (so
    that compilations do not overlap); then :meth:`run` gives each a chunk
    of steps in turn, rotating the order every round, so that all of them
    meet the same background load.

    """
    def __init__(self):
        self.workers = []

    def start(self, model_name, framework, data_path, steps, out_path,
              environment, threads=None, layout_seed=0):
        log = open(out_path + '.log', 'w')
        process = subprocess.Popen(
            _worker_command(model_name, framework, data_path, steps,
                            out_path, interleaved=True, threads=threads,
                            layout_seed=layout_seed),
            cwd=REPO_ROOT, env=environment, stdin=subprocess.PIPE,
            stdout=subprocess.PIPE, stderr=log, text=True)
        worker = {'framework': framework, 'process': process, 'log': log,
                  'out_path': out_path, 'model': model_name}
        self.workers.append(worker)
        self._expect(worker, 'READY')

    def _expect(self, worker, word):
        line = worker['process'].stdout.readline().split()
        if not line or line[0] != word:
            worker['process'].wait()
            worker['log'].close()
            raise _failure(worker['framework'], worker['model'],
                           worker['out_path'] + '.log',
                           worker['process'].returncode)
        return line[1:]

    def run(self) -> dict:
        """Take turns through all the chunks; return the reports."""
        rounds = []
        for chunk in range(NUM_CHUNKS):
            shift = chunk % len(self.workers)
            order = self.workers[shift:] + self.workers[:shift]
            rates = {}
            for worker in order:
                time.sleep(TURN_PAUSE_S)
                worker['process'].stdin.write('GO\n')
                worker['process'].stdin.flush()
                rates[worker['framework']] = float(
                    self._expect(worker, 'CHUNK')[0])
            rounds.append(rates)
        reports = {}
        for worker in self.workers:
            worker['process'].stdin.close()
            returncode = worker['process'].wait()
            worker['log'].close()
            if returncode != 0:
                raise _failure(worker['framework'], worker['model'],
                               worker['out_path'] + '.log', returncode)
            with open(worker['out_path']) as report:
                reports[worker['framework']] = json.load(report)
        return {'reports': reports, 'rounds': rounds}

    def close(self):
        for worker in self.workers:
            if worker['process'].poll() is None:
                worker['process'].kill()
                worker['process'].wait()
            worker['log'].close()


def run_model(model_name: str, repeats: int = 3, steps: int | None = None,
              frameworks=FRAMEWORKS, keep: str | None = None,
              threads: int | None = None, progress=print) -> dict:
    """Run every framework's workers `repeats` times; return the reports.

    In each repeat, each Aesara-based framework gets a fresh compiledir and
    a cold worker on it that only compiles (the first compile); then a
    cached worker per Aesara-based framework (on its now warm compiledir)
    and a PyTorch worker compile one after the other and train taking
    turns, chunk by chunk.

    """
    model = get_model(model_name)
    steps = model.steps if steps is None else steps
    workdir = keep or tempfile.mkdtemp(prefix='blocks-bench-')
    os.makedirs(workdir, exist_ok=True)
    data = model.make_data(numpy.random.RandomState(1234))
    data_path = os.path.join(workdir, model_name + '-data.npz')
    numpy.savez(data_path, **data)
    initial_loss = model.loss([data[key] for key in model.parameter_names()],
                              data)
    reports = {framework: [] for framework in frameworks}
    rounds = []
    try:
        for repeat in range(repeats):
            compiledirs = {}
            for framework in frameworks:
                if framework not in AESARA_FRAMEWORKS:
                    continue
                compiledirs[framework] = os.path.join(
                    workdir, '{}-{}-compiledir-{}'.format(
                        model_name, framework, repeat))
                shutil.rmtree(compiledirs[framework], ignore_errors=True)
                report = spawn_worker(
                    model_name, framework, data_path, 0,
                    os.path.join(workdir, '{}-{}-cold-{}.json'.format(
                        model_name, framework, repeat)),
                    worker_environment(compiledirs[framework],
                                       threads=threads), threads=threads)
                report['phase'] = 'cold'
                reports[framework].append(report)
                progress('  {} {:6} repeat {}: first compile {:6.2f} s'
                         .format(model_name, framework, repeat + 1,
                                 report['compile_s']))
            workers = InterleavedWorkers()
            try:
                for framework in frameworks:
                    out_path = os.path.join(workdir, '{}-{}-{}.json'.format(
                        model_name, framework, repeat))
                    workers.start(model_name, framework, data_path, steps,
                                  out_path, worker_environment(
                                      compiledirs.get(framework),
                                      threads=threads), threads=threads,
                                  layout_seed=repeat)
                run = workers.run()
            finally:
                workers.close()
            rounds.extend(run['rounds'])
            for framework, report in run['reports'].items():
                report['phase'] = (
                    'cached' if framework in AESARA_FRAMEWORKS else
                    'jit' if framework == 'blocks_jax' else 'eager')
                report['params_path'] = os.path.join(
                    workdir, '{}-{}-{}.json.params.npz'.format(
                        model_name, framework, repeat))
                reports[framework].append(report)
                progress('  {} {:6} repeat {}: {:9.1f} steps/s, compile '
                         '{:5.2f} s, peak RSS {:4.0f} MiB'.format(
                             model_name, framework, repeat + 1,
                             report['steps_per_s'], report['compile_s'],
                             report['peak_rss_mib']))
        return {'model': model_name, 'description': model.description,
                'steps': steps, 'repeats': repeats,
                'initial_loss': initial_loss, 'reports': reports,
                'rounds': rounds, 'parameter_drift': _parameter_drift(reports)}
    finally:
        if keep is None:
            shutil.rmtree(workdir, ignore_errors=True)


def _parameter_drift(reports: dict) -> dict:
    """Max |difference| of each framework's final parameters from torch's."""
    trained = {framework: [run for run in runs if 'params_path' in run]
               for framework, runs in reports.items()}
    if not trained.get('torch'):
        return {}
    with numpy.load(trained['torch'][-1]['params_path']) as archive:
        reference = [archive[key] for key in archive.files]
    drift = {}
    for framework, runs in trained.items():
        with numpy.load(runs[-1]['params_path']) as archive:
            final = [archive[key] for key in archive.files]
        drift[framework] = max(float(numpy.abs(mine - theirs).max())
                               for mine, theirs in zip(final, reference))
    return drift


def _median(values):
    values = [value for value in values if value is not None]
    return statistics.median(values) if values else None


def summarise(result: dict) -> dict:
    """Medians per framework and the ratios that the targets name."""
    summary = {}
    for framework, runs in result['reports'].items():
        cold = [run for run in runs if run['phase'] == 'cold']
        warm = [run for run in runs if run['phase'] in ('cached', 'eager', 'jit')]
        summary[framework] = {
            'steps_per_s': _median(run['steps_per_s'] for run in warm),
            'steps_per_s_all': [run['steps_per_s'] for run in warm],
            'steps_per_s_best': _median(run['steps_per_s_best']
                                        for run in warm),
            'preemptions_per_step': _median(run['preemptions_per_step']
                                            for run in warm),
            'cpu_per_wall': _median(run['cpu_per_wall'] for run in warm),
            'load_at_start': max(run['load_at_start'] for run in runs),
            'import_s': _median(run['import_s'] for run in warm),
            'build_s': _median(run['build_s'] for run in warm),
            'first_compile_s': _median(run['compile_s'] for run in cold),
            'cached_compile_s': _median(run['compile_s'] for run in warm),
            'cold_rewrite_s': _median(run.get('rewrite_s') for run in cold),
            'cold_link_s': _median(run.get('link_s') for run in cold),
            'cached_rewrite_s': _median(run.get('rewrite_s') for run in warm),
            'cached_link_s': _median(run.get('link_s') for run in warm),
            'gxx_cold': _median(run['gxx_calls'] for run in cold),
            'gxx_cold_s': _median(run.get('gxx_s') for run in cold),
            'gxx_cached': _median(run['gxx_calls'] for run in warm),
            'functions': len(warm[0]['functions']) if warm else 0,
            'duplicate_functions': warm[0].get('duplicate_functions', 0)
            if warm else 0,
            'first_batch_cold_s': _median(
                run['time_to_first_batch_s'] for run in cold),
            'first_batch_cached_s': _median(
                run['time_to_first_batch_s'] for run in warm),
            'peak_rss_mib': _median(run['peak_rss_mib'] for run in warm),
            'rss_after_import_mib': _median(
                run['rss_after_import_mib'] for run in warm),
            'loss_final': _median(run['loss_final'] for run in warm),
            'blas__ldflags': warm[0].get('blas__ldflags') if warm else None,
        }
    for framework in summary:
        summary[framework]['paired_ratio'] = _paired_ratio(
            result['rounds'], framework, 'torch')
    metrics = {}
    if 'blocks' in summary and 'torch' in summary:
        blocks, torch = summary['blocks'], summary['torch']
        metrics['steps_ratio'] = blocks['paired_ratio']
        metrics['steps_ratio_best'] = (blocks['steps_per_s_best'] /
                                       torch['steps_per_s_best'])
        metrics['steps_ratio_whole_run'] = (blocks['steps_per_s'] /
                                            torch['steps_per_s'])
        metrics['rss_ratio'] = blocks['peak_rss_mib'] / torch['peak_rss_mib']
        metrics['model_rss_ratio'] = (
            (blocks['peak_rss_mib'] - blocks['rss_after_import_mib']) /
            max(torch['peak_rss_mib'] - torch['rss_after_import_mib'], 1.0))
    if 'blocks' in summary:
        metrics['first_compile_s'] = summary['blocks']['first_compile_s']
        metrics['cached_compile_s'] = summary['blocks']['cached_compile_s']
    return {'frameworks': summary, 'metrics': metrics}


def _paired_ratio(rounds, framework, reference):
    """The median, over the rounds of turns, of one framework's chunk rate
    over another's in the same round: both met about the same load."""
    ratios = [rates[framework] / rates[reference] for rates in rounds
              if framework in rates and reference in rates]
    return statistics.median(ratios) if ratios else None


def _cell(value, form):
    if value is None:
        return '-'
    return form.format(value)


def format_table(result: dict, summary: dict) -> str:
    """The report of one model: a table with a column per framework."""
    frameworks = list(summary['frameworks'])
    columns = summary['frameworks']
    torch = columns.get('torch')
    rows = []

    def row(label, key, form, ratio_to_torch=False):
        cells = []
        for framework in frameworks:
            value = columns[framework][key]
            if ratio_to_torch:
                value = (None if value is None or torch is None
                         or not torch[key] else value / torch[key])
            cells.append(_cell(value, form))
        rows.append([label] + cells)

    row('training steps/s, whole run', 'steps_per_s', '{:.1f}')
    row('  ratio to torch', 'steps_per_s', '{:.2f}x', ratio_to_torch=True)
    row('  ratio to torch, paired chunks', 'paired_ratio', '{:.2f}x')
    row('training steps/s, fastest chunk', 'steps_per_s_best', '{:.1f}')
    row('  ratio to torch', 'steps_per_s_best', '{:.2f}x',
        ratio_to_torch=True)
    rows.append(['  whole-run spread over repeats'] + [
        '{:.0f}-{:.0f}'.format(min(columns[framework]['steps_per_s_all']),
                               max(columns[framework]['steps_per_s_all']))
        for framework in frameworks])
    row('  preemptions per step', 'preemptions_per_step', '{:.2f}')
    row('  CPU seconds per second', 'cpu_per_wall', '{:.2f}')
    row('  max load average at start', 'load_at_start', '{:.2f}')
    row('first compile, cold cache (s)', 'first_compile_s', '{:.2f}')
    row('  of which rewriting (s)', 'cold_rewrite_s', '{:.2f}')
    row('  of which linking + g++ (s)', 'cold_link_s', '{:.2f}')
    row('  g++ calls', 'gxx_cold', '{:.0f}')
    row('  g++ time (s)', 'gxx_cold_s', '{:.2f}')
    row('cached compile (s)', 'cached_compile_s', '{:.2f}')
    row('  of which rewriting (s)', 'cached_rewrite_s', '{:.2f}')
    row('  of which linking (s)', 'cached_link_s', '{:.2f}')
    row('  g++ calls (0 = stable keys)', 'gxx_cached', '{:.0f}')
    row('functions compiled', 'functions', '{:d}')
    row('  identical graphs compiled twice', 'duplicate_functions', '{:d}')
    row('import (s)', 'import_s', '{:.2f}')
    row('build graph/module (s)', 'build_s', '{:.2f}')
    row('time to first batch, cold (s)', 'first_batch_cold_s', '{:.2f}')
    row('time to first batch, cached (s)', 'first_batch_cached_s', '{:.2f}')
    row('peak RSS (MiB)', 'peak_rss_mib', '{:.0f}')
    row('  ratio to torch', 'peak_rss_mib', '{:.2f}x', ratio_to_torch=True)
    row('  RSS after imports (MiB)', 'rss_after_import_mib', '{:.0f}')
    rows.append(['  peak above imports (MiB)'] + [
        '{:.0f}'.format(columns[framework]['peak_rss_mib'] -
                        columns[framework]['rss_after_import_mib'])
        for framework in frameworks])
    rows.append(['loss: initial {:.4f}, final'.format(result['initial_loss'])]
                + [_cell(columns[framework]['loss_final'], '{:.4f}')
                   for framework in frameworks])
    drift = result.get('parameter_drift', {})
    rows.append(['max |param - torch param|'] + [
        _cell(drift.get(framework), '{:.1e}') for framework in frameworks])

    header = ['{} ({} steps, median of {})'.format(
        result['model'], result['steps'], result['repeats'])] + frameworks
    widths = [max(len(str(line[column])) for line in rows + [header])
              for column in range(len(header))]
    lines = [result['description'], '']
    for number, line in enumerate([header] + rows):
        lines.append('  '.join(
            str(cell).ljust(widths[column]) if column == 0
            else str(cell).rjust(widths[column])
            for column, cell in enumerate(line)))
        if number == 0:
            lines.append('  '.join('-' * width for width in widths))
    ldflags = {columns[framework]['blas__ldflags'] for framework in frameworks
               if framework in AESARA_FRAMEWORKS}
    lines.append('')
    lines.append('aesara.config.blas__ldflags: {}'.format(
        ', '.join(repr(flags) for flags in sorted(ldflags, key=str))))
    return '\n'.join(lines)


def format_targets(model: BenchmarkModel, summary: dict) -> str:
    lines = []
    for target in model.targets:
        value = summary['metrics'].get(target.metric)
        if value is None:
            status = 'not measured'
        else:
            status = '{:.2f} -> {}'.format(
                value, 'met' if target.met(value) else 'MISSED')
        lines.append('  target: {:55} {}'.format(target.description, status))
    return '\n'.join(lines)


def machine_description() -> str:
    cpu = platform.processor() or platform.machine()
    try:
        with open('/proc/cpuinfo') as cpuinfo:
            for line in cpuinfo:
                if line.startswith('model name'):
                    cpu = line.split(':', 1)[1].strip()
                    break
    except OSError:
        pass
    load = os.getloadavg()
    return '{}, {} cores, Python {}, load average {:.2f} at start'.format(
        cpu, num_cores(), platform.python_version(), load[0])


def main(argv=None, default_models=None) -> int:
    """Command line: run models and print their tables."""
    parser = argparse.ArgumentParser(
        description='Benchmark Blocks against raw Aesara and PyTorch.')
    parser.add_argument('models', nargs='*',
                        help='models to run (default: {})'.format(
                            ', '.join(default_models or ['all'])))
    parser.add_argument('--repeats', type=int, default=3,
                        help='repeats, of which the median is reported')
    parser.add_argument('--steps', type=int, default=None,
                        help="timed steps per worker (default: the model's)")
    parser.add_argument('--frameworks', default=','.join(FRAMEWORKS),
                        help='comma-separated subset of ' +
                        ','.join(FRAMEWORKS))
    parser.add_argument('--threads', type=int, default=None,
                        help='threads per framework (default: all cores, '
                        '{})'.format(num_cores()))
    parser.add_argument('--keep', metavar='DIR',
                        help='keep the data, compiledirs and reports here')
    parser.add_argument('--json', metavar='PATH',
                        help='also write the reports and summaries here')
    args = parser.parse_args(argv)
    names = args.models or default_models or model_names()
    frameworks = tuple(args.frameworks.split(','))
    print(machine_description())
    print(time.strftime('%Y-%m-%d %H:%M %Z'))
    everything = []
    for name in names:
        start = time.perf_counter()
        result = run_model(name, repeats=args.repeats, steps=args.steps,
                           frameworks=frameworks, threads=args.threads,
                           keep=os.path.join(args.keep, name)
                           if args.keep else None)
        summary = summarise(result)
        print()
        print(format_table(result, summary))
        print(format_targets(get_model(name), summary))
        print('({} took {:.0f} s)'.format(name, time.perf_counter() - start))
        everything.append({'result': result, 'summary': summary})
    if args.json:
        with open(args.json, 'w') as out:
            json.dump(everything, out, indent=1)
    return 0


if __name__ == '__main__':
    # Run the importable copy of this module, whose registry the model
    # modules fill, not this ``__main__`` one.
    from benchmarks import harness
    if len(sys.argv) > 1 and sys.argv[1] == 'worker':
        (model_name, framework, data_path, steps, out_path, mode,
         threads, layout_seed) = sys.argv[2:10]
        harness.run_worker(model_name, framework, data_path, int(steps),
                           out_path, interleaved=mode == 'interleaved',
                           threads=int(threads) or None,
                           layout_seed=int(layout_seed))
    else:
        sys.exit(harness.main())
