"""Roster import pages: templates, upload, and the job page that follows the import's progress."""

from __future__ import annotations

from urllib.parse import quote

from django import forms
from django.contrib.auth.decorators import login_required
from django.core.files.uploadedfile import UploadedFile
from django.http import Http404, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods

from baodao.accounts.models import AuthedHttpRequest
from baodao.core.excel import XLSX_MIME, xlsx_response
from baodao.core.forms import Form
from baodao.core.http import act, page_of
from baodao.directory import access, selectors
from baodao.directory.importing import columns, jobs
from baodao.directory.importing.template import template_workbook
from baodao.directory.models import ImportJob
from baodao.directory.tasks import import_jobs_expire, job_progress

MAX_UPLOAD_MB = 50
ERRORS_ON_PAGE = 2000
XLSX_MAGIC = b"PK\x03\x04"  # an .xlsx is a zip archive


class UploadForm(Form):
    file = forms.FileField(label=gettext_lazy("Excel 文件（.xlsx）"))
    valid_only = forms.BooleanField(required=False, label=gettext_lazy("只导入校验通过的行"))

    def clean_file(self) -> UploadedFile:
        f = self.cleaned_data["file"]
        if not f.name.lower().endswith(".xlsx"):
            raise forms.ValidationError(_("请上传 .xlsx 格式的 Excel 文件（不支持 .xls、.csv 等格式）。"))
        if f.size > MAX_UPLOAD_MB * 1024 * 1024:
            raise forms.ValidationError(_("文件不能超过 %(n)s MB，请拆分后分批导入。") % {"n": MAX_UPLOAD_MB})
        head = f.read(4)
        f.seek(0)
        if head != XLSX_MAGIC:
            raise forms.ValidationError(
                _("文件内容不是 .xlsx 格式（可能是改了扩展名的 .xls 或 .csv）。请在Excel中另存为 .xlsx 后上传。")
            )
        return f


def _require_manager(request: AuthedHttpRequest) -> None:
    access.require_master_data_manager(request.user)


def _kind_or_404(kind: str) -> str:
    if kind not in columns.TEMPLATES:
        raise Http404
    return kind


@login_required
@require_GET
def index(request: AuthedHttpRequest) -> HttpResponseBase:
    _require_manager(request)
    import_jobs_expire()  # the list shows a job whose worker died as failed, not as running for ever
    kinds = [{"kind": k, "label": columns.KIND_LABELS[k], "columns": cols} for k, cols in columns.TEMPLATES.items()]
    page = page_of(request, selectors.import_jobs_of(request.user))
    jobs = [(j, columns.KIND_LABELS.get(j.kind, j.kind)) for j in page.object_list]
    return render(request, "directory/import_index.html", {"kinds": kinds, "jobs": jobs, "page": page})


@login_required
@require_GET
def template(request: AuthedHttpRequest, kind: str) -> HttpResponseBase:
    _require_manager(request)
    kind = _kind_or_404(kind)
    response = HttpResponse(template_workbook(kind, request.user), content_type=XLSX_MIME)
    filename = _("%(kind)s导入模板.xlsx") % {"kind": columns.KIND_LABELS[kind]}
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(filename)}"
    return response


@login_required
@require_http_methods(["GET", "POST"])
def upload(request: AuthedHttpRequest, kind: str) -> HttpResponse:
    _require_manager(request)
    kind = _kind_or_404(kind)
    if request.method == "POST":
        form = UploadForm(request.POST, request.FILES)
    else:
        form = UploadForm(initial={"valid_only": request.GET.get("valid_only") == "1"})
    return act(
        request,
        lambda: jobs.import_job_create(
            user=request.user, kind=kind, file=form.cleaned_data["file"], valid_only=form.cleaned_data["valid_only"]
        ),
        form=form,
        ok=None,  # the job's page says how it goes
        then=lambda job: reverse("import:job", args=[job.pk]),
        refused=lambda errors: _upload_page(request, kind, form, status=422 if errors else 200),
    )


def _upload_page(request: AuthedHttpRequest, kind: str, form: UploadForm, status: int = 200) -> HttpResponse:
    context = {"form": form, "kind": kind, "label": columns.KIND_LABELS[kind], "columns": columns.TEMPLATES[kind]}
    return render(request, "directory/import_upload.html", context, status=status)


@login_required
@require_GET
def job(request: AuthedHttpRequest, pk: int) -> HttpResponseBase:
    _require_manager(request)
    job = get_object_or_404(ImportJob, pk=pk, user=request.user)
    if not job.is_finished and import_jobs_expire(job_id=job.pk):
        job.refresh_from_db()  # its worker died: failed, with a message, and its upload deleted
    template_name = "directory/import_job_block.html" if request.htmx else "directory/import_job.html"
    return render(request, template_name, _job_facts(job))


def _job_facts(job: ImportJob) -> dict[str, object]:
    """How far the import is, and what it refused: the rows (the first ERRORS_ON_PAGE of them) or
    the file as a whole."""
    processed, total = job_progress(job) if not job.is_finished else (job.processed, job.total)
    bad_rows = len({e["row"] for e in job.errors})
    # Errors about the file as a whole (row 0: unreadable, row 1: headers or no data) are not row errors.
    file_error = job.status == ImportJob.Status.FAILED or any(e["row"] in (0, 1) for e in job.errors)
    return {
        "job": job,
        "label": columns.KIND_LABELS.get(job.kind, job.kind),
        "percent": 100 if job.is_finished else (min(100, processed * 100 // total) if total else 0),
        "errors": job.errors[:ERRORS_ON_PAGE],
        "errors_cut": len(job.errors) > ERRORS_ON_PAGE,
        "bad_rows": bad_rows,
        "file_error": file_error,
        # Re-uploading in valid-only mode makes sense when some rows passed.
        "offer_valid_only": not job.committed and not file_error and bad_rows < job.total,
    }


@login_required
@require_GET
def job_errors(request: AuthedHttpRequest, pk: int) -> HttpResponseBase:
    """Every rejected row of a job as .xlsx (the page shows the first ERRORS_ON_PAGE)."""
    _require_manager(request)
    job = get_object_or_404(ImportJob, pk=pk, user=request.user)
    rows = ([e["row"] or "", e["column"], e["message"]] for e in job.errors)
    response, _n = xlsx_response(_("导入错误-%(pk)s.xlsx") % {"pk": job.pk}, ["行号", "列", "原因"], rows, "错误")
    return response
