"""The training log, with an in-memory and an SQLite backend.

:data:`BACKENDS` maps the names accepted by ``config.log_backend`` to the
log classes.

>>> log = BACKENDS['python']()
>>> log.status['iterations_done']
0

A main loop picks the class named by ``config.log_backend``.

"""
from blocks.log.log import TrainingLog, TrainingLogBase
from blocks.log.sqlite import SQLiteLog

BACKENDS = {'python': TrainingLog, 'sqlite': SQLiteLog}

__all__ = ['BACKENDS', 'SQLiteLog', 'TrainingLog', 'TrainingLogBase']
