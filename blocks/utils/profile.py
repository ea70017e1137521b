"""Hierarchical timers for profiling the main loop.

A :class:`Profile` accumulates the time spent in named sections; sections
are timed with :class:`Timer` context managers and may be nested, in which
case the profile keeps track of the nesting and reports it.

>>> profile = Profile()
>>> with Timer('training', profile):
...     with Timer('epoch', profile):
...         pass
>>> sorted(profile.total)
[('training',), ('training', 'epoch')]

"""
import sys
import timeit
from collections import defaultdict


class Profile:
    """A profile of hierarchical timers.

    Keeps track of timings performed with :class:`Timer`. It also keeps
    track of the way these timings were nested and makes use of this
    information when reporting.

    Attributes
    ----------
    total : dict
        Maps a section, a tuple of names from the outermost timer to the
        innermost one (e.g. ``('training', 'epoch', 'train')``), to the
        total number of seconds spent in it.
    current : list of str
        The names of the timers currently running, outermost first.

    Notes
    -----
    A profile pickles without the timers that are running when it is
    pickled (their time is not counted), so that a profile saved in a
    checkpoint in the middle of training can keep accumulating timings
    when training is resumed.

    """
    def __init__(self):
        self.total = defaultdict(float)
        self.current = []
        self.order = {}

    def enter(self, name):
        """Start the section `name`, nested in the running ones."""
        self.current.append(name)
        # Sections are reported in the order in which they first ran.
        self.order.setdefault(tuple(self.current), len(self.order))

    def exit(self, t):
        """End the innermost running section, which took `t` seconds."""
        if not self.current:
            raise ValueError("Profile.exit: no timer is running (got a "
                             "time of {!r} seconds to record)".format(t))
        self.total[tuple(self.current)] += t
        self.current.pop()

    def __getstate__(self):
        state = self.__dict__.copy()
        state['current'] = []
        return state

    def report(self, f=None):
        """Print a report of timing information.

        Each section is printed with its total time and its share of the
        time of all the outermost sections; the time a section spent
        outside its subsections is reported as "Other".

        Parameters
        ----------
        f : object, optional
            An object with a ``write`` method that accepts strings, e.g. a
            file or ``sys.stdout``. Defaults to ``sys.stderr`` (the one in
            use when the report is printed).

        Examples
        --------
        >>> profile = Profile()
        >>> profile.total[('training',)] = 3.0
        >>> profile.total[('training', 'epoch')] = 2.0
        >>> profile.order = {('training',): 0, ('training', 'epoch'): 1}
        >>> profile.report(sys.stdout)
        Section                                  Time     % of total
        ------------------------------------------------------------
        Training                                 3.00        100.00%
          Epoch                                  2.00         66.67%
          Other                                  1.00         33.33%

        """
        if f is None:
            f = sys.stderr
        total = sum(value for key, value in self.total.items()
                    if len(key) == 1)
        print('{:30}{:>15}{:>15}'.format('Section', 'Time', '% of total'),
              file=f)
        print('-' * 60, file=f)
        if not total:
            print('No profile information collected.', file=f)
            return
        keys = sorted(self.total, key=self._position)
        self._report_level(keys, (), total, f)

    def _position(self, key):
        return self.order.get(key, len(self.order))

    def _report_level(self, keys, parent, total, f):
        """Print the sections directly under `parent`; return their time."""
        level = len(parent)
        subtotal = 0.
        for key in keys:
            if len(key) != level + 1 or key[:level] != parent:
                continue
            subtotal += self.total[key]
            self._print_line(level, key[-1], self.total[key], total, f)
            has_children = any(len(other) > level + 1 and
                               other[:level + 1] == key for other in keys)
            if has_children:
                child_total = self._report_level(keys, key, total, f)
                self._print_line(level + 1, 'other',
                                 self.total[key] - child_total, total, f)
        return subtotal

    @staticmethod
    def _print_line(level, name, time, total, f):
        section = ' '.join(name.split('_'))
        section = section[:1].upper() + section[1:]
        print('{:30}{:15.2f}{:15.2%}'.format(level * '  ' + section, time,
                                             time / total), file=f)


class Timer:
    """A context manager to time the execution time of code within it.

    This timer is attached to a :class:`Profile` object that it reports
    timings to. The profile accumulates the timings. Timers can be nested,
    which the profile will automatically keep track of and use in its
    reporting.

    Parameters
    ----------
    name : str
        The name of this section; shown in reports.
    profile : :class:`Profile`
        The profile to which timings are reported.

    Notes
    -----
    Timings are measured with :func:`timeit.default_timer`. The time is
    recorded even if the code within raises an exception.

    Examples
    --------
    >>> profile = Profile()
    >>> with Timer('read_data', profile):
    ...     pass
    >>> profile.total[('read_data',)] >= 0
    True

    """
    def __init__(self, name, profile):
        if not isinstance(profile, Profile):
            raise TypeError("Timer {!r}: profile must be a Profile, got "
                            "{!r}".format(name, profile))
        self.name = name
        self.profile = profile
        self.start = None

    def __enter__(self):
        self.profile.enter(self.name)
        self.start = timeit.default_timer()
        return self

    def __exit__(self, *exc_info):
        self.profile.exit(timeit.default_timer() - self.start)
