"""Checkpoints are signed by their writer and verified before unpickling."""
import json
import os
import stat
import zipfile

import numpy
import pytest

from blocks.serialization import (
    UntrustedCheckpointError, add_to_dump, dump, key_path, load,
    load_parameters)


@pytest.fixture
def own_key(tmp_path, monkeypatch):
    """A fresh key for this test, in a directory that does not exist yet."""
    path = tmp_path / 'config' / 'blocks' / 'checkpoint.key'
    monkeypatch.setenv('BLOCKS_CHECKPOINT_KEY', str(path))
    return path


def rewrite_member(path, member, transform):
    copy = path.with_name('rewritten_' + path.name)
    with zipfile.ZipFile(path) as source, \
            zipfile.ZipFile(copy, 'w') as destination:
        for info in source.infolist():
            data = source.read(info)
            if info.filename == member:
                data = transform(data)
            destination.writestr(info, data)
    os.replace(copy, path)


def test_key_is_created_on_first_dump_readable_by_the_user_alone(
        tmp_path, own_key):
    assert not own_key.exists()
    dump([1], str(tmp_path / 'a.zip'))
    assert key_path() == str(own_key)
    assert stat.S_IMODE(os.stat(own_key).st_mode) == 0o600
    assert stat.S_IMODE(os.stat(own_key.parent).st_mode) == 0o700
    key = own_key.read_text()
    dump([2], str(tmp_path / 'b.zip'))
    assert own_key.read_text() == key
    assert load(str(tmp_path / 'a.zip')) == [1]


def test_signature_lists_the_digests_of_pickle_and_arrays(tmp_path, own_key):
    path = tmp_path / 'signed.zip'
    from blocks.utils import shared_floatx
    dump(shared_floatx(numpy.ones(3), name='weights'), str(path))
    with zipfile.ZipFile(path) as archive:
        document = json.loads(archive.read('_signature/_pkl'))
    assert document['format'] == 'blocks-checkpoint-signature'
    assert sorted(document['members']) == ['_pkl', '_state/weights.npy']
    assert len(document['hmac']) == 64


def test_checkpoint_of_another_key_is_refused_and_can_be_trusted(
        tmp_path, own_key, monkeypatch):
    path = tmp_path / 'theirs.zip'
    dump({'answer': 42}, str(path))
    monkeypatch.setenv('BLOCKS_CHECKPOINT_KEY',
                       str(tmp_path / 'other' / 'checkpoint.key'))
    with pytest.raises(UntrustedCheckpointError,
                       match='you have no checkpoint key yet'):
        load(str(path))
    dump([0], str(tmp_path / 'mine.zip'))  # now this user has a key
    with pytest.raises(UntrustedCheckpointError) as excinfo:
        load(str(path))
    message = str(excinfo.value)
    assert 'signed with another key' in message
    assert 'trusted=True' in message and '--trust' in message
    assert 'load_parameters() or blocks-dump' in message
    assert load(str(path), trusted=True) == {'answer': 42}


def test_modified_members_are_refused(tmp_path, own_key):
    from blocks.utils import shared_floatx
    path = tmp_path / 'model.zip'
    dump(shared_floatx(numpy.zeros(4), name='W'), str(path))

    def flip_last_byte(data):
        return data[:-1] + bytes([data[-1] ^ 1])
    rewrite_member(path, '_state/W.npy', flip_last_byte)
    with pytest.raises(UntrustedCheckpointError,
                       match=r"member '_state/W\.npy' was modified"):
        load(str(path))
    # The parameters stay readable without trust, as they are.
    assert load_parameters(str(path), include_state=True)[
        '/_state/W'].shape == (4,)

    dump([1], str(path))
    rewrite_member(path, '_signature/_pkl', lambda data: data.replace(
        b'"members"', b'"members" '))
    assert load(str(path)) == [1]  # whitespace: the same document
    rewrite_member(path, '_signature/_pkl', lambda data: data.replace(
        b'"pickle": "_pkl"', b'"pickle": "_pk1"'))
    with pytest.raises(UntrustedCheckpointError, match='malformed'):
        load(str(path))


def test_unsigned_and_forged_signatures(tmp_path, own_key):
    path = tmp_path / 'forged.zip'
    dump([1], str(path))
    rewrite_member(path, '_signature/_pkl', lambda data: data.replace(
        b'"hmac": "', b'"hmac": "0'))
    with pytest.raises(UntrustedCheckpointError,
                       match='does not verify: it was modified'):
        load(str(path))
    with zipfile.ZipFile(path, 'w') as archive:
        archive.writestr('_pkl', b'N.')
    with pytest.raises(UntrustedCheckpointError, match='is not signed'):
        load(str(path))
    assert load(str(path), trusted=True) is None


def test_add_to_dump_signs_its_own_member(tmp_path, own_key):
    path = tmp_path / 'model.zip'
    dump({'first': 1}, str(path))
    add_to_dump({'second': 2}, str(path), 'extra')
    assert load(str(path), name='extra') == {'second': 2}
    assert load(str(path)) == {'first': 1}
