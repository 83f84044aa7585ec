"""URLs of 双报到: the unit secretary's, the community staff's, the admins' and the member's pages.

One URL per action: a form posts to the action it means, never to a page that dispatches on a field.
"""

from django.urls import path

from baodao.reporting.views import admin, community, member, unit

app_name = "reporting"
urlpatterns = [
    # unit secretary
    path("unit/", unit.unit_report, name="unit_report"),
    path("unit/functions/", unit.unit_functions, name="unit_functions"),
    path("ledger/", unit.ledger, name="ledger"),
    path("certificates/issue/", unit.certificates_issue, name="certificates_issue"),
    path("certificates.pdf", unit.certificates_pdf, name="certificates_pdf"),
    path("approvals/<id:pk>/approve/", unit.unit_approve, name="unit_approve"),
    path("approvals/<id:pk>/return/", unit.unit_return, name="unit_return"),
    path("approvals/mobile/<id:pk>/approve/", unit.mobile_request_approve, name="mobile_request_approve"),
    path("approvals/mobile/<id:pk>/refuse/", unit.mobile_request_refuse, name="mobile_request_refuse"),
    # community staff (agreements: units and admins read them too)
    path("pending/", community.pending, name="pending"),
    path("pending/confirm/", community.confirm_members, name="confirm_members"),
    path("reports/<id:pk>/", community.report_detail, name="report_detail"),
    path("reports/<id:pk>/return/", community.return_member, name="return_member"),
    path("unit-reports/<id:pk>/confirm/", community.unit_report_confirm, name="unit_report_confirm"),
    path("unit-reports/<id:pk>/return/", community.unit_report_return, name="unit_report_return"),
    path("agreements/", community.agreements, name="agreements"),
    path("unit/agreement/<id:pk>.pdf", community.agreement_pdf, name="agreement_pdf"),
    # admins
    path("assign/", admin.assign_list, name="assign_list"),
    path("assign/<id:pk>/", admin.assign_unit, name="assign_unit"),
    path("assign/<id:pk>/functions/", admin.assign_unit_functions, name="assign_unit_functions"),
    path("commitment/", admin.commitment, name="commitment"),
    path("commitment/reset/", admin.commitment_reset, name="commitment_reset"),
    path("members/<id:pk>/move/", admin.member_move, name="member_move"),
    path("members/<id:pk>/move/suggest/", admin.member_move_suggest, name="member_move_suggest"),
    path("members/<id:pk>/status/", admin.member_status, name="member_status"),
    path("members/<id:pk>/leave/", admin.member_leave, name="member_leave"),
    path("members/<id:pk>/leave/suggest/", admin.member_leave_suggest, name="member_leave_suggest"),
    # member, on the phone
    path("r/<str:token>/", member.register, name="register"),
    path("c/<str:code>/", member.self_report, name="self_report"),
    path("me/", member.my_report, name="my_report"),
]
