"""Archive export: the case files of a township selection as one ZIP with a manifest, written
by a background job with progress, checksums and bounded memory."""
