"""Catalog files in the admin: upload (a dry run listing every change, then apply) and export."""
from __future__ import annotations

import hashlib

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone

from therapies.admin.forms import CatalogUploadForm
from therapies.catalog_io.export import catalog_csv_zip, catalog_export
from therapies.catalog_io.files import catalog_dumps, catalog_parse
from therapies.catalog_io.records import CatalogError
from therapies.curation.imports import catalog_import
from therapies.curation.review import is_reviewer
from therapies.models import CatalogImport

UPLOAD_SESSION_KEY = "therapies_catalog_upload"


@admin.register(CatalogImport)
class CatalogImportAdmin(admin.ModelAdmin):
    list_display = ["path", "sha256", "imported_at"]
    readonly_fields = ["path", "sha256", "imported_at"]
    change_list_template = "admin/therapies/catalogimport/change_list.html"

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def get_urls(self):
        return [
            path("upload/", self.admin_site.admin_view(self.upload_view), name="therapies_catalog_upload"),
            path("export/", self.admin_site.admin_view(self.export_view), name="therapies_catalog_export"),
        ] + super().get_urls()

    def upload_view(self, request: HttpRequest) -> HttpResponse:
        """Upload a catalog: a dry run lists every change and error; "apply" then imports it in one transaction."""
        if not is_reviewer(request.user):
            raise PermissionDenied
        form, result, errors = CatalogUploadForm(), None, []
        if request.method == "POST" and "_apply" in request.POST:
            return self._apply_upload(request)
        if request.method == "POST":
            form = CatalogUploadForm(request.POST, request.FILES)
            if form.is_valid():
                raw = form.cleaned_data["file"].read()
                name = form.cleaned_data["file"].name
                try:
                    result = catalog_import(data=catalog_parse(raw, label=name), label=name, dry_run=True)
                except CatalogError as error:
                    errors = error.errors
                if result is not None:
                    request.session[UPLOAD_SESSION_KEY] = {
                        "name": name, "text": raw.decode("utf-8"), "sha256": hashlib.sha256(raw).hexdigest(),
                        "reason": form.cleaned_data["reason"],
                    }
        context = {
            **self.admin_site.each_context(request),
            "title": "Upload a catalog",
            "opts": self.opts,
            "form": form,
            "result": result,
            "errors": errors,
            "sha256": request.session.get(UPLOAD_SESSION_KEY, {}).get("sha256", "") if result else "",
        }
        return TemplateResponse(request, "admin/therapies/catalog_upload.html", context)

    def _apply_upload(self, request: HttpRequest) -> HttpResponse:
        upload = request.session.get(UPLOAD_SESSION_KEY)
        if not upload or upload["sha256"] != request.POST.get("sha256"):
            self.message_user(request, "Upload the file again: the dry run has expired.", messages.ERROR)
            return HttpResponseRedirect(reverse("admin:therapies_catalog_upload"))
        try:
            result = catalog_import(
                data=catalog_parse(upload["text"].encode(), label=upload["name"]), label=upload["name"],
                sha256=upload["sha256"],
                user=request.user, reason=upload["reason"],
            )
        except CatalogError as error:
            for message in error.errors[:20]:
                self.message_user(request, message, messages.ERROR)
            return HttpResponseRedirect(reverse("admin:therapies_catalog_upload"))
        del request.session[UPLOAD_SESSION_KEY]
        self.message_user(request, f"Imported {upload['name']}: {result.summary()}", messages.SUCCESS)
        return HttpResponseRedirect(reverse("admin:therapies_catalogimport_changelist"))

    def export_view(self, request: HttpRequest) -> HttpResponse:
        """Download the catalog: ?as=json|csv, ?published=1 for only what the public site shows."""
        if not self.has_view_permission(request):
            raise PermissionDenied
        published_only = request.GET.get("published") == "1"
        stamp = timezone.localdate().isoformat()
        suffix = "published" if published_only else "all"
        if request.GET.get("as") == "csv":
            response = HttpResponse(catalog_csv_zip(published_only=published_only), content_type="application/zip")
            response["Content-Disposition"] = f'attachment; filename="catalog-{suffix}-{stamp}-csv.zip"'
            return response
        text = catalog_dumps(catalog_export(published_only=published_only))
        response = HttpResponse(text, content_type="application/json; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="catalog-{suffix}-{stamp}.json"'
        return response
