"""The machinery of training extensions: callbacks, triggers, predicates.

A :class:`TrainingExtension` has one method per callback of the main loop
(:data:`CALLBACK_NAMES`); a :class:`SimpleExtension` concentrates its work
in :meth:`~SimpleExtension.do` and decides when to run it from *triggers*
given to its constructor (``after_epoch=True``, ``every_n_batches=10``,
...) or *conditions* added with :meth:`~SimpleExtension.add_condition`.

Everything an extension holds is pickled with the main loop into
checkpoints, so predicates are small classes or module-level functions,
never lambdas or nested functions.

"""
import logging
import numbers
from abc import abstractmethod

logger = logging.getLogger(__name__)

CALLBACK_NAMES = ('before_training', 'before_epoch', 'before_batch',
                  'after_batch', 'after_epoch', 'after_training',
                  'on_resumption', 'on_interrupt', 'on_error')
"""The names of the callbacks that the main loop invokes."""


def callback(func):
    """Mark a method of :class:`TrainingExtension` as a callback."""
    func._is_callback = True
    return func


class CallbackName(str):
    """A name of a :class:`TrainingExtension` callback.

    Comparing it with a string that is not a callback name raises, so that
    a misspelt name in a condition does not silently never match.

    Raises
    ------
    TypeError
        On comparison with a string which is not the name of a
        :class:`TrainingExtension` callback.

    Examples
    --------
    >>> CallbackName('after_epoch') == 'after_epoch'
    True
    >>> CallbackName('after_epoch') == 'after_batch'
    False
    >>> CallbackName('after_epoch') == 'after_epochs'
    Traceback (most recent call last):
      ...
    TypeError: CallbackName: 'after_epochs' is not the name of a callback; ...

    """
    def __eq__(self, other):
        if other not in CALLBACK_NAMES:
            raise TypeError("CallbackName: {!r} is not the name of a "
                            "callback; expected one of {}".format(
                                other, ', '.join(CALLBACK_NAMES)))
        return str(self) == str(other)

    def __ne__(self, other):
        return not self == other

    __hash__ = str.__hash__


def check_callback_names(owner, callbacks_names):
    """Raise unless every name in `callbacks_names` names a callback."""
    for name in callbacks_names:
        if name not in CALLBACK_NAMES:
            raise ValueError("{}: {!r} is not the name of a callback; "
                             "expected one of {}".format(
                                 owner, name, ', '.join(CALLBACK_NAMES)))


class TrainingExtension:
    """The base class for training extensions.

    An extension is a set of callbacks sharing a joint context that are
    invoked at certain stages of the training procedure. These callbacks
    typically add a certain functionality to the training procedure,
    e.g. running validation on auxiliary datasets or early stopping.

    Parameters
    ----------
    name : str, optional
        The name of the extension. The names are useful in order to
        distinguish between several extensions of the same type that
        belong to the same main loop. By default the name is set to the
        name of the class.

    Attributes
    ----------
    name : str
        The name of the extension.

    Notes
    -----
    The extension is pickled with the main loop into checkpoints: whatever
    it stores must pickle (see the project conventions).

    """
    def __init__(self, name=None, **kwargs):
        triggers = SimpleExtension.BOOLEAN_TRIGGERS | \
            SimpleExtension.INTEGER_TRIGGERS
        if kwargs and not isinstance(self, SimpleExtension) and \
                set(kwargs) <= triggers:
            raise TypeError(
                "{}: takes no triggers, got {}; it is not a SimpleExtension: "
                "its callbacks run at every stage of training".format(
                    type(self).__name__, sorted(kwargs)))
        if kwargs:
            raise TypeError(
                "{}: unknown arguments {}; the triggers of simple extensions "
                "are {}".format(type(self).__name__, sorted(kwargs),
                                ', '.join(sorted(triggers))))
        if name is not None and not isinstance(name, str):
            raise TypeError("{}: name must be a string, got {!r}"
                            .format(type(self).__name__, name))
        self.name = name if name else type(self).__name__

    @property
    def main_loop(self):
        """The main loop the extension belongs to; set by the main loop."""
        if getattr(self, '_main_loop', None) is None:
            raise ValueError(
                "{} {!r}: main_loop is not set; pass the extension to a "
                "MainLoop, which sets it".format(type(self).__name__,
                                                 self.name))
        return self._main_loop

    @main_loop.setter
    def main_loop(self, value):
        self._main_loop = value

    def dispatch(self, callback_name, *args):
        """Run the callback with the given name.

        The reason for having this method is to allow the descendants of
        :class:`TrainingExtension` to intercept callback invocations and
        do something with them, e.g. block when a certain condition does
        not hold. The default implementation simply invokes the callback
        by its name.

        """
        getattr(self, str(callback_name))(*args)

    @callback
    def before_training(self):
        """The callback invoked before training is started."""

    @callback
    def before_epoch(self):
        """The callback invoked before starting an epoch."""

    @callback
    def before_batch(self, batch):
        """The callback invoked before a batch is processed.

        Parameters
        ----------
        batch : dict
            The data batch to be processed, source names to arrays.

        """

    @callback
    def after_batch(self, batch):
        """The callback invoked after a batch is processed.

        Parameters
        ----------
        batch : dict
            The data batch just processed, source names to arrays.

        """

    @callback
    def after_epoch(self):
        """The callback invoked after an epoch is finished."""

    @callback
    def after_training(self):
        """The callback invoked after training is finished."""

    @callback
    def on_resumption(self):
        """The callback invoked when training is resumed.

        Called instead of :meth:`before_training` when :meth:`run
        <blocks.main_loop.MainLoop.run>` is called on a main loop whose
        training has already started, e.g. one loaded from a checkpoint.

        """

    @callback
    def on_interrupt(self):
        """The callback invoked when training is interrupted.

        Called at the first batch boundary after the process receives
        SIGINT or SIGTERM, before training finishes.

        """

    @callback
    def on_error(self, exception=None):
        """The callback invoked when an error occurs.

        Parameters
        ----------
        exception : Exception
            The exception that stopped training.

        """


