"""The main loop of training.

The main loop feeds batches of a data stream to a training algorithm and
calls the extensions at every stage; everything that happens is written to
a log. The main loop pickles, in the middle of training too (e.g. from an
extension's ``after_batch``): unpickling it and calling :meth:`MainLoop.run`
continues the training where it was.

"""
import logging
import signal
import threading
import traceback
import warnings

import numpy

from blocks.algorithms.batches import describe_nonfinite_sources
from blocks.config import config
from blocks.extensions import CallbackName, TrainingExtension
from blocks.utils import change_recursion_limit
from blocks.utils.profile import Profile, Timer

logger = logging.getLogger(__name__)

interrupt_message = """\
Received {signal}: training will stop after the current batch (the \
on_interrupt and after_training callbacks run first). Send it again to \
abort at once."""

no_model_message = """\
This main loop has no model. Pass one as the `model` argument of MainLoop \
(e.g. `Model(cost)`) if an extension needs it."""

missing_sources_message = """\
MainLoop: the data stream does not provide the sources {missing} that the \
training algorithm needs (its input variables are matched to the sources \
by name). Inputs of the algorithm: {inputs}; sources of the data stream: \
{sources}."""

_HANDLED_SIGNALS = (signal.SIGINT, signal.SIGTERM)


class TrainingFinish(Exception):
    """An exception raised when a finish request is found in the log."""


nonfinite_cost_message = """\
MainLoop: the training cost is {cost} at iteration {iteration} (epoch \
{epoch})."""

nonfinite_cost_remedy = """ The parameters were updated with that step and \
may now hold NaN or infinite values, so training stops here; the log \
records the value as `nonfinite_cost`. Lower the learning rate, clip the \
steps (StepClipping), or add RemoveNotFinite to the step rule \
(CompositeRule([..., RemoveNotFinite()])) to skip such steps."""

nonfinite_data_message = """ The batch holds NaN or infinite values in \
the sources {sources}."""

nonfinite_data_remedy = """ The data, not the training, is at fault: \
clean the data set or filter such examples out of the data stream. The \
parameters were updated with that step and may now hold NaN or infinite \
values, so training stops here."""


