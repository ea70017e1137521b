"""Blocks points Aesara at SciPy's bundled OpenBLAS (see blocks/_blas.py).

Each check that depends on what happens at ``import aesara`` runs in a fresh
interpreter, with a clean environment: no ``AESARA_*`` variables and a
temporary ``HOME``, so that no ``~/.aesararc`` is read.
"""
import os
import subprocess
import sys
import textwrap

import pytest

from blocks import _blas

FALLBACK_WARNING = 'Using NumPy C-API based implementation for BLAS functions'
LIBDIR_WARNING = 'We did not find a dynamic library'

# SciPy's manylinux wheels bundle OpenBLAS in site-packages/scipy.libs/;
# other installs (conda, macOS, Windows, a distribution's package) don't.
needs_scipy_openblas = pytest.mark.skipif(
    not (sys.platform.startswith('linux') and os.path.isdir(os.path.join(
        os.path.dirname(os.path.dirname(
            os.path.abspath(__import__('scipy').__file__))),
        'scipy.libs'))),
    reason="needs SciPy's manylinux wheel (site-packages/scipy.libs)")


def clean_env(home, **variables):
    env = {key: value for key, value in os.environ.items()
           if not key.startswith(('AESARA', 'THEANO'))}
    env['HOME'] = str(home)
    env.update(variables)
    return env


def run_python(code, env):
    result = subprocess.run([sys.executable, '-c', textwrap.dedent(code)],
                            env=env, cwd=env['HOME'], capture_output=True,
                            text=True, timeout=600)
    assert result.returncode == 0, result.stderr
    return result


REPORT = """
    import os
    import blocks, aesara
    print(repr(aesara.config.blas__ldflags))
    print(repr(os.environ.get('AESARA_FLAGS')))
"""


def report(env):
    """Aesara's BLAS flags and ``AESARA_FLAGS`` after ``import blocks``,
    less the g++ flags entry that Blocks also adds (tested below)."""
    result = run_python(REPORT, env)
    ldflags, flags = map(eval, result.stdout.splitlines()[-2:])
    if flags is not None:
        entries = [entry for entry in flags.split(',')
                   if entry != 'gcc__cxxflags=-g0']
        flags = ','.join(entries) if entries else None
    return ldflags, flags, result.stderr


@needs_scipy_openblas
def test_import_blocks_sets_blas_ldflags(tmp_path):
    ldflags, flags, stderr = report(clean_env(tmp_path))
    assert ldflags
    assert ldflags == _blas.find_blas_ldflags()
    if _blas.find_mkl_ldflags() is None:
        assert '-lopenblas' in ldflags
    assert FALLBACK_WARNING not in stderr
    assert LIBDIR_WARNING not in stderr
    assert 'WARNING' not in stderr


@pytest.mark.parametrize('user_flags', [
    'blas__ldflags=-L/opt/myblas/lib -lmyblas',
    'floatX=float32,blas__ldflags=-lmyblas,optimizer=fast_run',
    'blas__ldflags=',  # Opting out: Aesara falls back to the NumPy C-API.
])
def test_user_aesara_flags_left_untouched(tmp_path, user_flags):
    ldflags, flags, _ = report(clean_env(tmp_path, AESARA_FLAGS=user_flags))
    assert flags == user_flags
    expected = user_flags.split('blas__ldflags=')[1].split(',')[0]
    assert ldflags == expected


def test_user_aesararc_left_untouched(tmp_path):
    (tmp_path / '.aesararc').write_text('[blas]\nldflags = -lmyblas\n')
    ldflags, flags, _ = report(clean_env(tmp_path))
    assert flags is None
    assert ldflags == '-lmyblas'

    rc_file = tmp_path / 'elsewhere.rc'
    rc_file.write_text('[blas]\nldflags = -lotherblas\n')
    env = clean_env(tmp_path, AESARARC=str(rc_file),
                    AESARA_FLAGS='floatX=float32')
    ldflags, flags, _ = report(env)
    assert flags == 'floatX=float32'
    assert ldflags == '-lotherblas'


