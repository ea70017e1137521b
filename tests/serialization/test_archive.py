"""Reads of checkpoint members are bounded and checked before allocating."""
import io
import zipfile

import numpy
import pytest

from blocks.config import config
from blocks.scripts import dump as dump_script
from blocks.serialization import (
    CheckpointError, dump, load, load_parameters)
from blocks.utils import shared_floatx


def npy_header(shape, dtype='<f8'):
    buffer = io.BytesIO()
    numpy.lib.format.write_array_header_1_0(buffer, {
        'descr': dtype, 'fortran_order': False, 'shape': shape})
    return buffer.getvalue()


@pytest.fixture
def small_limit():
    old = config.max_member_size
    config.max_member_size = 1700
    yield
    config.max_member_size = old


def test_a_header_claiming_a_huge_array_is_refused(tmp_path, capsys):
    path = tmp_path / 'huge.zip'
    with zipfile.ZipFile(path, 'w') as archive:
        archive.writestr('W.npy', npy_header((10 ** 6, 10 ** 6)) + b'\0' * 8)
    with pytest.raises(CheckpointError, match=r"member 'W\.npy' declares an "
                       r"array of shape \(1000000, 1000000\) and dtype "
                       "float64 .* but holds 8 bytes of data"):
        load_parameters(str(path))
    assert dump_script.main([str(path), str(tmp_path / 'out.npz')]) == 1
    assert "member 'W.npy' declares an array of shape (1000000, 1000000)" \
        in capsys.readouterr().err
    assert not (tmp_path / 'out.npz').exists()


def test_a_referenced_member_with_a_bad_header_is_named_by_load(tmp_path):
    path = tmp_path / 'model.zip'
    dump(shared_floatx(numpy.zeros(2), name='W'), str(path))
    with zipfile.ZipFile(path) as source:
        members = {info.filename: source.read(info)
                   for info in source.infolist()}
    members['_state/W.npy'] = npy_header((10 ** 9,)) + b'\0' * 16
    with zipfile.ZipFile(path, 'w') as destination:
        for name, data in members.items():
            destination.writestr(name, data)
    with pytest.raises(CheckpointError,
                       match=r"member '_state/W\.npy' declares an array"):
        load(str(path), trusted=True)


def test_members_over_the_limit_are_refused_until_it_is_raised(
        tmp_path, small_limit):
    path = tmp_path / 'big.zip'
    dump(shared_floatx(numpy.zeros(200), name='W'), str(path))
    for read in (lambda: load(str(path)),
                 lambda: load_parameters(str(path), include_state=True)):
        with pytest.raises(CheckpointError) as excinfo:
            read()
        message = str(excinfo.value)
        assert "member '_state/W.npy' holds 1728 bytes" in message
        assert 'max_member_size (1700 bytes)' in message
        assert 'BLOCKS_MAX_MEMBER_SIZE=1728' in message
    config.max_member_size = 1728
    assert load(str(path)).get_value().shape == (200,)


def test_a_zip_bomb_is_refused_before_it_is_inflated(tmp_path, capsys):
    path = tmp_path / 'bomb.zip'
    size = 2 ** 31  # 2 GiB of zeros, about 2 MB compressed
    with zipfile.ZipFile(path, 'w', zipfile.ZIP_DEFLATED) as archive:
        with archive.open('W.npy', 'w', force_zip64=True) as member:
            member.write(npy_header((size // 8,)))
            chunk = b'\0' * (1 << 24)
            for _ in range(size // len(chunk)):
                member.write(chunk)
    assert path.stat().st_size < 4 * 2 ** 20
    with pytest.raises(CheckpointError, match="holds 2147483776 bytes"):
        load_parameters(str(path))
    assert dump_script.main([str(path), str(tmp_path / 'out.npz')]) == 1
    assert 'max_member_size' in capsys.readouterr().err


def test_blocks_dump_writes_one_array_at_a_time(tmp_path, capsys):
    path = tmp_path / 'model.zip'
    dump(None, str(path), parameters=[
        shared_floatx(numpy.arange(3.), name='a'),
        shared_floatx(numpy.ones((2, 2)), name='b')])
    output = tmp_path / 'out.npz'
    assert dump_script.main([str(path), str(output)]) == 0
    assert 'wrote 2 arrays' in capsys.readouterr().out
    with numpy.load(output) as arrays:
        assert sorted(arrays) == ['a', 'b']
        numpy.testing.assert_equal(arrays['a'], numpy.arange(3.))
