"""What fills a ledger from outside the bureau's daily work: the demo campaign and replays of published data.

They drive the application's own use cases (commands through the ledger, with a
simulated recording clock); nothing here is a use case of the bureau's staff.
"""
