"""The Plot extension, watched in a real (headless) browser."""
import pickle
import socket
import subprocess
import sys
import threading
import time
import urllib.request

import numpy
import pytest
import aesara
from aesara import tensor

from blocks.algorithms import GradientDescent, Scale
from blocks.data.datasets import IterableDataset
from blocks.data.streams import DataStream
from blocks.extensions import FinishAfter, SimpleExtension
from blocks.extensions.monitoring import TrainingDataMonitoring
from blocks.extensions.plot import Plot
from blocks.main_loop import MainLoop
from blocks.plot.server import stop_servers
from tests.browser import bokeh_state
from tests.extensions import FakeAlgorithm, WriteRecord, examples_stream

NUM_BATCHES = 60
PROBE_AT = 20
PICKLE_AT = 40


class PageProbe(SimpleExtension):
    """Open the plot's page in the browser during training, and remember
    what it showed then; the page stays open."""
    def __init__(self, browser, **kwargs):
        super().__init__(**kwargs)
        self.browser = browser
        self.page = None
        self.state = None

    def do(self, which_callback, *args):
        plot = self.main_loop.find_extension('Plot')
        self.page = self.browser.open(plot.url)
        self.state = bokeh_state(self.page, 'state.points.cost == {}'.format(
            self.main_loop.status['iterations_done']))

    def __getstate__(self):
        raise TypeError('the probe is not pickled')


class Pickler(SimpleExtension):
    """Pickle the main loop (without the probe), like a checkpoint."""
    def do(self, which_callback, *args):
        extensions = self.main_loop.extensions
        self.main_loop.extensions = [extension for extension in extensions
                                     if not isinstance(extension, PageProbe)]
        try:
            self.pickled = pickle.dumps(self.main_loop)
        finally:
            self.main_loop.extensions = extensions


def x_to_the_a_main_loop(extensions):
    """The spec's example: fit x ** a to x ** 2, one point per batch."""
    a = aesara.shared(numpy.float64(3.), name='a')
    x = tensor.scalar('data', dtype='float64')
    cost = abs(x ** 2 - x ** a)
    cost.name = 'cost'
    data_stream = DataStream(IterableDataset(
        numpy.random.RandomState(1).rand(NUM_BATCHES)))
    return MainLoop(
        algorithm=GradientDescent(cost=cost, parameters=[a],
                                  step_rule=Scale(learning_rate=0.1)),
        data_stream=data_stream,
        extensions=[FinishAfter(after_n_epochs=1),
                    TrainingDataMonitoring([cost, a], after_batch=True)] +
        extensions)


@pytest.fixture(scope='module')
def trained(browser):
    """Train with a Plot, looked at in the browser after PROBE_AT batches."""
    probe = PageProbe(browser, after_n_batches=PROBE_AT)
    pickler = Pickler(after_n_batches=PICKLE_AT)
    main_loop = x_to_the_a_main_loop([
        Plot('Plotting example', channels=[['cost'], ['a']],
             server_url='http://localhost:0/', after_batch=True),
        probe, pickler])
    try:
        main_loop.run()
        yield main_loop, probe, pickler
    finally:
        if probe.page is not None:
            probe.page.close()
        stop_servers()


def cost_records(log):
    return [time for time, row in log.rows() if 'cost' in row]


def port_is_free(port):
    with socket.socket() as probe:
        return probe.connect_ex(('127.0.0.1', port)) != 0


def test_plot_page_shows_the_channels_and_updates_live(trained, capsys):
    main_loop, probe, _ = trained
    plot = main_loop.find_extension('Plot')
    assert plot.url.startswith('http://localhost:')
    assert plot.url.endswith('/plotting-example')
    # What the page showed while training was at batch PROBE_AT.
    assert probe.state['title'] == 'Plotting example'
    assert [title for title, _, _ in probe.state['figures']] == ['cost', 'a']
    assert all(width > 100 and height > 100
               for _, width, height in probe.state['figures'])
    assert probe.state['points'] == {'cost': PROBE_AT, 'a': PROBE_AT}
    # The same page, never reloaded, caught up with the end of training.
    records = cost_records(main_loop.log)
    assert len(records) == NUM_BATCHES
    state = bokeh_state(probe.page, 'state.points.cost == {0} && '
                        'state.points.a == {0}'.format(len(records)),
                        timeout=10)
    assert state is not None, 'the page did not update'
    assert state['points'] == {'cost': NUM_BATCHES, 'a': NUM_BATCHES}
    assert probe.page.evaluate(
        "[...Bokeh.documents[0].all_models].filter(m => m.name == 'cost' && "
        "m.type == 'ColumnDataSource')[0].data.x.slice(0, 3)") == [1, 2, 3]


