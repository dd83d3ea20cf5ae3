"""System checks of the core settings (run by every manage.py command and `check --deploy`)."""

from django.conf import settings
from django.core.checks import Tags, Warning, register


@register(Tags.security)
def secret_key_check(app_configs, **kwargs):
    """relief.W001: the embedded key, or a short key accepted only because DEBUG=1."""
    message = getattr(settings, "SECRET_KEY_WARNING", "")
    if not message:
        return []
    return [
        Warning(
            message,
            hint="Generate one: python -c 'import secrets; print(secrets.token_urlsafe(50))'",
            id="relief.W001",
        )
    ]
