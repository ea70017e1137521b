import pickle

import numpy
import pytest

from blocks.log import TrainingLog
from blocks.plot import data as plot_data
from blocks.plot.data import PlotData, check_channels, document_slug


def test_points_of_fixed_channels():
    log = TrainingLog()
    log[0]['test_cost'] = 3.0
    log[1]['cost'] = numpy.float32(2.0)
    log[2]['cost'] = float('nan')
    log[3]['cost'] = numpy.array(1.0)
    log[3]['other'] = 7.0
    log.status['iterations_done'] = 3
    data = PlotData('Run 1', [['cost', 'test_cost']])
    data.read_log(log)
    assert data.groups == [['cost', 'test_cost']]
    # NaN is left out; records that are not channels are ignored.
    assert data.points_since({}) == {'cost': ([1, 3], [2.0, 1.0]),
                                     'test_cost': ([0], [3.0])}
    # A record written later into the last row read is still found.
    log[3]['test_cost'] = 2.5
    log[4]['cost'] = 0.5
    log.status['iterations_done'] = 4
    data.read_log(log)
    assert data.points_since({'cost': 2, 'test_cost': 1}) == {
        'cost': ([4], [0.5]), 'test_cost': ([3], [2.5])}


def test_all_numeric_records_get_figures_as_they_appear(monkeypatch):
    # Read through the stored rows, as for a long log.
    monkeypatch.setattr(plot_data, '_SCAN_LIMIT', 2)
    log = TrainingLog()
    for time in range(1, 6):
        log[time]['cost'] = 1.0 / time
        log[time]['_hidden'] = 1.0
        log[time]['flag'] = True
        log[time]['name'] = 'mlp'
    log[5]['test_cost'] = 0.3
    log.status['iterations_done'] = 5
    data = PlotData('all')
    data.read_log(log)
    assert data.groups == [['cost'], ['test_cost']]
    assert data.points_since({})['cost'][0] == [1, 2, 3, 4, 5]


def test_channel_and_name_checks():
    assert check_channels(('cost', ['a', 'b']), 'Plot') == [['cost'],
                                                            ['a', 'b']]
    with pytest.raises(TypeError, match=r"each item of channels must be a "
                       r"list of record names, got \['a', 1\]"):
        check_channels([['a', 1]], 'Plot')
    with pytest.raises(ValueError, match='channels holds an empty list'):
        check_channels([[]], 'Plot')
    assert document_slug('MNIST: run #2') == 'mnist-run-2'
    with pytest.raises(TypeError, match='the document name must be a '
                       'string'):
        document_slug(None)


def test_plot_data_is_not_pickled():
    with pytest.raises(TypeError, match='PlotData is not pickled'):
        pickle.dumps(PlotData('x', [['cost']]))
