"""The :class:`~blocks.extensions.plot.Plot` extension under its former
import path, ``blocks.extras.extensions.plot``.

>>> from blocks.extras.extensions.plot import Plot
>>> Plot.__module__
'blocks.extensions.plot'

"""
from blocks.extensions.plot import Plot

__all__ = ['Plot']
