"""Blocks: build and train neural networks as annotated Aesara graphs."""
__version__ = '0.3.0.dev0'
