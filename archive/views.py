from django.contrib.auth.decorators import login_required
from django.http import FileResponse

from archive.selectors import document_get_for_user


@login_required
def document_download(request, pk: int):
    """Serve an archived file to a user who may see its case (404 otherwise)."""
    doc = document_get_for_user(user=request.user, pk=pk)
    response = FileResponse(doc.file.open("rb"), content_type=doc.content_type)
    disposition = "attachment" if request.GET.get("download") else "inline"
    ext = doc.file.name.rsplit(".", 1)[-1]
    response["Content-Disposition"] = f'{disposition}; filename="document-{doc.pk}.{ext}"'
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response
