"""Which YAML texts may hold a secret value (roundtrip.secrets): never kept in an on-disk cache.

The names of Secrets and keys, and secret-looking words in comments or references, are no secret: a
values file of ``secretKeyRef`` entries is cached (most values files of a real repository are such).
"""

from __future__ import annotations

import pytest

from migrate.roundtrip.cache import cacheable
from migrate.roundtrip.secrets import may_hold_secret

SECRETS = {
    "a Secret": "apiVersion: v1\nkind: Secret\nstringData: {a: b}\n",
    "a quoted Secret kind": "kind: 'Secret'\ndata:\n  a: Yg==\n",
    "a password value": "db:\n  password: hunter2\n",
    "a quoted token": 'auth: {"token": "abc"}\n' ,
    "an env entry's value": "env:\n- name: DB_PASSWORD\n  value: hunter2\n",
    "a flow env entry": "env: [{name: API_TOKEN, value: abc}]\n",
    "a block scalar under a secret name": "tls:\n  privateKey: |\n    MIIEvQIBADANBg\n",
    "a PEM key in a ConfigMap": "data:\n  tls.pem: |\n    -----BEGIN RSA PRIVATE KEY-----\n    MIIE\n",
    "a secretGenerator literal": "secretGenerator:\n- name: creds\n  literals:\n  - user=admin\n",
    "a client secret": "oidc:\n  clientSecret: s3cr3t\n",
    "JSON in a block scalar": "data:\n  config.json: |\n    {\"db\": {\"password\": \"x\"}}\n",
    "env text in a block scalar": "data:\n  app.env: |\n    API_TOKEN=abc\n",
    "a flag's value": "args: [--token=abc]\n",
}

NO_SECRETS = {
    "a secretKeyRef": ("env:\n- name: DB_PASSWORD\n  valueFrom:\n    secretKeyRef:\n      name: db-secrets\n"
                       "      key: password\n"),
    "a Secret's name": "volumes:\n- name: git-credentials\n  secret:\n    secretName: git-credentials\n",
    "an existing Secret": "auth:\n  existingSecret: grafana-admin\n",
    "a comment": "# Vault -> Kubernetes Secret sync (mount kv)\nvaultStaticSecrets: []\n",
    "a template": "password:\n  text: '{{ get .Secrets \"password\" }}'\n",
    "flags": "createSecret: true\nenableTokenAuth: false\ntokenTTL: 3600\n",
    "a VaultStaticSecret": "apiVersion: secrets.hashicorp.com/v1beta1\nkind: VaultStaticSecret\nmetadata: {name: x}\n",
    "an empty token": "db:\n  token:\n  secrets: []\n",
}


@pytest.mark.parametrize("name", SECRETS)
def test_a_text_with_a_secret_value_is_never_cached(name):
    assert may_hold_secret(SECRETS[name]) and not cacheable(SECRETS[name])


@pytest.mark.parametrize("name", NO_SECRETS)
def test_names_of_secrets_and_words_are_no_secret(name):
    assert not may_hold_secret(NO_SECRETS[name]) and cacheable(NO_SECRETS[name])
