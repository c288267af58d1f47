"""What the machine-client REST handlers share: RFC 9457 problems, Bearer API keys with scopes, the
throttle on refused credentials, and draining request bodies at shutdown."""

from gateway.rest.apikeys import KEYS
from gateway.rest.auth import API_KEY, requires
from gateway.rest.problems import error_dict, problem, problem_middleware

__all__ = ["API_KEY", "KEYS", "error_dict", "problem", "problem_middleware", "requires"]
