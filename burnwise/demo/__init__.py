"""`burnwise demo` and the real-process integration tests share this package.

* :mod:`~burnwise.support.processes` - start real processes, wait until ready, stop each by its pid;
* :mod:`~burnwise.demo.service` - the checkout look-alike with a switch to break it;
* :mod:`~burnwise.demo.timelapse` - the checkout spec with short windows, via the real generator;
* :mod:`~burnwise.demo.configs` - Prometheus' and Alertmanager's files for one run;
* :mod:`~burnwise.demo.stack` - the chain service -> Prometheus -> Alertmanager -> receiver -> pager;
* :mod:`~burnwise.demo.scenario` - the scripted outage, with progress output.
"""
