"""The status tables of the master data, run by core.transitions: a member's service status (what
the member's report does when it changes is reporting's: member_set_status ends the report and
revokes an open certificate) and a roster import job, moved by the worker that runs it and by the
pages and cron that find it lost (directory.tasks)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from baodao.core.transitions import Transition, Workflow
from baodao.directory.models import ImportJob, Member, Place
from baodao.directory.signals import roster_changed


def _member_moved(row: Member, old: str, before: Member) -> None:
    """In or out of service: in or out of the coverage's denominator at the member's residence."""
    if row.residence_id is not None:
        roster_changed.send(sender=Place, places=[row.residence_id])


M = Member.Status
MANAGERS = _("党员所在单位党组织书记、居住地社区工作人员、上级管理员")
NO_CHANGE = _("该党员当前为“%(s)s”，无需调整")
MEMBER = [
    Transition("retire", (M.IN_SERVICE, M.TRANSFERRED), M.RETIRED, MANAGERS, NO_CHANGE),
    Transition("transfer", (M.IN_SERVICE, M.RETIRED), M.TRANSFERRED, MANAGERS, NO_CHANGE),
    Transition("reinstate", (M.RETIRED, M.TRANSFERRED), M.IN_SERVICE, MANAGERS, NO_CHANGE),
]
members = Workflow(Member, MEMBER, initial=(M.IN_SERVICE,), moved=_member_moved)

J = ImportJob.Status
OVER = _("该导入任务已结束")
IMPORT_JOB = [
    Transition(
        "start", (J.PENDING,), J.RUNNING, _("系统（后台服务取到任务时，只取一次）"), _("该导入任务已开始或已结束")
    ),
    # The worker's outcome is the truth even if a page took the job for lost meanwhile.
    Transition("finish", (J.RUNNING, J.FAILED), J.DONE, _("系统（导入完成时）"), OVER),
    Transition("fail", (J.RUNNING, J.FAILED), J.FAILED, _("系统（导入出错或后台服务被停止时）"), OVER),
    Transition(
        "lose",
        (J.PENDING, J.RUNNING),
        J.FAILED,
        _("系统（无法排队、排队过久或失去心跳时；打开导入页面或定时任务发现）"),
        OVER,
    ),
]
import_jobs = Workflow(ImportJob, IMPORT_JOB, initial=(J.PENDING,))
