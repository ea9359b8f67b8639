"""Benchmarks that print their figures and the machine they ran on."""
