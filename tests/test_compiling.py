"""The notice that a slow compilation gives (blocks/utils/compiling.py)."""
import logging
import time

import numpy
from aesara import tensor

from blocks.algorithms import GradientDescent, Scale
from blocks.utils import compiling as compiling_module
from blocks.utils.compiling import compiling
from blocks.utils import shared_floatx

LOGGER = 'blocks.utils.compiling'


def _notices(caplog):
    return [record.getMessage() for record in caplog.records
            if record.name == LOGGER]


def test_a_slow_compilation_is_announced_once(caplog, monkeypatch):
    monkeypatch.setattr(compiling_module, '_announced', set())
    caplog.set_level(logging.INFO, logger=LOGGER)
    with compiling('a quick function', delay=5):
        pass
    assert _notices(caplog) == []
    for _ in range(2):
        with compiling('a slow function', delay=0.01):
            time.sleep(0.2)
    notices = _notices(caplog)
    assert len(notices) == 1
    assert notices[0].startswith('Compiling a slow function - the first '
                                 'run only')


def test_gradient_descent_announces_the_training_function(caplog,
                                                          monkeypatch):
    monkeypatch.setattr(compiling_module, '_announced', set())
    monkeypatch.setattr(compiling_module, 'NOTICE_DELAY', 0)
    caplog.set_level(logging.INFO, logger=LOGGER)
    weight = shared_floatx(numpy.ones(2), name='weight')
    features = tensor.vector('features')
    cost = tensor.sqr(weight * features).sum()
    algorithm = GradientDescent(cost=cost, parameters=[weight],
                                step_rule=Scale(0.1))
    algorithm.initialize()
    # The timer thread may log just after the compilation.
    for _ in range(100):
        if _notices(caplog):
            break
        time.sleep(0.01)
    assert any('the training function' in notice
               for notice in _notices(caplog))
