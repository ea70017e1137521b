"""Train in a process of its own, logging to an SQLite database, for the
tests of ``blocks-plot``: ``python -m tests.scripts.plot_writer DATABASE
READY GO``.

After PAUSE_AT batches it writes the file READY and waits for the file GO
to exist, then trains to NUM_BATCHES batches and exits.

"""
import os
import sys
import time

from blocks.extensions import FinishAfter, SimpleExtension
from blocks.log import SQLiteLog
from blocks.main_loop import MainLoop
from tests.extensions import FakeAlgorithm, WriteRecord, examples_stream

PAUSE_AT = 12
NUM_BATCHES = 30


class Pause(SimpleExtension):
    def __init__(self, ready, go, **kwargs):
        super().__init__(**kwargs)
        self.ready = ready
        self.go = go

    def do(self, which_callback, *args):
        with open(self.ready, 'w') as ready:
            ready.write(self.main_loop.log.h_uuid)
        deadline = time.monotonic() + 120
        while not os.path.exists(self.go):
            if time.monotonic() > deadline:
                raise RuntimeError('nobody said go')
            time.sleep(0.05)


def main(database, ready, go):
    costs = [1.0 / (index + 1) for index in range(NUM_BATCHES)]
    main_loop = MainLoop(
        FakeAlgorithm(), examples_stream(NUM_BATCHES),
        log=SQLiteLog(database),
        extensions=[FinishAfter(after_n_epochs=1),
                    WriteRecord('cost', costs, after_batch=True),
                    WriteRecord('_private', costs, after_batch=True),
                    WriteRecord('test_cost', [2.0, 1.5], after_epoch=True,
                                before_first_epoch=True),
                    Pause(ready, go, after_n_batches=PAUSE_AT)])
    main_loop.run()


if __name__ == '__main__':
    main(*sys.argv[1:])
