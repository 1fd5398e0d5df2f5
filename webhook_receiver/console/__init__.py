"""The web console (``/ui/``): incidents, who is on call, SLO budgets and reports, in the browser.

Why inside the receiver: it reads the receiver's store and runs its commands (acknowledge, note,
resolve) in the same process, with the same token. What the receiver may not know by itself (the
SLO specs, which only the generator reads, and the reports built on them) comes in as
:class:`~burnwise.receiver.console.sources.ConsoleSources`, filled by the command line.
"""
