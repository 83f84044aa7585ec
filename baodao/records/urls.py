"""URLs of the service record: the member's phone, the scanned code, the organizer's and the
community's desk. One URL per action."""

from django.urls import path

from baodao.records.views import (
    callups,
    certificates,
    claims,
    community,
    leaders,
    ledgers,
    member,
    pairings,
    teams,
    units,
)

app_name = "records"
urlpatterns = [
    # the member, on the phone
    path("", member.home, name="home"),
    path("log/", member.log, name="log"),
    path("r/<id:pk>/", member.record, name="record"),
    path("r/<id:pk>/edit/", member.record_edit, name="record_edit"),
    # service logged against a claim of the three lists (its holder), done in the same step if wanted
    path("claims/<id:pk>/log/", claims.claim_log, name="claim_log"),
    path("activities/<id:pk>/", member.activity, name="activity"),
    path("activities/<id:pk>/signup/", member.signup, name="signup"),
    path("activities/<id:pk>/cancel/", member.cancel, name="cancel"),
    path("scan/<id:pk>/<str:action>/<int:slot>/<str:signature>/", member.scan, name="scan"),
    # 志愿服务记录证明: issued and printed; verified by anyone (no login)
    path("certificates/", certificates.certificates, name="certificates"),
    path("certificates/<id:pk>/", certificates.certificate, name="certificate"),
    path("certificates/<id:pk>/pdf/", certificates.certificate_pdf, name="certificate_pdf"),
    path("certificates/<id:pk>/revoke/", certificates.certificate_revoke, name="certificate_revoke"),
    path("v/<str:token>/", certificates.verify, name="verify"),
    # ledgers: the member's 纪实手册, the unit's branch work ledger (.xlsx or ?format=pdf)
    path("handbook/", ledgers.handbook, name="handbook"),
    path("unit-ledger/", ledgers.unit_ledger, name="unit_ledger"),
    # a unit's year and its commitments; a first secretary's year
    path("unit/", units.unit_year, name="unit_year"),
    path("unit/log/", units.unit_log, name="unit_log"),
    path("unit/teams/", units.unit_team_create, name="unit_team_create"),
    path("unit/commitments/", units.commitment_make, name="commitment_make"),
    path("commitments/<id:pk>/keep/", units.commitment_keep, name="commitment_keep"),
    path("commitments/<id:pk>/edit/", units.commitment_edit, name="commitment_edit"),
    path("commitments/<id:pk>/withdraw/", units.commitment_withdraw, name="commitment_withdraw"),
    path("first-secretary/", units.first_secretary, name="first_secretary"),
    # city leaders' weekly research visits
    path("leaders/", leaders.leaders, name="leaders"),
    path("leaders/visits/<id:pk>/decide/", leaders.visit_decide, name="visit_decide"),
    # volunteer teams
    path("teams/", teams.teams, name="teams"),
    path("teams/<id:pk>/", teams.team, name="team"),
    path("teams/<id:pk>/leader/", teams.team_leader, name="team_leader"),
    path("teams/<id:pk>/claim/", teams.team_claim, name="team_claim"),
    path("teams/join/", teams.join_list, name="join_list"),
    path("teams/<id:pk>/join/", teams.join, name="join"),
    path("teams/<id:pk>/leave/", teams.leave, name="leave"),
    # pairing (结对帮扶)
    path("pairings/", pairings.pairings, name="pairings"),
    path("pairings/<id:pk>/end/", pairings.pairing_end, name="pairing_end"),
    # urgent call-ups (应急动员)
    path("callups/", callups.callups, name="callups"),
    path("callups/<id:pk>/", callups.callup, name="callup"),
    path("callups/<id:pk>/answer/", callups.callup_answer, name="callup_answer"),
    path("callups/<id:pk>/attend/", callups.callup_attend, name="callup_attend"),
    path("callups/<id:pk>/close/", callups.callup_close, name="callup_close"),
    # organizers and community staff
    path("staff/", community.activities, name="activities"),
    path("staff/new/", community.new_activity, name="new_activity"),
    path("activities/<id:pk>/code/<str:action>/", community.code_screen, name="code"),
    path("activities/<id:pk>/attendance/", community.attendance, name="attendance"),
    path("activities/<id:pk>/close/", community.close, name="close"),
    path("activities/<id:pk>/cancel-activity/", community.cancel_activity, name="cancel_activity"),
    path("staff/pending/", community.pending, name="pending"),
    path("staff/confirm/", community.confirm, name="confirm"),
    path("r/<id:pk>/return/", community.return_record, name="return"),
]
