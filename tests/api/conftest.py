import json

import pytest

from sejahtera.accounts.models import ApiToken
from sejahtera.accounts.tokens import create_token

ALL_SCOPES = [s.value for s in ApiToken.Scope]


@pytest.fixture
def api(client):
    """api(user, scopes=ALL) → call(method, path, body=None, key=None, **query), and
    call.post_files(path, files, key=None) for a multipart upload; each with a token of its
    own, an Idempotency-Key when ``key`` is given."""

    def as_user(user, scopes=ALL_SCOPES):
        _token, secret = create_token(user, "review", list(scopes))

        def call(method, path, body=None, key=None, **query):
            headers = {"HTTP_AUTHORIZATION": f"Bearer {secret}"}
            if key:
                headers["HTTP_IDEMPOTENCY_KEY"] = key
            if body is not None:
                return getattr(client, method)(
                    f"/api/v1{path}", json.dumps(body), content_type="application/json", **headers
                )
            return getattr(client, method)(f"/api/v1{path}", data=query or None, **headers)

        call.post_files = lambda path, files, key=None: client.post(  # type: ignore[attr-defined]
            f"/api/v1{path}",
            files,
            HTTP_AUTHORIZATION=f"Bearer {secret}",
            **({"HTTP_IDEMPOTENCY_KEY": key} if key else {}),
        )
        return call

    return as_user