@needs_scipy_openblas
def test_other_user_flags_kept(tmp_path):
    (tmp_path / '.aesararc').write_text('[global]\nfloatX = float32\n')
    user_flags = 'optimizer=fast_compile,device=cpu'
    result = run_python("""
        import blocks, aesara
        print(aesara.config.optimizer, aesara.config.floatX)
        print(aesara.config.blas__ldflags)
    """, clean_env(tmp_path, AESARA_FLAGS=user_flags))
    config_line, ldflags = result.stdout.splitlines()[-2:]
    assert config_line == 'fast_compile float32'
    assert ldflags == _blas.find_blas_ldflags()


def test_flags_parse_like_aesara():
    from aesara.configparser import parse_config_string

    ldflags = '-L/some/site-packages/scipy.libs -lopenblasp-r0-x.3.21 ' \
              '-Wl,--disable-new-dtags'
    flags = 'floatX=float32,compiledir=/tmp/a b,blas__ldflags="{}"'.format(
        ldflags)
    assert parse_config_string(flags) == {
        'floatX': 'float32', 'compiledir': '/tmp/a b',
        'blas__ldflags': ldflags}
    assert _blas._parse_flags(flags) == [
        'floatX=float32', 'compiledir=/tmp/a b', 'blas__ldflags=' + ldflags]


@needs_scipy_openblas
def test_blas_library_links(tmp_path):
    """A Dot22 compiles against the library, in C, with no warning."""
    result = run_python("""
        import numpy, blocks, aesara
        from aesara import tensor
        x, y = tensor.fmatrix('x'), tensor.fmatrix('y')
        f = aesara.function([x, y], tensor.dot(x, y))
        node, = f.maker.fgraph.apply_nodes
        thunk, = f.vm.thunks
        print(type(node.op).__name__, hasattr(thunk, 'cthunk'))
        a = numpy.arange(12, dtype='float32').reshape(3, 4)
        print(abs(f(a, a.T) - a.dot(a.T)).max())
    """, clean_env(tmp_path))
    op_and_c, error = result.stdout.splitlines()[-2:]
    assert op_and_c == 'Dot22 True'
    assert float(error) == 0
    assert 'WARNING' not in result.stderr



@needs_scipy_openblas
def test_blas_configured_when_aesara_is_imported_first(tmp_path):
    """A script that imports aesara before blocks still compiles with BLAS."""
    result = run_python("""
        import aesara, blocks
        print(repr(aesara.config.blas__ldflags))
    """, clean_env(tmp_path))
    assert eval(result.stdout.splitlines()[-1]) == _blas.find_blas_ldflags()


# The choice between MKL (the ``mkl`` extra) and SciPy's OpenBLAS.

def fake_libraries(directory, names, monkeypatch, exporting=('mkl_rt',)):
    """Empty files named like libraries; those whose names contain one of
    ``exporting`` pass for exporting the Fortran BLAS."""
    directory.mkdir(exist_ok=True)
    for name in names:
        (directory / name).write_bytes(b'')
    monkeypatch.setattr(_blas, '_exports_fortran_blas', FakeExports(exporting))
    return str(directory)


class FakeExports:
    def __init__(self, exporting):
        self.exporting = exporting

    def __call__(self, path):
        return any(part in os.path.basename(path) for part in self.exporting)


def mkl_flags(directory, name):
    return '-L{} -l:{} -Wl,--disable-new-dtags'.format(directory, name)