def always_true(log):
    """A predicate that always holds."""
    return True


def has_done_epochs(log):
    """A predicate that holds while no epoch has been done.

    The name is kept from Blocks; it is the predicate of the
    ``before_first_epoch`` trigger.

    """
    return log.status['epochs_done'] == 0


class Predicate:
    """The predicate of an integer trigger of :class:`SimpleExtension`.

    Parameters
    ----------
    trigger : str
        One of ``after_n_epochs``, ``every_n_epochs``, ``after_n_batches``
        and ``every_n_batches``.
    period : int
        The number of epochs or batches.

    Examples
    --------
    >>> from blocks.log import TrainingLog
    >>> log = TrainingLog()
    >>> log.status['iterations_done'] = 6
    >>> Predicate('every_n_batches', 3)(log)
    True
    >>> Predicate('after_n_batches', 3)(log)
    False

    """
    def __init__(self, trigger, period):
        if trigger not in SimpleExtension.INTEGER_TRIGGERS:
            raise ValueError("Predicate: trigger must be one of {}, got {!r}"
                             .format(sorted(SimpleExtension.INTEGER_TRIGGERS),
                                     trigger))
        self.trigger = trigger
        self.period = period

    def __call__(self, log):
        if self.trigger.endswith('epochs'):
            entry = log.status['epochs_done']
        else:
            entry = log.status['iterations_done']
        if self.trigger.startswith('every'):
            return entry % self.period == 0
        return entry == self.period

    def __repr__(self):
        return 'Predicate({!r}, {!r})'.format(self.trigger, self.period)


# The callback in which each trigger fires, when it is not its own name.
_TRIGGER_CALLBACKS = {
    'before_first_epoch': 'before_epoch',
    'every_n_batches': 'after_batch',
    'after_n_batches': 'after_batch',
    'every_n_epochs': 'after_epoch',
    'after_n_epochs': 'after_epoch',
}

_BATCH_CALLBACKS = frozenset(['before_batch', 'after_batch'])
_EPOCH_CALLBACKS = frozenset(['before_epoch', 'after_epoch'])


def replaces_default(given, default):
    """Whether the trigger `given` to a constructor replaces a `default`.

    A trigger given explicitly replaces the default triggers of the same
    kind: those that fire in the same callback and, for a trigger that
    fires between epochs, the defaults that fire between batches, so that
    an extension asked to run every few epochs does not run after every
    batch as well.

    Examples
    --------
    >>> replaces_default('every_n_epochs', 'after_epoch')
    True
    >>> replaces_default('before_epoch', 'before_first_epoch')
    True
    >>> replaces_default('every_n_epochs', 'after_batch')
    True
    >>> replaces_default('every_n_batches', 'after_epoch')
    False
    >>> replaces_default('every_n_epochs', 'after_training')
    False

    """
    given_callback = _TRIGGER_CALLBACKS.get(given, given)
    default_callback = _TRIGGER_CALLBACKS.get(default, default)
    if given_callback == default_callback:
        return True
    return given_callback in _EPOCH_CALLBACKS and \
        default_callback in _BATCH_CALLBACKS


