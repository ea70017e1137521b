"""Side-by-side speed comparisons of Blocks, raw Aesara and PyTorch.

Not part of the library nor of the test run: see ``benchmarks/README.md``.

"""
