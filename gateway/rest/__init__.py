"""What the machine-client REST handlers share: RFC 9457 problems and Bearer API keys with scopes."""

from gateway.rest.auth import API_KEY, KEYS_ENGINE, requires
from gateway.rest.problems import error_dict, problem, problem_middleware

__all__ = ["API_KEY", "KEYS_ENGINE", "error_dict", "problem", "problem_middleware", "requires"]
