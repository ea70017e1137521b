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
    assert 'openblas' in result.stdout.splitlines()[-1]


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