def test_mkl_library_is_found_by_its_versioned_name(tmp_path, monkeypatch):
    lib = fake_libraries(tmp_path / 'lib', [
        'libmkl_core.so.3', 'libmkl_rt.so.2', 'libmkl_rt.so.3',
        'libmkl_rt.so.3.bak', 'libiomp5.so'], monkeypatch)
    assert _blas.find_mkl_ldflags([lib]) == mkl_flags(lib, 'libmkl_rt.so.3')
    # An unversioned name (conda's MKL) comes first.
    (tmp_path / 'lib' / 'libmkl_rt.so').write_bytes(b'')
    assert _blas.find_mkl_ldflags([lib]) == mkl_flags(lib, 'libmkl_rt.so')
    # Directories in order; missing ones and unsafe names are skipped.
    other = fake_libraries(tmp_path / 'other', ['libmkl_rt.so.4'],
                           monkeypatch)
    assert _blas.find_mkl_ldflags([str(tmp_path / 'missing'), other, lib]) \
        == mkl_flags(other, 'libmkl_rt.so.4')
    spaced = fake_libraries(tmp_path / 'a b', ['libmkl_rt.so.3'],
                            monkeypatch)
    assert _blas.find_mkl_ldflags([spaced]) is None


def test_mkl_library_must_export_the_fortran_blas(tmp_path, monkeypatch):
    lib = fake_libraries(tmp_path / 'lib', ['libmkl_rt.so.3'], monkeypatch,
                         exporting=())
    assert _blas.find_mkl_ldflags([lib]) is None


def test_mkl_preferred_to_openblas(tmp_path, monkeypatch):
    monkeypatch.setattr(_blas, 'find_openblas_ldflags', OpenBLASFlags())
    lib = fake_libraries(tmp_path / 'lib', ['libmkl_rt.so.3'], monkeypatch)
    monkeypatch.setattr(_blas, '_data_library_directories', Directories([lib]))
    assert _blas.find_blas_ldflags() == mkl_flags(lib, 'libmkl_rt.so.3')
    # Without MKL, SciPy's OpenBLAS.
    monkeypatch.setattr(_blas, '_data_library_directories',
                        Directories([str(tmp_path / 'missing')]))
    assert _blas.find_blas_ldflags() == OpenBLASFlags.FLAGS


class OpenBLASFlags:
    FLAGS = '-L/scipy.libs -lopenblasp-r0-x.3.21 -Wl,--disable-new-dtags'

    def __call__(self):
        return self.FLAGS


class Directories:
    def __init__(self, directories):
        self.directories = directories

    def __call__(self):
        return self.directories


def test_user_flags_win_over_mkl(tmp_path, monkeypatch):
    lib = fake_libraries(tmp_path / 'lib', ['libmkl_rt.so.3'], monkeypatch)
    monkeypatch.setattr(_blas, '_data_library_directories', Directories([lib]))
    monkeypatch.setenv('HOME', str(tmp_path))
    monkeypatch.delenv('AESARARC', raising=False)
    monkeypatch.delitem(sys.modules, 'aesara')
    # Nothing set by the user: MKL goes into AESARA_FLAGS.
    monkeypatch.setenv('AESARA_FLAGS', 'floatX=float32')
    assert _blas.configure_blas() == mkl_flags(lib, 'libmkl_rt.so.3')
    assert os.environ['AESARA_FLAGS'] == \
        'floatX=float32,blas__ldflags="{}"'.format(
            mkl_flags(lib, 'libmkl_rt.so.3'))
    # The user's AESARA_FLAGS, even an empty value (opting out).
    for flags in ('blas__ldflags=-lmyblas', 'blas__ldflags='):
        monkeypatch.setenv('AESARA_FLAGS', flags)
        assert _blas.configure_blas() is None
        assert os.environ['AESARA_FLAGS'] == flags
    # The user's .aesararc.
    monkeypatch.setenv('AESARA_FLAGS', '')
    (tmp_path / '.aesararc').write_text('[blas]\nldflags = -lmyblas\n')
    assert _blas.configure_blas() is None
    assert os.environ['AESARA_FLAGS'] == ''


