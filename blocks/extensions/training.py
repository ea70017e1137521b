"""Extensions that adjust training as it goes."""
import inspect
import logging

import numpy

from blocks.extensions.base import SimpleExtension

logger = logging.getLogger(__name__)


class SharedVariableModifier(SimpleExtension):
    """Adjusts shared variable parameter using some function.

    Applies a function to compute the new value of a shared parameter
    each iteration. This class can be used to adapt over the training
    process parameters like learning rate, momentum, etc.

    Parameters
    ----------
    parameter : :class:`~aesara.tensor.sharedvar.TensorSharedVariable`
        Shared variable to be adjusted.
    function : callable
        A function which outputs a numeric value to which the given shared
        variable will be set and may take one or two arguments. In the
        first case, it takes the total number of iterations done (int).
        In the second case, it takes the number of iterations done and
        the old value of the shared variable (with the same dtype as
        `parameter`). The function is pickled with the main loop, so it
        must be a module-level function or a picklable callable object,
        not a lambda or a nested function.
    num_args : int, optional
        The number of arguments of `function`, 1 or 2. By default it is
        read from the signature of `function`.
    \\*\\*kwargs
        Triggers, see :class:`~blocks.extensions.SimpleExtension`. By
        default the extension runs after every batch.

    Examples
    --------
    Halve the learning rate after every epoch; ``halve`` is defined at
    the top level of a module so that the main loop pickles:

    >>> from blocks.utils import shared_floatx
    >>> learning_rate = shared_floatx(0.1)
    >>> def halve(iterations_done, old_value):
    ...     return old_value / 2
    >>> modifier = SharedVariableModifier(learning_rate, halve,
    ...                                   after_batch=False, after_epoch=True)
    >>> modifier.num_args
    2

    """
    def __init__(self, parameter, function, num_args=None, **kwargs):
        kwargs.setdefault('after_batch', True)
        super().__init__(**kwargs)
        if not hasattr(parameter, 'set_value'):
            raise TypeError("SharedVariableModifier: parameter must be a "
                            "shared variable, got {!r}".format(parameter))
        if not callable(function):
            raise TypeError("SharedVariableModifier: function must be "
                            "callable, got {!r}".format(function))
        if num_args is None:
            try:
                num_args = len(inspect.signature(function).parameters)
            except (TypeError, ValueError) as exc:
                raise ValueError(
                    "SharedVariableModifier: cannot read the number of "
                    "arguments of {!r}; pass num_args (1 or 2)"
                    .format(function)) from exc
        if num_args not in (1, 2):
            raise ValueError("SharedVariableModifier: function must take 1 "
                             "argument (iterations done) or 2 (iterations "
                             "done, old value), got num_args={!r}"
                             .format(num_args))
        self.parameter = parameter
        self.function = function
        self.num_args = num_args

    def do(self, which_callback, *args):
        iterations_done = self.main_loop.log.status['iterations_done']
        if self.num_args == 1:
            new_value = self.function(iterations_done)
        else:
            old_value = self.parameter.get_value()
            new_value = self.function(iterations_done, old_value)
        self.parameter.set_value(
            numpy.asarray(new_value, dtype=self.parameter.dtype))


class TrackTheBest(SimpleExtension):
    """Check if a log quantity has the minimum/maximum value so far.

    Parameters
    ----------
    record_name : str
        The name of the record to track.
    notification_name : str, optional
        The name for the record to be made in the log when the current
        value of the tracked quantity is the best so far. If not given,
        `record_name` plus ``_best_so_far`` is used.
    choose_best : callable, optional
        A function that takes the current value and the best so far and
        returns the best of two. By default :func:`min`, which corresponds
        to tracking the minimum value. It is pickled with the main loop
        (builtins such as :func:`min` and :func:`max` are fine).
    \\*\\*kwargs
        Triggers, see :class:`~blocks.extensions.SimpleExtension`. By
        default the extension runs after every epoch.

    Attributes
    ----------
    best_name : str
        The name of the status record to keep the best value so far,
        ``best_`` plus `record_name`.
    notification_name : str
        The name of the record written to the log when the current value
        of the tracked quantity is the best so far.

    Notes
    -----
    In the likely case that you are relying on another extension to add
    the tracked quantity to the log, make sure to place this extension
    after the extension that writes the quantity to the log in the
    `extensions` argument to :class:`blocks.main_loop.MainLoop`.

    """
    def __init__(self, record_name, notification_name=None,
                 choose_best=min, **kwargs):
        if not isinstance(record_name, str):
            raise TypeError("TrackTheBest: record_name must be a string, got "
                            "{!r}".format(record_name))
        if not callable(choose_best):
            raise TypeError("TrackTheBest: choose_best must be callable, got "
                            "{!r}".format(choose_best))
        self.record_name = record_name
        self.notification_name = (notification_name or
                                  record_name + '_best_so_far')
        self.best_name = 'best_' + record_name
        self.choose_best = choose_best
        kwargs.setdefault('after_epoch', True)
        super().__init__(**kwargs)

    def do(self, which_callback, *args):
        log = self.main_loop.log
        current_value = log.current_row.get(self.record_name)
        if current_value is None:
            return
        best_value = log.status.get(self.best_name, None)
        if best_value is None or (
                current_value != best_value and
                self.choose_best(current_value, best_value) ==
                current_value):
            logger.debug('%s: new best %s = %s at iteration %d', self.name,
                         self.record_name, current_value,
                         log.status['iterations_done'])
            log.status[self.best_name] = current_value
            log.current_row[self.notification_name] = True
