import pickle

import numpy
import pytest

from blocks.extensions import FinishAfter
from blocks.extensions.saveload import SAVED_TO, Checkpoint
from blocks.extensions.stopping import (EarlyStopping, FinishIfNotFinite,
                                        FinishIfNoImprovementAfter,
                                        FinishIfThresholdReached)
from blocks.extensions.training import TrackTheBest
from blocks.main_loop import MainLoop
from blocks.serialization import load
from blocks.utils import shared_floatx
from tests.extensions import FakeAlgorithm, WriteRecord, examples_stream


@pytest.mark.parametrize('trigger, iterations_done, epochs_done', [
    ({'after_n_epochs': 2}, 6, 2),
    ({'after_n_batches': 4}, 4, 1),
    ({'every_n_batches': 2, 'after_epoch': True}, 2, 0),
])
def test_finish_after(trigger, iterations_done, epochs_done):
    main_loop = MainLoop(FakeAlgorithm(), examples_stream(3),
                         extensions=[FinishAfter(**trigger)])
    main_loop.run()
    assert main_loop.status['iterations_done'] == iterations_done
    assert main_loop.status['epochs_done'] == epochs_done
    assert main_loop.log.current_row['training_finish_requested'] is True
    assert main_loop.log.current_row['training_finished'] is True


def train_with_stopper(costs, **stopper_kwargs):
    """Write a cost after each epoch, track its best, and stop on no gain."""
    stopper = FinishIfNoImprovementAfter('cost_best_so_far',
                                         **stopper_kwargs)
    main_loop = MainLoop(FakeAlgorithm(), examples_stream(2), extensions=[
        WriteRecord('cost', costs, after_epoch=True), TrackTheBest('cost'),
        stopper, FinishAfter(after_n_epochs=max(len(costs), 1))])
    main_loop.run()
    return main_loop


def test_finish_if_no_improvement_after_epochs():
    main_loop = train_with_stopper([3., 2., 2.5, 2.6, 2.7, 1.], epochs=2)
    log = main_loop.log
    assert main_loop.status['epochs_done'] == 4
    assert [log[iteration].get('cost_best_so_far_patience_epochs')
            for iteration in (2, 4, 6, 8)] == [2, 2, 1, 0]
    assert log[8]['training_finish_requested'] is True


def test_finish_if_no_improvement_after_iterations():
    main_loop = train_with_stopper([3., 2., 2.5, 2.6, 2.7, 1.],
                                   iterations=3, patience_log_record='left')
    log = main_loop.log
    assert main_loop.status['iterations_done'] == 7
    assert [log[iteration]['left'] for iteration in range(4, 8)] == \
        [3, 2, 1, 0]


def test_no_stop_before_the_first_notification():
    main_loop = train_with_stopper([], epochs=1)
    assert 'cost_best_so_far_patience_epochs' not in main_loop.log[2]


@pytest.mark.parametrize('kwargs, message', [
    ({}, 'give exactly one of iterations and epochs, got iterations=None, '
         'epochs=None'),
    ({'epochs': 1, 'iterations': 1}, 'give exactly one'),
    ({'epochs': 0}, 'epochs must be a positive integer or None, got 0'),
])
def test_finish_if_no_improvement_checks_arguments(kwargs, message):
    with pytest.raises(ValueError, match='FinishIfNoImprovementAfter: ' +
                       message):
        FinishIfNoImprovementAfter('best', **kwargs)


def early_stopping_loop(costs, *extensions, **early_stopping_kwargs):
    early_stopping_kwargs.setdefault('epochs', 2)
    stopping = EarlyStopping('cost', **early_stopping_kwargs)
    return MainLoop(FakeAlgorithm(), examples_stream(2), extensions=[
        WriteRecord('cost', costs, after_epoch=True), stopping] +
        list(extensions) + [FinishAfter(after_n_epochs=len(costs))])


COSTS = [3., 2., 2.5, 1.5, 2.6, 2.7, 2.8, 1.]


def test_early_stopping_tracks_the_best_and_stops():
    main_loop = early_stopping_loop(COSTS)
    main_loop.run()
    log = main_loop.log
    assert main_loop.status['epochs_done'] == 6
    assert [iteration for iteration in range(0, 13, 2)
            if log[iteration].get('cost_best_so_far')] == [2, 4, 8]
    assert log.status['best_cost'] == 1.5
    assert log[12]['training_finish_requested'] is True
    stopping = main_loop.extensions[1]
    assert isinstance(stopping.tracking_extension, TrackTheBest)
    assert isinstance(stopping.stopping_extension,
                      FinishIfNoImprovementAfter)
    # The sub-extensions run only after epochs, as the composite does.
    assert 'cost_best_so_far_patience_epochs' not in log[1]


