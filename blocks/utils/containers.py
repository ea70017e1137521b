"""Containers that act on the items put into or taken out of them."""
from collections.abc import MutableSequence


class AnnotatingList(MutableSequence):
    """Mutable sequence performing operations on inserted/removed items.

    Subclasses override :meth:`_setitem` and :meth:`_delitem` to act on
    each item as it is inserted or removed.

    Parameters
    ----------
    items : iterable, optional
        The items to start with.

    Examples
    --------
    >>> class Shouting(AnnotatingList):
    ...     def _setitem(self, key, value):
    ...         print('in:', value)
    >>> items = Shouting([1])
    in: 1
    >>> items.append(2)
    in: 2
    >>> list(items)
    [1, 2]

    """
    def __init__(self, items=None):
        self._items = []
        if items is not None:
            self.extend(items)

    def __repr__(self):
        return repr(self._items)

    def __eq__(self, other):
        return self._items == other

    def __ne__(self, other):
        return self._items != other

    def __getitem__(self, key):
        return self._items[key]

    def _setitem(self, key, value):
        """The operation to perform when an item is inserted/appended."""

    def _delitem(self, key):
        """The operation to perform when an item is deleted."""

    def __setitem__(self, key, value):
        self._setitem(key, value)
        self._items[key] = value

    def __delitem__(self, key):
        self._delitem(key)
        del self._items[key]

    def __len__(self):
        return len(self._items)

    def insert(self, key, value):
        self._setitem(key, value)
        self._items.insert(key, value)