class SimpleExtension(TrainingExtension):
    """A base class for simple extensions.

    All logic of simple extensions is concentrated in the method
    :meth:`do`. This method is called when certain conditions are
    fulfilled. The user can manage the conditions by calling the
    :meth:`add_condition` method and by passing arguments to the
    constructor. In addition to specifying when :meth:`do` is called, it
    is possible to specify additional arguments passed to :meth:`do` under
    different conditions.

    Parameters
    ----------
    before_training : bool
        If True, :meth:`do` is invoked before training.
    before_first_epoch : bool
        If True, :meth:`do` is invoked before the first epoch.
    before_epoch : bool
        If True, :meth:`do` is invoked before every epoch.
    before_batch : bool
        If True, :meth:`do` is invoked before every batch.
    on_resumption : bool, optional
        If True, :meth:`do` is invoked when training is resumed.
    on_interrupt : bool, optional
        If True, :meth:`do` is invoked when training is interrupted.
    on_error : bool, optional
        If True, :meth:`do` is invoked when training stops on an error.
    after_epoch : bool
        If True, :meth:`do` is invoked after every epoch.
    after_batch : bool
        If True, :meth:`do` is invoked after every batch.
    after_training : bool
        If True, :meth:`do` is invoked after training.
    after_n_epochs : int, optional
        If not None, :meth:`do` is invoked when `after_n_epochs` epochs
        are done.
    every_n_epochs : int, optional
        If not None, :meth:`do` is invoked after every n-th epoch.
    after_n_batches : int, optional
        If not None, :meth:`do` is invoked when `after_n_batches` batches
        are processed.
    every_n_batches : int, optional
        If not None, :meth:`do` is invoked after every n-th batch.
    \\*\\*kwargs
        Passed to :class:`TrainingExtension` (`name`).

    Notes
    -----
    Subclasses give their default triggers by adding them to the keyword
    arguments when the caller did not give them (``kwargs.setdefault(
    'after_epoch', True)``). A trigger given by the caller replaces the
    defaults of the same kind: those that fire in the same callback, and,
    for a trigger that fires between epochs, the defaults that fire
    between batches. So ``Printing(every_n_epochs=10)`` prints after every
    tenth epoch, not after every epoch as well, and keeps its other
    defaults (before the first epoch, after training, ...);
    ``Printing(every_n_epochs=10, after_epoch=True)`` asks for both.
    ``SharedVariableModifier(parameter, function, every_n_epochs=1)``
    changes the parameter once per epoch, no longer after every batch,
    while ``DataStreamMonitoring(..., every_n_batches=500)`` monitors
    every 500 batches and, by default, after every epoch. The triggers
    given are the keyword arguments of the class's constructor, as
    :meth:`__new__` sees them.

    When several conditions hold at the same callback, :meth:`do` is
    invoked once for each of them.

    Examples
    --------
    >>> class Hello(SimpleExtension):
    ...     def do(self, which_callback, *args):
    ...         print('hello from', which_callback, args)
    >>> extension = Hello(every_n_batches=2).add_condition(
    ...     ['after_training'], arguments=('bye',))
    >>> extension.BOOLEAN_TRIGGERS >= {'after_epoch', 'before_training'}
    True

    """
    BOOLEAN_TRIGGERS = frozenset([
        'before_training', 'before_first_epoch', 'before_epoch',
        'before_batch', 'on_resumption', 'on_interrupt', 'on_error',
        'after_epoch', 'after_batch', 'after_training'])

    INTEGER_TRIGGERS = frozenset([
        'after_n_epochs', 'after_n_batches', 'every_n_epochs',
        'every_n_batches'])

    def __new__(cls, *args, **kwargs):
        extension = super().__new__(cls)
        # The constructor's own arguments, before subclasses add their
        # defaults; __init__ consumes them. Unpickling passes none.
        given = [key for key in kwargs
                 if key in cls.BOOLEAN_TRIGGERS | cls.INTEGER_TRIGGERS]
        if given:
            extension._given_triggers = frozenset(given)
        return extension

    def __init__(self, **kwargs):
        self._conditions = []
        triggers = self.BOOLEAN_TRIGGERS | self.INTEGER_TRIGGERS
        given = self.__dict__.pop('_given_triggers', frozenset())
        conditions = {key: value for key, value in kwargs.items()
                      if key in triggers}
        replacing = [key for key in given
                     if conditions.get(key) not in (None, False, 0)]
        conditions = {
            key: value for key, value in conditions.items()
            if key in given or not any(replaces_default(trigger, key)
                                       for trigger in replacing)}
        super_kwargs = {key: value for key, value in kwargs.items()
                        if key not in triggers}
        super().__init__(**super_kwargs)
        self.set_conditions(**conditions)

    def _describe(self):
        return '{} {!r}'.format(type(self).__name__,
                                getattr(self, 'name', None))

    def set_conditions(self, **kwargs):
        """Set the conditions for which this extension should be run.

        Replaces all the conditions set before.

        Parameters
        ----------
        \\*\\*kwargs
            The triggers; see the parameters of :class:`SimpleExtension`.

        Returns
        -------
        SimpleExtension
            The extension itself, to chain calls.

        Raises
        ------
        TypeError
            If a trigger is unknown or a boolean trigger is not a bool.
        ValueError
            If an integer trigger is not a positive integer.

        """
        self._conditions[:] = []
        for key, value in kwargs.items():
            if key in self.BOOLEAN_TRIGGERS:
                if value is None:
                    continue
                if not isinstance(value, (bool, numbers.Integral)) or \
                        value not in (0, 1):
                    raise TypeError("{}: the trigger {} must be True or "
                                    "False, got {!r}".format(
                                        self._describe(), key, value))
                if value:
                    predicate = (has_done_epochs
                                 if key == 'before_first_epoch' else None)
                    self.add_condition(
                        [_TRIGGER_CALLBACKS.get(key, key)],
                        predicate=predicate)
            elif key in self.INTEGER_TRIGGERS:
                if value is None:
                    continue
                if isinstance(value, bool) or \
                        not isinstance(value, numbers.Integral) or value < 1:
                    raise ValueError("{}: the trigger {} must be a positive "
                                     "integer or None, got {!r}".format(
                                         self._describe(), key, value))
                self.add_condition([_TRIGGER_CALLBACKS[key]],
                                   predicate=Predicate(key, int(value)))
            else:
                raise TypeError("{}: unknown trigger {!r}; expected one of {}"
                                .format(self._describe(), key, ', '.join(
                                    sorted(self.BOOLEAN_TRIGGERS |
                                           self.INTEGER_TRIGGERS))))
        return self

    def add_condition(self, callbacks_names, predicate=None, arguments=None):
        """Add a condition under which :meth:`do` is called.

        Parameters
        ----------
        callbacks_names : list of str
            The names of the callbacks in which :meth:`do` may be called.
        predicate : callable, optional
            Takes the main loop's log as its single argument and returns
            True when :meth:`do` should be called and False when it should
            not. If None, :meth:`do` is always called. It is pickled with
            the main loop: use an object such as
            :class:`~blocks.extensions.predicates.OnLogRecord` or a
            module-level function, not a lambda.
        arguments : iterable, optional
            Additional arguments to be passed to :meth:`do`. They are
            concatenated with the ones passed from the main loop (e.g. the
            batch in the case of the ``after_batch`` callback).

        Returns
        -------
        SimpleExtension
            The extension itself, to chain calls.

        """
        if not isinstance(callbacks_names, (list, tuple)):
            raise TypeError("{}: callbacks_names must be a list or tuple of "
                            "callback names, got {!r}".format(
                                self._describe(), callbacks_names))
        check_callback_names(self._describe(), callbacks_names)
        if predicate is not None and not callable(predicate):
            raise TypeError("{}: predicate must be callable or None, got {!r}"
                            .format(self._describe(), predicate))
        arguments = tuple(arguments) if arguments else ()
        for callback_name in callbacks_names:
            self._conditions.append(
                (callback_name, predicate or always_true, arguments))
        return self

    @abstractmethod
    def do(self, which_callback, *args):
        """Do the job of the training extension.

        Parameters
        ----------
        which_callback : str
            The name of the callback in the context of which :meth:`do` is
            run.
        \\*args : tuple
            The arguments from the main loop concatenated with additional
            arguments from the user.

        Notes
        -----
        Subclasses must accept additional positional arguments in their
        call signature for this method, even if they are unused.

        """

    def dispatch(self, callback_invoked, *from_main_loop):
        """Check the conditions and call the :meth:`do` method.

        Also adds additional arguments if specified for a condition.

        """
        callback_invoked = CallbackName(callback_invoked)
        for callback_name, predicate, arguments in self._conditions:
            if callback_invoked == callback_name and \
                    predicate(self.main_loop.log):
                self.do(callback_invoked, *(from_main_loop + arguments))

    @staticmethod
    def parse_args(which_callback, args):
        """Separate :meth:`do` arguments coming from different sources.

        When a :meth:`do` method receives arguments from both the main
        loop (e.g. a batch) and the user, it often has to separate them.
        This method is the right tool to use.

        Parameters
        ----------
        which_callback : str
            The name of the callback.
        args : iterable
            The arguments.

        Returns
        -------
        from_main_loop : tuple
            The batch for ``before_batch`` and ``after_batch``, the
            exception for ``on_error``, nothing otherwise.
        from_user : tuple
            The remaining arguments.

        Examples
        --------
        >>> SimpleExtension.parse_args('after_batch', ({'x': 1}, 'user'))
        (({'x': 1},), ('user',))
        >>> SimpleExtension.parse_args('after_epoch', ('user',))
        ((), ('user',))

        """
        args = tuple(args)
        if which_callback in ('after_batch', 'before_batch', 'on_error'):
            return args[:1], args[1:]
        return (), args
