"""An extension made of other extensions."""
from blocks.extensions.base import SimpleExtension, TrainingExtension


class CompositeExtension(SimpleExtension):
    """An extension that runs several sub-extensions as one.

    On every callback the sub-extensions are dispatched in the order given,
    each on its own triggers, and the composite's own :meth:`do` runs on the
    composite's triggers, before the sub-extensions or after them. The main
    loop sees a single extension, so a group of extensions that only work
    together (e.g. tracking the best value of a record and stopping when it
    no longer improves, see
    :class:`~blocks.extensions.stopping.EarlyStopping`) is configured and
    placed in the list of extensions as one.

    Parameters
    ----------
    sub_extensions : iterable of :class:`TrainingExtension`
        The extensions to run, in this order.
    run_before_children : bool, optional
        Whether the composite's own :meth:`do` runs before the
        sub-extensions (True, the default) or after them.
    \\*\\*kwargs
        The triggers of the composite's own :meth:`do` and `name`, see
        :class:`SimpleExtension`. They do not change the triggers of the
        sub-extensions, which are configured on their own.

    Notes
    -----
    Setting :attr:`main_loop` sets it for the sub-extensions too.

    Examples
    --------
    >>> from blocks.extensions import FinishAfter, Printing
    >>> reporting = CompositeExtension(
    ...     [Printing(), FinishAfter(after_n_epochs=3)])
    >>> [type(extension).__name__ for extension in reporting.sub_extensions]
    ['Printing', 'FinishAfter']

    """
    def __init__(self, sub_extensions, run_before_children: bool = True,
                 **kwargs):
        sub_extensions = list(sub_extensions)
        for index, extension in enumerate(sub_extensions):
            if not isinstance(extension, TrainingExtension):
                raise TypeError("{}: sub_extensions must be TrainingExtension "
                                "instances; sub-extension {} is {!r}".format(
                                    type(self).__name__, index, extension))
        self.sub_extensions = sub_extensions
        self.run_before_children = bool(run_before_children)
        super().__init__(**kwargs)

    @property
    def main_loop(self):
        return TrainingExtension.main_loop.fget(self)

    @main_loop.setter
    def main_loop(self, value):
        self._main_loop = value
        for extension in self.sub_extensions:
            extension.main_loop = value

    def dispatch(self, callback_invoked, *from_main_loop):
        """Dispatch the callback to the composite and its sub-extensions."""
        if self.run_before_children:
            super().dispatch(callback_invoked, *from_main_loop)
        for extension in self.sub_extensions:
            extension.dispatch(callback_invoked, *from_main_loop)
        if not self.run_before_children:
            super().dispatch(callback_invoked, *from_main_loop)

    def do(self, which_callback, *args):
        """The composite's own work; nothing by default."""