class MainLoop:
    """The standard main loop of Blocks.

    In the MainLoop a model is trained by a training algorithm using data
    extracted from a data stream. This process is scrupulously documented
    in a log object.

    The MainLoop itself does very little: only fetching the data from the
    data stream and feeding it to the algorithm. It expects the extensions
    to do most of the job. A respective callback of every extension is
    called at every stage of training. The extensions should communicate
    between themselves and with the main loop object by means of making
    records in the log. For instance in order to stop the training
    procedure an extension can make a record
    ``training_finish_requested=True`` in the log. The main loop checks
    for such a record after every batch and every epoch and terminates
    when it finds it.

    The MainLoop also handles the interruption signals SIGINT (the one a
    program receives when you press Ctrl + C) and SIGTERM for you. It
    notes the event in the log and at the end of the current batch it
    calls the ``on_interrupt`` callbacks and finishes training gracefully,
    calling the ``after_training`` callbacks. A second signal aborts at
    once with :class:`KeyboardInterrupt`. The previous signal handlers are
    restored when :meth:`run` returns.

    Parameters
    ----------
    algorithm : object
        The training algorithm, with ``initialize()`` and
        ``process_batch(batch)`` methods.
    data_stream : instance of :class:`~blocks.data.streams.DataStream`
        The data stream. Its epochs are requested as dictionaries of
        source names to data.
    model : :class:`~blocks.model.Model` instance, optional
        The model object. It is entirely transparent for the main loop but
        may be used by extensions.
    log : instance of :class:`~blocks.log.TrainingLog`, optional
        The log. When not given, one is created with the backend
        `log_backend`.
    log_backend : str, optional
        The backend to use for the log: ``python`` or ``sqlite``. If not
        given, ``config.log_backend`` is used. Ignored if `log` is passed.
    extensions : list of :class:`~blocks.extensions.TrainingExtension`
        The training extensions. Will be called in the same order as given
        here.
    check_cost_every : int, optional
        Look at the algorithm's ``last_cost`` after every this many
        batches (1, the default: every batch) to stop on a NaN or infinite
        cost. Under JAX on an accelerator, reading the cost waits for the
        step and copies it from the device; with a larger value the main
        loop reads it only every so many batches (extensions still read it
        when they show or record it). A non-finite cost between two checks
        is noticed only if it persists until the next one, as it does once
        the parameters are NaN.

    Attributes
    ----------
    profile : :class:`~blocks.utils.profile.Profile`
        The time spent in each stage of training (across runs); it is
        printed at the end of :meth:`run` when ``config.profile`` is True.
    epoch_iterator : iterator
        The iterator over the current epoch of `data_stream`.

    Notes
    -----
    When training stops on an exception, the ``on_error`` callbacks are
    called with the exception, the formatted traceback is recorded as
    ``got_exception`` in the status and in the current row of the log
    (``training_finished`` is not recorded), and the exception propagates
    unchanged; the main loop does not print it, so its traceback shows
    once. An exception raised by an extension carries a note naming the
    extension and the callback.

    Calling :meth:`run` on a main loop whose training has started, e.g.
    one unpickled from a checkpoint, resumes training: the log is resumed
    (see :meth:`~blocks.log.TrainingLog.resume`), the ``on_resumption``
    callbacks are called instead of ``before_training`` and the epoch in
    progress continues from its saved iterator. The algorithm is not
    initialized again; it must be able to process batches after being
    unpickled, as :class:`~blocks.algorithms.GradientDescent` does. A new
    main loop given the log of earlier training (as `log`, or by an
    extension such as :class:`~blocks.extensions.saveload.Load` in
    ``before_training``) calls ``before_training`` and then, as the log
    holds iterations, resumes the log and calls ``on_resumption``.

    An epoch is in progress while :attr:`epoch_iterator` is not None; it
    is reset to None at the end of every epoch.

    Examples
    --------
    Fit :math:`f(x) = x^a` to :math:`f(x) = x^2` on 150 random points in
    :math:`[0, 1]`, one point per batch:

    >>> import numpy
    >>> import aesara
    >>> from aesara import tensor
    >>> from blocks.algorithms import GradientDescent, Scale
    >>> from blocks.data.datasets import IterableDataset
    >>> from blocks.data.streams import DataStream
    >>> from blocks.extensions import FinishAfter, Printing
    >>> from blocks.extensions.monitoring import TrainingDataMonitoring
    >>> a = aesara.shared(3., name='a')
    >>> x = tensor.scalar('data')
    >>> cost = abs(x ** 2 - x ** a)
    >>> cost.name = 'cost'
    >>> data_stream = DataStream(IterableDataset(
    ...     numpy.random.RandomState(1).rand(150)))
    >>> main_loop = MainLoop(
    ...     algorithm=GradientDescent(cost=cost, parameters=[a],
    ...                               step_rule=Scale(learning_rate=0.1)),
    ...     data_stream=data_stream,
    ...     extensions=[FinishAfter(after_n_epochs=2),
    ...                 TrainingDataMonitoring([cost, a], after_epoch=True),
    ...                 Printing(before_first_epoch=False, after_epoch=False)])
    >>> main_loop.run()
    -------------------------------------------------------------------------------
    TRAINING HAS BEEN FINISHED:
    -------------------------------------------------------------------------------
    Training status:
         epochs_done: 2
         iterations_done: 300
    Log records from the iteration 300:
         a: 2.006...
         cost: 0.0007...
         training_finish_requested: True
         training_finished: True

    """
    #: The name of the signal (``'SIGINT'``, ``'SIGTERM'``) that stopped the
    #: last call of :meth:`run`, None if training ended otherwise.
    interrupted = None

    def __init__(self, algorithm, data_stream, model=None, log=None,
                 log_backend=None, extensions=None, check_cost_every=1):
        if isinstance(check_cost_every, bool) or \
                not isinstance(check_cost_every, int) or check_cost_every < 1:
            raise ValueError("MainLoop: check_cost_every must be a positive "
                             "integer (batches between checks of the cost), "
                             "got {!r}".format(check_cost_every))
        for method in ('initialize', 'process_batch'):
            if not callable(getattr(algorithm, method, None)):
                raise TypeError("MainLoop: algorithm must have an {}() "
                                "method, got {!r}".format(method, algorithm))
        if not hasattr(data_stream, 'get_epoch_iterator'):
            raise TypeError("MainLoop: data_stream must be a data stream "
                            "with get_epoch_iterator(), got {!r}".format(
                                data_stream))
        if log is None:
            log = self._create_log(log_backend)
        extensions = list(extensions) if extensions is not None else []
        for index, extension in enumerate(extensions):
            if not isinstance(extension, TrainingExtension):
                raise TypeError("MainLoop: extensions must be "
                                "TrainingExtension instances; extension {} "
                                "is {!r}".format(index, extension))
        self.algorithm = algorithm
        self.check_cost_every = check_cost_every
        self.data_stream = data_stream
        self.log = log
        self.extensions = extensions
        self._model = model
        self.profile = Profile()
        self.epoch_iterator = None
        # A log passed in may come from another main loop: training starts
        # anew for this one (and resumes the log, see `run`).
        for key in ('training_started', 'epoch_started',
                    'epoch_interrupt_received', 'batch_interrupt_received'):
            self.status[key] = False
        for extension in self.extensions:
            extension.main_loop = self
        self._signals_received = 0
        self._signal_name = None
        self._original_handlers = {}

    @staticmethod
    def _create_log(log_backend):
        from blocks.log import BACKENDS
        if log_backend is None:
            log_backend = config.log_backend
        if log_backend not in BACKENDS:
            raise ValueError("MainLoop: log_backend must be one of {}, got "
                             "{!r}".format(sorted(BACKENDS), log_backend))
        return BACKENDS[log_backend]()

    def __getstate__(self):
        state = self.__dict__.copy()
        # Signal handlers belong to the running process, not to the state
        # of training.
        state['_signals_received'] = 0
        state['_signal_name'] = None
        state['_original_handlers'] = {}
        state.pop('interrupted', None)
        return state

    @property
    def model(self):
        """The model given to the constructor."""
        if self._model is None:
            raise AttributeError(no_model_message)
        return self._model

    @property
    def iteration_state(self):
        """Quick access to the (data stream, epoch iterator) pair."""
        return self.data_stream, self.epoch_iterator

    @iteration_state.setter
    def iteration_state(self, value):
        self.data_stream, self.epoch_iterator = value

    @property
    def status(self):
        """A shortcut for ``self.log.status``."""
        return self.log.status

    def find_extension(self, name):
        """Find an extension with a given name.

        Parameters
        ----------
        name : str
            The name of the extension looked for.

        Raises
        ------
        ValueError
            If there is no extension or several extensions with this name.

        """
        found = [extension for extension in self.extensions
                 if extension.name == name]
        if len(found) != 1:
            raise ValueError("MainLoop.find_extension: expected one extension "
                             "named {!r}, found {}; the extensions are named "
                             "{}".format(name, len(found), [
                                 extension.name
                                 for extension in self.extensions]))
        return found[0]

    def run(self):
        """Start (or resume) the main loop.

        The main loop ends when a training extension makes a
        ``training_finish_requested`` record in the log, or after an
        interruption signal.

        """
        with change_recursion_limit(config.recursion_limit):
            self._install_signal_handlers()
            try:
                self.interrupted = None
                try:
                    self._train()
                except TrainingFinish:
                    if self.status.get('batch_interrupt_received', False):
                        # Stopped by a signal: not finished, to be resumed.
                        self.interrupted = self.log.current_row.get(
                            'interrupt_received', 'signal')
                        self.log.current_row['training_interrupted'] = True
                    else:
                        self.log.current_row['training_finished'] = True
                self._restore_signal_handlers()
                try:
                    self._run_extensions('after_training')
                except TrainingFinish:
                    pass
            except BaseException as exc:
                self._handle_error(exc)
                raise
            finally:
                self._restore_signal_handlers()
                if config.profile:
                    self.profile.report()

    def _train(self):
        if self.status.get('got_exception') is not None:
            self.status['got_exception'] = None
        for extension in self.extensions:
            extension.main_loop = self
        resumed = self.status['training_started']
        if not resumed:
            logger.info('Training starts')
            self._run_extensions('before_training')
            self._check_sources()
            with Timer('initialization', self.profile):
                self.algorithm.initialize()
            self.status['training_started'] = True
            # Extensions may have loaded the log of earlier training.
            resumed = self.status['iterations_done'] > 0
        if resumed:
            logger.info('Training resumes')
            self.log.resume()
            self.status['epoch_interrupt_received'] = False
            self.status['batch_interrupt_received'] = False
            self._run_extensions('on_resumption')
        self._check_interrupt()
        with Timer('training', self.profile):
            while self._run_epoch():
                pass

    def _check_sources(self):
        """Check that the data stream feeds every input of the algorithm."""
        inputs = getattr(self.algorithm, 'inputs', None)
        sources = getattr(self.data_stream, 'sources', None)
        if inputs is None or sources is None:
            return
        names = [getattr(variable, 'name', variable) for variable in inputs]
        missing = [name for name in names if name not in sources]
        if missing:
            raise ValueError(missing_sources_message.format(
                missing=missing, inputs=names, sources=list(sources)))

    def _run_epoch(self):
        # An epoch is in progress while there is an epoch iterator, e.g.
        # one unpickled with the main loop or set through iteration_state.
        if self.epoch_iterator is None:
            self.status['received_first_batch'] = False
            self.epoch_iterator = self.data_stream.get_epoch_iterator(
                as_dict=True)
            self.status['epoch_started'] = True
            self._run_extensions('before_epoch')
            self._check_interrupt()
        with Timer('epoch', self.profile):
            while self._run_iteration():
                pass
        self.epoch_iterator = None
        self.status['epoch_started'] = False
        self.status['epochs_done'] += 1
        # The log may not see mutations of its values: assign a new list.
        self.status['_epoch_ends'] = self.status['_epoch_ends'] + [
            self.status['iterations_done']]
        self._run_extensions('after_epoch')
        self._check_finish_training('epoch')
        return True

    def _run_iteration(self):
        try:
            with Timer('read_data', self.profile):
                batch = next(self.epoch_iterator)
        except StopIteration:
            if not self.status['received_first_batch']:
                raise ValueError("MainLoop: the epoch iterator of the data "
                                 "stream yielded no batches (epoch {})"
                                 .format(self.status['epochs_done']))
            return False
        if not self.status['received_first_batch']:
            self.status['received_first_batch'] = True
        self._run_extensions('before_batch', batch)
        with Timer('train', self.profile):
            try:
                self.algorithm.process_batch(batch)
            except Exception as exc:
                exc.add_note("MainLoop: raised by the algorithm {} in "
                             "process_batch, at iteration {} (epoch {})"
                             .format(type(self.algorithm).__name__,
                                     self.status['iterations_done'],
                                     self.status['epochs_done']))
                raise
        self.status['iterations_done'] += 1
        self._check_cost(batch)
        self._run_extensions('after_batch', batch)
        self._check_finish_training('batch')
        return True

    def _check_cost(self, batch):
        """Record and report a NaN or infinite training cost.

        Only then is the data of the batch looked at, to tell bad data
        from a diverging training. Done every `check_cost_every` batches.

        """
        # Main loops pickled before the option existed check every batch.
        every = getattr(self, 'check_cost_every', 1)
        if self.status['iterations_done'] % every:
            return
        cost = getattr(self.algorithm, 'last_cost', None)
        if cost is None or numpy.isfinite(cost):
            return
        message = nonfinite_cost_message.format(
            cost=cost, iteration=self.status['iterations_done'],
            epoch=self.status['epochs_done'])
        self.log.current_row['nonfinite_cost'] = float(cost)
        bad_sources = describe_nonfinite_sources(batch)
        if bad_sources:
            message += nonfinite_data_message.format(
                sources=', '.join(bad_sources))
        if getattr(self.algorithm, 'tolerates_nonfinite_cost', False):
            warnings.warn(message + " RemoveNotFinite skipped the step.",
                          RuntimeWarning)
            return
        if bad_sources:
            raise ValueError(message + nonfinite_data_remedy)
        raise FloatingPointError(message + nonfinite_cost_remedy)

    def _run_extensions(self, method_name, *args):
        callback_name = CallbackName(method_name)
        with Timer(method_name, self.profile):
            for extension in self.extensions:
                with Timer(extension.name, self.profile):
                    try:
                        extension.dispatch(callback_name, *args)
                    except TrainingFinish:
                        raise
                    except Exception as exc:
                        self._note_extension(exc, extension, method_name)
                        raise

    def _note_extension(self, exc, extension, method_name):
        marker = 'MainLoop: raised by the extension'
        if any(note.startswith(marker)
               for note in getattr(exc, '__notes__', [])):
            return
        exc.add_note("{} {!r} ({}) in its callback {}, at iteration {} "
                     "(epoch {})".format(
                         marker, extension.name, type(extension).__name__,
                         method_name, self.status['iterations_done'],
                         self.status['epochs_done']))

    def _check_finish_training(self, level):
        self._check_interrupt()
        if self.log.current_row.get('training_finish_requested', False) or \
                self.status.get('batch_interrupt_received', False):
            raise TrainingFinish
        if level == 'epoch' and \
                self.status.get('epoch_interrupt_received', False):
            raise TrainingFinish

    def _check_interrupt(self):
        """Finish training if a signal was received since the last check."""
        if not self._signals_received or \
                self.status['batch_interrupt_received']:
            return
        signal_name = self._signal_name
        logger.warning('Training stops on %s', signal_name)
        self.status['batch_interrupt_received'] = True
        self.log.current_row['interrupt_received'] = signal_name
        self._run_extensions('on_interrupt')
        raise TrainingFinish

    def _handle_signal(self, signal_number, frame):
        self._signals_received += 1
        self._signal_name = signal.Signals(signal_number).name
        if self._signals_received > 1:
            self._restore_signal_handlers()
            raise KeyboardInterrupt(
                "MainLoop: training aborted by a second {}".format(
                    self._signal_name))
        logger.warning(interrupt_message.format(signal=self._signal_name))

    def _install_signal_handlers(self):
        self._signals_received = 0
        self._original_handlers = {}
        if threading.current_thread() is not threading.main_thread():
            logger.debug('not in the main thread: signals are not handled')
            return
        for signal_number in _HANDLED_SIGNALS:
            self._original_handlers[signal_number] = signal.signal(
                signal_number, self._handle_signal)

    def _restore_signal_handlers(self):
        handlers, self._original_handlers = self._original_handlers, {}
        for signal_number, handler in handlers.items():
            signal.signal(signal_number, handler)

    def _handle_error(self, exc):
        """Record an exception in the log and call ``on_error``."""
        self._restore_signal_handlers()
        description = ''.join(traceback.format_exception(exc))
        try:
            self.log.current_row['got_exception'] = description
            self.status['got_exception'] = description
        except Exception:
            logger.exception('MainLoop: could not record the error in the '
                             'log')
        if not isinstance(exc, Exception):
            logger.error('Training aborted: %r', exc)
            return
        # The exception propagates with its traceback and notes: printing
        # it here too would show every error twice.
        logger.info('Training stopped on %s at iteration %d (epoch %d); the '
                    'traceback is recorded in the training log as '
                    'got_exception', type(exc).__name__,
                    self.status['iterations_done'], self.status['epochs_done'])
        for extension in self.extensions:
            try:
                extension.dispatch(CallbackName('on_error'), exc)
            except Exception as error_in_handler:
                logger.exception('MainLoop: the extension %r failed in its '
                                 'on_error callback', extension.name)
                exc.add_note("MainLoop: while handling this error, the "
                             "extension {!r} raised {!r} in its on_error "
                             "callback".format(extension.name,
                                               error_in_handler))
