"""Recurrent bricks and the fused kernels that run their time loops."""
