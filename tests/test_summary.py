import re

import numpy
import pytest
import aesara
from aesara import tensor

from blocks.bricks import MLP, Linear, Rectifier, Softmax
from blocks.bricks.lookup import LookupTable
from blocks.initialization import Constant
from blocks.model import Model


def counts(summary):
    """The parameter rows of a summary: name -> (shape, count)."""
    rows = {}
    brick = None
    for line in summary.splitlines():
        if line.startswith('/'):
            brick = line.split()[0]
        match = re.match(r'  \.(\w+)\s+\S.*?(\(.*?\))\s+([\d,]+)$', line)
        if match:
            rows[brick + '.' + match.group(1)] = (
                match.group(2), int(match.group(3).replace(',', '')))
    return rows


def total(summary):
    match = re.search(r'Trainable parameters: ([\d,]+) in (\d+) arrays',
                      summary)
    return int(match.group(1).replace(',', '')), int(match.group(2))


def assert_rows_match(summary, parameters):
    """One row per parameter, with its shape and size."""
    rows = counts(summary)
    assert set(rows) == set(parameters)
    for name, parameter in parameters.items():
        value = parameter.get_value()
        assert rows[name] == (str(value.shape), value.size)


def test_mlp_summary_counts_every_parameter():
    mlp = MLP([Rectifier(), Rectifier(), Softmax()], [64, 100, 50, 10])
    model = Model(mlp.apply(tensor.matrix('features')))
    summary = model.summary()
    parameters = model.get_parameter_dict()
    assert_rows_match(summary, parameters)
    assert total(summary) == (sum(parameter.get_value().size
                                  for parameter in parameters.values()),
                              len(parameters))
    assert total(summary)[0] == 64 * 100 + 100 + 100 * 50 + 50 + 50 * 10 + 10
    assert '/mlp/linear_0.W' in parameters
    assert 'WEIGHT' in summary and 'BIAS' in summary
    assert '6,400' in summary


def test_summary_with_output_shapes_and_other_shared_variables():
    lookup = LookupTable(length=20, dim=8, name='embed',
                         weights_init=Constant(0.))
    linear = Linear(8, 3, name='out', weights_init=Constant(0.),
                    biases_init=Constant(0.))
    scale = aesara.shared(numpy.ones(3), name='scale')
    words = tensor.lmatrix('words')
    output = linear.apply(lookup.apply(words)) * scale
    model = Model(output)
    summary = model.summary({'words': (5, 7)})
    lines = summary.splitlines()
    embed = lines.index(next(line for line in lines
                             if line.startswith('/embed')))
    assert lines[embed + 1].split()[:3] == ['apply()', 'output', '(5,']
    assert '(5, 7, 8)' in lines[embed + 1]
    assert any('(5, 7, 3)' in line for line in lines)
    assert total(summary) == (20 * 8 + 8 * 3 + 3, 3)
    assert summary.endswith('Other shared variables: 3 values in 1 arrays')


def test_summary_input_shapes_are_checked():
    mlp = MLP([Softmax()], [2, 2])
    model = Model(mlp.apply(tensor.matrix('features')))
    with pytest.raises(ValueError, match="input_shapes has no shape for the "
                       "input 'features'"):
        model.summary({'x': (1, 2)})
    with pytest.raises(ValueError, match=r"the input 'features' has 2 "
                       r"dimensions, but input_shapes gives it the shape "
                       r"\(3,\)"):
        model.summary({'features': (3,)})


def test_conv_net_summary_counts_every_parameter():
    from blocks.bricks.conv import (Convolutional, ConvolutionalSequence,
                                    Flattener, MaxPooling)
    convnet = ConvolutionalSequence(
        [Convolutional((3, 3), 4, name='conv_0'), Rectifier(),
         MaxPooling((2, 2)), Convolutional((2, 2), 6, name='conv_1')],
        num_channels=1, image_size=(8, 8), name='convnet')
    images = tensor.tensor4('images')
    output = Flattener().apply(convnet.apply(images))
    model = Model(output)
    summary = model.summary({'images': (2, 1, 8, 8)})
    parameters = model.get_parameter_dict()
    assert_rows_match(summary, parameters)
    # Untied biases by default: one per output position.
    assert total(summary) == (
        4 * 1 * 3 * 3 + 4 * 6 * 6 + 6 * 4 * 2 * 2 + 6 * 2 * 2, 4)
    assert 'FILTER' in summary
    # 8x8 -> 6x6 (3x3 filters) -> 3x3 (pooling) -> 2x2 (2x2 filters).
    assert '(2, 6, 2, 2)' in summary and '(2, 24)' in summary


def test_lstm_summary_counts_every_parameter():
    from blocks.bricks.recurrent import LSTM
    lstm = LSTM(dim=3, name='lstm')
    inputs = tensor.tensor3('inputs')
    states, cells = lstm.apply(inputs)
    model = Model(states)
    summary = model.summary({'inputs': (5, 2, 12)})
    parameters = model.get_parameter_dict()
    assert_rows_match(summary, parameters)
    # W_state (3 x 12), three peepholes (3 each), initial state and cells.
    assert total(summary) == (3 * 12 + 3 * 3 + 3 + 3, 6)
    assert '(5, 2, 3)' in summary
