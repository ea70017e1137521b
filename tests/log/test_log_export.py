"""Exporting a training log: rows, DataFrames and CSV files."""
import csv
import math

import numpy
import pandas
import pytest

from blocks.log import SQLiteLog, TrainingLog


@pytest.fixture(params=['python', 'sqlite'])
def log(request, tmp_path):
    log = TrainingLog() if request.param == 'python' else SQLiteLog(
        tmp_path / 'log.sqlite')
    log[0]['test_cost'] = 2.5
    log[0]['_hidden'] = 1
    for iteration in range(1, 4):
        log[iteration]['cost'] = numpy.float32(1 / iteration)
        log[iteration]['batch_size'] = 10 + iteration
    log[3]['model'] = 'mlp'
    log.status['iterations_done'] = 3
    log.resume()
    log[4]['cost'] = 0.1
    return log


EXPECTED = {
    0: {'test_cost': 2.5},
    1: {'cost': numpy.float32(1.0), 'batch_size': 11},
    2: {'cost': numpy.float32(0.5), 'batch_size': 12},
    3: {'cost': numpy.float32(1 / 3), 'batch_size': 13, 'model': 'mlp'},
    4: {'cost': 0.1},
}


def test_rows(log):
    rows = dict(log.rows())
    assert list(rows) == [0, 1, 2, 3, 4]
    assert rows[0] == {'test_cost': 2.5, '_hidden': 1}
    assert list(log.rows(start=3)) == [(3, rows[3]), (4, rows[4])]
    with pytest.raises(ValueError, match='non-negative integer'):
        list(log.rows(start=-1))


def assert_frame_matches_log(frame):
    assert list(frame.index) == list(EXPECTED)
    assert sorted(frame.columns) == ['batch_size', 'cost', 'model',
                                     'test_cost']
    for iteration, row in EXPECTED.items():
        for name in frame.columns:
            value = frame.loc[iteration, name]
            if name in row:
                if isinstance(row[name], str):
                    assert value == row[name]
                else:
                    assert float(value) == pytest.approx(float(row[name]),
                                                         rel=1e-7)
            else:
                assert pandas.isna(value)


def test_dataframe(log):
    frame = log.to_dataframe()
    assert frame.index.name == 'iteration'
    assert list(frame.columns) == ['batch_size', 'cost', 'model',
                                   'test_cost']
    assert_frame_matches_log(frame)
    chosen = log.to_dataframe(records=['cost', 'missing'])
    assert list(chosen.columns) == ['cost', 'missing']
    assert chosen['missing'].isna().all()


def test_csv_round_trip(log, tmp_path):
    path = tmp_path / 'log.csv'
    log.to_csv(path)
    with open(path, newline='') as source:
        header = next(csv.reader(source))
    assert header == ['iteration', 'batch_size', 'cost', 'model',
                      'test_cost']
    frame = pandas.read_csv(path, index_col='iteration',
                            float_precision='round_trip')
    assert_frame_matches_log(frame)
    # Floats are written in full: the float32 1/3 reads back exactly.
    assert frame.loc[3, 'cost'] == float(numpy.float32(1 / 3))
    assert math.isnan(frame.loc[0, 'cost'])
    # No temporary file is left behind.
    assert not [name for name in tmp_path.iterdir()
                if name.suffix == '.csv' and name != path]


def test_csv_of_chosen_records(log, tmp_path):
    path = tmp_path / 'cost.csv'
    log.to_csv(path, records=['cost'])
    with open(path, newline='') as source:
        assert list(csv.reader(source)) == [
            ['iteration', 'cost'], ['0', ''], ['1', '1.0'], ['2', '0.5'],
            ['3', repr(float(numpy.float32(1 / 3)))], ['4', '0.1']]
    with pytest.raises(TypeError, match="records must be a list of record "
                       "names, got 'cost'"):
        log.to_csv(path, records='cost')
