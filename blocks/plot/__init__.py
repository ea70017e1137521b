"""Live plots of training logs in the browser, served by Bokeh.

- :mod:`blocks.plot.data`: the points of the channels of a log
  (:class:`~blocks.plot.data.PlotData`), safe to share between threads;
- :mod:`blocks.plot.figures`: their Bokeh figures, live or static;
- :mod:`blocks.plot.server`: the Bokeh server that serves them from a
  thread of this process, or a plot pushed to a server run elsewhere;
- :mod:`blocks.plot.export`: self-contained HTML pages and PNG images.

They are used by the :class:`~blocks.extensions.plot.Plot` extension and
by ``blocks-plot``. Bokeh is an optional dependency (``pip install
blocks[plot]``); only :mod:`blocks.plot.data` works without it.

"""
