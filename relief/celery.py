"""Celery app. Embedded default runs tasks eagerly (CELERY_TASK_ALWAYS_EAGER)."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "relief.settings")

app = Celery("relief")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
