"""Extensions that decide when training finishes.

Extensions stop training by making a ``training_finish_requested`` record
in the log; the main loop checks for it after every batch and every epoch.

- :class:`FinishAfter`: after a number of epochs or batches;
- :class:`FinishIfNoImprovementAfter` and :class:`EarlyStopping`: when a
  record has not improved for a while (the latter tracks the record and
  can save the best model);
- :class:`FinishIfThresholdReached`: when a record crosses a threshold;
- :class:`FinishIfNotFinite`: when a record or a parameter is NaN or
  infinite.

"""
import logging
import numbers

import numpy

from blocks.extensions.base import SimpleExtension
from blocks.extensions.composite import CompositeExtension
from blocks.extensions.training import TrackTheBest

logger = logging.getLogger(__name__)


class FinishAfter(SimpleExtension):
    """Finishes the training process when triggered.

    Parameters
    ----------
    \\*\\*kwargs
        Triggers, see :class:`~blocks.extensions.SimpleExtension`; e.g.
        ``FinishAfter(after_n_epochs=5)`` or
        ``FinishAfter(after_n_batches=100)``.

    """
    def do(self, which_callback, *args):
        self.main_loop.log.current_row['training_finish_requested'] = True


def _check_positive(owner, name, value):
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, numbers.Integral) \
            or value < 1:
        raise ValueError("{}: {} must be a positive integer or None, got {!r}"
                         .format(owner, name, value))
    return int(value)


class FinishIfNoImprovementAfter(SimpleExtension):
    """Stop after improvements have ceased for a given period.

    Improvements are signalled by the `notification_name` record in the
    log, e.g. the one made by
    :class:`~blocks.extensions.training.TrackTheBest`. Until the first
    notification, training is never stopped by this extension.

    Parameters
    ----------
    notification_name : str
        The name of the log record to look for, which indicates a new best
        performer has been found. Note that the value of this record is
        not inspected.
    iterations : int, optional
        The number of iterations to wait for a new best. Exactly one of
        `iterations` or `epochs` must be given.
    epochs : int, optional
        The number of epochs to wait for a new best. Exactly one of
        `iterations` or `epochs` must be given.
    patience_log_record : str, optional
        The name under which to record the number of iterations or epochs
        of patience left in the log. Defaults to `notification_name` with
        ``_patience_epochs`` or ``_patience_iterations`` appended.
    \\*\\*kwargs
        Triggers, see :class:`~blocks.extensions.SimpleExtension`. By
        default the extension runs after every batch and every epoch; it
        must run after the extension that makes the notification.

    Examples
    --------
    >>> stopper = FinishIfNoImprovementAfter('valid_cost_best_so_far',
    ...                                      epochs=3)
    >>> stopper.patience_log_record
    'valid_cost_best_so_far_patience_epochs'

    """
    def __init__(self, notification_name, iterations=None, epochs=None,
                 patience_log_record=None, **kwargs):
        owner = type(self).__name__
        if (epochs is None) == (iterations is None):
            raise ValueError("{}: give exactly one of iterations and epochs, "
                             "got iterations={!r}, epochs={!r}".format(
                                 owner, iterations, epochs))
        self.iterations = _check_positive(owner, 'iterations', iterations)
        self.epochs = _check_positive(owner, 'epochs', epochs)
        self.notification_name = notification_name
        self.last_best_iter = self.last_best_epoch = None
        if patience_log_record is None:
            patience_log_record = notification_name + '_patience' + (
                '_epochs' if self.epochs is not None else '_iterations')
        self.patience_log_record = patience_log_record
        kwargs.setdefault('after_batch', True)
        kwargs.setdefault('after_epoch', True)
        super().__init__(**kwargs)

    def update_best(self):
        """Note the time of the last notification, if there is one now."""
        log = self.main_loop.log
        if self.notification_name in log.current_row:
            self.last_best_iter = log.status['iterations_done']
            self.last_best_epoch = log.status['epochs_done']

    def do(self, which_callback, *args):
        self.update_best()
        if self.last_best_iter is None:
            return
        log = self.main_loop.log
        if self.epochs is not None:
            since = log.status['epochs_done'] - self.last_best_epoch
            patience = self.epochs - since
        else:
            since = log.status['iterations_done'] - self.last_best_iter
            patience = self.iterations - since
        logger.debug('%s: no improvement for %d %s, patience left %d',
                     self.name, since,
                     'epochs' if self.epochs is not None else 'iterations',
                     patience)
        if patience <= 0:
            log.current_row['training_finish_requested'] = True
        log.current_row[self.patience_log_record] = patience


