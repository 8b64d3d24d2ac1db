"""The operator's token for the admin endpoints (anything that changes what is served).

The operator sets it in ``API_ADMIN_TOKEN``, or writes it in a file named by ``API_ADMIN_TOKEN_FILE``
(for secrets mounted as files). A request sends it as ``Authorization: Bearer <token>``; it is compared
in constant time. With no token configured the admin endpoints are off: they answer 403 and say how to
turn them on. A missing or wrong token is a 401.
"""

from __future__ import annotations

import hmac
import os
from pathlib import Path
from typing import Annotated

from fastapi import Depends, HTTPException, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

TOKEN_VARIABLE = "API_ADMIN_TOKEN"
TOKEN_FILE_VARIABLE = "API_ADMIN_TOKEN_FILE"
bearer = HTTPBearer(auto_error=False, scheme_name="adminToken", description=f"the operator's ${TOKEN_VARIABLE}")


def configured_token(environ: dict[str, str] | None = None) -> str | None:
    """The admin token the operator set (variable first, then file), or ``None`` when admin is off."""
    environ = os.environ if environ is None else environ
    token = environ.get(TOKEN_VARIABLE, "").strip()
    if not token and environ.get(TOKEN_FILE_VARIABLE):
        token = Path(environ[TOKEN_FILE_VARIABLE]).read_text().strip()
    return token or None


async def require_admin(
    request: Request, credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)]
) -> None:
    """Let the request through only with the operator's token (403 when admin is off, 401 without it)."""
    expected: str | None = request.app.state.admin_token
    if expected is None:
        raise HTTPException(
            403, f"admin endpoints are off: set {TOKEN_VARIABLE} (or {TOKEN_FILE_VARIABLE}) to turn them on"
        )
    sent = credentials.credentials if credentials is not None else ""
    if not hmac.compare_digest(sent.encode(), expected.encode()):
        raise HTTPException(401, "admin token missing or wrong", headers={"WWW-Authenticate": "Bearer"})
