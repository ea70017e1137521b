"""``blocks-plot``: live pages, HTML, PNG and CSV files of a log."""
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pandas
import pytest
from PIL import Image

from blocks.extensions import FinishAfter
from blocks.extensions.saveload import Checkpoint
from blocks.log import SQLiteLog
from blocks.main_loop import MainLoop
from blocks.scripts.plot import list_runs, main
from tests.browser import bokeh_state
from tests.extensions import FakeAlgorithm, WriteRecord, examples_stream
from tests.scripts.plot_writer import NUM_BATCHES, PAUSE_AT

ROOT = Path(__file__).parents[2]


def free_port():
    with socket.socket() as probe:
        probe.bind(('localhost', 0))
        return probe.getsockname()[1]


def port_is_free(port):
    with socket.socket() as probe:
        return probe.connect_ex(('127.0.0.1', port)) != 0


def wait_for(condition, what, timeout=60):
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, what
        time.sleep(0.1)


def start(*arguments):
    return subprocess.Popen(
        [sys.executable] + list(arguments), cwd=ROOT,
        stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT, text=True)


@pytest.fixture(scope='module')
def finished_log(tmp_path_factory):
    """An SQLite log of a finished run (and an older run in the same
    database), and the run's uuid."""
    database = str(tmp_path_factory.mktemp('plot') / 'log.sqlite')
    old = SQLiteLog(database)
    old[1]['cost'] = 5.0
    log = SQLiteLog(database)
    main_loop = MainLoop(
        FakeAlgorithm(), examples_stream(10), log=log,
        extensions=[FinishAfter(after_n_epochs=1),
                    WriteRecord('cost', [1.0 / (i + 1) for i in range(10)],
                                after_batch=True),
                    WriteRecord('test_cost', [3.0, 2.0], after_epoch=True,
                                before_first_epoch=True),
                    WriteRecord('name', ['mlp'], before_training=True)])
    main_loop.run()
    assert list_runs(database) == [old.h_uuid, log.h_uuid]
    return database, log


def test_live_page_follows_a_run_in_another_process(browser, tmp_path):
    database = str(tmp_path / 'live.sqlite')
    ready, go = str(tmp_path / 'ready'), str(tmp_path / 'go')
    writer = start('-m', 'tests.scripts.plot_writer', database, ready, go)
    port = free_port()
    plotter = None
    page = None
    try:
        wait_for(lambda: os.path.exists(ready) or writer.poll() is not None,
                 'the writer did not reach its pause')
        assert writer.poll() is None, writer.stdout.read()
        plotter = start('-m', 'blocks.scripts.plot', database,
                        '--port', str(port))
        wait_for(lambda: not port_is_free(port) or plotter.poll() is not None,
                 'blocks-plot did not start serving')
        assert plotter.poll() is None, plotter.stdout.read()
        title = 'live.sqlite {}'.format(Path(ready).read_text()[:8])
        page = browser.open('http://localhost:{}/{}'.format(
            port, title.replace('.', '-').replace(' ', '-')))
        state = bokeh_state(page, 'state.points.cost == {} && '
                            'state.points.test_cost == 1'.format(PAUSE_AT))
        assert state is not None
        assert state['title'] == title
        # Every numeric record, in the order first met; _private is not.
        assert [name for name, _, _ in state['figures']] == [
            'test_cost', 'cost']
        assert state['points'] == {'test_cost': 1, 'cost': PAUSE_AT}
        Path(go).touch()
        assert writer.wait(60) == 0
        # The page was not reloaded: it updated itself.
        state = bokeh_state(page, 'state.points.cost == {} && '
                            'state.points.test_cost == 2'.format(
                                NUM_BATCHES), timeout=15)
        assert state is not None, 'the page did not update'
        assert state['points'] == {'test_cost': 2, 'cost': NUM_BATCHES}
    finally:
        if page is not None:
            page.close()
        for process in (writer, plotter):
            if process is not None and process.poll() is None:
                process.send_signal(signal.SIGINT)
    assert plotter.wait(30) == 0
    assert 'blocks-plot: stopped' in plotter.stdout.read()
    assert port_is_free(port)


def test_html_output_renders_offline(finished_log, browser, tmp_path):
    database, log = finished_log
    output = tmp_path / 'run.html'
    assert main([database, '--output', str(output),
                 '--channels', 'cost+test_cost,missing']) == 0
    html = output.read_text()
    # Self-contained: BokehJS is in the page, nothing is loaded from a URL.
    assert '<script src=' not in html and 'Bokeh' in html
    page = browser.open(output.as_uri())
    try:
        state = bokeh_state(page)
    finally:
        page.close()
    assert state['figures'][0][0] == 'cost, test_cost'
    assert state['figures'][1][0] == 'missing'
    assert state['points'] == {'cost': 10, 'test_cost': 2, 'missing': 0}


def test_png_output(finished_log, tmp_path):
    database, _ = finished_log
    output = tmp_path / 'run.png'
    assert main([database, '--output', str(output)]) == 0
    with Image.open(output) as image:
        assert image.format == 'PNG'
        assert image.size == (800, 600)
        colors = image.convert('RGB').getcolors(maxcolors=2 ** 16)
    # Not blank: the curves and the text use many colours.
    assert colors is None or len(colors) > 20
    assert [path.name for path in tmp_path.iterdir()] == ['run.png']


def test_csv_output_round_trips(finished_log, tmp_path):
    database, log = finished_log
    output = tmp_path / 'run.csv'
    assert main([database, '--csv', str(output), '--run',
                 log.h_uuid[:6]]) == 0
    frame = pandas.read_csv(output, index_col='iteration',
                            float_precision='round_trip')
    expected = log.to_dataframe()
    assert list(frame.columns) == ['cost', 'name', 'test_cost',
                                   'training_finish_requested',
                                   'training_finished']
    pandas.testing.assert_frame_equal(frame, expected, check_dtype=False)
    for time, row in log.rows():
        for name, value in row.items():
            assert frame.loc[time, name] == value


def test_checkpoint_log(tmp_path, capsys):
    path = str(tmp_path / 'model.zip')
    main_loop = MainLoop(
        FakeAlgorithm(), examples_stream(4),
        extensions=[FinishAfter(after_n_epochs=1),
                    WriteRecord('cost', [4.0, 3.0, 2.0, 1.0],
                                after_batch=True),
                    Checkpoint(path)])
    main_loop.run()
    output = tmp_path / 'cost.csv'
    assert main([path, '--csv', str(output), '--channels', 'cost',
                 '--allow', 'tests.extensions']) == 0
    assert output.read_text().splitlines() == [
        'iteration,cost', '1,4.0', '2,3.0', '3,2.0', '4,1.0']


def test_errors(finished_log, tmp_path, capsys):
    database, _ = finished_log
    assert main([str(tmp_path / 'nothing.sqlite')]) == 1
    assert 'blocks-plot: no such file' in capsys.readouterr().err
    text = tmp_path / 'notes.txt'
    text.write_text('hello')
    assert main([str(text), '--csv', 'x.csv']) == 1
    assert 'is neither an SQLite log database nor a checkpoint' in \
        capsys.readouterr().err
    assert main([database, '--run', 'ffff', '--csv', 'x.csv']) == 1
    assert "holds 0 runs whose UUID starts with 'ffff'" in \
        capsys.readouterr().err
    with pytest.raises(SystemExit):
        main([database, '--output', 'run.pdf'])
    assert '--output must end with .html or .png' in capsys.readouterr().err
    with pytest.raises(SystemExit):
        main([database, '--channels', ','])