#: Triggers of :class:`EarlyStopping` when none is given.
_EARLY_STOPPING_TRIGGERS = {'after_epoch': True}


class EarlyStopping(CompositeExtension):
    """Track the best value of a record and stop when it stops improving.

    A :class:`~blocks.extensions.training.TrackTheBest` notes every new
    best value of `record_name` (writing `notification_name` in the log), a
    :class:`FinishIfNoImprovementAfter` stops training when there has been
    no new best for `epochs` epochs or `iterations` iterations, and,
    given a checkpoint extension, the main loop is saved to
    `checkpoint_filename` whenever a new best is found (brainstorm's
    ``EarlyStopper`` and ``SaveBestNetwork`` together).

    Parameters
    ----------
    record_name : str
        The record whose value decides, e.g. a validation error written by
        a :class:`~blocks.extensions.monitoring.DataStreamMonitoring`
        placed before this extension.
    checkpoint_extension : :class:`~blocks.extensions.saveload.Checkpoint`,
        optional
        Saves the main loop to `checkpoint_filename` on a new best. If it
        is not among the main loop's extensions when training starts, it
        is added as a sub-extension of this one (so that its own triggers,
        e.g. saving after training to its own path, apply too).
    checkpoint_filename : str, optional
        Where the best model is saved; required with
        `checkpoint_extension`.
    notification_name : str, optional
        The record written on a new best; `record_name` +
        ``'_best_so_far'`` by default.
    choose_best : callable, optional
        :func:`min` (the default) when lower is better, :func:`max` when
        higher is; see :class:`~blocks.extensions.training.TrackTheBest`.
    iterations : int, optional
        Stop after this many iterations without a new best.
    epochs : int, optional
        Stop after this many epochs without a new best. Exactly one of
        `iterations` and `epochs` must be given.
    \\*\\*kwargs
        Triggers (by default ``after_epoch=True``) and `name`. The triggers
        say when the record is read, when a decision to stop is taken and
        when the best model may be saved.

    Raises
    ------
    ValueError
        If `checkpoint_extension` is given without `checkpoint_filename`
        (or the reverse), or not exactly one of `iterations` and `epochs`.

    Notes
    -----
    The state (best value, time of the last improvement) lives in the log
    and in the sub-extensions, so a resumed checkpoint continues counting
    where it was.

    Examples
    --------
    Stop when the validation error has not reached a new minimum for 5
    epochs, and when the accuracy has not reached a new maximum for 100
    iterations:

    >>> stopping = EarlyStopping('valid_error', epochs=5)
    >>> by_accuracy = EarlyStopping('valid_accuracy', choose_best=max,
    ...                             notification_name='highest_accuracy',
    ...                             iterations=100)

    Save the best model too:

    >>> import os, tempfile
    >>> from blocks.extensions.saveload import Checkpoint
    >>> directory = tempfile.mkdtemp()
    >>> checkpoint = Checkpoint(os.path.join(directory, 'last.zip'))
    >>> with_best = EarlyStopping(
    ...     'valid_error', checkpoint_extension=checkpoint,
    ...     checkpoint_filename=os.path.join(directory, 'best.zip'),
    ...     epochs=10)

    """
    def __init__(self, record_name, checkpoint_extension=None,
                 checkpoint_filename=None, notification_name=None,
                 choose_best=min, iterations=None, epochs=None, **kwargs):
        if not isinstance(record_name, str):
            raise TypeError("EarlyStopping: record_name must be a string, "
                            "got {!r}".format(record_name))
        if (checkpoint_extension is None) != (checkpoint_filename is None):
            raise ValueError("EarlyStopping: checkpoint_extension and "
                             "checkpoint_filename go together, got "
                             "checkpoint_extension={!r} and "
                             "checkpoint_filename={!r}".format(
                                 checkpoint_extension, checkpoint_filename))
        if checkpoint_extension is not None and \
                not callable(getattr(checkpoint_extension, 'do', None)):
            raise TypeError("EarlyStopping: checkpoint_extension must be a "
                            "Checkpoint extension, got {!r}".format(
                                checkpoint_extension))
        if notification_name is None:
            notification_name = record_name + '_best_so_far'
        name = kwargs.pop('name', None)
        triggers = kwargs or dict(_EARLY_STOPPING_TRIGGERS)
        tracking = TrackTheBest(record_name, notification_name,
                                choose_best=choose_best, **triggers)
        # Without these, FinishIfNoImprovementAfter would also run after
        # every batch.
        stopping_triggers = dict(triggers)
        stopping_triggers.setdefault('after_batch', False)
        stopping_triggers.setdefault('after_epoch', False)
        stopping = FinishIfNoImprovementAfter(
            notification_name, iterations=iterations, epochs=epochs,
            **stopping_triggers)
        self.record_name = record_name
        self.notification_name = notification_name
        self.checkpoint_extension = checkpoint_extension
        self.checkpoint_filename = checkpoint_filename
        super().__init__([tracking, stopping], run_before_children=False,
                         name=name, before_training=True, **triggers)

    @property
    def tracking_extension(self):
        """The :class:`~blocks.extensions.training.TrackTheBest`."""
        return self.sub_extensions[0]

    @property
    def stopping_extension(self):
        """The :class:`FinishIfNoImprovementAfter`."""
        return self.sub_extensions[1]

    def do(self, which_callback, *args):
        checkpoint = self.checkpoint_extension
        if checkpoint is None:
            return
        if which_callback == 'before_training':
            if checkpoint not in self.main_loop.extensions and \
                    checkpoint not in self.sub_extensions:
                logger.info('%s: the checkpoint extension runs as a '
                            'sub-extension', self.name)
                self.sub_extensions.append(checkpoint)
                checkpoint.main_loop = self.main_loop
            return
        if self.main_loop.log.current_row.get(self.notification_name):
            from_main_loop, _ = self.parse_args(which_callback, args)
            logger.info('%s: new best %s, saving to %s', self.name,
                        self.record_name, self.checkpoint_filename)
            checkpoint.do(which_callback, *from_main_loop,
                          self.checkpoint_filename)


