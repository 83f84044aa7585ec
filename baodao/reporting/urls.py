"""URLs of 双报到: the unit secretary's, the community staff's, the admins' and the member's pages."""

from django.urls import path

from baodao.reporting import views

app_name = "reporting"
urlpatterns = [
    # unit secretary
    path("unit/", views.unit_report, name="unit_report"),
    path("unit/agreement/<int:pk>.pdf", views.agreement_pdf, name="agreement_pdf"),
    path("agreements/", views.agreements, name="agreements"),
    path("ledger/", views.ledger, name="ledger"),
    path("certificates/issue/", views.certificates_issue, name="certificates_issue"),
    path("certificates.pdf", views.certificates_pdf, name="certificates_pdf"),
    path("approvals/<int:pk>/", views.unit_approve, name="unit_approve"),
    path("approvals/mobile/<int:pk>/", views.mobile_request_decide, name="mobile_request_decide"),
    # community staff
    path("pending/", views.pending, name="pending"),
    path("pending/confirm/", views.confirm_members, name="confirm_members"),
    path("reports/<int:pk>/", views.report_detail, name="report_detail"),
    path("reports/<int:pk>/return/", views.return_member, name="return_member"),
    path("unit-reports/<int:pk>/decide/", views.decide_unit, name="decide_unit"),
    # admins
    path("assign/", views.assign_list, name="assign_list"),
    path("assign/<int:pk>/", views.assign_unit, name="assign_unit"),
    path("commitment/", views.commitment, name="commitment"),
    path("members/<int:pk>/manage/", views.member_manage, name="member_manage"),
    # member, on the phone
    path("r/<str:token>/", views.register, name="register"),
    path("c/<str:code>/", views.self_report, name="self_report"),
    path("me/", views.my_report, name="my_report"),
]
