"""Reports from the incident log: handoff notes, postmortem drafts, regression cases, on-call load.

Why a package apart from the receiver: reports only *read* the store (its read API plus a few
SQLAlchemy Core queries of their own in :mod:`queries`), so they can run anywhere the database is
reachable, while the receiver keeps paging. Each report is a pure function from records to a
pydantic model; Markdown and JSON are renderings of that model (:mod:`markdown`).
"""
