"""The restricted unpickler refuses every attack found on the old loader.

Each crafted pickle is built here, byte by byte; each test asserts the
refusal, its message (naming the global or the opcode) and that the
payload had no effect: no file written, no class or table changed.
"""
import copy
import io
import os
import pickle
import zipfile

import numpy
import pytest
from aesara import tensor

from blocks.bricks import MLP
from blocks.extensions import SimpleExtension
from blocks.extensions.saveload import Checkpoint
from blocks.main_loop import MainLoop
from blocks.serialization import (
    CheckpointError, UnsafeGlobalError, UntrustedCheckpointError, dump, load,
    restricted_loads)
from blocks.serialization import table

THIS_MODULE = 'tests.serialization.test_unpickling'


class UserExtension(SimpleExtension):
    """An extension of the user's own, in a module the user owns."""
    def do(self, which_callback, *args):
        pass


def user_function(value):
    return value


def global_opcode(module, name):
    """Protocol 0 GLOBAL."""
    return b'c' + module.encode() + b'\n' + name.encode() + b'\n'


def stack_global(module, name):
    """Protocol 4 STACK_GLOBAL."""
    def short_unicode(text):
        data = text.encode()
        return b'\x8c' + bytes([len(data)]) + data
    return short_unicode(module) + short_unicode(name) + b'\x93'


def call(function, *string_arguments):
    """GLOBAL function, called with string arguments (REDUCE)."""
    arguments = b''.join(b'V' + argument.encode() + b'\n'
                         for argument in string_arguments)
    return function + b'(' + arguments + b'tR'


def archive(path, pickled, **other_members):
    with zipfile.ZipFile(path, 'w') as zip_file:
        zip_file.writestr('_pkl', pickled)
        for name, data in other_members.items():
            zip_file.writestr(name, data)
    return path


def refused(data, match, **kwargs):
    with pytest.raises(UnsafeGlobalError, match=match) as excinfo:
        restricted_loads(data, **kwargs)
    return str(excinfo.value)


# Names: exact, no dotted walks, no whole packages -------------------------

def test_dotted_names_cannot_reach_module_internals():
    before = copy.deepcopy(table.OBJECTS)
    for name in ('serialization.unpickling.SAFE_STDLIB',
                 'serialization.table.OBJECTS'):
        payload = (b'\x80\x04' + stack_global('blocks', name) +
                   b'(\x8c\x02os\x8c\x06systemu.')
        message = refused(payload, 'global blocks.' + name)
        assert 'not in the table of trusted globals' in message
    assert table.OBJECTS == before


@pytest.mark.parametrize('module, name', [
    ('aesara.link.utils', 'compile_function_src'),
    ('aesara.compile.ops', 'register_deep_copy_op_c_code'),
    ('numpy', 'test'),
    ('numpy', 'load'),
    ('numpy.lib.npyio', 'load'),
    ('aesara', 'config'),
    ('builtins', 'eval'),
    ('builtins', 'exec'),
    ('builtins', '__import__'),
    ('builtins', 'open'),
    ('os', 'system'),
    ('subprocess', 'Popen'),
    ('operator', 'attrgetter'),
    ('blocks.serialization', 'secure_dump'),
    ('blocks.utils', 'ipdb_breakpoint'),
])
def test_globals_outside_the_table_are_refused(tmp_path, module, name):
    marker = tmp_path / 'pwned'
    payload = call(global_opcode(module, name), str(marker)) + b'.'
    message = refused(payload, 'refusing global {}.{}'.format(module, name))
    assert "allowed=['{}.{}']".format(module, name) in message
    assert not marker.exists()


def test_only_the_callables_of_the_table_may_be_called():
    # A class of the table may be created and filled, not called.
    refused(global_opcode('blocks.main_loop', 'MainLoop') + b')R.',
            r'opcode REDUCE \(a call\) of blocks\.main_loop\.MainLoop')
    # A callable of the table may be called, not created with NEWOBJ.
    refused(b'\x80\x04' + stack_global('collections', 'OrderedDict') +
            b')\x81.', 'opcode NEWOBJ of collections.OrderedDict')
    # References may not be called at all.
    refused(global_opcode('builtins', 'min') + b'(I1\nI2\ntR.',
            r'opcode REDUCE \(a call\) of builtins\.min')


@pytest.mark.parametrize('payload, opcode', [
    (b'(Vls\nios\nsystem\n.', 'INST'),
    (b'(cblocks.main_loop\nMainLoop\no.', 'OBJ'),
    (b'\x80\x02\x82\x01.', 'EXT1'),
])
def test_protocol_0_and_1_construction_is_refused(payload, opcode):
    refused(payload, 'opcode ' + opcode)


# BUILD ----------------------------------------------------------------------

