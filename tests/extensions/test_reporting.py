import logging
import pickle

import numpy
import pytest

from blocks.data.transformers import Cast
from blocks.extensions import (FinishAfter, Printing, ProgressBar,
                               SimpleExtension, Timing)
from blocks.extensions.reporting import format_value
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
    # Numbered as the log numbers epochs once they are done.
    assert 'Epoch 0' not in err
    assert 'Epoch 1: 100%' in err and 'Epoch 2: 100%' in err
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
    assert 'Epoch 1: 3 batches' in err
    assert '/' not in err.split('batches')[0]


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


def test_printing_rounds_and_selects_records(capsys):
    main_loop = MainLoop(
        FakeAlgorithm(), examples_stream(2),
        extensions=[WriteRecord('time_read_data_this_epoch',
                                [0.0021705329998123], after_epoch=True),
                    WriteRecord('test_cost', [numpy.float32(0.123456789)],
                                after_epoch=True),
                    WriteRecord('weights', [numpy.array([1 / 3, 1e-9])],
                                after_epoch=True),
                    FinishAfter(after_n_epochs=1),
                    Printing(before_first_epoch=False, after_training=False),
                    Printing(records=['weights', 'test_cost', 'missing'],
                             digits=3, before_first_epoch=False,
                             after_training=False)])
    main_loop.run()
    status = [('epochs_done', 1), ('iterations_done', 2)]
    assert capsys.readouterr().out == (
        report('AFTER ANOTHER EPOCH', status, 2,
               [('test_cost', '0.123457'),
                ('time_read_data_this_epoch', '0.00217053'),
                ('training_finish_requested', True),
                ('weights', '[0.333333 1e-09]')]) +
        report('AFTER ANOTHER EPOCH', status, 2,
               [('weights', '[0.333 1e-09]'), ('test_cost', '0.123')]))


@pytest.mark.parametrize('value, digits, expected', [
    (1234567.0, 6, '1.23457e+06'), (2.0, 6, '2'), (7, 2, '7'),
    (numpy.array(0.5), 6, '0.5'), (numpy.int64(3), 6, '3'),
    (0.1 + 0.2, None, '0.30000000000000004'), ('text', 2, 'text'),
    (('a.zip',), 6, "('a.zip',)"), ((0.25, None), 1, '(0.2, None)')])
def test_format_value(value, digits, expected):
    assert format_value(value, digits) == expected


def test_printing_checks_its_arguments():
    with pytest.raises(TypeError, match="Printing: records must be a list "
                       "of record names, got 'cost'"):
        Printing(records='cost')
    with pytest.raises(ValueError, match="Printing: digits must be a "
                       "positive integer or None, got 0"):
        Printing(digits=0)


class CostAlgorithm(FakeAlgorithm):
    """A fake algorithm whose cost is the sum of its last batch."""
    def process_batch(self, batch):
        super().process_batch(batch)
        self.last_cost = float(batch['data'].sum()) + 0.123456


class LogSomething(SimpleExtension):
    def do(self, which_callback, *args):
        logging.getLogger('blocks.test').warning('a log line')


def test_progress_bar_shows_cost_throughput_and_redirects_logging(capsys):
    logger = logging.getLogger('blocks.test')
    handler = logging.StreamHandler()
    logger.addHandler(handler)
    try:
        main_loop = MainLoop(
            CostAlgorithm(), batches_stream(5, 2),
            extensions=[FinishAfter(after_n_epochs=1), ProgressBar(),
                        LogSomething(after_n_batches=2)])
        main_loop.run()
    finally:
        logger.removeHandler(handler)
    err = capsys.readouterr().err
    # The cost of the last batch (4.0) is shown, with the throughput.
    assert 'cost=4.123' in err
    assert ' batches/s' in err
    # The log line was written above the bar, on a line of its own.
    lines = err.replace('\r', '\n').split('\n')
    assert 'a log line' in lines
    # The handler got its own stream back when the bar closed.
    assert handler.stream is not None
    assert not any(type(h).__name__ == '_TqdmLoggingHandler'
                   for h in logging.getLogger().handlers)


def test_progress_bar_shows_chosen_records(capsys):
    main_loop = MainLoop(
        FakeAlgorithm(), batches_stream(4, 2),
        extensions=[FinishAfter(after_n_epochs=1),
                    ProgressBar(records=['error_rate'], digits=2),
                    WriteRecord('error_rate', [0.5, 0.251],
                                after_batch=True)])
    main_loop.run()
    err = capsys.readouterr().err
    # The bar ends with the values of the epoch's last batch.
    assert err.rstrip().endswith('error_rate=0.25]')
    assert 'cost=' not in err
