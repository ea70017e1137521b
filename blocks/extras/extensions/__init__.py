"""The extensions of the former blocks-extras package, see
:mod:`blocks.extras.extensions.plot`."""
