"""The HTTP side: an aiohttp application with JSON errors, and the routes features install.

create_app(*installers) -> web.Application     WebServer(app, host=, port=)
install_alertmanager_webhook(app, AlertmanagerWebhook(...))   POST /webhooks/alertmanager
"""

from aisher.web.alertmanager import (
    WEBHOOK,
    AlertmanagerWebhook,
    handle_alertmanager,
    install_alertmanager_webhook,
)
from aisher.web.errors import ErrorCode, error_response, json_errors
from aisher.web.server import Installer, WebServer, create_app

__all__ = [
    "WEBHOOK",
    "AlertmanagerWebhook",
    "ErrorCode",
    "Installer",
    "WebServer",
    "create_app",
    "error_response",
    "handle_alertmanager",
    "install_alertmanager_webhook",
    "json_errors",
]
