"""Sphinx configuration for the Blocks documentation."""
project = 'Blocks'
author = 'The Blocks developers'
extensions = ['sphinx.ext.autodoc', 'sphinx.ext.napoleon',
              'sphinx.ext.doctest', 'sphinx.ext.mathjax']
master_doc = 'index'
exclude_patterns = ['_build']
napoleon_numpy_docstring = True
