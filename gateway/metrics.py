"""Prometheus metrics. One registry for the process; the queue-depth gauge is read at scrape time.

Under `gateway serve` with several processes (gateway/cli/serve.py) prometheus_client runs in its
multiprocess mode: every process writes its values to files in PROMETHEUS_MULTIPROC_DIR and a
scrape, answered by any of them, sums the counters of all.
"""

import os

from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Counter, Gauge, Histogram, generate_latest
from prometheus_client.multiprocess import MultiProcessCollector

REGISTRY = CollectorRegistry(auto_describe=True)

accepted = Counter("gateway_messages_accepted_total", "Messages accepted from clients", ["category"],
                   registry=REGISTRY)
rejected = Counter("gateway_messages_rejected_total", "Message requests rejected", ["reason"],
                   registry=REGISTRY)
auth_refused = Counter("gateway_api_auth_refused_total",
                       "API requests refused for their credentials (invalid) or throttled after refusals",
                       ["outcome"], registry=REGISTRY)
sent = Counter("gateway_notifications_sent_total", "Notification e-mails accepted by the relay",
               registry=REGISTRY)
failed = Counter("gateway_notifications_failed_total", "Notifications given up (5xx or too old)",
                 registry=REGISTRY)
retried = Counter("gateway_notifications_retried_total", "Temporary send failures scheduled for retry",
                  registry=REGISTRY)
held = Counter("gateway_notifications_held_total", "Rendered notifications the guard held back",
               registry=REGISTRY)
send_latency = Histogram("gateway_send_latency_seconds", "Time for one SMTP send",
                         buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30),
                         registry=REGISTRY)
# Set from the database just before each scrape; "mostrecent": the scraping process's reading wins.
queue_depth = Gauge("gateway_outbox_queue_depth", "Notifications by status", ["status"],
                    registry=REGISTRY, multiprocess_mode="mostrecent")


def exposition() -> tuple[bytes, str]:
    """The text a scrape gets, and its content type."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        registry = CollectorRegistry()
        MultiProcessCollector(registry)
        return generate_latest(registry), CONTENT_TYPE_LATEST
    return generate_latest(REGISTRY), CONTENT_TYPE_LATEST

# Delivery feedback (issue 14).
bounces = Counter("gateway_notifications_bounced_total", "Delivery status notifications received", ["kind"],
                  registry=REGISTRY)
undeliverable = Counter("gateway_addresses_undeliverable_total",
                        "Customer addresses marked undeliverable after repeated hard bounces", registry=REGISTRY)
inbound = Counter("gateway_inbound_mail_total", "Mail received by `gateway inbound`", ["kind"], registry=REGISTRY)
auto_answers = Counter("gateway_auto_answers_sent_total", "Automatic answers to replies (RFC 3834)",
                       registry=REGISTRY)
callbacks_delivered = Counter("gateway_callbacks_delivered_total", "Status callback events delivered (2xx)",
                              registry=REGISTRY)
callbacks_retried = Counter("gateway_callbacks_retried_total", "Status callback attempts that failed and will retry",
                            registry=REGISTRY)
callbacks_failed = Counter("gateway_callbacks_failed_total", "Status callback events given up (replayable)",
                           registry=REGISTRY)
callback_queue = Gauge("gateway_callback_events", "Status callback events by status", ["status"],
                       registry=REGISTRY, multiprocess_mode="mostrecent")
