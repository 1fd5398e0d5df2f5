"""burnwise benchmarks: `python -m bench [--mode quick|full] [--only NAME]`.

Speed and cost claims are numbers measured in one run, as ratios against a peer (Sloth's rules,
Alerta) and against a limit (the least work that produces the same output), never timed tests.
Each benchmark module has one job and a ``run(mode, workdir) -> Result`` function; the harness in
:mod:`bench.__main__` prints one table per benchmark and writes the same figures as JSON to
``bench/results/``.
"""
