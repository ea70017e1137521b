"""Extensions that report on training: Printing, ProgressBar, Timing."""
import math
import sys
from operator import itemgetter

from tqdm import tqdm

from blocks.extensions.base import SimpleExtension, TrainingExtension

# Status entries kept by the main loop for its own bookkeeping; Printing
# shows the progress counters and the entries added by extensions.
_BOOKKEEPING_STATUS = frozenset([
    'training_started', 'epoch_started', 'received_first_batch',
    'epoch_interrupt_received', 'batch_interrupt_received', 'resumed_from',
    'got_exception'])

_RULE = 79 * '-'


class Printing(SimpleExtension):
    """Prints log messages to the screen.

    By default it prints before the first epoch, after every epoch, after
    training, when training is resumed and when it is interrupted. Each
    report shows the training status (``epochs_done``,
    ``iterations_done`` and the status entries made by extensions) and the
    records of the current row of the log, in alphabetical order. Status
    entries and records whose name starts with an underscore are not
    shown.

    Parameters
    ----------
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
             test_cost_with_regularization: 0.664899230003
             training_finish_requested: True

    """
    def __init__(self, **kwargs):
        kwargs.setdefault('before_first_epoch', True)
        kwargs.setdefault('on_resumption', True)
        kwargs.setdefault('after_training', True)
        kwargs.setdefault('after_epoch', True)
        kwargs.setdefault('on_interrupt', True)
        super().__init__(**kwargs)

    @staticmethod
    def _print_attributes(attribute_tuples):
        for name, value in sorted(attribute_tuples, key=itemgetter(0)):
            if not str(name).startswith('_'):
                print('\t', '{}:'.format(name), value)

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
            self._print_attributes(log.current_row.items())
        print()


class ProgressBar(TrainingExtension):
    """Display a progress bar during training.

    The bar (drawn with tqdm on standard error) counts the batches of the
    current epoch. This extension tries to infer the number of batches per
    epoch from the ``num_batches``, or ``num_examples`` and
    ``batch_size``, attributes of the iteration scheme of the data stream
    (looking through transformers that change the data but not the number
    of batches, such as ``Flatten``). When this information is not
    available it displays a plain counter without the estimated time
    until the end of the epoch.

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
    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.bar = None
        self.iter_count = 0

    def __getstate__(self):
        state = self.__dict__.copy()
        state['bar'] = None
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

    def create_bar(self):
        """Create a new progress bar for the current epoch.

        Calls :meth:`get_iter_per_epoch`; without a known length the bar
        is a plain counter.

        """
        return tqdm(total=self.get_iter_per_epoch(), initial=self.iter_count,
                    desc='Epoch {}'.format(
                        self.main_loop.status['epochs_done']),
                    unit='batch', file=sys.stderr, leave=True,
                    dynamic_ncols=True)

    def _close_bar(self):
        if self.bar is not None:
            self.bar.close()
            self.bar = None

    def before_epoch(self):
        self.iter_count = 0

    def before_batch(self, batch):
        if self.bar is None:
            self.bar = self.create_bar()
        self.iter_count += 1
        self.bar.update(1)

    def after_epoch(self):
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
