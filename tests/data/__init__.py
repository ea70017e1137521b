"""Helpers shared by the tests of :mod:`blocks.data`."""
import pickle

import numpy


def assert_steps_equal(actual, expected):
    """Check two lists of stream steps (tuples or dicts) are identical."""
    assert len(actual) == len(expected)
    for actual_step, expected_step in zip(actual, expected):
        if isinstance(expected_step, dict):
            assert sorted(actual_step) == sorted(expected_step)
            actual_step = [actual_step[key] for key in sorted(actual_step)]
            expected_step = [expected_step[key]
                             for key in sorted(expected_step)]
        else:
            assert isinstance(actual_step, tuple)
            assert isinstance(expected_step, tuple)
        assert len(actual_step) == len(expected_step)
        for actual_value, expected_value in zip(actual_step, expected_step):
            actual_value = numpy.asarray(actual_value)
            expected_value = numpy.asarray(expected_value)
            assert actual_value.dtype == expected_value.dtype
            numpy.testing.assert_array_equal(actual_value, expected_value)


def assert_resumes_exactly(make_stream, steps_before, as_dict=False):
    """Check a stream pickled mid-epoch resumes with exactly the same data.

    Two identical streams are built with `make_stream`. The reference runs
    two whole epochs. The other is advanced `steps_before` steps into its
    first epoch, pickled together with its epoch iterator, and unpickled;
    the copy must yield the rest of the reference's first epoch and then
    the same second epoch.

    Returns
    -------
    list
        The reference's first epoch (so tests can check it is long
        enough for the pickling to have happened mid-epoch).

    """
    reference = make_stream()
    first_epoch = list(reference.get_epoch_iterator(as_dict=as_dict))
    second_epoch = list(reference.get_epoch_iterator(as_dict=as_dict))
    assert 0 < steps_before < len(first_epoch)

    stream = make_stream()
    iterator = stream.get_epoch_iterator(as_dict=as_dict)
    taken = [next(iterator) for _ in range(steps_before)]
    assert_steps_equal(taken, first_epoch[:steps_before])
    stream_copy, iterator_copy = pickle.loads(
        pickle.dumps((stream, iterator)))
    del stream, iterator

    assert_steps_equal(list(iterator_copy), first_epoch[steps_before:])
    assert_steps_equal(
        list(stream_copy.get_epoch_iterator(as_dict=as_dict)), second_epoch)
    return first_epoch
