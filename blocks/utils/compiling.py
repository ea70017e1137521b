"""Saying so when compiling an Aesara function takes a while.

The first compilation of a training function generates and compiles C code
(tens of seconds for a recurrent network); later runs find the code in
Aesara's cache and take a second or two. Without a word, the first run
looks stuck. :func:`compiling` wraps a compilation: if it is still running
after :data:`NOTICE_DELAY` seconds, Blocks logs (at the INFO level, once
per kind of function and process) what it is doing.

"""
import logging
import threading
from contextlib import contextmanager

import aesara

logger = logging.getLogger(__name__)

#: Seconds a compilation runs before Blocks says what it is doing.
NOTICE_DELAY = 2.0

_announced = set()
_lock = threading.Lock()

_NOTICE = ('Compiling {} - the first run only: Aesara generates and '
           'compiles C code, which it caches in {} for later runs')


def _announce(description):
    with _lock:
        if description in _announced:
            return
        _announced.add(description)
    logger.info(_NOTICE.format(description, aesara.config.compiledir))


@contextmanager
def compiling(description, delay=None):
    """Log a notice if the body runs longer than `delay` seconds.

    Parameters
    ----------
    description : str
        What is compiled, e.g. ``'the training function'``. The notice is
        given once per description and process.
    delay : float, optional
        :data:`NOTICE_DELAY` by default.

    Examples
    --------
    >>> import time
    >>> with compiling('a quick function'):
    ...     time.sleep(0.01)  # too quick for a notice

    """
    timer = threading.Timer(NOTICE_DELAY if delay is None else delay,
                            _announce, args=(description,))
    timer.daemon = True
    timer.start()
    try:
        yield
    finally:
        timer.cancel()