def _is_better_or_equal(value, threshold, criterion):
    if criterion == 'min':
        return value <= threshold
    return value >= threshold


class FinishIfThresholdReached(SimpleExtension):
    """Stop training when a record reaches a threshold.

    Brainstorm's ``StopAfterThresholdReached``: with ``criterion='min'``
    training stops once the record is at most `threshold` (e.g. a loss),
    with ``'max'`` once it is at least `threshold` (e.g. an accuracy).

    Parameters
    ----------
    record_name : str
        The record to watch; the extension does nothing at the times the
        current row of the log does not have it.
    threshold : float
        The value to reach.
    criterion : {'min', 'max'}, optional
        Whether lower ('min', the default) or higher values are better.
    \\*\\*kwargs
        Triggers and `name`, see :class:`SimpleExtension`. By default the
        extension runs after every batch and every epoch; place it after
        the extension that writes the record.

    Examples
    --------
    >>> stop = FinishIfThresholdReached('valid_accuracy', 0.97,
    ...                                 criterion='max')

    """
    def __init__(self, record_name, threshold, criterion='min', **kwargs):
        if not isinstance(record_name, str):
            raise TypeError("FinishIfThresholdReached: record_name must be a "
                            "string, got {!r}".format(record_name))
        if isinstance(threshold, bool) or \
                not isinstance(threshold, numbers.Real):
            raise TypeError("FinishIfThresholdReached: threshold must be a "
                            "real number, got {!r}".format(threshold))
        if criterion not in ('min', 'max'):
            raise ValueError("FinishIfThresholdReached: criterion must be "
                             "'min' or 'max', got {!r}".format(criterion))
        self.record_name = record_name
        self.threshold = threshold
        self.criterion = criterion
        kwargs.setdefault('after_batch', True)
        kwargs.setdefault('after_epoch', True)
        super().__init__(**kwargs)

    def do(self, which_callback, *args):
        log = self.main_loop.log
        value = log.current_row.get(self.record_name)
        if value is None:
            return
        if _is_better_or_equal(value, self.threshold, self.criterion):
            logger.info('%s: %s = %s reached the threshold %s', self.name,
                        self.record_name, value, self.threshold)
            log.current_row['training_finish_requested'] = True


