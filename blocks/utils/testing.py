"""Helpers for the tests of projects built on Blocks.

Later versions of Blocks shipped these for the test suites of the projects
that use it: decorators to skip tests whose requirements are missing or to
silence what they print, and a mock main loop that trains nothing.

Skipping raises :class:`unittest.SkipTest`, which pytest and unittest both
report as a skipped test.

"""
import functools
import io
import importlib
import os
import sys
import time
from unittest import SkipTest

from blocks.algorithms import TrainingAlgorithm
from blocks.config import config, ConfigurationError
from blocks.data.datasets import IterableDataset
from blocks.data.streams import DataStream
from blocks.main_loop import MainLoop

__all__ = ['silence_printing', 'skip_if_not_available',
           'skip_if_configuration_set', 'MockAlgorithm', 'MockMainLoop']


def silence_printing(test):
    """Decorate a test so that what it prints to stdout is discarded.

    Examples
    --------
    >>> @silence_printing
    ... def noisy():
    ...     print('not shown')
    ...     return 42
    >>> noisy()
    42

    """
    @functools.wraps(test)
    def wrapper(*args, **kwargs):
        stdout = sys.stdout
        sys.stdout = io.StringIO()
        try:
            return test(*args, **kwargs)
        finally:
            sys.stdout = stdout
    return wrapper


def _is_configured(name):
    """Whether the configuration option `name` has a value."""
    try:
        getattr(config, name)
    except ConfigurationError:
        return False
    return True


def skip_if_not_available(modules=None, datasets=None, configurations=None):
    """Skip the calling test when some of its requirements are missing.

    Call it at the beginning of a test.

    Parameters
    ----------
    modules : list of str, optional
        Modules to import; the test is skipped if one of them fails to.
    datasets : list of str, optional
        Folder names under ``config.data_path``; the test is skipped if the
        data path is not configured or one of the folders does not exist.
    configurations : list of str, optional
        Configuration options; the test is skipped if one of them has
        neither a value nor a default.

    Raises
    ------
    unittest.SkipTest
        When a requirement is missing; the message names it.
    TypeError
        If an argument is a single string rather than a list of strings.

    Examples
    --------
    >>> skip_if_not_available(modules=['numpy'])
    >>> skip_if_not_available(modules=['no_such_module'])
    Traceback (most recent call last):
      ...
    unittest.case.SkipTest: the module 'no_such_module' is not available ...

    """
    arguments = {'modules': modules, 'datasets': datasets,
                 'configurations': configurations}
    for argument, value in arguments.items():
        if isinstance(value, str):
            raise TypeError("skip_if_not_available: {} must be a list of "
                            "strings, got the string {!r}".format(argument,
                                                                  value))
    for module in modules or ():
        try:
            importlib.import_module(module)
        except Exception as exc:
            raise SkipTest("the module {!r} is not available ({!r})".format(
                module, exc)) from exc
    if datasets:
        if not _is_configured('data_path'):
            raise SkipTest("the data path is not configured (set "
                           "BLOCKS_DATA_PATH or data_path in .blocksrc)")
        for dataset in datasets:
            if not os.path.exists(os.path.join(config.data_path, dataset)):
                raise SkipTest("the dataset folder {!r} is not in the data "
                               "path {!r}".format(dataset, config.data_path))
    for configuration in configurations or ():
        if not _is_configured(configuration):
            raise SkipTest("the configuration option {!r} is not set".format(
                configuration))


def skip_if_configuration_set(configuration, value, message=None):
    """Skip the calling test if a configuration option has a given value.

    Parameters
    ----------
    configuration : str
        The name of the configuration option.
    value : object
        The value for which the test is skipped.
    message : str, optional
        The reason given for skipping.

    Raises
    ------
    unittest.SkipTest
        If ``config.<configuration> == value``. An option without a value
        and without a default never equals `value`.

    """
    if _is_configured(configuration) and \
            getattr(config, configuration) == value:
        raise SkipTest(message or "the configuration option {!r} is {!r}"
                       .format(configuration, value))


class MockAlgorithm(TrainingAlgorithm):
    """An algorithm that only remembers the last batch it was given.

    It also checks that it is initialized only once.

    Parameters
    ----------
    delay_time : float, optional
        Seconds to sleep in every :meth:`process_batch`, to test timing
        extensions. 0 by default.

    Attributes
    ----------
    batch : dict or None
        The last batch processed.

    """
    def __init__(self, delay_time=0, **kwargs):
        super().__init__(**kwargs)
        self._initialized = False
        self.delay_time = delay_time
        self.batch = None

    def initialize(self, **kwargs):
        if self._initialized:
            raise RuntimeError("MockAlgorithm: initialize() was called "
                               "twice")
        self._initialized = True

    def process_batch(self, batch):
        self.batch = batch
        if self.delay_time:
            time.sleep(self.delay_time)


class MockMainLoop(MainLoop):
    """A main loop with a :class:`MockAlgorithm` and a stream of 0 to 9.

    Parameters
    ----------
    delay_time : float, optional
        Passed to :class:`MockAlgorithm`.
    \\*\\*kwargs
        Passed to :class:`~blocks.main_loop.MainLoop`; `data_stream` and
        `algorithm` default to a stream of the examples 0 to 9 (the source
        ``data``) and a :class:`MockAlgorithm`.

    Examples
    --------
    >>> from blocks.extensions import FinishAfter
    >>> main_loop = MockMainLoop(extensions=[FinishAfter(after_n_epochs=2)])
    >>> main_loop.run()
    >>> main_loop.status['iterations_done'], main_loop.algorithm.batch
    (20, {'data': 9})

    """
    def __init__(self, delay_time=0, **kwargs):
        kwargs.setdefault('data_stream',
                          DataStream(IterableDataset(list(range(10)))))
        kwargs.setdefault('algorithm', MockAlgorithm(delay_time))
        super().__init__(**kwargs)
