"""Producers (``migrate/inventory/producers.yaml``): what an operator's object makes, by pattern."""

from __future__ import annotations

import pytest

from migrate.inventory.producers import Producers
from migrate.inventory.manifests import manifest_records
from migrate.inventory.records import SecretSource, Service

CASES = [
    # (apiVersion, kind, name, spec, services, secrets)
    ("rabbitmq.com/v1beta1", "RabbitmqCluster", "rabbitmq", {}, ["rabbitmq", "rabbitmq-nodes"],
     ["rabbitmq-default-user", "rabbitmq-erlang-cookie"]),
    ("triggers.tekton.dev/v1beta1", "EventListener", "github-listener", {}, ["el-github-listener"], []),
    ("postgresql.cnpg.io/v1", "Cluster", "db", {}, ["db-rw", "db-ro", "db-r"],
     ["db-app", "db-superuser", "db-ca", "db-server", "db-replication"]),
    ("postgresql.cnpg.io/v1", "Cluster", "db", {"bootstrap": {"initdb": {"secret": {"name": "db-owner"}}}},
     ["db-rw", "db-ro", "db-r"], ["db-app", "db-superuser", "db-ca", "db-server", "db-replication", "db-owner"]),
    ("cert-manager.io/v1", "Certificate", "web-tls", {"secretName": "web-tls-secret"}, [], ["web-tls-secret"]),
    ("external-secrets.io/v1beta1", "ExternalSecret", "api", {"target": {"name": "api-env"}}, [], ["api-env"]),
    ("external-secrets.io/v1", "ExternalSecret", "api", {}, [], ["api"]),
    ("bitnami.com/v1alpha1", "SealedSecret", "s", {"template": {"metadata": {"name": "sealed"}}}, [], ["sealed"]),
    ("kafka.strimzi.io/v1beta2", "Kafka", "events", {},
     ["events-kafka-bootstrap", "events-kafka-brokers", "events-zookeeper-client", "events-zookeeper-nodes"],
     ["events-cluster-ca-cert", "events-clients-ca-cert", "events-cluster-ca", "events-clients-ca"]),
    ("acid.zalan.do/v1", "postgresql", "acid-main", {"users": {"app": ["superuser"], "report": []}},
     ["acid-main", "acid-main-repl", "acid-main-pooler"],
     ["app.acid-main.credentials.postgresql.acid.zalan.do", "report.acid-main.credentials.postgresql.acid.zalan.do"]),
    ("postgres-operator.crunchydata.com/v1beta1", "PostgresCluster", "hippo", {"users": [{"name": "rhino"}]},
     ["hippo-primary", "hippo-replicas", "hippo-ha", "hippo-pgbouncer"], ["hippo-pguser-rhino", "hippo-pguser-hippo"]),
    ("k8s.mariadb.com/v1alpha1", "MariaDB", "maria", {"rootPasswordSecretKeyRef": {"name": "maria-root-pw"}},
     ["maria", "maria-primary", "maria-secondary", "maria-internal"], ["maria-root-pw", "maria-root"]),
    ("mongodbcommunity.mongodb.com/v1", "MongoDBCommunity", "mongo",
     {"users": [{"name": "app", "scramCredentialsSecretName": "app-scram"}]}, ["mongo-svc"],
     ["mongo-app-scram", "mongo-agent-password", "mongo-keyfile"]),
    ("redis.redis.opstreelabs.in/v1beta2", "Redis", "cache", {}, ["cache", "cache-headless", "cache-additional"], []),
    ("elasticsearch.k8s.elastic.co/v1", "Elasticsearch", "logs", {},
     ["logs-es-http", "logs-es-transport", "logs-es-internal-http"],
     ["logs-es-elastic-user", "logs-es-http-certs-public", "logs-es-http-ca-internal"]),
    ("monitoring.coreos.com/v1", "Prometheus", "k8s", {}, ["prometheus-operated"], []),
    ("secrets.hashicorp.com/v1beta1", "VaultDynamicSecret", "db", {"destination": {"name": "db-creds"}}, [],
     ["db-creds"]),
]


@pytest.mark.parametrize("api, kind, name, spec, services, secrets", CASES,
                         ids=[f"{c[1]}-{i}" for i, c in enumerate(CASES)])
def test_a_producer_makes_the_services_and_secrets_of_its_patterns(api, kind, name, spec, services, secrets):
    doc = {"apiVersion": api, "kind": kind, "metadata": {"name": name, "namespace": "data"}, "spec": spec}
    records = list(manifest_records(doc, "data/obj.yaml", 0, None))
    made = [r for r in records if isinstance(r, Service)]
    assert [s.name for s in made] == services
    assert all((s.namespace, s.made_by, s.file) == ("data", f"{kind}/{name}", "data/obj.yaml") for s in made)
    assert [s.name for s in records if isinstance(s, SecretSource)] == secrets


def test_every_shipped_entry_is_well_formed():
    table = Producers.shipped()
    assert len(table.by_kind) >= 40
    for (group, kind), producer in table.by_kind.items():
        assert group and kind and (producer.services or producer.secrets or kind in (
            "PushSecret", "Password", "ClusterGenerator")), (group, kind)


def test_the_repository_config_adds_and_replaces_producers():
    table = Producers.shipped().with_config([
        {"group": "example.com", "kind": "Broker", "services": ["{name}-amqp"], "secrets": ["{name}-credentials"]},
        {"group": "rabbitmq.com", "kind": "RabbitmqCluster", "services": ["{name}-only"]}])
    doc = {"apiVersion": "example.com/v1", "kind": "Broker", "metadata": {"name": "b"}}
    assert [r.name for r in manifest_records(doc, "f.yaml", 0, "ns", producers=table)
            if isinstance(r, (Service, SecretSource))] == ["b-amqp", "b-credentials"]
    rabbit = {"apiVersion": "rabbitmq.com/v1beta1", "kind": "RabbitmqCluster", "metadata": {"name": "r"}}
    assert [r.name for r in manifest_records(rabbit, "f.yaml", 0, "ns", producers=table)
            if isinstance(r, Service)] == ["r-only"]
