"""How pages answer: rows and what they offer, forms, refusals and redirects, middleware,
the health probes, the context every template gets, the row tokens.

Between the views (above) and the services and reads (below); it never writes the
audit trail itself: a refusal it makes is recorded by a service.
"""
