"""Run a correction when a given Aesara module is first imported.

``import blocks`` must not import Aesara (see ``_blocks_aesara_hook``), yet
some corrections of Aesara must be in place before its modules are used.
:func:`when_imported` puts a :class:`PostImportFinder` in ``sys.meta_path``:
when the module is imported, by Blocks or by the user, the finder lets the
usual loader execute it and then calls the correction with the module.
If the module is imported already, the correction runs at once.

"""
import importlib.abc
import sys

__all__ = ['when_imported', 'PostImportFinder']


class _CorrectingLoader(importlib.abc.Loader):
    """Wrap a loader: execute the module, then correct it."""
    def __init__(self, loader, correction):
        self.loader = loader
        self.correction = correction

    def create_module(self, spec):
        return self.loader.create_module(spec)

    def exec_module(self, module):
        self.loader.exec_module(module)
        self.correction(module)


class PostImportFinder(importlib.abc.MetaPathFinder):
    """Find nothing itself; wrap the loader of one module.

    Parameters
    ----------
    name : str
        The full name of the module to correct.
    correction : callable
        Called with the module once it has been executed.

    """
    def __init__(self, name, correction):
        self.name = name
        self.correction = correction
        self.fired = False

    def find_spec(self, fullname, path=None, target=None):
        if self.fired or fullname != self.name:
            return None
        self.fired = True
        for finder in sys.meta_path:
            if finder is self or not hasattr(finder, 'find_spec'):
                continue
            spec = finder.find_spec(fullname, path, target)
            if spec is not None:
                break
        else:
            return None
        if spec.loader is not None and hasattr(spec.loader, 'exec_module'):
            spec.loader = _CorrectingLoader(spec.loader, self.correction)
        return spec

    def __repr__(self):
        return '<PostImportFinder of Blocks for {}{}>'.format(
            self.name, ', fired' if self.fired else '')


def when_imported(name, correction):
    """Call ``correction(module)`` once the module ``name`` is imported.

    Parameters
    ----------
    name : str
        The full name of the module.
    correction : callable
        Called with the module: now if it is imported already, otherwise
        right after it is first imported.

    """
    module = sys.modules.get(name)
    if module is not None:
        correction(module)
        return
    if any(isinstance(finder, PostImportFinder) and finder.name == name
           and not finder.fired for finder in sys.meta_path):
        return
    sys.meta_path.insert(0, PostImportFinder(name, correction))
