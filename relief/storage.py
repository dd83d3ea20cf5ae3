"""Static files storage for production (STATIC_MANIFEST=1): WhiteNoise's hashed, compressed
files, without rewriting ``sourceMappingURL`` comments — the vendored minified files point
at .map files we do not ship, which would make ``collectstatic`` fail.

Compression is gzip only: brotli at WhiteNoise's maximum quality took over a minute of CPU
for the ~15 MB of vendored and API-doc assets on every ``collectstatic`` (each web start);
gzip takes a second and every browser accepts it. STATIC_BROTLI=1 turns brotli back on.
"""

from whitenoise.storage import CompressedManifestStaticFilesStorage

from relief.env import env_bool


def _without_source_maps(patterns):
    kept = []
    for extension, rules in patterns:
        rules = tuple(
            r for r in rules if "sourceMappingURL" not in (r[0] if isinstance(r, tuple) else r)
        )
        kept.append((extension, rules))
    return tuple(kept)


class ManifestStaticFilesStorage(CompressedManifestStaticFilesStorage):
    patterns = _without_source_maps(CompressedManifestStaticFilesStorage.patterns)

    def create_compressor(self, **kwargs):
        kwargs.setdefault("use_brotli", env_bool("STATIC_BROTLI", default=False))
        return super().create_compressor(**kwargs)
