"""Aid is stored once, on the service record (issue 20 §5). Each record logged for a claimed item
points at its claim; the aid a claim carried (typed when its share was reported done) moves to a
record of that claim: a new pending record of no minutes, flagged so the community's staff see
where it came from and confirm it like any other (confirmed records and their counters are left
as they were). Then needs 0006 drops the claim's aid columns."""

import datetime as dt

from django.db import migrations

FLAG = {"code": "aid_from_claim", "text": "认领完成时登记的帮扶，迁入服务纪实（未登记服务时长）"}


def forwards(apps, schema_editor):
    Claim = apps.get_model("needs", "Claim")
    Record = apps.get_model("records", "Record")
    # 1. Link the records logged for an item to the claim they were done under: the member's own
    # claim on the item (the latest, when the member claimed it more than once).
    claims = Claim.objects.filter(member__isnull=False).order_by("created_at", "id")
    latest = {(c.demand_id, c.member_id): c.pk for c in claims.only("id", "demand_id", "member_id")}
    for record in Record.objects.filter(demand__isnull=False, member__isnull=False, claim__isnull=True).only(
        "id", "demand_id", "member_id"
    ):
        claim_id = latest.get((record.demand_id, record.member_id))
        if claim_id is not None:
            Record.objects.filter(pk=record.pk).update(claim_id=claim_id)
    # 2. Move each claim's aid to a record of its own.
    with_aid = Claim.objects.exclude(aid_items="", aid_money=0).select_related("demand", "member", "team")
    for c in with_aid.iterator():
        ends = c.done_at or c.progress_at or c.created_at
        if c.member_id:
            who = {"member_id": c.member_id, "unit_id": c.member.unit_id, "donor_kind": "member"}
        else:
            unit_id = c.unit_id if c.unit_id else c.team.unit_id
            who = {"member_id": None, "unit_id": unit_id, "donor_kind": "unit"}
        Record.objects.create(
            **who,
            claim_id=c.pk,
            demand_id=c.demand_id,
            community_id=c.demand.community_id,
            place_id=c.demand.place_id,
            starts_at=ends - dt.timedelta(seconds=1),
            ends_at=ends,
            minutes=0,
            content=(c.done_note or c.demand.title)[:1000],
            source="logged",
            status="pending",
            aid_items=c.aid_items,
            aid_money=c.aid_money,
            logged_by_id=c.claimed_by_id,
            flags=[FLAG],
        )


class Migration(migrations.Migration):
    dependencies = [
        ("needs", "0005_demand_status_words"),
        ("records", "0012_record_claim"),
    ]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
