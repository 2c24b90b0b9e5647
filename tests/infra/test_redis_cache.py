"""studies.infra.redis_cache: Django's Redis cache with one redis-py client per pool. No Redis
is needed here: clients connect only when a command is sent."""

import random

from studies.infra.redis_cache import RedisCacheClient

PRIMARY, REPLICAS = 6391, {6392, 6393}


def ports(client) -> int:
    return client.connection_pool.connection_kwargs["port"]


def make() -> RedisCacheClient:
    return RedisCacheClient([f"redis://127.0.0.1:{p}/0" for p in (PRIMARY, *sorted(REPLICAS))])


def test_writes_go_to_the_primary_through_one_client():
    backend = make()
    first = backend.get_client(write=True)
    assert ports(first) == PRIMARY
    assert all(backend.get_client(write=True) is first for _ in range(5))


def test_reads_still_spread_over_the_replicas_each_with_its_own_client():
    random.seed(1)  # a seed that pinned every read to one replica before
    backend = make()
    clients = [backend.get_client() for _ in range(50)]
    assert {ports(c) for c in clients} == REPLICAS
    by_port = {}
    for client in clients:
        assert by_port.setdefault(ports(client), client) is client
