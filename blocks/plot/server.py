"""A Bokeh server in a background thread, serving live plots.

:func:`serve` puts a :class:`~blocks.plot.data.PlotData` on the server of
its URL, starting that server in a thread of this process if needed; each
plot's page is at the server's URL followed by the plot's slug, and the
server's URL lists the plots. :class:`PushedPlot` instead pushes a plot to
a Bokeh server started by someone else (``bokeh serve``).

The servers live as long as the process, or until :func:`stop_servers`.

"""
import asyncio
import functools
import logging
import os
import socket
import threading
from urllib.parse import urlsplit

from bokeh.application import Application
from bokeh.application.handlers import FunctionHandler
from bokeh.client import push_session
from bokeh.document import Document
from bokeh.server.server import Server
from tornado.ioloop import IOLoop

from blocks.plot.figures import LiveSession

logger = logging.getLogger(__name__)

# The page at the server's root that lists the plots: a Tornado template,
# with nothing to load from the network.
INDEX_TEMPLATE = os.path.join(os.path.dirname(__file__), 'index.html')

# Seconds to wait for a server thread to start or to stop.
_THREAD_TIMEOUT = 30.

_LOOPBACK = ('localhost', '127.0.0.1', '::1')

_SERVERS = {}
_SERVERS_LOCK = threading.Lock()


def parse_server_url(url, owner='Plot'):
    """Split a server URL into the address and the port to listen on.

    Examples
    --------
    >>> parse_server_url('http://localhost:5006/')
    ('localhost', 5006)
    >>> parse_server_url('http://0.0.0.0:8080')
    ('0.0.0.0', 8080)

    """
    if not isinstance(url, str):
        raise TypeError("{}: server_url must be a string, got {!r}"
                        .format(owner, url))
    parts = urlsplit(url)
    try:
        port = parts.port
    except ValueError as exc:
        raise ValueError("{}: server_url {!r} has an invalid port"
                         .format(owner, url)) from exc
    if parts.scheme != 'http' or not parts.hostname or port is None or \
            parts.path not in ('', '/') or parts.query:
        raise ValueError("{}: server_url must look like "
                         "'http://localhost:5006/', got {!r}"
                         .format(owner, url))
    return parts.hostname, port


def _make_session(data, document):
    """The Bokeh application of a plot: figures for a new page."""
    LiveSession(data, document)


def _quiet_library_loggers():
    """Keep the server's per-request messages off the console.

    Only loggers that the user has not configured are changed.

    """
    for name in ('bokeh.server', 'tornado.access'):
        library_logger = logging.getLogger(name)
        if library_logger.level == logging.NOTSET:
            library_logger.setLevel(logging.WARNING)


