"""Point Aesara at an optimised BLAS before it is imported.

A plain ``pip install aesara`` on a machine without system BLAS packages
leaves ``aesara.config.blas__ldflags`` empty. Aesara then warns "Using NumPy
C-API based implementation for BLAS functions" and its ``Gemm``/``Dot22`` ops
run about 25% slower. SciPy is a dependency of Blocks, and SciPy's manylinux
wheels (1.10 to 1.12) ship an OpenBLAS in ``site-packages/scipy.libs/``,
named ``libopenblasp-r0-<hash>.<version>.so``, which exports the plain Fortran
symbols (``sgemm_``, ``dgemm_``, ...) with 32-bit integers that Aesara's C
code calls. :func:`configure_blas` finds that library and hands it to Aesara
through the ``AESARA_FLAGS`` environment variable, as

``blas__ldflags="-L<scipy.libs> -l<name> -Wl,--disable-new-dtags"``

* ``-l<name>`` (the file name less ``lib`` and ``.so``) rather than
  ``-l:<file>``, because Aesara looks for the ``-l`` name within the file
  names of the ``-L`` directory and warns when it does not find it;
* Aesara turns the ``-L`` directory into ``-Wl,-rpath,<dir>`` by itself;
  ``--disable-new-dtags`` makes that an ``RPATH`` rather than a ``RUNPATH``,
  so that the loader also finds the library's own dependency (the
  ``libgfortran-<hash>`` beside it) when a compiled module is loaded in a
  process that has not loaded SciPy's BLAS yet.

It must run before the first ``import aesara`` of the process, which reads
``AESARA_FLAGS`` at import time; as the variable is exported, child processes
inherit it. ``import blocks`` runs it, and so does the first ``import aesara``
of a process where Blocks is installed: the start-up hook of
``_blocks_aesara_hook`` (``blocks-aesara-hook.pth``) then imports Blocks
first. It does nothing when the user chose for themselves (a
``blas__ldflags`` in ``AESARA_FLAGS`` or in an Aesara config file; setting it
empty, ``AESARA_FLAGS=blas__ldflags=``, opts out), when Aesara was already
imported with a BLAS of its own, or when no suitable library is found;
Aesara then does what it would do without Blocks. When Aesara was imported
before Blocks without a BLAS, the flag is set in ``aesara.config`` so that
functions compiled from then on use the library. It compiles nothing: it costs a few ``stat`` calls
and reads a few hundred kilobytes of the library's symbol table.

When MKL is installed (``pip install 'blocks[mkl]'``, the ``mkl`` wheel,
which puts ``libmkl_rt.so.<N>`` into ``<prefix>/lib``), it is chosen
instead, as ``-L<prefix>/lib -l:libmkl_rt.so.<N> -Wl,--disable-new-dtags``
(:func:`find_mkl_ldflags`): the 784-500-500-10 MLP of ``benchmarks/``
trains faster with it. The same rules apply: a user's own
``blas__ldflags`` always wins.

"""
import array
import configparser
import importlib.util
import logging
import os
import re
import shlex
import site
import struct
import sys
import warnings

__all__ = ['configure_blas', 'find_blas_ldflags', 'find_mkl_ldflags',
           'find_openblas_ldflags',
           'skip_failing_blas_detection']

# libopenblas.so, libopenblasp-r0-23e5df77.3.21.dev.so, ... but neither the
# ILP64 builds (libopenblas64_*, with 64-bit integers and suffixed symbols)
# nor SciPy >= 1.13's libscipy_openblas* (with prefixed symbols).
_LIB_RE = re.compile(r'^lib(openblas(?!64)[A-Za-z0-9_.+-]*)\.so$')
# Characters that would not survive Aesara's parsing of AESARA_FLAGS (shlex)
# or of blas__ldflags (split on whitespace).
# libmkl_rt.so or libmkl_rt.so.<N>, MKL's single dynamic library.
_MKL_RE = re.compile(r'^libmkl_rt\.so(\.[0-9]+)*$')
_LIBDIR_WARNING = 'We did not find a dynamic library'
_UNSAFE_RE = re.compile(r'[\s"\'\\]')