@pytest.mark.parametrize('module, name', [
    ('blocks.extensions.saveload', 'Checkpoint'),
    ('blocks.main_loop', 'MainLoop'),
])
def test_build_never_modifies_a_class(module, name):
    cls = getattr(__import__(module, fromlist=[name]), name)
    methods = dict(vars(cls))
    payload = (global_opcode(module, name) + b'(dVdo\n' +
               global_opcode('blocks.extensions.base', 'always_true') +
               b'sVrun\n' +
               global_opcode('blocks.extensions.base', 'always_true') +
               b'sb.')
    refused(payload, 'opcode BUILD on {}.{}'.format(module, name))
    assert dict(vars(cls)) == methods


def test_build_never_sets_double_underscore_attributes():
    payload = (b'\x80\x04' +
               stack_global('blocks.extensions.saveload', 'Checkpoint') +
               b')\x81}\x8c\t__class__' +
               stack_global('blocks.main_loop', 'MainLoop') + b's' + b'b.')
    refused(payload, "setting the attribute '__class__'")


def test_containers_only_grow_as_containers():
    new_checkpoint = (b'\x80\x04' +
                      stack_global('blocks.extensions.saveload',
                                   'Checkpoint') + b')\x81')
    refused(new_checkpoint + b'K\x01a.', 'opcode APPEND to a')
    refused(new_checkpoint + b'(K\x01K\x02u.', 'opcode SETITEMS on a')


# getattr: only methods of the table and application methods ---------------

def test_getattr_returns_application_methods_and_listed_methods():
    payload = (global_opcode('builtins', 'getattr') + b'(' +
               global_opcode('blocks.bricks.sequences', 'MLP') +
               b'Vapply\ntR.')
    assert restricted_loads(payload) is MLP.apply
    tensor_type = tensor.matrix().type
    method = restricted_loads(pickle.dumps(tensor_type.filter))
    assert method.__self__ == tensor_type
    assert method.__func__ is type(tensor_type).filter


@pytest.mark.parametrize('owner, attribute', [
    (('blocks.bricks.sequences', 'MLP'), '__init__'),
    (('blocks.bricks.sequences', 'MLP'), '__globals__'),
    (('blocks.bricks.sequences', 'MLP'), 'allocate'),
    (('blocks.extensions.saveload', 'Checkpoint'), 'do'),
    (('blocks.main_loop', 'MainLoop'), 'run'),
])
def test_getattr_refuses_everything_else(owner, attribute):
    payload = (global_opcode('builtins', 'getattr') + b'(' +
               global_opcode(*owner) +
               'V{}\ntR.'.format(attribute).encode())
    refused(payload, r"getattr\(.*{!r}\)".format(attribute))


def test_getattr_with_a_default_is_refused():
    payload = (global_opcode('builtins', 'getattr') + b'(' +
               global_opcode('blocks.bricks.sequences', 'MLP') +
               b'Vapply\nVx\ntR.')
    refused(payload, 'getattr with 3 arguments')


# Aesara objects are rebuilt by their constructors -------------------------

def test_smuggled_state_of_ops_is_discarded():
    x = tensor.matrix('x')
    exp = tensor.exp(x).owner.op
    transpose = x.T.owner.op
    tampered_exp = copy.copy(exp)
    tampered_exp.nfunc_spec = ('load', 1, 1)
    tampered_transpose = copy.copy(transpose)
    tampered_transpose.func_codes = ['int evil() { return 0; }']
    tampered_transpose.func_files = ['/tmp/evil.c']
    loaded_exp, loaded_transpose = restricted_loads(pickle.dumps(
        (tampered_exp, tampered_transpose)))
    assert loaded_exp == exp and loaded_exp.nfunc_spec == ('exp', 1, 1)
    assert loaded_transpose == transpose
    assert loaded_transpose.func_codes == transpose.func_codes
    assert loaded_transpose.func_files == transpose.func_files


def test_ops_whose_parameters_do_not_match_are_refused():
    total = tensor.matrix().sum(axis=0).owner.op
    tampered = copy.copy(total)
    tampered.upcast_discrete_output = 'evil'
    refused(pickle.dumps(tampered),
            "its upcast_discrete_output 'evil' is not what")


def test_constants_holding_objects_are_refused():
    constant = tensor.constant(numpy.arange(2.))
    constant.data = numpy.array([1, 2], dtype=object)
    refused(pickle.dumps(constant), 'constant holding Python objects')


# What the user trusts ---------------------------------------------------------

@pytest.mark.parametrize('module', ['numpy', 'aesara', 'aesara.tensor',
                                    'blocks', 'blocks.extensions', 'os',
                                    'pickle', 'iniconfig'])
def test_libraries_cannot_be_trusted_as_a_whole(module):
    with pytest.raises(ValueError, match='refusing to trust the module {!r} '
                       'as a whole'.format(module)):
        restricted_loads(pickle.dumps(1), allowed=[module])


