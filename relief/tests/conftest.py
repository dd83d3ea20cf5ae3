import pytest


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    """The demo fixture hashes a dozen passwords; PBKDF2 at full strength makes that seconds."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
