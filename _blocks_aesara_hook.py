"""Configure Aesara for Blocks before Aesara is first imported.

Installed with Blocks, the file ``blocks-aesara-hook.pth`` in
``site-packages`` calls :func:`install` when the interpreter starts (see
``setup.py``). That puts an :class:`AesaraImportHook` at the front of
``sys.meta_path``. The hook does nothing until the module ``aesara`` is
looked for the first time; it then imports :mod:`blocks`, whose import sets
Aesara's BLAS and g++ flags unless the user set them (``blocks/_blas.py``),
and steps aside: Aesara is imported as usual and reads those flags. A script
that imports ``aesara`` before ``blocks`` is thus configured like one that
imports ``blocks`` first, without the warnings of Aesara's own search for a
BLAS library and without its crash in ``numpy.distutils`` when setuptools 74
or newer is installed.

A process that never imports Aesara pays for importing this small module
(which imports nothing) at start-up and for one string comparison per
module it imports.

"""
import sys

__all__ = ['AesaraImportHook', 'install', 'uninstall']


class AesaraImportHook:
    """A meta path finder that configures Aesara when it is first imported.

    It never finds a module itself: :meth:`find_spec` returns None, so the
    import goes on with the other finders.

    """
    def __init__(self):
        self.fired = False

    def find_spec(self, fullname, path=None, target=None):
        if self.fired or fullname != 'aesara':
            return None
        # Once only. The hook stays in sys.meta_path: removing it while the
        # import machinery iterates over that list would skip the next
        # finder.
        self.fired = True
        # Imports happen here, not at start-up, which they would slow down.
        try:
            from blocks import _blas
            _blas.skip_failing_blas_detection()
        except Exception as exc:
            import warnings
            warnings.warn('Blocks could not configure Aesara before its '
                          'import: {!r} (see "How Blocks configures Aesara" '
                          'in the documentation)'.format(exc), RuntimeWarning)
        return None

    def __repr__(self):
        return '<AesaraImportHook of Blocks{}>'.format(
            ', fired' if self.fired else '')


def install():
    """Put an :class:`AesaraImportHook` first in ``sys.meta_path``.

    Does nothing if one is there already or Aesara is imported already.

    """
    if 'aesara' in sys.modules or any(
            isinstance(finder, AesaraImportHook) for finder in sys.meta_path):
        return
    sys.meta_path.insert(0, AesaraImportHook())


def uninstall():
    """Remove the hooks that :func:`install` added."""
    sys.meta_path[:] = [finder for finder in sys.meta_path
                        if not isinstance(finder, AesaraImportHook)]
