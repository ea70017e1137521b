"""The curves of live plots: log channels read into point lists.

:class:`PlotData` holds, for each channel (a record of the log), the
iterations and values seen so far, grouped into figures. Training (or a
process watching a log) adds points with :meth:`PlotData.read_log`; the
web server's sessions take the points they have not shown yet with
:meth:`PlotData.points_since`. Both may run in different threads.

This module does not need Bokeh.

"""
import math
import numbers
import re
import threading

import numpy

# Rows read one by one (by iteration number) when fewer than this many
# iterations are new; otherwise the stored rows are listed instead.
_SCAN_LIMIT = 1000


def check_channels(channels, owner):
    """Validate channel groups: a list of lists of record names.

    Parameters
    ----------
    channels : list
        Each item is a list of record names that share a figure, or a
        single record name that gets a figure of its own.
    owner : str
        Who checks, for error messages.

    Returns
    -------
    list of list of str

    Raises
    ------
    TypeError
        If `channels` is not a list of lists of strings.
    ValueError
        If it is empty, or a group is empty.

    Examples
    --------
    >>> check_channels([['cost', 'test_cost'], 'a'], 'Plot')
    [['cost', 'test_cost'], ['a']]

    """
    if isinstance(channels, str) or not isinstance(channels, (list, tuple)):
        raise TypeError("{}: channels must be a list of lists of record "
                        "names (each list is a figure), e.g. [['cost'], "
                        "['a']], got {!r}".format(owner, channels))
    groups = []
    for group in channels:
        if isinstance(group, str):
            group = [group]
        if not isinstance(group, (list, tuple)) or not all(
                isinstance(name, str) for name in group):
            raise TypeError("{}: each item of channels must be a list of "
                            "record names, got {!r}".format(owner, group))
        if not group:
            raise ValueError("{}: channels holds an empty list; each figure "
                             "needs at least one record name".format(owner))
        groups.append(list(group))
    if not groups:
        raise ValueError("{}: channels is empty; give at least one record "
                         "name to plot, e.g. [['cost']]".format(owner))
    return groups


def document_slug(name, owner='Plot'):
    """The path of a document's page on the server: its name in a URL.

    Letters and digits are kept (in lower case), anything else becomes a
    hyphen.

    Examples
    --------
    >>> document_slug('Plotting example')
    'plotting-example'

    """
    if not isinstance(name, str):
        raise TypeError("{}: the document name must be a string, got {!r}"
                        .format(owner, name))
    slug = re.sub(r'[^a-z0-9]+', '-', name.lower()).strip('-')
    if not slug:
        raise ValueError("{}: the document name {!r} has no letter or digit "
                         "to name its page by".format(owner, name))
    return slug


def numeric_value(value):
    """Return a log value as a finite float, or None if it is not one.

    Booleans, strings, arrays with more than one element, NaN and
    infinities are not plotted.

    Examples
    --------
    >>> import numpy
    >>> numeric_value(numpy.float32(0.5)), numeric_value(True)
    (0.5, None)
    >>> numeric_value(numpy.array(2)), numeric_value(float('nan'))
    (2.0, None)

    """
    if isinstance(value, numpy.ndarray):
        if value.ndim != 0:
            return None
        value = value.item()
    if isinstance(value, (bool, numpy.bool_)) or \
            not isinstance(value, numbers.Real):
        return None
    value = float(value)
    return value if math.isfinite(value) else None


class PlotData:
    """The points of the channels of a live plot, safe to share by threads.

    Parameters
    ----------
    title : str
        The title of the plot (the name of the document).
    channels : list of list of str, optional
        The channel groups, one figure each. If None, every numeric
        record met in the log gets a figure of its own (records whose
        name starts with an underscore excepted), in the order they are
        first met.

    Attributes
    ----------
    title : str
    slug : str
        The path of the plot's page, see :func:`document_slug`.

    Examples
    --------
    >>> from blocks.log import TrainingLog
    >>> log = TrainingLog()
    >>> log[1]['cost'], log[2]['cost'], log[2]['flag'] = 2.0, 1.0, True
    >>> data = PlotData('Example', [['cost']])
    >>> data.read_log(log, upto=2)
    >>> data.points_since({})
    {'cost': ([1, 2], [2.0, 1.0])}
    >>> data.points_since({'cost': 1})
    {'cost': ([2], [1.0])}

    """
    def __init__(self, title, channels=None):
        self.title = title
        self.slug = document_slug(title)
        self._fixed = channels is not None
        self._groups = (check_channels(channels, 'PlotData')
                        if channels is not None else [])
        self._points = {name: ([], []) for group in self._groups
                        for name in group}
        self._next_time = 0
        self._lock = threading.Lock()

    @property
    def groups(self):
        """The channel groups, one figure each (a copy)."""
        with self._lock:
            return [list(group) for group in self._groups]

    def _add_point(self, name, time, value):
        if name not in self._points:
            if self._fixed or name.startswith('_'):
                return
            self._groups.append([name])
            self._points[name] = ([], [])
        times, values = self._points[name]
        if times and time <= times[-1]:
            return
        times.append(time)
        values.append(value)

    def add_row(self, time, row):
        """Add the numeric values of the channels in a row of the log.

        A channel's point at an iteration is added once: a row read again
        (because records were added to it since) only adds the channels
        it did not have.

        """
        with self._lock:
            names = ([name for name in self._points if name in row]
                     if self._fixed else list(row))
            for name in names:
                value = numeric_value(row[name])
                if value is not None:
                    self._add_point(name, time, value)

    def read_log(self, log, upto=None):
        """Add the points of the rows of a log not read yet.

        Parameters
        ----------
        log : :class:`~blocks.log.TrainingLogBase`
            The log.
        upto : int, optional
            The last iteration to read; ``log.status['iterations_done']``
            by default. That row is read again on the next call, as more
            records may be written into it.

        """
        if upto is None:
            upto = log.status['iterations_done']
        start = self._next_time
        if upto - start > _SCAN_LIMIT:
            rows = ((time, row) for time, row in log.rows(start)
                    if time <= upto)
        else:
            rows = ((time, _as_dict(log[time]))
                    for time in range(start, upto + 1) if time in log)
        for time, row in rows:
            self.add_row(time, row)
        self._next_time = max(start, upto)

    def points_since(self, counts):
        """Return the points not yet shown.

        Parameters
        ----------
        counts : dict
            The number of points of each channel already shown.

        Returns
        -------
        dict
            Maps each channel with new points to a pair of lists, the
            iterations and the values.

        """
        with self._lock:
            new = {}
            for name, (times, values) in self._points.items():
                shown = counts.get(name, 0)
                if len(times) > shown:
                    new[name] = (times[shown:], values[shown:])
            return new

    def __getstate__(self):
        raise TypeError("PlotData is not pickled: it is rebuilt from the "
                        "log")


def _as_dict(row):
    to_dict = getattr(row, 'to_dict', None)
    return to_dict() if to_dict is not None else dict(row)
