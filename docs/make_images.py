"""Make the pictures of ``docs/watching.rst``: ``python docs/make_images.py``.

- ``images/live_plot.png``: the live page of the page's plotting example,
  served by the Plot extension and photographed by headless Chromium;
- ``images/mlp_graph.png``: the drawing of the page's MLP and its cost.

Needs Bokeh, Chromium (or Chrome) and Graphviz.

"""
import os
import sys

import blocks  # noqa: F401 (configures Aesara before it is imported)
import numpy
import aesara
from aesara import tensor

from blocks.algorithms import GradientDescent, Scale
from blocks.bricks import MLP, Rectifier, Softmax
from blocks.bricks.cost import CategoricalCrossEntropy
from blocks.data.datasets import IterableDataset
from blocks.data.streams import DataStream
from blocks.extensions import FinishAfter
from blocks.extensions.monitoring import TrainingDataMonitoring
from blocks.extensions.plot import Plot
from blocks.main_loop import MainLoop
from blocks.model import Model
from blocks.plot.export import find_browser
from blocks.plot.server import stop_servers

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
IMAGES = os.path.join(ROOT, 'docs', 'images')
sys.path.append(ROOT)
from tests.browser import HeadlessBrowser, bokeh_state  # noqa: E402


def live_plot(path):
    a = aesara.shared(3.)
    a.name = 'a'
    x = tensor.scalar('data')
    cost = abs(x ** 2 - x ** a)
    cost.name = 'cost'
    data_stream = DataStream(IterableDataset(
        numpy.random.RandomState(1).rand(150).astype(aesara.config.floatX)))
    main_loop = MainLoop(
        model=None, data_stream=data_stream,
        algorithm=GradientDescent(cost=cost, parameters=[a],
                                  step_rule=Scale(learning_rate=0.1)),
        extensions=[FinishAfter(after_n_epochs=1),
                    TrainingDataMonitoring([cost, a], after_batch=True),
                    Plot('Plotting example', channels=[['cost'], ['a']],
                         server_url='http://localhost:0/',
                         after_batch=True)])
    main_loop.run()
    url = main_loop.find_extension('Plot').url
    # The live page talks to the server through a websocket: photograph it
    # once it has drawn its figures, in a browser driven like the tests'.
    browser = HeadlessBrowser(find_browser(), width=900, height=680)
    try:
        page = browser.open(url)
        assert bokeh_state(page, 'state.points.cost == 150') is not None
        with open(path, 'wb') as image:
            image.write(page.screenshot())
        page.close()
    finally:
        browser.close()
        stop_servers()


def mlp_graph(path):
    mlp = MLP([Rectifier(), Softmax()], [64, 100, 10])
    cost = CategoricalCrossEntropy().apply(
        tensor.lvector('targets'), mlp.apply(tensor.matrix('features')))
    Model(cost).draw(path)


if __name__ == '__main__':
    os.makedirs(IMAGES, exist_ok=True)
    live_plot(os.path.join(IMAGES, 'live_plot.png'))
    mlp_graph(os.path.join(IMAGES, 'mlp_graph.png'))
