"""`SandboxService`: the generated `flint_api.server.Service` protocol, implemented on the business rules.

The handlers are grouped by area (service_orders, service_payments, service_money) on one shared core
(service_core: transactions, idempotency, errors, envelopes); app.build_app checks the whole against the protocol.
"""

from __future__ import annotations

from .service_core import CONFLICT_MESSAGES as CONFLICT_MESSAGES
from .service_money import MoneyHandlers
from .service_orders import OrderHandlers
from .service_payments import PaymentHandlers


class SandboxService(OrderHandlers, PaymentHandlers, MoneyHandlers):
    """Every operation of the spec; construct with a Storage and (test-only) a planted.Policy."""