class FinishIfNotFinite(SimpleExtension):
    """Stop training when a record or a parameter is NaN or infinite.

    Brainstorm's ``StopOnNan``. The names of what is not finite are
    recorded in the log as ``nonfinite_found`` (records by name,
    parameters by their path in the model, e.g. ``/mlp/linear_0.W``).

    Parameters
    ----------
    record_names : list of str, optional
        The records to check when they are in the current row of the log.
        By default every numerical record of the current row is checked.
    check_parameters : bool, optional
        Also check the parameters: those of the main loop's model, or, if
        the main loop has none, those of the training algorithm. True by
        default.
    \\*\\*kwargs
        Triggers and `name`, see :class:`SimpleExtension`. By default the
        extension runs after every epoch; add e.g. ``every_n_batches`` to
        check more often.

    Raises
    ------
    ValueError
        Before training, if `check_parameters` is True and neither the main
        loop's model nor the algorithm has parameters.

    Notes
    -----
    The main loop itself stops with an error on a non-finite training cost
    (unless the step rule removes non-finite steps); this extension also
    sees monitored records and the parameters.

    Examples
    --------
    >>> guard = FinishIfNotFinite(record_names=['valid_cost'],
    ...                           every_n_batches=100)

    """
    RECORD = 'nonfinite_found'

    def __init__(self, record_names=None, check_parameters=True, **kwargs):
        if record_names is not None:
            if isinstance(record_names, str) or not all(
                    isinstance(name, str) for name in record_names):
                raise TypeError("FinishIfNotFinite: record_names must be a "
                                "list of strings, got {!r}".format(
                                    record_names))
            record_names = list(record_names)
        self.record_names = record_names
        self.check_parameters = bool(check_parameters)
        kwargs.setdefault('after_epoch', True)
        super().__init__(**kwargs)
        if self.check_parameters:
            self.add_condition(['before_training'],
                               arguments=('check_setup',))

    def _parameters(self):
        try:
            return dict(self.main_loop.model.get_parameter_dict())
        except AttributeError:
            pass
        parameters = getattr(self.main_loop.algorithm, 'parameters', None)
        if not parameters:
            raise ValueError(
                "FinishIfNotFinite {!r}: check_parameters is True, but the "
                "main loop has no model and its algorithm no parameters; "
                "give the MainLoop a model or pass check_parameters=False"
                .format(self.name))
        return {parameter.name or 'parameter_{}'.format(index): parameter
                for index, parameter in enumerate(parameters)}

    def do(self, which_callback, *args):
        _, from_user = self.parse_args(which_callback, args)
        if from_user == ('check_setup',):
            self._parameters()
            return
        log = self.main_loop.log
        names = self.record_names if self.record_names is not None \
            else [name for name in log.current_row if name != self.RECORD]
        found = [name for name in names
                 if name in log.current_row and
                 not _is_finite(log.current_row[name])]
        if self.check_parameters:
            found += [name for name, parameter in self._parameters().items()
                      if not _is_finite(parameter.get_value(borrow=True))]
        if found:
            logger.warning('%s: not finite: %s; training stops', self.name,
                           ', '.join(found))
            log.current_row[self.RECORD] = found
            log.current_row['training_finish_requested'] = True


def _is_finite(value):
    """Whether a numerical value is finite; other values count as finite."""
    if isinstance(value, (bool, str, bytes)) or value is None:
        return True
    try:
        array = numpy.asarray(value)
    except Exception:
        return True
    if array.dtype.kind not in 'fc':
        return True
    return bool(numpy.isfinite(array).all())
