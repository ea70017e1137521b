"""Sphinx configuration for the Blocks documentation."""
project = 'Blocks'
author = 'The Blocks developers'
extensions = ['sphinx.ext.autodoc', 'sphinx.ext.napoleon',
              'sphinx.ext.doctest', 'sphinx.ext.mathjax']
master_doc = 'index'
exclude_patterns = ['_build']
napoleon_numpy_docstring = True
# Each object is documented once, in the module that defines it (not again
# in the packages that re-export it through __all__).
autodoc_default_options = {'members': True, 'show-inheritance': True,
                           'ignore-module-all': True}
# Members in the order of the source, which groups them by concept.
autodoc_member_order = 'bysource'
# "Attributes" sections become fields of their class: as separate entries
# they would clash with the properties that autodoc documents.
napoleon_use_ivar = True