class PlotServer:
    """A Bokeh server running in a daemon thread of this process.

    Parameters
    ----------
    address : str
        The address to listen on, e.g. ``localhost`` (only this machine)
        or ``0.0.0.0`` (every network interface).
    port : int
        The port; 0 picks a free one.

    Attributes
    ----------
    port : int
        The port it listens on, once started.

    Notes
    -----
    Bokeh cannot add a document to a running server: adding one restarts
    the server on the same port, and the pages open at that moment
    reconnect when reloaded.

    """
    def __init__(self, address, port):
        self.address = address
        self.port = port
        self.plots = {}
        self._thread = None
        self._loop = None
        self._server = None

    @property
    def running(self):
        return self._thread is not None

    def url(self, path=''):
        """The URL of a page of the server."""
        host = self.address
        if host in ('0.0.0.0', '::', ''):
            host = socket.gethostname()
        elif ':' in host:
            host = '[{}]'.format(host)
        return 'http://{}:{}/{}'.format(host, self.port, path)

    def add(self, data):
        """Serve a plot; replaces a plot of the same slug.

        Returns
        -------
        str
            The URL of the plot's page.

        """
        self.plots[data.slug] = data
        if self.running:
            self.stop()
        self.start()
        return self.url(data.slug)

    def _origins(self):
        # Bokeh's allow-list does not take IPv6 addresses.
        hosts = {host for host in _LOOPBACK + (self.address,)
                 if ':' not in host}
        if self.address not in _LOOPBACK:
            hosts |= {socket.gethostname(), socket.getfqdn()}
        return sorted('{}:{}'.format(host, self.port) for host in hosts)

    def start(self):
        """Start the server thread; return once it listens."""
        _quiet_library_loggers()
        if self.port == 0:
            # The allowed websocket origins name the port: pick it now.
            family = socket.AF_INET6 if ':' in self.address else \
                socket.AF_INET
            with socket.socket(family) as probe:
                probe.bind((self.address, 0))
                self.port = probe.getsockname()[1]
        ready = threading.Event()
        errors = []
        self._thread = threading.Thread(
            target=self._run, args=(ready, errors), daemon=True,
            name='blocks-plot-server-{}'.format(self.port))
        self._thread.start()
        if not ready.wait(_THREAD_TIMEOUT):
            raise RuntimeError("PlotServer: the server on {}:{} did not "
                               "start within {} seconds".format(
                                   self.address, self.port, _THREAD_TIMEOUT))
        if errors:
            self._thread.join(_THREAD_TIMEOUT)
            self._thread = None
            raise errors[0]
        logger.info("Live plots at %s", self.url())

    def _run(self, ready, errors):
        asyncio.set_event_loop(asyncio.new_event_loop())
        self._loop = IOLoop.current()
        applications = {
            '/' + slug: Application(FunctionHandler(
                functools.partial(_make_session, data)))
            for slug, data in self.plots.items()}
        try:
            self._server = Server(
                applications, io_loop=self._loop, address=self.address,
                port=self.port, allow_websocket_origin=self._origins(),
                redirect_root=False, index=INDEX_TEMPLATE)
            self._server.start()
        except OSError as exc:
            errors.append(OSError(
                exc.errno, "PlotServer: cannot listen on {}:{} ({}); is "
                "another server using the port? Give Plot or blocks-plot "
                "another server_url or port".format(
                    self.address, self.port, exc.strerror)))
        except Exception as exc:
            errors.append(exc)
        if errors:
            self._loop.close(all_fds=True)
            ready.set()
            return
        ready.set()
        self._loop.start()
        self._loop.close(all_fds=True)

    def _shutdown(self):
        self._server.unlisten()
        self._server.stop(wait=False)
        self._loop.add_callback(self._loop.stop)

    def stop(self):
        """Stop the server and its thread; the port is free afterwards."""
        if self._thread is None:
            return
        self._loop.add_callback(self._shutdown)
        self._thread.join(_THREAD_TIMEOUT)
        if self._thread.is_alive():
            raise RuntimeError("PlotServer: the server on {}:{} did not stop "
                               "within {} seconds".format(
                                   self.address, self.port, _THREAD_TIMEOUT))
        self._thread = None
        self._server = None
        self._loop = None


def serve(data, server_url):
    """Serve a plot on the server of a URL, started here if needed.

    Parameters
    ----------
    data : :class:`~blocks.plot.data.PlotData`
        The plot.
    server_url : str
        The server, e.g. ``http://localhost:5006/``; a port of 0 starts a
        server on a free port.

    Returns
    -------
    str
        The URL of the plot's page.

    """
    key = parse_server_url(server_url)
    with _SERVERS_LOCK:
        server = _SERVERS.get(key)
        if server is None:
            server = PlotServer(*key)
            _SERVERS[key] = server
        try:
            return server.add(data)
        except BaseException:
            if not server.running:
                del _SERVERS[key]
            raise


def stop_servers():
    """Stop every plot server started by this process."""
    with _SERVERS_LOCK:
        servers = list(_SERVERS.values())
        _SERVERS.clear()
    for server in servers:
        server.stop()


class PushedPlot:
    """A plot pushed to a Bokeh server that runs elsewhere.

    Start the server with ``bokeh serve`` (no application: it serves
    documents pushed to it). The figures are updated by :meth:`update`,
    which sends the new points to the server and waits for it.

    Parameters
    ----------
    data : :class:`~blocks.plot.data.PlotData`
        The plot.
    server_url : str
        The server, e.g. ``http://localhost:5006/``.

    Attributes
    ----------
    url : str
        The URL of the plot's page: the session named by the plot's slug.

    Raises
    ------
    ValueError
        If no Bokeh server answers at `server_url`.

    """
    def __init__(self, data, server_url):
        parse_server_url(server_url)
        if not server_url.endswith('/'):
            server_url += '/'
        self.document = Document()
        self.figures = LiveSession(data, self.document, period=None)
        try:
            self.session = push_session(self.document, session_id=data.slug,
                                        url=server_url)
        except OSError as exc:
            raise ValueError("Plot: no Bokeh server answers at {}; start one "
                             "with `bokeh serve`, or let Plot start its own "
                             "(start_server=True)".format(server_url)) from exc
        self.url = '{}?bokeh-session-id={}'.format(server_url, data.slug)

    def update(self):
        """Send the new points (and figures) to the server."""
        self.figures.update()
        # The client queues its messages on its own event loop, which runs
        # only while it waits for the server: wait for an answer.
        self.session.force_roundtrip()

    def close(self):
        """Close the connection to the server; the plot stays there."""
        self.session.close()