def test_early_stopping_resumes_from_a_pickle():
    main_loop = early_stopping_loop(COSTS, FinishAfter(after_n_epochs=3),
                                    choose_best=min)
    main_loop.run()
    assert main_loop.status['epochs_done'] == 3
    resumed = pickle.loads(pickle.dumps(main_loop))
    resumed.run()
    uninterrupted = early_stopping_loop(COSTS)
    uninterrupted.run()
    assert resumed.status['epochs_done'] == 6
    for iteration in range(8, 13, 2):
        assert resumed.log[iteration].get(
            'cost_best_so_far_patience_epochs') == uninterrupted.log[
                iteration].get('cost_best_so_far_patience_epochs')


def test_early_stopping_saves_the_best_main_loop(tmp_path):
    best = str(tmp_path / 'best.zip')
    checkpoint = Checkpoint(str(tmp_path / 'last.zip'))
    main_loop = early_stopping_loop(
        [3., 1., 2., 4.], checkpoint_extension=checkpoint,
        checkpoint_filename=best, choose_best=min, epochs=5)
    main_loop.run()
    assert checkpoint in main_loop.extensions[1].sub_extensions
    saved = [(iteration, main_loop.log[iteration].get(SAVED_TO))
             for iteration in range(0, 9, 2)]
    assert saved == [(0, None), (2, (best,)), (4, (best,)), (6, None),
                     (8, (str(tmp_path / 'last.zip'),))]
    loaded = load(best, allowed_modules=['tests'])
    assert loaded.status['iterations_done'] == 4
    assert loaded.log.status['best_cost'] == 1.


def test_early_stopping_checks_its_arguments(tmp_path):
    with pytest.raises(ValueError, match="EarlyStopping: "
                       "checkpoint_extension and checkpoint_filename go "
                       "together"):
        EarlyStopping('cost', checkpoint_filename='best.zip', epochs=1)
    with pytest.raises(TypeError, match="checkpoint_extension must be a "
                                        "Checkpoint"):
        EarlyStopping('cost', checkpoint_extension=3,
                      checkpoint_filename='best.zip', epochs=1)
    with pytest.raises(ValueError, match="give exactly one of iterations "
                                         "and epochs"):
        EarlyStopping('cost')


@pytest.mark.parametrize('criterion, values, stopped_at', [
    ('min', [3., 2., 0.5, 0.1], 6),
    ('max', [0.1, 0.97, 0.99], 4),
    ('min', [3., 2.], 4),
])
def test_finish_if_threshold_reached(criterion, values, stopped_at):
    threshold = 0.5 if criterion == 'min' else 0.97
    main_loop = MainLoop(FakeAlgorithm(), examples_stream(2), extensions=[
        WriteRecord('score', values, after_epoch=True),
        FinishIfThresholdReached('score', threshold, criterion=criterion),
        FinishAfter(after_n_epochs=len(values))])
    main_loop.run()
    assert main_loop.status['iterations_done'] == stopped_at
    with pytest.raises(ValueError, match="criterion must be 'min' or 'max', "
                                         "got 'lowest'"):
        FinishIfThresholdReached('score', 1, criterion='lowest')


def test_finish_if_not_finite_checks_records_and_parameters():
    weights = shared_floatx([1., 2.], name='weights')
    algorithm = FakeAlgorithm()
    algorithm.parameters = [weights]
    guard = FinishIfNotFinite(record_names=['score'], after_batch=True)
    main_loop = MainLoop(algorithm, examples_stream(3), extensions=[
        WriteRecord('score', [1., float('inf')], after_batch=True), guard,
        FinishAfter(after_n_epochs=3)])
    main_loop.run()
    assert main_loop.status['iterations_done'] == 2
    assert main_loop.log[2]['nonfinite_found'] == ['score']
    main_loop = MainLoop(algorithm, examples_stream(3), extensions=[
        WriteRecord('other', [1., 2., numpy.array([numpy.nan])],
                    after_batch=True),
        FinishIfNotFinite(after_epoch=True),
        FinishAfter(after_n_epochs=3)])
    weights.set_value(numpy.array([1., numpy.nan]))
    main_loop.run()
    assert main_loop.status['iterations_done'] == 3
    assert main_loop.log[3]['nonfinite_found'] == ['other', 'weights']
    without_parameters = MainLoop(FakeAlgorithm(), examples_stream(3),
                                  extensions=[FinishIfNotFinite()])
    with pytest.raises(ValueError, match="check_parameters is True, but the "
                                         "main loop has no model"):
        without_parameters.run()
