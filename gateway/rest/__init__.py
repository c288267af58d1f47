"""What the machine-client REST handlers share: RFC 9457 problems (`problems`), Bearer API keys with
scopes (`apikeys` stores them, `auth.requires` checks them), the throttle on refused credentials
(`throttle`), draining request bodies at shutdown (`draining`) and the runner that answers requests
which are not valid HTTP with problems too (`malformed`).

Import the modules themselves: this package imports nothing, because the CLI loads `rest.apikeys`
before `gateway serve` sets up prometheus_client's multiprocess mode, and `auth` loads the metrics
through the throttle."""
