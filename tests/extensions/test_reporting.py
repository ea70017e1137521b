import pickle

import pytest

from blocks.data.transformers import Cast
from blocks.extensions import (FinishAfter, Printing, ProgressBar,
                               SimpleExtension, Timing)
from blocks.main_loop import MainLoop
from tests.extensions import (FakeAlgorithm, WriteRecord, batches_stream,
                              examples_stream)

RULE = 79 * '-'


def report(header, status=None, iteration=None, records=()):
    lines = ['', RULE, header, RULE]
    if status is not None:
        lines.append('Training status:')
        lines.extend('\t {}: {}'.format(name, value)
                     for name, value in status)
        lines.append('Log records from the iteration {}:'.format(iteration))
        lines.extend('\t {}: {}'.format(name, value)
                     for name, value in records)
    return '\n'.join(lines) + '\n\n'


def test_printing_layout(capsys):
    main_loop = MainLoop(
        FakeAlgorithm(), examples_stream(2),
        extensions=[WriteRecord('_hidden', [1]),
                    WriteRecord('test_cost', [2.5, 0.5], before_epoch=True,
                                after_epoch=True),
                    FinishAfter(after_n_epochs=1), Printing()])
    main_loop.run()
    status = [('epochs_done', 1), ('iterations_done', 2)]
    expected = (
        report('BEFORE FIRST EPOCH',
               [('epochs_done', 0), ('iterations_done', 0)], 0,
               [('test_cost', 2.5)]) +
        report('AFTER ANOTHER EPOCH', status, 2,
               [('test_cost', 0.5), ('training_finish_requested', True)]) +
        report('TRAINING HAS BEEN FINISHED:', status, 2,
               [('test_cost', 0.5), ('training_finish_requested', True),
                ('training_finished', True)]))
    assert capsys.readouterr().out == expected


class SetStatus(SimpleExtension):
    def do(self, which_callback, *args):
        self.main_loop.status['best_cost'] = 0.25


def test_printing_shows_status_entries_of_extensions(capsys):
    main_loop = MainLoop(FakeAlgorithm(), examples_stream(1),
                         extensions=[SetStatus(before_training=True),
                                     FinishAfter(after_n_batches=1),
                                     Printing(after_epoch=False,
                                              after_training=False)])
    main_loop.run()
    assert capsys.readouterr().out == report(
        'BEFORE FIRST EPOCH',
        [('best_cost', 0.25), ('epochs_done', 0), ('iterations_done', 0)],
        0)


def test_printing_on_resumption(capsys):
    main_loop = MainLoop(FakeAlgorithm(), examples_stream(3),
                         extensions=[FinishAfter(after_n_batches=1),
                                     FinishAfter(after_n_batches=2),
                                     Printing(before_first_epoch=False,
                                              after_epoch=False,
                                              after_training=False)])
    main_loop.run()
    assert capsys.readouterr().out == ''
    main_loop.run()
    assert capsys.readouterr().out == report('TRAINING HAS BEEN RESUMED')


def test_progress_bar_with_known_epoch_length(capsys):
    main_loop = MainLoop(FakeAlgorithm(), batches_stream(5, 2),
                         extensions=[FinishAfter(after_n_epochs=2),
                                     ProgressBar()])
    assert main_loop.extensions[1].get_iter_per_epoch() == 3
    main_loop.run()
    err = capsys.readouterr().err
    assert 'Epoch 0' in err and 'Epoch 1' in err
    assert '3/3' in err
    assert main_loop.extensions[1].bar is None


def test_progress_bar_looks_through_transformers():
    main_loop = MainLoop(FakeAlgorithm(),
                         Cast(batches_stream(7, 2), dtype='float32'),
                         extensions=[ProgressBar()])
    assert main_loop.extensions[0].get_iter_per_epoch() == 4


def test_progress_bar_with_unknown_epoch_length(capsys):
    progress_bar = ProgressBar()
    main_loop = MainLoop(FakeAlgorithm(), examples_stream(3),
                         extensions=[FinishAfter(after_n_epochs=1),
                                     progress_bar])
    assert progress_bar.get_iter_per_epoch() is None
    main_loop.run()
    err = capsys.readouterr().err
    assert 'Epoch 0: 3batch' in err
    assert '/' not in err.split('batch')[0]


class Pickler(SimpleExtension):
    def do(self, which_callback, *args):
        self.pickled = pickle.dumps(self.main_loop)


def test_progress_bar_pickles_during_an_epoch(capsys):
    pickler = Pickler(after_n_batches=2)
    main_loop = MainLoop(FakeAlgorithm(), batches_stream(8, 2),
                         extensions=[ProgressBar(), pickler,
                                     FinishAfter(after_n_epochs=1)])
    main_loop.run()
    resumed = pickle.loads(pickler.pickled)
    assert resumed.extensions[0].bar is None
    assert resumed.extensions[0].iter_count == 2
    capsys.readouterr()
    resumed.run()
    assert '4/4' in capsys.readouterr().err
    assert len(resumed.algorithm.batches) == 4


def test_timing_records():
    timing = Timing(after_batch=True)
    main_loop = MainLoop(FakeAlgorithm(), examples_stream(3),
                         extensions=[timing, FinishAfter(after_n_epochs=2)])
    main_loop.run()
    log = main_loop.log
    assert log[0]['time_initialization'] >= 0
    for iteration in range(1, 7):
        for action in ('train', 'read_data'):
            assert log[iteration]['time_{}_this_batch'.format(action)] >= 0
    for iteration in (3, 6):
        for action in ('train', 'read_data'):
            this_epoch = log[iteration]['time_{}_this_epoch'.format(action)]
            batches = sum(log[i]['time_{}_this_batch'.format(action)]
                          for i in range(iteration - 2, iteration + 1))
            if action == 'train':
                # Sums of differences of clock readings: allow rounding.
                assert this_epoch == pytest.approx(batches, abs=1e-9)
            else:
                # Reading also tried, and failed, to get another batch.
                assert this_epoch > 0
        assert log[iteration]['time_read_data_total'] >= sum(
            log[i]['time_read_data_this_batch']
            for i in range(1, iteration + 1))
        assert log[iteration]['time_train_total'] == pytest.approx(sum(
            log[i]['time_train_this_batch'] for i in range(1, iteration + 1)),
            abs=1e-9)


def test_timing_with_prefix_and_wrong_callback():
    timing = Timing(prefix='train', before_first_epoch=False,
                    after_training=True)
    main_loop = MainLoop(FakeAlgorithm(), examples_stream(1),
                         extensions=[FinishAfter(after_n_epochs=1), timing])
    with pytest.raises(ValueError, match="Timing: records timings before "
                       "the first epoch, after batches and after epochs, not "
                       "in the callback 'after_training'"):
        main_loop.run()
    assert 'train_time_train_total' in main_loop.log[1]