def _user_config_files():
    """The config files Aesara reads, as ``aesara.configparser`` does."""
    paths = [os.path.expanduser(path) for path
             in os.environ.get('AESARARC', '~/.aesararc').split(os.pathsep)]
    if os.environ.get('AESARARC') is None and sys.platform == 'win32':
        paths.append(os.path.expanduser('~/.aesararc.txt'))
    return paths


def _user_set_ldflags():
    """Whether the user has a say on ``blas__ldflags`` already."""
    return _user_set('ldflags')


def _user_set(option):
    """Whether ``AESARA_FLAGS`` or an Aesara config file mentions
    ``option`` (e.g. ``ldflags`` for ``blas__ldflags``)."""
    if option in os.environ.get('AESARA_FLAGS', ''):
        return True
    for path in _user_config_files():
        if not os.path.isfile(path):
            continue
        parser = configparser.RawConfigParser()
        try:
            parser.read(path)
        except (configparser.Error, OSError, UnicodeDecodeError):
            return True  # We can't tell: leave it to Aesara.
        for section in parser.sections():
            if any(option in name for name in parser.options(section)):
                return True
    return False


def _elf_dynamic_symbols(path):
    """The dynamic string table of a 64-bit little-endian ELF file and the
    name offsets of its dynamic symbols (``b''`` and an empty array if it
    is no such file)."""
    names = array.array('I')
    with open(path, 'rb') as f:
        ident = f.read(64)
        if len(ident) < 64 or ident[:6] != b'\x7fELF\x02\x01':
            return b'', names
        shoff, = struct.unpack_from('<Q', ident, 0x28)
        shentsize, shnum = struct.unpack_from('<HH', ident, 0x3A)
        if not shoff or shentsize < 64 or not 0 < shnum < 1 << 12:
            return b'', names
        f.seek(shoff)
        table = f.read(shentsize * shnum)
        sections = [struct.unpack_from('<IIQQQQII', table, i * shentsize)
                    for i in range(len(table) // shentsize)]
        for _, sh_type, _, _, offset, size, sh_link, _ in sections:
            if sh_type == 11 and sh_link < len(sections):  # SHT_DYNSYM
                str_offset, str_size = sections[sh_link][4:6]
                if size > 1 << 26 or str_size > 1 << 26:
                    return b'', names
                f.seek(offset)
                # Elf64_Sym entries of 24 bytes, st_name first.
                symbols = f.read(size - size % 24)
                f.seek(str_offset)
                names.frombytes(symbols)
                if sys.byteorder != 'little':
                    names.byteswap()
                return f.read(str_size), names[0::6]
    return b'', names


def _exports(dynstr, names, symbol):
    """Whether ``symbol`` is the name of a dynamic symbol.

    The linker may store a name as the tail of a longer one
    (``cblas_sgemm_`` holds ``sgemm_``), so the string table alone does
    not tell: the symbol table must point at it.

    """
    needle = symbol + b'\x00'
    start = dynstr.find(needle)
    while start >= 0:
        if start in names:
            return True
        start = dynstr.find(needle, start + 1)
    return False


def _exports_fortran_blas(path):
    """Whether the library exports ``sgemm_`` and ``dgemm_`` unprefixed."""
    try:
        dynstr, names = _elf_dynamic_symbols(path)
    except (OSError, struct.error, ValueError):
        return False
    return (_exports(dynstr, names, b'sgemm_') and
            _exports(dynstr, names, b'dgemm_'))


def find_openblas_ldflags():
    """The ``blas__ldflags`` for SciPy's bundled OpenBLAS, or ``None``."""
    if not sys.platform.startswith('linux'):
        return None
    try:
        spec = importlib.util.find_spec('scipy')
    except (ImportError, ValueError):
        return None
    if spec is None or not spec.origin:
        return None
    libs_dir = os.path.join(
        os.path.dirname(os.path.dirname(os.path.abspath(spec.origin))),
        'scipy.libs')
    if _UNSAFE_RE.search(libs_dir):
        return None
    try:
        names = sorted(os.listdir(libs_dir))
    except OSError:
        return None
    for name in names:
        match = _LIB_RE.match(name)
        if match and _exports_fortran_blas(os.path.join(libs_dir, name)):
            return '-L{} -l{} -Wl,--disable-new-dtags'.format(
                libs_dir, match.group(1))
    return None


def _data_library_directories():
    """Where pip puts the libraries of a wheel's data files: ``lib`` under
    the environment's prefix, and under the user base if user installs
    are enabled (``pip install --user``)."""
    directories = [os.path.join(sys.prefix, 'lib')]
    if site.ENABLE_USER_SITE:
        directories.append(os.path.join(site.getuserbase(), 'lib'))
    return directories


def find_mkl_ldflags(directories=None):
    """The ``blas__ldflags`` for MKL's single dynamic library, or ``None``.

    The ``mkl`` wheel (``pip install 'blocks[mkl]'``) installs
    ``libmkl_rt.so.<N>``, with no unversioned ``libmkl_rt.so``, into
    ``<prefix>/lib``; ``-l:<file>`` names the file itself. A conda
    environment's ``libmkl_rt.so`` is found the same way.

    Parameters
    ----------
    directories : list of str, optional
        Where to look; by default where pip installs a wheel's libraries.

    """
    if not sys.platform.startswith('linux'):
        return None
    if directories is None:
        directories = _data_library_directories()
    for directory in directories:
        if _UNSAFE_RE.search(directory):
            continue
        try:
            names = os.listdir(directory)
        except OSError:
            continue
        # The unversioned name first, then the newest version.
        for name in sorted(filter(_MKL_RE.match, names),
                           key=_mkl_version, reverse=True):
            if _exports_fortran_blas(os.path.join(directory, name)):
                return '-L{} -l:{} -Wl,--disable-new-dtags'.format(
                    directory, name)
    return None


def _mkl_version(name):
    suffix = name[len('libmkl_rt.so'):]
    if not suffix:
        return (float('inf'),)
    return tuple(int(part) for part in suffix.lstrip('.').split('.'))


def find_blas_ldflags():
    """The ``blas__ldflags`` Blocks chooses, or ``None`` if none is found.

    MKL when it is installed (the ``mkl`` extra: the 784-500-500-10 MLP of
    ``benchmarks/`` trains faster with it), otherwise the OpenBLAS that
    SciPy's wheels bundle.

    """
    return find_mkl_ldflags() or find_openblas_ldflags()


class _QuietLibraryCheck(logging.Filter):
    """Drops Aesara's warning that the ``-L`` directory holds no library of
    a ``-l`` name when the name is MKL's ``-l:libmkl_rt.so.<N>``.

    Aesara looks for files ending in ``.so`` whose names contain the
    ``-l`` name, which misses ``-l:<file>`` names; g++ finds the library.

    """
    def filter(self, record):
        return not (record.getMessage().startswith(_LIBDIR_WARNING) and
                    '-l:libmkl_rt.so' in _current_ldflags())


def _current_ldflags():
    aesara = sys.modules.get('aesara')
    try:
        return aesara.config.blas__ldflags
    except AttributeError:
        return ''


def _quieten_library_check():
    logger = logging.getLogger('aesara.tensor.blas')
    if not any(isinstance(item, _QuietLibraryCheck)
               for item in logger.filters):
        logger.addFilter(_QuietLibraryCheck())


def _parse_flags(flags):
    """Parse ``AESARA_FLAGS`` as ``aesara.configparser`` does."""
    splitter = shlex.shlex(flags, posix=True)
    splitter.whitespace = ','
    splitter.whitespace_split = True
    return [pair.strip() for pair in splitter if pair.strip()]


def configure_blas():
    """Set ``blas__ldflags`` in ``AESARA_FLAGS`` unless the user did.

    Returns
    -------
    str or None
        The ``blas__ldflags`` value that was set, or ``None`` if nothing
        was changed.

    """
    _quieten_library_check()
    if _user_set_ldflags():
        return None
    if 'aesara' in sys.modules:
        return _configure_imported_aesara()
    ldflags = find_blas_ldflags()
    if ldflags is None:
        return None
    old = os.environ.get('AESARA_FLAGS', '')
    entry = 'blas__ldflags="{}"'.format(ldflags)
    new = '{},{}'.format(old, entry) if old.strip() else entry
    # Make sure Aesara will read back the user's flags and ours unchanged.
    try:
        if _parse_flags(new) != (_parse_flags(old) +
                                 ['blas__ldflags=' + ldflags]):
            return None
    except ValueError:
        return None
    os.environ['AESARA_FLAGS'] = new
    return ldflags


def _configure_imported_aesara():
    """Set the flag in an Aesara that was imported before Blocks.

    Aesara has then already chosen its fallback (and warned about it), but
    functions compiled from now on link the optimised BLAS: the flag is read
    when each function's C code is generated.

    """
    config = getattr(sys.modules['aesara'], 'config', None)
    try:
        current = config.blas__ldflags
    except AttributeError:
        return None
    if current:
        return None
    ldflags = find_blas_ldflags()
    if ldflags is None:
        return None
    config.blas__ldflags = ldflags
    return ldflags


def skip_failing_blas_detection():
    """Keep Aesara's own BLAS detection from crashing its import.

    Without ``blas__ldflags`` (the user set none and :func:`configure_blas`
    found no library), Aesara computes a default with ``numpy.distutils``,
    which cannot be imported when setuptools 74 or newer provides
    ``distutils`` (``No module named 'distutils.msvccompiler'``): ``import
    aesara`` fails. Then this sets ``blas__ldflags`` empty in
    ``AESARA_FLAGS``, so that Aesara uses its NumPy C-API implementation
    (and says so). It must run before Aesara is imported; the import hook
    of ``_blocks_aesara_hook`` calls it.

    Returns
    -------
    str or None
        ``''`` if the flag was set, None otherwise.

    """
    if _user_set_ldflags() or 'aesara' in sys.modules:
        return None
    try:
        # What Aesara would import; it keeps the module once imported.
        with warnings.catch_warnings():
            warnings.simplefilter('ignore')
            importlib.import_module('numpy.distutils.system_info')
    except Exception:
        old = os.environ.get('AESARA_FLAGS', '')
        os.environ['AESARA_FLAGS'] = '{},blas__ldflags='.format(old) \
            if old.strip() else 'blas__ldflags='
        return ''
    return None


#: Extra g++ flags: Aesara always compiles with ``-g``, and the debugging
#: information costs about a tenth of a first compile without making the
#: compiled code faster.
CXXFLAGS = '-g0'


def configure_cxxflags():
    """Add :data:`CXXFLAGS` to Aesara's ``gcc__cxxflags`` unless the user
    set that option.

    Like :func:`configure_blas`, it writes ``AESARA_FLAGS`` before Aesara is
    imported, or sets ``aesara.config`` when Aesara was imported first.

    Returns
    -------
    str or None
        The flags set, or None if nothing was changed.

    """
    if _user_set('cxxflags'):
        return None
    if 'aesara' in sys.modules:
        config = getattr(sys.modules['aesara'], 'config', None)
        try:
            current = config.gcc__cxxflags
        except AttributeError:
            return None
        if current:
            return None
        config.gcc__cxxflags = CXXFLAGS
        return CXXFLAGS
    old = os.environ.get('AESARA_FLAGS', '')
    entry = 'gcc__cxxflags={}'.format(CXXFLAGS)
    os.environ['AESARA_FLAGS'] = '{},{}'.format(old, entry) \
        if old.strip() else entry
    return CXXFLAGS