def test_aesara_library_check_quiet_for_mkl_only(monkeypatch):
    import logging
    check = _blas._QuietLibraryCheck()
    record = logging.LogRecord(
        'aesara.tensor.blas', logging.WARNING, __file__, 1,
        LIBDIR_WARNING + ' in the library_dir of the library we use for '
        'blas.', None, None)
    monkeypatch.setattr(_blas, '_current_ldflags', OpenBLASFlags())
    assert check.filter(record)
    monkeypatch.setattr(_blas, '_current_ldflags', Directories(
        '-L/env/lib -l:libmkl_rt.so.3 -Wl,--disable-new-dtags'))
    assert not check.filter(record)
    record.msg = 'another warning'
    assert check.filter(record)


def test_exported_symbols_read_from_the_symbol_table(tmp_path):
    """``cblas_sgemm_`` may hold the string ``sgemm_`` (MKL's library
    does), which is no ``sgemm_`` symbol."""
    results = []
    for name, code in [
            ('both', 'void sgemm_(void) {} void dgemm_(void) {}'),
            ('prefixed', 'void cblas_sgemm_(void) {} '
                         'void cblas_dgemm_(void) {}'),
            ('single', 'void sgemm_(void) {}')]:
        source = tmp_path / (name + '.c')
        source.write_text(code + '\n')
        library = tmp_path / ('lib' + name + '.so')
        subprocess.run(['gcc', '-shared', '-fPIC', '-o', str(library),
                        str(source)], check=True)
        results.append(_blas._exports_fortran_blas(str(library)))
    assert results == [True, False, False]
    assert not _blas._exports_fortran_blas(str(source))


needs_mkl = pytest.mark.skipif(
    _blas.find_mkl_ldflags() is None,
    reason="needs MKL (pip install 'blocks[mkl]')")


@needs_mkl
def test_mkl_is_linked_when_installed(tmp_path):
    result = run_python("""
        import numpy, blocks, aesara
        from aesara import tensor
        x, y = tensor.fmatrix('x'), tensor.fmatrix('y')
        f = aesara.function([x, y], tensor.dot(x, y))
        a = numpy.arange(12, dtype='float32').reshape(3, 4)
        print(abs(f(a, a.T) - a.dot(a.T)).max())
        with open('/proc/self/maps') as maps:
            print(any('libmkl_rt.so' in line for line in maps))
        print(repr(aesara.config.blas__ldflags))
    """, clean_env(tmp_path))
    error, linked, ldflags = result.stdout.splitlines()[-3:]
    assert float(error) == 0
    assert linked == 'True'
    assert eval(ldflags) == _blas.find_mkl_ldflags()
    assert 'WARNING' not in result.stderr


CXXFLAGS_REPORT = """
    import blocks, aesara
    print(repr(aesara.config.gcc__cxxflags))
"""


def test_import_blocks_drops_debugging_information(tmp_path):
    result = run_python(CXXFLAGS_REPORT, clean_env(tmp_path))
    assert eval(result.stdout.splitlines()[-1]) == '-g0'


def test_user_cxxflags_left_untouched(tmp_path):
    env = clean_env(tmp_path, AESARA_FLAGS='gcc__cxxflags=-O2')
    result = run_python(CXXFLAGS_REPORT, env)
    assert eval(result.stdout.splitlines()[-1]) == '-O2'


# Import order and setuptools: the start-up hook (_blocks_aesara_hook.py,
# installed as blocks-aesara-hook.pth by setup.py) configures Aesara when a
# script imports it before Blocks, as the tutorials do.

def require_start_up_hook():
    if not any(type(finder).__name__ == 'AesaraImportHook'
               for finder in sys.meta_path):
        pytest.fail('the start-up hook of Blocks (blocks-aesara-hook.pth) is '
                    'not installed in this environment: install Blocks again '
                    "(pip install -e '.[test]'), see docs/setup.rst")


