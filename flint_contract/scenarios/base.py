"""What every scenario probe gets: clients for the merchant (and the peer), flows, the spec."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

from ..flows import Flows
from ..probe_client import Collector, ProbeClient
from ..spec import Spec


@dataclass
class ProbeContext:
    client: ProbeClient
    peer: ProbeClient | None
    spec: Spec
    collector: Collector

    @property
    def flows(self) -> Flows:
        return Flows(self.client)

    def ran(self, *checks: str) -> None:
        self.collector.ran.update(checks)


Probe = Callable[[ProbeContext], None]
