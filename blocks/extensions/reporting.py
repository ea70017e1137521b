"""Extensions that report on training: Printing, ProgressBar, Timing."""
import math
import numbers
import sys
from functools import partial
from operator import itemgetter

import numpy
from tqdm import tqdm

from blocks.extensions.base import SimpleExtension, TrainingExtension

# Status entries kept by the main loop for its own bookkeeping; Printing
# shows the progress counters and the entries added by extensions.
_BOOKKEEPING_STATUS = frozenset([
    'training_started', 'epoch_started', 'received_first_batch',
    'epoch_interrupt_received', 'batch_interrupt_received', 'resumed_from',
    'got_exception'])

_RULE = 79 * '-'


def format_value(value, digits=6):
    """Format a log value for the console, rounding floats.

    Parameters
    ----------
    value : object
        A record or status entry.
    digits : int, optional
        The number of significant digits of floats (6 by default); None
        prints floats in full.

    Returns
    -------
    str

    Examples
    --------
    >>> import numpy
    >>> format_value(0.0021705329998)
    '0.00217053'
    >>> format_value(numpy.float32(2.5)), format_value(True), format_value(3)
    ('2.5', 'True', '3')
    >>> format_value(numpy.array([1 / 3, 2.0]), digits=3)
    '[0.333 2]'
    >>> format_value(('model.zip', None))
    "('model.zip', None)"

    """
    if digits is None or isinstance(value, (bool, numpy.bool_, str)):
        return str(value)
    if isinstance(value, numpy.ndarray) and value.ndim == 0:
        value = value.item()
    if isinstance(value, numbers.Integral):
        return str(value)
    if isinstance(value, numbers.Real):
        return '{:.{}g}'.format(float(value), digits)
    if isinstance(value, numpy.ndarray) and value.dtype.kind == 'f':
        return numpy.array2string(
            value, threshold=20, separator=' ',
            formatter={'float_kind': partial(_format_float, digits=digits)})
    if isinstance(value, tuple):
        items = [format_value(item, digits) if not isinstance(item, str)
                 else repr(item) for item in value]
        return '({})'.format(', '.join(items) + (',' if len(items) == 1
                                                  else ''))
    return str(value)


def _format_float(value, digits):
    return '{:.{}g}'.format(value, digits)


