import pytest

from blocks.extensions import FinishAfter
from blocks.extensions.stopping import FinishIfNoImprovementAfter
from blocks.extensions.training import TrackTheBest
from blocks.main_loop import MainLoop
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
