"""The ``blocks-dump`` script: parameters to .npz, without unpickling."""
import zipfile

import numpy
from numpy.testing import assert_equal

from blocks.bricks import MLP, Identity
from blocks.initialization import Constant, IsotropicGaussian
from blocks.scripts import dump as dump_script
from blocks.serialization import secure_dump


def make_checkpoint(path):
    mlp = MLP([Identity()], [2, 3], weights_init=IsotropicGaussian(1.),
              biases_init=Constant(0.5), seed=1)
    mlp.initialize()
    secure_dump(mlp, path)
    return mlp.linear_transformations[0]


def test_dump_writes_the_parameters(tmp_path, capsys):
    checkpoint = tmp_path / 'model.zip'
    linear = make_checkpoint(checkpoint)
    assert dump_script.main([str(checkpoint)]) == 0
    output = tmp_path / 'model_parameters.npz'
    assert 'wrote 2 arrays' in capsys.readouterr().out
    with numpy.load(output) as arrays:
        assert sorted(arrays.files) == ['mlp/linear_0.W', 'mlp/linear_0.b']
        assert_equal(arrays['mlp/linear_0.W'], linear.W.get_value())


def test_dump_does_not_replace_without_force(tmp_path, capsys):
    checkpoint = tmp_path / 'model.zip'
    make_checkpoint(checkpoint)
    output = tmp_path / 'mine.npz'
    output.write_bytes(b'precious')
    assert dump_script.main([str(checkpoint), str(output)]) == 1
    assert 'pass --force' in capsys.readouterr().err
    assert output.read_bytes() == b'precious'
    assert dump_script.main([str(checkpoint), str(output), '--force']) == 0
    assert 'mlp/linear_0.b' in numpy.load(output).files


def test_dump_never_unpickles(tmp_path):
    marker = tmp_path / 'pwned'
    checkpoint = tmp_path / 'evil.zip'
    with zipfile.ZipFile(checkpoint, 'w') as zip_file:
        zip_file.writestr('_pkl', "cos\nsystem\n(Vtouch {}\ntR.".format(
            marker).encode())
    output = tmp_path / 'out.npz'
    assert dump_script.main([str(checkpoint), str(output)]) == 0
    assert not marker.exists()
    assert numpy.load(output).files == []


def test_dump_of_a_corrupt_checkpoint(tmp_path, capsys):
    checkpoint = tmp_path / 'model.zip'
    make_checkpoint(checkpoint)
    checkpoint.write_bytes(checkpoint.read_bytes()[:100])
    assert dump_script.main([str(checkpoint)]) == 1
    assert 'not a readable ZIP archive' in capsys.readouterr().err
    assert sorted(path.name for path in tmp_path.iterdir()) == ['model.zip']
