"""ZIP checkpoints: layout, round trips, atomic writes, safe loading."""
import functools
import io
import os
import pickle
import stat
import sys
import warnings
import zipfile

import numpy
import pytest
import aesara
from aesara.tensor.random.utils import RandomStream
from numpy.testing import assert_equal

from blocks.bricks import MLP, Identity, Tanh
from blocks.initialization import Constant, IsotropicGaussian
from blocks.roles import PARAMETER, add_role
from blocks.serialization import (
    CheckpointError, PersistentParameterID, UnsafeGlobalError, add_to_dump,
    dump, load, load_parameters, secure_dump, shared_variable_name)
from blocks.utils import shared_floatx


def make_mlp():
    mlp = MLP([Tanh(), Identity()], [3, 4, 2],
              weights_init=IsotropicGaussian(0.5), biases_init=Constant(0.1),
              seed=5)
    mlp.initialize()
    return mlp


def parameter(value, name=None):
    """A shared variable with the PARAMETER role."""
    variable = shared_floatx(value, name=name)
    add_role(variable, PARAMETER)
    return variable


def dump_to_bytes(obj, **kwargs):
    archive = io.BytesIO()
    dump(obj, archive, **kwargs)
    return archive


def archive_with(path, members):
    """Write a ZIP archive with the given members (name -> bytes)."""
    with zipfile.ZipFile(path, 'w') as zip_file:
        for name, data in members.items():
            zip_file.writestr(name, data)
    return path


def archive_members(archive):
    """The sorted member names of an archive, without its signatures."""
    return sorted(name for name in zipfile.ZipFile(archive).namelist()
                  if not name.startswith('_signature/'))


def npy_bytes(array, allow_pickle=False):
    buffer = io.BytesIO()
    numpy.lib.format.write_array(buffer, array, allow_pickle=allow_pickle)
    return buffer.getvalue()


# Layout and round trips ------------------------------------------------------

def test_members_are_named_by_brick_path_and_readable_by_numpy(tmp_path):
    mlp = make_mlp()
    path = tmp_path / 'mlp.zip'
    with open(path, 'wb') as destination:
        dump(mlp, destination)
    with zipfile.ZipFile(path) as zip_file:
        assert sorted(zip_file.namelist()) == [
            '_pkl', '_signature/_pkl', 'mlp/linear_0.W.npy',
            'mlp/linear_0.b.npy', 'mlp/linear_1.W.npy', 'mlp/linear_1.b.npy']
        with zip_file.open('mlp/linear_1.W.npy') as member:
            weights = numpy.load(member, allow_pickle=False)
    assert_equal(weights, mlp.linear_transformations[1].W.get_value())
    with numpy.load(path) as arrays:
        assert_equal(arrays['mlp/linear_0.b'],
                     mlp.linear_transformations[0].b.get_value())
    # The pickle refers to the arrays instead of holding them.
    with zipfile.ZipFile(path) as zip_file:
        pickled = zip_file.read('_pkl')
    for linear in mlp.linear_transformations:
        assert linear.W.get_value().tobytes() not in pickled


@pytest.mark.parametrize('use_cpickle', [False, True])
def test_round_trip_restores_values_and_structure(tmp_path, use_cpickle):
    mlp = make_mlp()
    path = tmp_path / 'mlp.zip'
    secure_dump(mlp, path, use_cpickle=use_cpickle)
    assert 'mlp/linear_0.W.npy' in zipfile.ZipFile(path).namelist()
    copy = load(path, use_cpickle=use_cpickle)
    assert copy is not mlp
    assert [child.name for child in copy.children] == [
        'linear_0', 'tanh', 'linear_1', 'identity']
    for original, copied in zip(mlp.linear_transformations,
                                copy.linear_transformations):
        assert_equal(copied.W.get_value(), original.W.get_value())
        assert copied.W.get_value().dtype == original.W.get_value().dtype
        assert copied.get_path() == original.get_path()


def test_shared_arrays_keep_their_identity():
    weights = shared_floatx(numpy.arange(3.), name='weights')
    copy, same = load(dump_to_bytes([weights, weights]))
    assert copy is same
    copy.set_value(numpy.ones(3))
    assert_equal(same.get_value(), numpy.ones(3))