def run_python_status(code, env):
    return subprocess.run([sys.executable, '-c', code],
                          env=env, cwd=env['HOME'], capture_output=True,
                          text=True, timeout=600)


IMPORT_AESARA_FIRST = """
import aesara
print(repr(aesara.config.blas__ldflags))
print(repr(aesara.config.gcc__cxxflags))
import blocks
"""

# What setuptools >= 74 does to Aesara's BLAS detection: its distutils,
# which replaces the standard library's, has no msvccompiler module, so
# numpy.distutils can't be imported.
WITHOUT_MSVCCOMPILER = """
import sys
sys.modules['distutils.msvccompiler'] = None
"""

WITHOUT_HOOK = """
import _blocks_aesara_hook
_blocks_aesara_hook.uninstall()
"""


@needs_scipy_openblas
def test_importing_aesara_first_links_openblas_without_warnings(tmp_path):
    require_start_up_hook()
    result = run_python_status(IMPORT_AESARA_FIRST, clean_env(tmp_path))
    assert result.returncode == 0, result.stderr
    ldflags, cxxflags = map(eval, result.stdout.splitlines()[-2:])
    assert ldflags == _blas.find_blas_ldflags()
    assert cxxflags == '-g0'
    # Neither numpy.distutils' UserWarnings nor Aesara's fallback warning.
    assert 'Warning' not in result.stderr
    assert 'WARNING' not in result.stderr


@needs_scipy_openblas
def test_importing_aesara_first_with_a_recent_setuptools(tmp_path):
    require_start_up_hook()
    env = clean_env(tmp_path)
    result = run_python_status(WITHOUT_MSVCCOMPILER + IMPORT_AESARA_FIRST,
                               env)
    assert result.returncode == 0, result.stderr
    assert eval(result.stdout.splitlines()[-2]) == _blas.find_blas_ldflags()
    assert 'Warning' not in result.stderr
    # Without the hook, the same script crashes in numpy.distutils.
    result = run_python_status(WITHOUT_HOOK + WITHOUT_MSVCCOMPILER +
                               IMPORT_AESARA_FIRST, env)
    assert result.returncode != 0
    assert 'numpy/distutils' in result.stderr
    assert 'distutils.msvccompiler' in result.stderr


def test_import_blocks_does_not_import_aesara(tmp_path):
    # The start-up hook imports blocks while aesara is being imported.
    run_python("""
        import sys
        import blocks
        assert 'aesara' not in sys.modules, 'blocks imported aesara'
    """, clean_env(tmp_path))


def test_failing_blas_detection_is_skipped(monkeypatch, tmp_path):
    """No library found and numpy.distutils unusable: Aesara is told to use
    its NumPy C-API implementation rather than crash."""
    monkeypatch.setenv('HOME', str(tmp_path))
    monkeypatch.delenv('AESARARC', raising=False)
    monkeypatch.setenv('AESARA_FLAGS', 'floatX=float64')
    monkeypatch.delitem(sys.modules, 'aesara')
    monkeypatch.setitem(sys.modules, 'numpy.distutils.system_info', None)
    assert _blas.skip_failing_blas_detection() == ''
    assert os.environ['AESARA_FLAGS'] == 'floatX=float64,blas__ldflags='
    # Set now, so left alone.
    assert _blas.skip_failing_blas_detection() is None
    monkeypatch.setenv('AESARA_FLAGS', '')
    monkeypatch.delitem(sys.modules, 'numpy.distutils.system_info')
    assert _blas.skip_failing_blas_detection() is None
    assert os.environ['AESARA_FLAGS'] == ''


def test_start_up_hook_fires_once():
    import _blocks_aesara_hook
    hook = _blocks_aesara_hook.AesaraImportHook()
    assert hook.find_spec('numpy') is None and not hook.fired
    # Aesara is imported already here: nothing to configure.
    assert hook.find_spec('aesara') is None and hook.fired
    assert hook.find_spec('aesara') is None