class Printing(SimpleExtension):
    """Prints log messages to the screen.

    By default it prints before the first epoch, after every epoch, after
    training, when training is resumed and when it is interrupted. Each
    report shows the training status (``epochs_done``,
    ``iterations_done`` and the status entries made by extensions) and the
    records of the current row of the log, in alphabetical order. Status
    entries and records whose name starts with an underscore are not
    shown. Floats are rounded to `digits` significant digits.

    Parameters
    ----------
    records : list of str, optional
        Show only these records of the log (those present in the current
        row), in this order. All of them by default.
    digits : int, optional
        Significant digits of the floats shown, 6 by default; None shows
        them in full.
    \\*\\*kwargs
        Triggers, see :class:`SimpleExtension`.

    Notes
    -----
    A report looks like this (with a line of 79 dashes as the rule, and
    each entry indented by a tab)::

        ------------------------------------------------------------
        AFTER ANOTHER EPOCH
        ------------------------------------------------------------
        Training status:
             epochs_done: 1
             iterations_done: 235
        Log records from the iteration 235:
             test_cost_with_regularization: 0.664899
             training_finish_requested: True

    Examples
    --------
    >>> Printing(records=['test_cost', 'test_error_rate'], digits=4,
    ...          every_n_epochs=10).records
    ['test_cost', 'test_error_rate']

    """
    def __init__(self, records=None, digits=6, **kwargs):
        kwargs.setdefault('before_first_epoch', True)
        kwargs.setdefault('on_resumption', True)
        kwargs.setdefault('after_training', True)
        kwargs.setdefault('after_epoch', True)
        kwargs.setdefault('on_interrupt', True)
        super().__init__(**kwargs)
        if records is not None:
            if isinstance(records, str) or not all(
                    isinstance(record, str) for record in records):
                raise TypeError("Printing: records must be a list of record "
                                "names, got {!r}".format(records))
            records = list(records)
        if digits is not None and (isinstance(digits, bool) or not isinstance(
                digits, numbers.Integral) or digits < 1):
            raise ValueError("Printing: digits must be a positive integer or "
                             "None, got {!r}".format(digits))
        self.records = records
        self.digits = digits

    def _print_attributes(self, attribute_tuples, keep_order=False):
        if not keep_order:
            attribute_tuples = sorted(attribute_tuples, key=itemgetter(0))
        for name, value in attribute_tuples:
            if not str(name).startswith('_'):
                print('\t', '{}:'.format(name),
                      format_value(value, self.digits))

    def _records_to_print(self, row):
        row = dict(row.items())
        if self.records is None:
            return list(row.items()), False
        return [(name, row[name]) for name in self.records
                if name in row], True

    def do(self, which_callback, *args):
        log = self.main_loop.log
        print_status = True
        if which_callback == 'before_epoch' and \
                log.status['epochs_done'] == 0:
            header = 'BEFORE FIRST EPOCH'
        elif which_callback == 'before_epoch':
            header = 'BEFORE ANOTHER EPOCH'
        elif which_callback == 'on_resumption':
            header = 'TRAINING HAS BEEN RESUMED'
            print_status = False
        elif which_callback == 'after_training':
            header = 'TRAINING HAS BEEN FINISHED:'
        elif which_callback == 'after_epoch':
            header = 'AFTER ANOTHER EPOCH'
        elif which_callback == 'on_interrupt':
            header = 'TRAINING HAS BEEN INTERRUPTED'
            print_status = False
        else:
            header = which_callback.upper().replace('_', ' ')
        print()
        print(_RULE)
        print(header)
        print(_RULE)
        if print_status:
            print('Training status:')
            self._print_attributes(
                (name, value) for name, value in log.status.items()
                if name not in _BOOKKEEPING_STATUS)
            print('Log records from the iteration {}:'.format(
                log.status['iterations_done']))
            self._print_attributes(*self._records_to_print(log.current_row))
        print()


# The sections of the main loop's profile that a training batch spends
# its time in: reading the batch and processing it.
_BATCH_SECTIONS = (('training', 'epoch', 'read_data'),
                   ('training', 'epoch', 'train'))

_BAR_FORMAT = ('{desc}: {percentage:3.0f}%|{bar}| {n_fmt}/{total_fmt} '
               '[{elapsed}<{remaining}{postfix}]')
_COUNTER_FORMAT = '{desc}: {n_fmt} batches [{elapsed}{postfix}]'


