"""The kit's scenario probes under pytest, one test per probe, against the same target."""

from __future__ import annotations

import pytest

from contract_target import Target, target
from flint_contract.preflight import check_access
from flint_contract.probe_client import Collector, ProbeClient
from flint_contract.scenarios import PROBES, ProbeContext
from flint_contract.spec import load_spec

SPEC = load_spec()


@pytest.mark.parametrize("name", sorted(PROBES))
def test_probe(name: str) -> None:
    t = target()
    if not isinstance(t, Target):
        pytest.skip(t)
    collector = Collector()
    with ProbeClient(t.base_url, t.api_key, SPEC, collector) as client:
        check_access(client, "--api-key")
        peer = ProbeClient(t.base_url, t.peer_api_key, SPEC, collector, key_var="FLINT_PEER_API_KEY") if t.peer_api_key else None
        try:
            PROBES[name](ProbeContext(client=client, peer=peer, spec=SPEC, collector=collector))
        finally:
            if peer is not None:
                peer.close()
    assert not collector.violations, "\n\n".join(v.render() for v in collector.violations)