def test_a_module_of_the_user_trusts_what_it_defines():
    data = pickle.dumps([UserExtension(), user_function])
    refused(data, 'refusing global {}.UserExtension'.format(THIS_MODULE))
    extension, function = restricted_loads(data, allowed=[THIS_MODULE])
    assert isinstance(extension, UserExtension) and \
        function is user_function
    # ... but not what it imports from elsewhere.
    refused(global_opcode(THIS_MODULE, 'SimpleExtension') + b'.',
            'refusing global {}.SimpleExtension'.format(THIS_MODULE),
            allowed=[THIS_MODULE])
    refused(global_opcode(THIS_MODULE, 'os') + b'.', 'refusing global',
            allowed=[THIS_MODULE])


def test_trusting_a_class_does_not_trust_its_internals():
    allowed = [THIS_MODULE + '.UserExtension']
    assert isinstance(restricted_loads(pickle.dumps(UserExtension()),
                                       allowed=allowed), UserExtension)
    for name in ('UserExtension.__init__', 'UserExtension.do.__globals__'):
        refused(global_opcode(THIS_MODULE, name) + b'.',
                'refusing global {}.{}'.format(THIS_MODULE, name),
                allowed=allowed)
    payload = (global_opcode('builtins', 'getattr') + b'(' +
               global_opcode(THIS_MODULE, 'UserExtension') +
               b'V__init__\ntR.')
    refused(payload, r"getattr\(", allowed=allowed)
    with pytest.raises(ValueError, match='double underscores'):
        restricted_loads(b'N.', allowed=[THIS_MODULE +
                                         '.UserExtension.__init__'])


def test_exact_names_can_be_trusted_explicitly():
    payload = global_opcode('os', 'getcwd') + b')R.'
    refused(payload, 'os.getcwd')
    assert restricted_loads(payload, allowed=['os.getcwd']) == os.getcwd()
    assert restricted_loads(pickle.dumps(user_function),
                            allowed=[user_function]) is user_function
    with pytest.raises(TypeError, match=r"write \['os.getcwd'\]"):
        restricted_loads(payload, allowed='os.getcwd')


# Whole checkpoints --------------------------------------------------------------

def test_payload_prepended_to_a_genuine_checkpoint(tmp_path):
    marker = tmp_path / 'pwned'
    genuine = tmp_path / 'genuine.zip'
    dump({'weights': numpy.ones(2)}, str(genuine))
    tampered = tmp_path / 'tampered.zip'
    payload = call(global_opcode('os', 'system'),
                   'touch {}'.format(marker)) + b'0'
    with zipfile.ZipFile(genuine) as source, \
            zipfile.ZipFile(tampered, 'w') as destination:
        for info in source.infolist():
            data = source.read(info)
            if info.filename == '_pkl':
                data = payload + data
            destination.writestr(info, data)
    with pytest.raises(UntrustedCheckpointError,
                       match="member '_pkl' was modified"):
        load(tampered)
    with pytest.raises(UnsafeGlobalError, match='refusing global os.system'):
        load(tampered, trusted=True)
    with pytest.raises(UnsafeGlobalError, match='refusing global os.system'):
        load(tampered, trusted=True, use_cpickle=True)
    assert not marker.exists()
    assert load(genuine)['weights'].tolist() == [1., 1.]


def test_crafted_archive_goes_through_the_table_when_trusted(tmp_path):
    marker = tmp_path / 'pwned'
    path = archive(tmp_path / 'evil.zip',
                   call(global_opcode('os', 'system'),
                        'touch {}'.format(marker)) + b'.')
    with pytest.raises(UntrustedCheckpointError, match='is not signed'):
        load(path)
    with pytest.raises(UnsafeGlobalError) as excinfo:
        load(path, trusted=True)
    assert "refusing global os.system in checkpoint '{}'".format(path) in \
        str(excinfo.value)
    assert '--allow os.system' in str(excinfo.value)
    assert isinstance(excinfo.value, pickle.UnpicklingError)
    assert not marker.exists()


def test_persistent_ids_only_name_array_members(tmp_path):
    path = archive(tmp_path / 'ids.zip',
                   b'\x80\x04\x8c\x07ndarray\x8c\x04_pkl\x86Q.')
    with pytest.raises(CheckpointError, match='unknown persistent id'):
        load(path, trusted=True)
    with pytest.raises(UnsafeGlobalError, match='persistent id'):
        restricted_loads(b'\x80\x04K\x01\x85Q.')


def test_refused_load_runs_nothing_of_a_main_loop(tmp_path):
    assert callable(Checkpoint.do) and callable(MainLoop.run)
    data = io.BytesIO()
    pickle.dump(UserExtension(), data)
    path = archive(tmp_path / 'user.zip', data.getvalue())
    with pytest.raises(UnsafeGlobalError, match='UserExtension'):
        load(path, trusted=True)
    assert isinstance(load(path, trusted=True, allowed=[THIS_MODULE]),
                      UserExtension)
