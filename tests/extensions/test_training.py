import pickle

import numpy
import pytest

from blocks.extensions import FinishAfter
from blocks.extensions.training import SharedVariableModifier, TrackTheBest
from blocks.main_loop import MainLoop
from blocks.utils import shared_floatx
from tests.extensions import FakeAlgorithm, WriteRecord, examples_stream


def inverse_schedule(iterations_done):
    return 1. / (1 + iterations_done)


def halve(iterations_done, old_value):
    return old_value / 2


def train(extensions, num_examples=3, epochs=1):
    main_loop = MainLoop(FakeAlgorithm(), examples_stream(num_examples),
                         extensions=[FinishAfter(after_n_epochs=epochs)] +
                         extensions)
    main_loop.run()
    return main_loop


def test_shared_variable_modifier_with_one_argument():
    learning_rate = shared_floatx(1., name='learning_rate')
    modifier = SharedVariableModifier(learning_rate, inverse_schedule)
    assert modifier.num_args == 1
    train([modifier])
    assert learning_rate.get_value() == pytest.approx(1. / 4)
    assert learning_rate.get_value().dtype == learning_rate.dtype


def test_shared_variable_modifier_with_two_arguments_after_epochs():
    learning_rate = shared_floatx(1., name='learning_rate')
    modifier = SharedVariableModifier(learning_rate, halve,
                                      after_batch=False, after_epoch=True)
    train([modifier], epochs=3)
    assert learning_rate.get_value() == pytest.approx(1. / 8)


def test_shared_variable_modifier_pickles():
    learning_rate = shared_floatx(1., name='learning_rate')
    copy = pickle.loads(pickle.dumps(
        SharedVariableModifier(learning_rate, halve)))
    assert copy.function is halve and copy.num_args == 2


def test_shared_variable_modifier_checks_arguments():
    learning_rate = shared_floatx(1., name='learning_rate')
    with pytest.raises(ValueError, match='must take 1 argument .* got '
                       'num_args=3'):
        SharedVariableModifier(learning_rate, halve, num_args=3)
    with pytest.raises(TypeError, match='parameter must be a shared '
                       'variable, got 1.0'):
        SharedVariableModifier(1.0, halve)
    with pytest.raises(TypeError, match='function must be callable'):
        SharedVariableModifier(learning_rate, 0.1)
    modifier = SharedVariableModifier(learning_rate, numpy.sqrt, num_args=1)
    assert modifier.num_args == 1


def test_track_the_best_minimum():
    tracker = TrackTheBest('cost', after_batch=True, after_epoch=False)
    main_loop = train([WriteRecord('cost', [3., 1., 2., 1., 0.5],
                                   after_batch=True), tracker],
                      num_examples=6)
    log = main_loop.log
    assert [log[iteration].get('cost_best_so_far', False)
            for iteration in range(1, 7)] == \
        [True, True, False, False, True, False]
    assert main_loop.status['best_cost'] == 0.5
    assert tracker.best_name == 'best_cost'


def test_track_the_best_maximum_with_notification_name():
    tracker = TrackTheBest('accuracy', notification_name='new_best',
                           choose_best=max)
    main_loop = train([WriteRecord('accuracy', [0.5, 0.7, 0.6],
                                   after_epoch=True), tracker],
                      num_examples=1, epochs=3)
    log = main_loop.log
    assert [log[iteration].get('new_best', False)
            for iteration in (1, 2, 3)] == [True, True, False]
    assert main_loop.status['best_accuracy'] == 0.7
    assert pickle.loads(pickle.dumps(tracker)).choose_best is max


def test_track_the_best_checks_arguments():
    with pytest.raises(TypeError, match='TrackTheBest: record_name must be '
                       'a string'):
        TrackTheBest(None)
    with pytest.raises(TypeError, match='choose_best must be callable'):
        TrackTheBest('cost', choose_best='min')
