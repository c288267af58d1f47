"""Typed keys for objects stored on the aiohttp application."""

from __future__ import annotations

import asyncio

from aiohttp import web

from gateway.rest.apikeys import ApiKey
from gateway.web.services import Services
from gateway.delivery.worker import Worker

SERVICES = web.AppKey("services", Services)
WORKER = web.AppKey("worker", Worker)
WORKER_TASK = web.AppKey("worker_task", asyncio.Task)
WORKER_STOP = web.AppKey("worker_stop", asyncio.Event)
API_KEY = web.RequestKey("api_key", ApiKey)
