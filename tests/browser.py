"""A headless Chromium driven through the DevTools protocol, for tests.

No Selenium or driver program: Chromium is started with a remote
debugging port, pages are opened with its HTTP endpoints, and JavaScript
is evaluated in them over a websocket (Tornado's client, which Bokeh
brings along).

"""
import asyncio
import base64
import json
import os
import shutil
import subprocess
import tempfile
import time
import urllib.parse
import urllib.request

from tornado.websocket import websocket_connect

from blocks.plot.export import headless_arguments

# Seconds to wait for the browser to start and for a page to answer.
STARTUP_TIMEOUT = 60
CALL_TIMEOUT = 60


class BrowserError(RuntimeError):
    """The browser failed, or a script in a page raised."""


class HeadlessBrowser:
    """A headless Chromium process with a DevTools endpoint.

    Parameters
    ----------
    executable : str
        The browser program.
    width, height : int, optional
        The size of the pages' window.

    """
    def __init__(self, executable, width=1000, height=800):
        self.scratch = tempfile.mkdtemp(prefix='blocks-browser-')
        profile = os.path.join(self.scratch, 'profile')
        self.process = subprocess.Popen(
            [executable] + headless_arguments(profile) + [
                '--remote-debugging-port=0', '--remote-allow-origins=*',
                '--window-size={},{}'.format(width, height), 'about:blank'],
            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL)
        try:
            self.port = self._wait_for_port(profile)
        except BaseException:
            self.close()
            raise

    def _wait_for_port(self, profile):
        port_file = os.path.join(profile, 'DevToolsActivePort')
        deadline = time.monotonic() + STARTUP_TIMEOUT
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise BrowserError("the browser exited with status {}"
                                   .format(self.process.returncode))
            if os.path.exists(port_file):
                with open(port_file) as source:
                    first_line = source.readline().strip()
                if first_line.isdigit():
                    return int(first_line)
            time.sleep(0.1)
        raise BrowserError("the browser did not open its DevTools port "
                           "within {} seconds".format(STARTUP_TIMEOUT))

    def _endpoint(self, path, method='GET'):
        request = urllib.request.Request(
            'http://127.0.0.1:{}{}'.format(self.port, path), method=method)
        with urllib.request.urlopen(request, timeout=CALL_TIMEOUT) as reply:
            body = reply.read()
        return json.loads(body) if body.strip().startswith(b'{') else body

    def open(self, url):
        """Open a page in a new tab; return its :class:`Page`."""
        target = self._endpoint('/json/new?' + urllib.parse.quote(url, safe=''),
                                method='PUT')
        return Page(self, target['id'], target['webSocketDebuggerUrl'])

    def close(self):
        """End the browser process and remove its profile."""
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        shutil.rmtree(self.scratch, ignore_errors=True)


class Page:
    """A tab of a :class:`HeadlessBrowser`, with a DevTools connection."""
    def __init__(self, browser, target_id, websocket_url):
        self.browser = browser
        self.target_id = target_id
        self.loop = asyncio.new_event_loop()
        self.connection = self._run(self._connect(websocket_url))
        self.calls = 0

    @staticmethod
    async def _connect(websocket_url):
        # Awaited inside the page's own event loop, which Tornado uses.
        return await websocket_connect(websocket_url,
                                       max_message_size=64 * 2 ** 20)

    def _run(self, awaitable):
        return self.loop.run_until_complete(
            asyncio.wait_for(awaitable, CALL_TIMEOUT))

    async def _call(self, method, params):
        self.calls += 1
        call_id = self.calls
        await self.connection.write_message(json.dumps(
            {'id': call_id, 'method': method, 'params': params}))
        while True:
            message = await self.connection.read_message()
            if message is None:
                raise BrowserError("the DevTools connection closed")
            reply = json.loads(message)
            if reply.get('id') == call_id:
                if 'error' in reply:
                    raise BrowserError("{} failed: {}".format(
                        method, reply['error']))
                return reply['result']

    def call(self, method, **params):
        """Call a DevTools method of the page; return its result."""
        return self._run(self._call(method, params))

    def evaluate(self, expression):
        """Evaluate JavaScript in the page; return its value (as JSON)."""
        result = self.call('Runtime.evaluate', expression=expression,
                           returnByValue=True, awaitPromise=True)
        if 'exceptionDetails' in result:
            raise BrowserError("{!r} raised: {}".format(
                expression, result['exceptionDetails']))
        return result['result'].get('value')

    def wait_for(self, expression, timeout=30, interval=0.2):
        """Evaluate `expression` until its value is truthy; return it."""
        deadline = time.monotonic() + timeout
        while True:
            value = self.evaluate(expression)
            if value or time.monotonic() > deadline:
                return value
            time.sleep(interval)

    def screenshot(self):
        """Return a PNG image of the page, as bytes."""
        return base64.b64decode(self.call('Page.captureScreenshot',
                                          format='png')['data'])

    def close(self):
        """Close the tab and the connection."""
        self.connection.close()
        self.loop.run_until_complete(asyncio.sleep(0))
        self.loop.close()
        self.browser._endpoint('/json/close/' + self.target_id)


# What a page made by blocks.plot shows: the figures that BokehJS has
# drawn (title, width, height, in page order) and the number of points of
# each channel's data source. Null until BokehJS has drawn a figure.
BOKEH_STATE = """(() => {
  if (!window.Bokeh || !Bokeh.documents || !Bokeh.documents.length)
    return null;
  const figures = [...Bokeh.index.all_views()]
    .filter(view => view.model.type == 'Figure')
    .map(view => [view.model.title.text, view.bbox.width,
                  view.bbox.height]);
  if (!figures.length) return null;
  const points = {};
  for (const model of Bokeh.documents[0].all_models)
    if (model.type == 'ColumnDataSource' && model.name)
      points[model.name] = model.data.x.length;
  return {title: document.title, figures: figures, points: points};
})()"""


def bokeh_state(page, condition='true', timeout=30):
    """Wait until the page's plot satisfies a JavaScript condition on
    ``state`` (see :data:`BOKEH_STATE`); return the state then."""
    return page.wait_for('(state => state && ({}) ? state : null)({})'
                         .format(condition, BOKEH_STATE), timeout=timeout)
