"""PDF documents for the household file (一户一档), rendered from HTML by WeasyPrint.

The templates extend ``pdf_base.html``, which names the Debian CJK font (fonts-noto-cjk):
without it every Chinese character would come out as an empty box.
"""

from __future__ import annotations

import contextlib
import gc
import logging
import threading
from urllib.parse import quote

import segno
from django.http import HttpResponse
from django.template.loader import render_to_string

# WeasyPrint logs every layout step of every page at INFO; a 2,000-case export would write
# hundreds of thousands of lines. Warnings (a missing image, an unknown CSS rule) still show.
logging.getLogger("weasyprint.progress").setLevel(logging.WARNING)


def qr_data_uri(text: str) -> str:
    """A QR code of ``text`` as an SVG data URI for a printed page (segno, medium error
    correction, made here: no network)."""
    return segno.make(text, error="m").svg_data_uri(scale=4, border=1)


def render_pdf(template_name: str, context: dict, *, request=None) -> bytes:
    from weasyprint import HTML  # imported late: loading pango costs start-up time

    html = render_to_string(template_name, context, request=request)
    base_url = request.build_absolute_uri("/") if request is not None else None
    return HTML(string=html, base_url=base_url).write_pdf()


_fonts = threading.local()
_gc_lock = threading.Lock()
#: [renders running now, whether the collector was on before the first of them]
_gc_pause = [0, True]


@contextlib.contextmanager
def gc_paused():
    """Run a layout and drawing without the cyclic garbage collector, then collect once.

    WeasyPrint allocates hundreds of thousands of small objects per file, so the collector
    would otherwise run many times per file (measured: about a fifth of the CPU time of a
    14-page case file). Memory freed by reference counting is freed as usual; the cycles
    left by one document are collected at its end, so memory stays bounded by one document.
    Concurrent renders (threads) share one pause: the last one to end turns it back on."""
    with _gc_lock:
        if _gc_pause[0] == 0:
            _gc_pause[1] = gc.isenabled()
            gc.disable()
        _gc_pause[0] += 1
    try:
        yield
    finally:
        with _gc_lock:
            _gc_pause[0] -= 1
            last = _gc_pause[0] == 0
            if last and _gc_pause[1]:
                gc.enable()
        if last:
            gc.collect(1)  # this document's young objects; older ones wait their usual turn


def _font_config():
    """One FontConfiguration per thread, reused for every document: a new one per document
    costs time and leaves memory behind (measured: RSS grew ~0.25 MB per case file), which
    an export of thousands of files cannot afford. Pango's font map is not thread-safe,
    hence per thread."""
    config = getattr(_fonts, "config", None)
    if config is None:
        from weasyprint.text.fonts import FontConfiguration  # imported late, as below

        config = _fonts.config = FontConfiguration()
    return config


def render_document(html: str, *, fetcher=None):
    """Lay out ``html`` (a WeasyPrint Document: pages, anchors, then ``write_pdf()``)."""
    from weasyprint import HTML  # imported late: loading pango costs start-up time

    document = HTML(string=html, url_fetcher=fetcher or ScanFetcher({}))
    return document.render(font_config=_font_config())


class ScanFetcher:
    """Resources of a generated file: uploaded images by ``archive-doc:<n>`` and inline
    ``data:`` URLs only. Nothing is fetched from the network or the file system, whatever
    text the record holds."""

    def __init__(self, images: dict):
        from weasyprint.urls import URLFetcher  # imported late, as above

        self._images = images
        self._inner = URLFetcher(allowed_protocols=("data",))
        self._fail_on_errors = False

    def __call__(self, url: str):
        from weasyprint.urls import URLFetcherResponse  # imported late, as above

        scan = self._images.get(url)
        if scan is not None:
            return URLFetcherResponse(
                url, body=scan.data, headers={"Content-Type": scan.document.content_type}
            )
        return self._inner.fetch(url)


def pdf_response(template_name: str, context: dict, *, request, filename: str) -> HttpResponse:
    response = HttpResponse(
        render_pdf(template_name, context, request=request), content_type="application/pdf"
    )
    response["Content-Disposition"] = f"inline; filename*=UTF-8''{_quote(filename)}"
    return response


def _quote(name: str) -> str:
    return quote(name)
