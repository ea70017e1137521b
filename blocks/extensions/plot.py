"""Live plots of the training log in the browser.

:class:`Plot` draws chosen records of the log as curves, served by a Bokeh
server, while training runs. To look at a log afterwards, or at a run in
another process, use ``blocks-plot`` (:mod:`blocks.scripts.plot`).

"""
import importlib.util
import logging
import time

from blocks.config import config
from blocks.extensions.base import SimpleExtension

logger = logging.getLogger(__name__)

#: Seconds between two pushes of new points to a server run elsewhere
#: (``start_server=False``): each push waits for the server's answer.
PUSH_INTERVAL = 0.5

no_bokeh_error = """\
Plot: live plotting needs Bokeh 3, which is not installed; install it \
with `pip install 'blocks[plot]'` (or `pip install bokeh`)."""


class Plot(SimpleExtension):
    """Plot records of the log live, in the browser.

    The figures are served by a Bokeh server. By default it is started in
    a background thread of the training process, listening at
    `server_url` (``config.plot_server_url``, by default
    ``http://localhost:5006/``: only this machine can connect). The plot's
    page is at `server_url` followed by the document's name in lower case,
    with hyphens for spaces and punctuation (``Plotting example`` is at
    ``http://localhost:5006/plotting-example``); `server_url` itself lists
    the documents. The address is printed when training starts.

    Every page updates itself without reloading (twice a second) with the
    points that training added at the extension's triggers. The curves
    hold every value the log has for the channels, including the records
    made between two triggers; values that are not finite numbers are
    left out.

    Parameters
    ----------
    document : str
        The name of the document: the title of the page.
    channels : list of list of str
        The records to plot. The records of an inner list share a figure,
        e.g. ``[['cost', 'test_cost'], ['a']]`` draws two figures.
    server_url : str, optional
        The server, e.g. ``http://localhost:5006/``. A port of 0 lets the
        server pick a free port. ``http://0.0.0.0:5006/`` listens on every
        network interface.
    start_server : bool, optional
        If True (default), start the server in this process (once for all
        the Plot extensions with the same `server_url`). If False, push
        the document to a Bokeh server that runs at `server_url`, started
        with ``bokeh serve``; its page is then
        ``server_url?bokeh-session-id=`` followed by the document's slug.
    \\*\\*kwargs
        Triggers (see :class:`~blocks.extensions.SimpleExtension`) and
        `name`. By default the plot is updated before the first epoch and
        after every epoch; ``after_batch=True`` follows every batch.

    Attributes
    ----------
    url : str
        The page of the plot, once training has started.

    Notes
    -----
    The server and its connections are not pickled with the main loop:
    a main loop resumed from a checkpoint starts the server again, and its
    page shows the whole history of the log again.

    An embedded server lives as long as the training process, so that the
    plots can still be looked at after training, until the process
    exits; :func:`blocks.plot.server.stop_servers` stops it sooner. To
    look at a run whose process has ended, use ``blocks-plot`` on its log.

    Examples
    --------
    >>> plot = Plot('Plotting example', channels=[['cost'], ['a']],
    ...             after_batch=True)
    >>> plot.channels
    [['cost'], ['a']]

    """
    def __init__(self, document, channels, server_url=None,
                 start_server=True, **kwargs):
        kwargs.setdefault('before_first_epoch', True)
        kwargs.setdefault('after_epoch', True)
        super().__init__(**kwargs)
        if importlib.util.find_spec('bokeh') is None:
            raise ImportError(no_bokeh_error)
        # Imported here: blocks.plot.data does not need Bokeh, the rest of
        # blocks.plot does, and is only imported when training starts.
        from blocks.plot.data import check_channels, document_slug
        owner = 'Plot {!r}'.format(document)
        self.slug = document_slug(document, owner)
        self.document = document
        self.channels = check_channels(channels, owner)
        if server_url is None:
            server_url = config.plot_server_url
        from blocks.plot.server import parse_server_url
        parse_server_url(server_url, owner)
        self.server_url = server_url
        self.start_server = bool(start_server)
        self.url = None
        self._data = None
        self._pushed = None
        self._last_push = 0.

    def __getstate__(self):
        state = self.__dict__.copy()
        state['_data'] = None
        state['_pushed'] = None
        return state

    def _connect(self):
        from blocks.plot.data import PlotData
        from blocks.plot.server import PushedPlot, serve
        data = PlotData(self.document, self.channels)
        data.read_log(self.main_loop.log)
        if self.start_server:
            self.url = serve(data, self.server_url)
        else:
            self._pushed = PushedPlot(data, self.server_url)
            self.url = self._pushed.url
        self._data = data
        print('Plot {!r}: {}'.format(self.document, self.url))

    def dispatch(self, callback_invoked, *from_main_loop):
        if self._data is None:
            if callback_invoked == 'on_error':
                return
            self._connect()
        super().dispatch(callback_invoked, *from_main_loop)
        if callback_invoked == 'after_training':
            # Show the last records, whatever the triggers.
            self._update(final=True)

    def _update(self, final=False):
        self._data.read_log(self.main_loop.log)
        if self._pushed is not None:
            now = time.monotonic()
            if final or now - self._last_push >= PUSH_INTERVAL:
                self._pushed.update()
                self._last_push = now

    def do(self, which_callback, *args):
        self._update()
