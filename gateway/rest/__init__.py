"""What the machine-client REST handlers share: RFC 9457 problems and Bearer API keys with scopes."""
