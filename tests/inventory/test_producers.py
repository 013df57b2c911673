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
    for (group, kind), producers in table.by_kind.items():
        for producer in producers:
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


def _workload(kind: str, name: str, container: dict) -> dict:
    return {"apiVersion": "batch/v1" if kind == "Job" else "apps/v1", "kind": kind,
            "metadata": {"name": name, "namespace": "argocd"},
            "spec": {"template": {"spec": {"containers": [{"name": "main", **container}]}}}}


def _secrets(doc: dict, table: Producers | None = None) -> list[str]:
    return [r.name for r in manifest_records(doc, "f.yaml", 0, None, producers=table) if isinstance(r, SecretSource)]


def test_a_workload_that_runs_a_command_makes_the_secret_its_entry_names():
    # the argo-cd chart's pre-install hook: `argocd admin redis-initial-password` creates argocd-redis
    hook = _workload("Job", "argocd-redis-secret-init", {"command": ["argocd", "admin", "redis-initial-password"]})
    assert _secrets(hook) == ["argocd-redis"]
    other = _workload("Job", "migrate-db", {"command": ["argocd", "admin", "export"]})
    assert _secrets(other) == []                      # a Job that runs something else makes nothing


def test_a_pattern_reads_a_containers_environment():
    # MetalLB's controller makes the memberlist Secret its environment names
    controller = _workload("Deployment", "lb-controller", {"env": [
        {"name": "METALLB_ML_SECRET_NAME", "value": "lb-memberlist"},
        {"name": "METALLB_DEPLOYMENT", "value": "lb-controller"}]})
    assert _secrets(controller) == ["lb-memberlist"]
    assert _secrets(_workload("Deployment", "web", {"env": [{"name": "PORT", "value": "80"}]})) == []


def test_entries_of_one_kind_that_run_different_commands_are_both_kept_and_replaced_one_by_one():
    table = Producers.shipped().with_config([
        {"group": "batch", "kind": "Job", "runs": "vault-init", "secrets": ["vault-unseal"]},
        {"group": "batch", "kind": "Job", "runs": "argocd admin redis-initial-password", "secrets": ["redis-pw"]}])
    assert _secrets(_workload("Job", "init", {"args": ["/bin/vault-init", "--quiet"]}), table) == ["vault-unseal"]
    hook = _workload("Job", "argocd-redis-secret-init", {"command": ["argocd", "admin", "redis-initial-password"]})
    assert _secrets(hook, table) == ["redis-pw"]      # the repository's entry replaced the shipped one
