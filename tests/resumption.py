"""Shared pieces of the tests that interrupt training and resume it.

The recurrent tests train on masked sequences from a shuffled stream,
stop on purpose just after a checkpoint in the middle of an epoch, let
the same main loop go on in memory to the end (the reference), and then
resume the checkpoint: the final parameters must be equal, bit for bit.
"""
import shutil
from collections import OrderedDict

import numpy
import pytest

from blocks.data.datasets import IndexableDataset
from blocks.data.schemes import ShuffledScheme
from blocks.data.streams import DataStream
from blocks.data.transformers import Mapping
from blocks.extensions import FinishAfter
from blocks.extensions.saveload import Checkpoint
from blocks.main_loop import MainLoop
from blocks.model import Model

# Modules whose globals the checkpoints of these tests name.
ALLOWED = ['tests.resumption', 'tests.scripts.test_continue']


def time_major(batch):
    """(batch, time, ...) arrays to (time, batch, ...)."""
    return tuple(numpy.swapaxes(data, 0, 1) for data in batch)


def masked_sequence_stream(sources, num_examples, steps, batch_size):
    """A shuffled, time-major stream of ragged sequences with a mask.

    Parameters
    ----------
    sources : dict
        Maps a source name to a function of (rng, (num_examples, steps))
        giving its data; a source ``NAME_mask`` follows the first source,
        with random lengths between 1 and `steps`.

    """
    rng = numpy.random.RandomState(0)
    lengths = rng.randint(1, steps + 1, size=num_examples)
    mask = (numpy.arange(steps)[None, :] < lengths[:, None]).astype(
        'float64')
    data = OrderedDict()
    for index, (name, make) in enumerate(sources.items()):
        data[name] = make(rng, (num_examples, steps))
        if index == 0:
            data[name + '_mask'] = mask
    scheme = ShuffledScheme(num_examples, batch_size,
                            rng=numpy.random.RandomState(1))
    return Mapping(DataStream(IndexableDataset(data),
                              iteration_scheme=scheme), time_major)


def checkpointed_main_loop(algorithm, stream, path, total_batches,
                           stop_at=None):
    """A main loop of `total_batches`, checkpointed every 3 batches.

    With `stop_at`, a :class:`~tests.scripts.test_continue.StopAt`
    extension raises after that many batches.

    """
    # Imported here: tests.scripts.test_continue imports this module.
    from tests.scripts.test_continue import StopAt
    extensions = [FinishAfter(after_n_batches=total_batches),
                  Checkpoint(path, every_n_batches=3)]
    if stop_at is not None:
        extensions.append(StopAt(stop_at, 'raise'))
    return MainLoop(algorithm, stream, model=Model(algorithm.cost),
                    extensions=extensions)


def interrupt_then_finish(main_loop, path, total_batches):
    """Run until the StopAt extension raises, then on to the end.

    Returns
    -------
    interrupted : pathlib.Path
        A copy of the checkpoint written just before the interruption.
    reference : dict
        The parameter values at the end of the uninterrupted run.

    """
    with pytest.raises(RuntimeError, match='stopped on purpose'):
        main_loop.run()
    interrupted = path.with_name('interrupted.zip')
    shutil.copy(path, interrupted)
    main_loop.find_extension('StopAt').iteration = None
    main_loop.run()
    assert main_loop.status['iterations_done'] == total_batches
    return interrupted, main_loop.model.get_parameter_values()


def assert_bit_identical(values, reference):
    """The same parameter names, dtypes and bytes."""
    assert sorted(values) == sorted(reference)
    for name in reference:
        assert values[name].dtype == reference[name].dtype, name
        assert values[name].tobytes() == reference[name].tobytes(), name
