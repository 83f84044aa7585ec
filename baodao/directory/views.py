from django.http import HttpRequest, HttpResponse


def home(request: HttpRequest) -> HttpResponse:
    return HttpResponse("ok")


def healthz(request: HttpRequest) -> HttpResponse:
    return HttpResponse("ok")