def test_unnamed_and_duplicate_names_are_made_unique_deterministically():
    variables = [parameter(numpy.zeros(1), name='W'),
                 parameter(numpy.ones(1), name='W'),
                 parameter(numpy.full(1, 2.)),
                 parameter(numpy.full(1, 3.))]
    names = [archive_members(dump_to_bytes(variables))
             for _ in range(2)]
    assert names[0] == names[1] == [
        'W.npy', 'W_2.npy', '_pkl', 'unnamed.npy', 'unnamed_2.npy']
    values = load_parameters(dump_to_bytes(variables))
    assert [values[name][0] for name in
            ('/W', '/W_2', '/unnamed', '/unnamed_2')] == [0., 1., 2., 3.]


def test_other_shared_variables_are_saved_as_state():
    variables = [parameter(numpy.zeros(1), name='W'),
                 shared_floatx(numpy.ones(1), name='W'),
                 shared_floatx(numpy.ones(1), name='learning_rate')]
    archive = dump_to_bytes(variables)
    assert archive_members(archive) == [
        'W.npy', '_pkl', '_state/W.npy', '_state/learning_rate.npy']
    assert list(load_parameters(archive)) == ['/W']
    assert sorted(load_parameters(archive, include_state=True)) == [
        '/W', '/_state/W', '/_state/learning_rate']


def test_unnamed_or_duplicates_can_be_refused():
    unnamed = [parameter(numpy.zeros(1))]
    strict = functools.partial(PersistentParameterID, allow_unnamed=False)
    with pytest.raises(ValueError, match='unnamed shared variable'):
        dump(unnamed, io.BytesIO(), persistent_id=strict)
    twins = [parameter(numpy.zeros(1), name='W'),
             parameter(numpy.zeros(1), name='W')]
    strict = functools.partial(PersistentParameterID,
                               allow_duplicates=False)
    with pytest.raises(ValueError, match="several shared variables are "
                       "named 'W'"):
        dump(twins, io.BytesIO(), persistent_id=strict)


def test_array_met_before_its_variable_still_gets_its_name():
    # A compiled function's storage can lead the pickler to the array
    # before the variable; the array must still be saved under its name.
    weights = parameter(numpy.arange(2.), name='weights')
    archive = dump_to_bytes((weights.container, weights))
    assert 'weights.npy' in zipfile.ZipFile(archive).namelist()
    container, copy = load(archive)
    assert container.storage[0] is copy.get_value(borrow=True)


def test_step_rule_buffers_are_named_after_the_parameter_brick():
    mlp = make_mlp()
    weights = mlp.linear_transformations[0].W
    buffer = shared_floatx(numpy.zeros(2), name='W_velocity')
    buffer.tag.for_parameter = weights
    assert shared_variable_name(weights) == 'mlp/linear_0.W'
    assert shared_variable_name(buffer) == 'mlp/linear_0.W_velocity'


def test_random_generators_are_pickled_with_their_state():
    stream = RandomStream(3)
    sample = stream.normal(size=(2,))
    function = aesara.function([], sample)
    function()
    rng_variable = stream.state_updates[0][0]
    archive = dump_to_bytes(rng_variable)
    assert archive_members(archive) == ['_pkl']
    copy = load(archive)
    original_next = rng_variable.get_value().normal(size=3)
    assert_equal(copy.get_value().normal(size=3), original_next)


def test_parameters_only_and_load_parameters(tmp_path):
    mlp = make_mlp()
    parameters = [parameter for linear in mlp.linear_transformations
                  for parameter in linear.parameters]
    path = tmp_path / 'parameters.zip'
    secure_dump(None, path, parameters=parameters)
    values = load_parameters(path)
    assert sorted(values) == ['/mlp/linear_0.W', '/mlp/linear_0.b',
                              '/mlp/linear_1.W', '/mlp/linear_1.b']
    assert_equal(values['/mlp/linear_1.b'],
                 mlp.linear_transformations[1].b.get_value())
    with pytest.raises(CheckpointError, match="has no member '_pkl'"):
        load(path)