class ProgressBar(TrainingExtension):
    """Display a progress bar during training.

    The bar (drawn with tqdm on standard error) counts the batches of the
    current epoch, numbered as the log will number it when it is done
    (the first epoch is ``Epoch 1``). It shows the throughput in batches
    per second, measured over the time spent reading and processing the
    batches of the epoch only (not in monitoring, checkpoints or other
    extensions), and the latest training cost, or the latest values of
    the chosen records of the log.

    This extension tries to infer the number of batches per epoch from the
    ``num_batches``, or ``num_examples`` and ``batch_size``, attributes of
    the iteration scheme of the data stream (looking through transformers
    that change the data but not the number of batches, such as
    ``Flatten``). When this information is not available it displays a
    plain counter without the estimated time until the end of the epoch.

    While the bar is shown, messages of the :mod:`logging` module that go
    to the console are printed above it instead of breaking it.

    Parameters
    ----------
    records : list of str, optional
        The records of the log whose latest values the bar shows. By
        default, the training cost: the ``last_cost`` of the algorithm
        (e.g. :class:`~blocks.algorithms.GradientDescent`), if it has one.
    digits : int, optional
        Significant digits of the values shown (4 by default).
    \\*\\*kwargs
        Passed to :class:`TrainingExtension` (`name`).

    Notes
    -----
    This extension should be run before other extensions that print to
    the screen at the end or at the beginning of the epoch (e.g. the
    :class:`Printing` extension). Placing ProgressBar before these
    extensions will ensure you won't get intermingled output on your
    terminal.

    The bar itself is not pickled with the main loop; a main loop resumed
    from a checkpoint starts a new bar at the batch it stopped at.

    """
    def __init__(self, records=None, digits=4, **kwargs):
        super().__init__(**kwargs)
        if records is not None:
            if isinstance(records, str) or not all(
                    isinstance(record, str) for record in records):
                raise TypeError("ProgressBar: records must be a list of "
                                "record names, got {!r}".format(records))
            records = list(records)
        self.records = records
        self.digits = digits
        self.bar = None
        self.iter_count = 0
        self._redirect = None
        self._batch_time_at_start = 0.
        self._batches_at_start = 0

    def __getstate__(self):
        state = self.__dict__.copy()
        state['bar'] = None
        state['_redirect'] = None
        return state

    def _iteration_scheme(self):
        # Imported here: the data layer is only needed once training runs.
        from blocks.data.transformers import (
            AgnosticSourcewiseTransformer, FilterSources, Rename,
            SourcewiseTransformer)
        one_to_one = (SourcewiseTransformer, AgnosticSourcewiseTransformer,
                      FilterSources, Rename)
        stream = self.main_loop.data_stream
        while getattr(stream, 'iteration_scheme', None) is None and \
                isinstance(stream, one_to_one):
            stream = stream.data_stream
        return getattr(stream, 'iteration_scheme', None)

    def get_iter_per_epoch(self):
        """Try to infer the number of iterations per epoch.

        Returns
        -------
        int or None
            The number of batches in an epoch, None if unknown.

        """
        scheme = self._iteration_scheme()
        num_batches = getattr(scheme, 'num_batches', None)
        if num_batches is not None:
            return int(num_batches)
        num_examples = getattr(scheme, 'num_examples', None)
        batch_size = getattr(scheme, 'batch_size', None)
        if num_examples is not None and batch_size:
            return int(math.ceil(num_examples / batch_size))
        return None

    def _batch_time(self):
        """Seconds spent reading and processing batches, over all epochs."""
        total = self.main_loop.profile.total
        return sum(total.get(section, 0.) for section in _BATCH_SECTIONS)

    def create_bar(self):
        """Create a new progress bar for the current epoch.

        Calls :meth:`get_iter_per_epoch`; without a known length the bar
        is a plain counter.

        """
        total = self.get_iter_per_epoch()
        return tqdm(total=total, initial=self.iter_count,
                    desc='Epoch {}'.format(
                        self.main_loop.status['epochs_done'] + 1),
                    unit='batch', file=sys.stderr, leave=True,
                    dynamic_ncols=True,
                    bar_format=_BAR_FORMAT if total else _COUNTER_FORMAT)

    def _open_bar(self):
        # Imported here: tqdm.contrib pulls in more than the bar needs.
        from tqdm.contrib.logging import logging_redirect_tqdm
        self.bar = self.create_bar()
        self._batch_time_at_start = self._batch_time()
        self._batches_at_start = self.iter_count
        self._redirect = logging_redirect_tqdm()
        self._redirect.__enter__()

    def _close_bar(self):
        if self.bar is not None:
            self.bar.close()
            self.bar = None
        if self._redirect is not None:
            self._redirect.__exit__(None, None, None)
            self._redirect = None

    def _postfix(self):
        """The throughput and the latest values shown after the bar."""
        parts = []
        seconds = self._batch_time() - self._batch_time_at_start
        batches = self.iter_count - self._batches_at_start
        if seconds > 0 and batches > 0:
            rate = batches / seconds
            parts.append('{} batches/s'.format(
                '{:.0f}'.format(rate) if rate >= 100 else
                format_value(rate, 3)))
        if self.records is None:
            cost = getattr(self.main_loop.algorithm, 'last_cost', None)
            if cost is not None:
                parts.append('cost={}'.format(format_value(cost,
                                                           self.digits)))
        else:
            log = self.main_loop.log
            # Extensions placed after the bar write this batch's records
            # after it is drawn: show the latest value there is.
            rows = [log.current_row, log.previous_row]
            for record in self.records:
                for row in rows:
                    if record in row:
                        parts.append('{}={}'.format(
                            record, format_value(row[record], self.digits)))
                        break
        return ', '.join(parts)

    def before_epoch(self):
        self.iter_count = 0

    def before_batch(self, batch):
        if self.bar is None:
            self._open_bar()

    def after_batch(self, batch):
        if self.bar is None:
            self._open_bar()
        self.iter_count += 1
        self.bar.set_postfix_str(self._postfix(), refresh=False)
        self.bar.update(1)

    def after_epoch(self):
        if self.bar is not None:
            # The extensions after the bar have written the last batch's
            # records by now.
            self.bar.set_postfix_str(self._postfix(), refresh=False)
        self._close_bar()

    def after_training(self):
        self._close_bar()

    def on_interrupt(self):
        self._close_bar()

    def on_error(self, exception=None):
        self._close_bar()


