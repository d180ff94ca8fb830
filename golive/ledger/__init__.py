"""The ledger: what was launched where, how each gate ended, which release is live."""

from golive.ledger.store import Ledger, open_ledger

__all__ = ["Ledger", "open_ledger"]