def test_add_to_dump_reuses_members_of_known_parameters(tmp_path):
    mlp = make_mlp()
    linear = mlp.linear_transformations[0]
    path = tmp_path / 'mlp.zip'
    secure_dump(mlp, path)
    parameters = [parameter for brick in mlp.linear_transformations
                  for parameter in brick.parameters]
    add_to_dump({'weights': linear.W}, path, 'extra', parameters=parameters)
    with zipfile.ZipFile(path) as zip_file:
        names = zip_file.namelist()
    assert sorted(names) == ['_pkl', '_signature/_pkl', '_signature/extra',
                             'extra', 'mlp/linear_0.W.npy',
                             'mlp/linear_0.b.npy', 'mlp/linear_1.W.npy',
                             'mlp/linear_1.b.npy']
    extra = load(path, name='extra')
    assert_equal(extra['weights'].get_value(), linear.W.get_value())
    with pytest.raises(ValueError, match="already has a member 'extra'"):
        add_to_dump({}, path, 'extra')
    with pytest.raises(ValueError, match="neither '_pkl'"):
        add_to_dump({}, path, '_pkl')


def test_pickling_objects_from_main_warns(monkeypatch):
    main = sys.modules['__main__']
    monkeypatch.setattr(main, '_user_function', _user_function,
                        raising=False)
    monkeypatch.setattr(_user_function, '__module__', '__main__')
    with pytest.warns(UserWarning, match=r'__main__\.'):
        archive = dump_to_bytes([_user_function])
    with pytest.raises(UnsafeGlobalError, match=r"refusing global "
                       r"__main__\._user_function .*defined in the script "
                       r"that started training"):
        load(archive)
    assert load(archive, allowed=['__main__']) == [_user_function]


def _user_function(x):
    return x


# Bad input -------------------------------------------------------------------

