"""The front door: one loopback port, two services, one notion of who is calling.

Every request the server reads is handed to :class:`FrontDoor`, which sends STS's requests
(:func:`policygen.emulator.sts.is_sts_request`) to :class:`~policygen.emulator.sts.StsResponses`
and every other one to Access Analyzer's :class:`~policygen.emulator.responses.PolicyGenerationResponses`.
Both share the issued sessions, so credentials from AssumeRole act in the role's account for
Access Analyzer's calls.
"""

from __future__ import annotations

from policygen.emulator.exceptions import AccessAnalyzerError
from policygen.emulator.identity import principal_of
from policygen.emulator.models import PolicyGenerationBackend
from policygen.emulator.responses import PolicyGenerationResponses, Request, Response, check_signature
from policygen.emulator.sessions import SessionStore
from policygen.emulator.sts import StsResponses, action_of, is_sts_request
from policygen.emulator.urls import operation_of


class FrontDoor:
    """Routes a request to STS or to Access Analyzer; tells the request log who called what."""

    def __init__(self, backend: PolicyGenerationBackend, sessions: SessionStore) -> None:
        self.backend = backend
        self.sessions = sessions
        self.access_analyzer = PolicyGenerationResponses(backend, sessions)
        self.sts = StsResponses(backend, sessions)

    def dispatch(self, request: Request) -> Response:
        """Answer one request, by the service it is for."""
        if is_sts_request(request):
            return self.sts.dispatch(request)
        return self.access_analyzer.dispatch(request)

    def operation_of(self, request: Request) -> str | None:
        """The operation a request is for (an STS action, or an Access Analyzer route), or None."""
        if is_sts_request(request):
            return action_of(request)
        return operation_of(request.method, request.path)

    def caller_of(self, request: Request) -> tuple[str | None, str | None]:
        """The account and Region a request is signed for, as far as its signature tells (for the request log)."""
        try:
            credential = check_signature(request.headers, request.query)
        except AccessAnalyzerError:
            return None, None
        return principal_of(credential.access_key_id, self.backend.world, self.sessions).account, credential.region
