"""Extensions that decide when training finishes.

Extensions stop training by making a ``training_finish_requested`` record
in the log; the main loop checks for it after every batch and every epoch.

"""
import logging
import numbers

from blocks.extensions.base import SimpleExtension

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