def test_truncated_archive(tmp_path):
    path = tmp_path / 'mlp.zip'
    secure_dump(make_mlp(), path)
    data = path.read_bytes()
    path.write_bytes(data[:len(data) // 2])
    for read in (load, load_parameters):
        with pytest.raises(CheckpointError, match="checkpoint '{}' is not a "
                           "readable ZIP archive".format(path)):
            read(path)


def test_corrupt_member_is_named(tmp_path):
    path = tmp_path / 'mlp.zip'
    secure_dump(make_mlp(), path)
    data = bytearray(path.read_bytes())
    with zipfile.ZipFile(path) as zip_file:
        info = zip_file.getinfo('mlp/linear_1.W.npy')
    # Flip the last byte of the array data (stored uncompressed, after the
    # local header: 30 bytes, the name, and an extra field whose length is
    # at offset 28).
    extra_length = int.from_bytes(
        data[info.header_offset + 28:info.header_offset + 30], 'little')
    data_start = info.header_offset + 30 + len(info.filename) + extra_length
    data[data_start + info.file_size - 1] ^= 1
    path.write_bytes(bytes(data))
    with pytest.raises(CheckpointError, match=r"member 'mlp/linear_1\.W\.npy'"
                       r" is corrupt"):
        load_parameters(path)
    with pytest.raises(CheckpointError, match=r"linear_1\.W\.npy"):
        load(path)


def test_missing_module_is_reported(tmp_path):
    path = archive_with(tmp_path / 'gone.zip', {
        '_pkl': b"cno_such_module_xyz\nThing\n."})
    with pytest.raises(CheckpointError, match="refers to no_such_module_xyz"
                       r"\.Thing, which cannot be found"):
        load(path, trusted=True,
             allowed=['no_such_module_xyz:Thing'])


def test_missing_array_member(tmp_path):
    archive = dump_to_bytes(parameter(numpy.zeros(2), name='weights'))
    with zipfile.ZipFile(archive) as zip_file:
        pickled = zip_file.read('_pkl')
    path = archive_with(tmp_path / 'broken.zip', {'_pkl': pickled})
    with pytest.raises(CheckpointError, match="has no member 'weights.npy'"):
        load(path, trusted=True)


def test_not_a_zip_and_not_a_pickle(tmp_path):
    path = tmp_path / 'text.zip'
    path.write_text('hello')
    with pytest.raises(CheckpointError, match='not a readable ZIP'):
        load(path)
    path = archive_with(tmp_path / 'garbage.zip', {'_pkl': b'\x80\x04junk'})
    with pytest.raises(CheckpointError, match="'_pkl' cannot be unpickled"):
        load(path, trusted=True)


def test_load_parameters_never_unpickles(tmp_path):
    marker = tmp_path / 'pwned'
    path = archive_with(tmp_path / 'evil.zip', {
        '_pkl': b"cos\nsystem\n(Vtouch " + str(marker).encode() + b"\ntR.",
        'W.npy': npy_bytes(numpy.arange(3.))})
    assert_equal(load_parameters(path)['/W'], numpy.arange(3.))
    assert not marker.exists()
    path = archive_with(tmp_path / 'objects.zip', {
        'W.npy': npy_bytes(numpy.array([None, 1]), allow_pickle=True)})
    with pytest.raises(CheckpointError, match=r"member 'W\.npy' holds Python "
                       "objects"):
        load_parameters(path)


# secure_dump -----------------------------------------------------------------

def failing_dump(object_, file_handler):
    file_handler.write(b'partial data')
    raise RuntimeError('disk full')


def test_secure_dump_failure_keeps_previous_file(tmp_path):
    path = tmp_path / 'model.zip'
    secure_dump(make_mlp(), path)
    before = path.read_bytes()
    with pytest.raises(RuntimeError, match='disk full'):
        secure_dump(make_mlp(), path, dump_function=failing_dump)
    assert path.read_bytes() == before
    assert os.listdir(tmp_path) == ['model.zip']


def test_secure_dump_interrupted_keeps_previous_file(tmp_path):
    path = tmp_path / 'numbers.pkl'
    secure_dump([1], path, dump_function=pickle.dump)

    def interrupted(object_, file_handler):
        raise KeyboardInterrupt
    with pytest.raises(KeyboardInterrupt):
        secure_dump([2], path, dump_function=interrupted)
    assert pickle.loads(path.read_bytes()) == [1]
    assert os.listdir(tmp_path) == ['numbers.pkl']


def test_secure_dump_keeps_mode_and_follows_links(tmp_path):
    target = tmp_path / 'real.pkl'
    secure_dump([1], target, dump_function=pickle.dump)
    os.chmod(target, 0o640)
    link = tmp_path / 'link.pkl'
    link.symlink_to(target)
    secure_dump([2], link, dump_function=pickle.dump)
    assert link.is_symlink()
    assert pickle.loads(target.read_bytes()) == [2]
    assert stat.S_IMODE(os.stat(target).st_mode) == 0o640


def test_secure_dump_new_file_mode_follows_umask(tmp_path):
    old_umask = os.umask(0o027)
    try:
        secure_dump([1], tmp_path / 'new.pkl', dump_function=pickle.dump)
    finally:
        os.umask(old_umask)
    assert stat.S_IMODE(os.stat(tmp_path / 'new.pkl').st_mode) == 0o640


def test_secure_dump_missing_directory(tmp_path):
    path = tmp_path / 'missing' / 'model.zip'
    with pytest.raises(ValueError, match="secure_dump: cannot write .* "
                       "directory .*missing' does not exist"):
        secure_dump([1], path, dump_function=pickle.dump)


@pytest.mark.skipif(os.geteuid() == 0, reason='root can write anywhere')
def test_secure_dump_read_only_directory(tmp_path):
    directory = tmp_path / 'read_only'
    directory.mkdir()
    directory.chmod(0o555)
    try:
        with pytest.raises(ValueError, match='is not writable'):
            secure_dump([1], directory / 'model.zip',
                        dump_function=pickle.dump)
    finally:
        directory.chmod(0o755)


def test_dump_of_unpicklable_object_names_nothing_written(tmp_path):
    path = tmp_path / 'model.zip'
    secure_dump([1], path)
    with warnings.catch_warnings():
        warnings.simplefilter('ignore')
        with pytest.raises((pickle.PicklingError, AttributeError,
                            TypeError)):
            secure_dump([lambda: 0], path)
    assert load(path) == [1]
    assert os.listdir(tmp_path) == ['model.zip']


def test_dump_and_add_to_dump_and_the_brick_delimiter(tmp_path):
    from blocks.serialization import BRICK_DELIMITER, dump_and_add_to_dump
    mlp = MLP([Identity()], [2, 3], weights_init=Constant(1.),
              biases_init=Constant(0.))
    mlp.initialize()
    path = tmp_path / 'both.zip'
    dump_and_add_to_dump(mlp, str(path), parameters=mlp.parameters,
                         to_add={'note': {'epoch': 3}})
    names = zipfile.ZipFile(path).namelist()
    assert 'mlp{}linear_0.W.npy'.format(BRICK_DELIMITER) in names
    assert load(str(path), name='note') == {'epoch': 3}
    assert isinstance(load(str(path)), MLP)
    # The added object refers to the arrays of the first.
    assert sum(name.endswith('.npy') for name in names) == 2