class Timing(SimpleExtension):
    """Add timing information to the log.

    This adds data about the time spent in the algorithm's
    ``process_batch`` method as well as the time spent reading data per
    batch or epoch. It also reports the time spent initializing the
    algorithm. The records are (in seconds, ``prefix_`` prepended if a
    prefix is given):

    - ``time_initialization``, before the first epoch;
    - ``time_train_this_batch`` and ``time_read_data_this_batch``, after
      a batch (if triggered after batches);
    - ``time_train_this_epoch`` and ``time_read_data_this_epoch``, after
      an epoch;
    - ``time_train_total`` and ``time_read_data_total``, with either.

    Parameters
    ----------
    prefix : str, optional
        Prepended, with an underscore, to the record names.
    \\*\\*kwargs
        Triggers, see :class:`SimpleExtension`. By default the extension
        runs before the first epoch and after every epoch.

    Notes
    -----
    Add this extension before the :class:`Printing` extension.

    This extension does not enable full profiling information. To see a
    full profile of the main loop at the end of training, use the
    ``profile`` configuration (e.g. by setting ``BLOCKS_PROFILE=true``).

    """
    ACTIONS = ('train', 'read_data')

    def __init__(self, prefix='', **kwargs):
        kwargs.setdefault('before_first_epoch', True)
        kwargs.setdefault('after_epoch', True)
        super().__init__(**kwargs)
        self.current = {level: {action: 0. for action in self.ACTIONS}
                        for level in ('batch', 'epoch')}
        self.previous = {level: {action: 0. for action in self.ACTIONS}
                         for level in ('batch', 'epoch')}
        self.prefix = prefix + '_' if prefix else ''

    def do(self, which_callback, *args):
        current_row = self.main_loop.log.current_row
        profile = self.main_loop.profile.total
        if which_callback == 'before_epoch':
            current_row[self.prefix + 'time_initialization'] = profile.get(
                ('initialization',), 0.)
            return
        if which_callback == 'after_batch':
            level = 'batch'
        elif which_callback == 'after_epoch':
            level = 'epoch'
        else:
            raise ValueError("Timing: records timings before the first "
                             "epoch, after batches and after epochs, not in "
                             "the callback {!r}".format(which_callback))
        for action in self.ACTIONS:
            self.previous[level][action] = self.current[level][action]
            self.current[level][action] = profile.get(
                ('training', 'epoch', action), 0.)
            current_row[self.prefix + 'time_{}_this_{}'.format(
                action, level)] = (self.current[level][action] -
                                   self.previous[level][action])
            current_row[self.prefix + 'time_{}_total'.format(action)] = \
                self.current[level][action]
