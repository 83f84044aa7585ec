"""URLs of the three lists: the resident's, the poster's (no account), the service list of members,
team leaders and unit secretaries, and the community staff's. One URL per action."""

from django.urls import path

from baodao.needs.views import common, community, member, resident, unit

app_name = "needs"
urlpatterns = [
    # resident, on the phone
    path("new/", resident.submit, name="submit"),
    path("similar/", resident.similar, name="similar"),
    path("mine/", resident.mine, name="mine"),
    path("<id:pk>/", resident.demand, name="demand"),
    path("<id:pk>/follow/", resident.follow, name="follow"),
    path("<id:pk>/accept/", resident.accept, name="accept"),
    path("<id:pk>/reopen/", resident.reopen, name="reopen"),
    path("<id:pk>/rate/", resident.rate, name="rate"),
    path("<id:pk>/withdraw/", resident.withdraw, name="withdraw"),
    path("photos/<id:pk>/", common.photo, name="photo"),
    # the community's poster, without an account
    path("c/<str:code>/", resident.poster, name="poster"),
    path("c/<str:code>/similar/", resident.poster_similar, name="poster_similar"),
    path("t/<str:token>/", resident.follow_link, name="follow_link"),
    path("t/<str:token>/accept/", resident.token_accept, name="token_accept"),
    path("t/<str:token>/reopen/", resident.token_reopen, name="token_reopen"),
    path("t/<str:token>/rate/", resident.token_rate, name="token_rate"),
    # the service list: members, team leaders, unit secretaries
    path("items/", member.items, name="items"),
    path("items/<id:pk>/", member.item, name="item"),
    path("items/<id:pk>/claim/", member.claim, name="claim"),
    path("claims/<id:pk>/withdraw/", member.withdraw, name="claim_withdraw"),
    path("claims/<id:pk>/decline/", member.decline, name="claim_decline"),
    path("claims/<id:pk>/start/", member.start, name="claim_start"),
    path("claims/<id:pk>/contact/", member.contact, name="claim_contact"),
    path("claims/<id:pk>/done/", member.done, name="claim_done"),
    # a unit's part: its secretary, the admins above it
    path("unit/", unit.unit_part, name="unit"),
    # community staff
    path("staff/", community.review, name="review"),
    path("staff/overdue/", community.overdue, name="overdue"),
    path("staff/service-list.pdf", community.ledger_pdf, name="ledger_pdf"),
    path("staff/new/", community.entry, name="entry"),
    path("staff/supply/", community.supply, name="supply"),
    path("staff/contact-readings/", community.contact_readings, name="contact_readings"),
    path("staff/import/", community.import_demands, name="import"),
    path("staff/accept-many/", community.accept_many, name="accept_many"),
    path("staff/close-many/", community.close_many, name="close_many"),
    path("staff/<id:pk>/", community.manage, name="manage"),
    path("staff/<id:pk>/accept/", community.accept, name="staff_accept"),
    path("staff/<id:pk>/reject/", community.reject, name="staff_reject"),
    path("staff/<id:pk>/merge/", community.merge, name="staff_merge"),
    path("staff/<id:pk>/dispatch/", community.dispatch, name="staff_dispatch"),
    path("staff/<id:pk>/dispatch/suggest/", community.dispatch_suggest, name="staff_dispatch_suggest"),
    path("staff/<id:pk>/category/", community.recategorize, name="staff_category"),
    path("staff/<id:pk>/unable/", community.unable, name="staff_unable"),
    path("staff/<id:pk>/close/", community.close, name="staff_close"),
]