def test_server_root_lists_the_documents(trained):
    main_loop, _, _ = trained
    url = main_loop.find_extension('Plot').url
    root = url.rsplit('/', 1)[0] + '/'
    with urllib.request.urlopen(root, timeout=30) as reply:
        index = reply.read().decode()
    assert '<a href="/plotting-example">' in index


def test_resumed_run_serves_the_whole_history(trained, browser, capsys):
    main_loop, probe, pickler = trained
    # Pages open while a server restarts reconnect to the new one, which
    # Bokeh warns about; the probe's page has done its job.
    if probe.page is not None:
        probe.page.close()
        probe.page = None
    resumed = pickle.loads(pickler.pickled)
    plot = resumed.find_extension('Plot')
    assert plot._data is None and plot._pushed is None
    resumed.run()
    assert 'Plot \'Plotting example\': http://localhost:' in \
        capsys.readouterr().out
    page = browser.open(plot.url)
    try:
        state = bokeh_state(page, 'state.points.cost == {0} && '
                            'state.points.a == {0}'.format(NUM_BATCHES))
    finally:
        page.close()
    assert state is not None
    assert state['points'] == {'cost': NUM_BATCHES, 'a': NUM_BATCHES}


def test_plot_arguments_are_checked():
    with pytest.raises(TypeError, match=r"Plot 'doc': channels must be a "
                       r"list of lists of record names"):
        Plot('doc', channels='cost')
    with pytest.raises(ValueError, match="Plot 'doc': channels is empty"):
        Plot('doc', channels=[])
    with pytest.raises(ValueError, match="Plot '!!!': the document name "
                       "'!!!' has no letter or digit"):
        Plot('!!!', channels=[['cost']])
    with pytest.raises(ValueError, match="Plot 'doc': server_url must look "
                       "like 'http://localhost:5006/', got 'localhost'"):
        Plot('doc', channels=[['cost']], server_url='localhost')


def test_busy_port_is_a_clear_error():
    with socket.socket() as busy:
        busy.bind(('localhost', 0))
        busy.listen()
        port = busy.getsockname()[1]
        main_loop = MainLoop(
            FakeAlgorithm(), examples_stream(2),
            extensions=[FinishAfter(after_n_epochs=1),
                        Plot('doc', [['cost']], server_url='http://'
                             'localhost:{}/'.format(port))])
        with pytest.raises(OSError, match='cannot listen on localhost:{}'
                           .format(port)):
            main_loop.run()
    stop_servers()


def free_port():
    with socket.socket() as probe:
        probe.bind(('localhost', 0))
        return probe.getsockname()[1]


@pytest.fixture
def bokeh_serve():
    """A `bokeh serve` process with no application, as the spec's users
    would start it; the URL."""
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, '-m', 'bokeh', 'serve', '--port', str(port)],
        stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL)
    url = 'http://localhost:{}/'.format(port)
    try:
        deadline = time.monotonic() + 60
        while port_is_free(port):
            assert process.poll() is None, 'bokeh serve exited'
            assert time.monotonic() < deadline, 'bokeh serve did not start'
            time.sleep(0.2)
        yield url
    finally:
        process.terminate()
        process.wait(30)
    assert port_is_free(port)


def test_plot_pushes_to_an_existing_server(bokeh_serve, browser, capsys):
    costs = [1.0 / (index + 1) for index in range(8)]
    plot = Plot('Pushed plot', channels=[['cost', 'unknown']],
                server_url=bokeh_serve, start_server=False, after_batch=True)
    main_loop = MainLoop(
        FakeAlgorithm(), examples_stream(8),
        extensions=[FinishAfter(after_n_epochs=1),
                    WriteRecord('cost', costs, after_batch=True), plot])
    main_loop.run()
    assert plot.url == bokeh_serve + '?bokeh-session-id=pushed-plot'
    assert 'Plot \'Pushed plot\': {}'.format(plot.url) in \
        capsys.readouterr().out
    page = browser.open(plot.url)
    try:
        state = bokeh_state(page, 'state.points.cost == 8')
    finally:
        page.close()
    assert state is not None
    assert [title for title, _, _ in state['figures']] == ['cost, unknown']
    assert state['points'] == {'cost': 8, 'unknown': 0}
    plot._pushed.close()
    with pytest.raises(ValueError, match='no Bokeh server answers at '
                       'http://localhost:1/'):
        MainLoop(FakeAlgorithm(), examples_stream(1), extensions=[
            Plot('doc', [['cost']], server_url='http://localhost:1/',
                 start_server=False)]).run()


def test_no_server_is_left_running(trained):
    main_loop, _, _ = trained
    port = int(main_loop.find_extension('Plot').url.split(':')[2]
               .split('/')[0])
    stop_servers()
    assert port_is_free(port)
    assert not any(thread.name.startswith('blocks-plot-server')
                   for thread in threading.enumerate())
